"""The registry: every primitive, every public function by namespace, and NumPy dispatch.

``ndgrad.np``, ``ndgrad.npx`` and ``ndgrad.nd`` are filled from here, the ndarray's methods are
bound from here, and ``numpy.sin(x)`` on an ndarray finds ``ndgrad.np.sin`` here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any


class Registry:
    def __init__(self) -> None:
        self.primitives: dict[str, Any] = {}
        self.namespaces: dict[str, dict[str, Callable[..., Any]]] = {}
        self.by_numpy: dict[Any, Callable[..., Any]] = {}
        self.published: set[Any] = set()      # wrapped already: an alias is not wrapped again

    def add(self, fn: Callable[..., Any], name: str | None = None, *,
            namespaces: Iterable[str] = ("np",), numpy: Any = None) -> Callable[..., Any]:
        """Publish ``fn`` under ``name`` in each namespace; ``numpy`` (a NumPy callable or a
        tuple of them) dispatches to it from ``__array_ufunc__``/``__array_function__``."""
        name = name or fn.__name__
        if fn not in self.published:
            fn = _with_out(_packing_lists(fn))
            self.published.add(fn)
        for namespace in namespaces:
            table = self.namespaces.setdefault(namespace, {})
            if name in table and table[name] is not fn:
                raise ValueError(f"{namespace}.{name} is declared twice")
            table[name] = fn
        for numpy_fn in (numpy if isinstance(numpy, tuple) else (numpy,)):
            if numpy_fn is not None:
                self.by_numpy[numpy_fn] = fn
        return fn

    def namespace(self, name: str) -> dict[str, Callable[..., Any]]:
        return dict(self.namespaces.get(name, {}))

    def audit(self) -> list[str]:
        """Primitives declared with neither derivative rules nor ``nondiff`` (should be none)."""
        return sorted(name for name, prim in self.primitives.items()
                      if not prim.nondiff and prim.vjp is None and prim.custom_pullback is None)

    def audit_forward(self) -> list[str]:
        """Differentiable primitives with no forward-mode (JVP) rule (should be none)."""
        return sorted(name for name, prim in self.primitives.items()
                      if not prim.nondiff and not prim.has_jvp)


# Parameters whose lists are not one array written as a list: sequences of operands
# (concatenate([a, b]) with a and b of different lengths), and np.array's object (np.array
# keeps a list's history itself, and a copy of an array has none, as in MXNet).
SEQUENCE_PARAMETERS = frozenset({"arrays", "tup", "xi", "choices", "condlist", "choicelist",
                                 "arys", "args", "object"})


def _packing_lists(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` given, where it takes an array, a Python list or tuple holding arrays being
    differentiated as one recorded array (``np.sum([a, b])``, ``np.dot([a, b], c)``), never
    their data alone. Primitives do this themselves."""
    if not inspect.isfunction(fn):
        return fn
    parameters = list(inspect.signature(fn).parameters.values())
    packed_positions = []
    packed_names = set()
    rest = None                              # the *operands of einsum-like functions
    for position, parameter in enumerate(parameters):
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            rest = position if parameter.name not in SEQUENCE_PARAMETERS else None
            break
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            break
        if parameter.name in SEQUENCE_PARAMETERS:
            continue
        packed_names.add(parameter.name)
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            packed_positions.append(position)
    positions = frozenset(packed_positions)

    def packs(index: int) -> bool:
        return index in positions or (rest is not None and index >= rest)

    @functools.wraps(fn)
    def published(*args: Any, **kwargs: Any) -> Any:
        if any(type(arg) in (list, tuple) and packs(index) and holds_history(arg)
               for index, arg in enumerate(args)):
            args = tuple(as_operand(arg) if type(arg) in (list, tuple) and packs(index)
                         else arg for index, arg in enumerate(args))
        for key, value in kwargs.items():
            if type(value) in (list, tuple) and key in packed_names and holds_history(value):
                kwargs[key] = as_operand(value)
        return fn(*args, **kwargs)

    return published


def _with_out(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with NumPy's ``out=`` handled in one place, if its signature has an ``out``: the
    result is computed as usual, then written into ``out`` (``_ndarray.write_out``)."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    if "out" not in parameters:
        return fn
    # ``out`` after ``*operands`` (einsum) is keyword-only: no position to take it from.
    positional = parameters["out"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    position = list(parameters).index("out") if positional else None

    @functools.wraps(fn)
    def published(*args: Any, **kwargs: Any) -> Any:
        out = kwargs.pop("out", None)
        if position is not None and len(args) > position:
            out, args = args[position], args[:position] + (None,) + args[position + 1:]
        result = fn(*args, **kwargs)
        return result if out is None else write_out(result, out, f"{fn.__name__}")

    return published


REGISTRY = Registry()


def public(name: str | None = None, *, namespaces: Iterable[str] = ("np",),
           numpy: Any = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of ``REGISTRY.add`` for composites and NumPy-signature wrappers. The name
    it binds is the published function (with ``out=`` handled)."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        return REGISTRY.add(fn, name, namespaces=namespaces, numpy=numpy)
    return decorate


from ._ndarray import as_operand, holds_history, write_out
