"""How a declared function becomes public: NumPy's ``out=`` handled in one place, and Python
lists of arrays being differentiated passed as one recorded array. ``public`` (a decorator)
and ``publish`` wrap a function once and enter it in the registry's tables.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from ._ndarray import holds_history, write_out
from ._primitive import published_doc
from ._registry import REGISTRY
from ._shaping import as_operand

_WRAPPED: dict[Any, Callable[..., Any]] = {}     # fn -> its public form: an alias reuses it


def publish(fn: Callable[..., Any], name: str | None = None, *,
            namespaces: Iterable[str] = ("np",), numpy: Any = None,
            aliases: Iterable[str] = ()) -> Callable[..., Any]:
    """Publish ``fn`` under ``name`` (its own by default) and each of ``aliases`` in each
    namespace, with ``out=`` and lists handled; ``numpy`` (a NumPy callable or a tuple of
    them) dispatches to it from NumPy. Returns the published function."""
    wrapped = _WRAPPED.get(fn)
    if wrapped is None:
        wrapped = _with_out(_packing_lists(fn))
        _WRAPPED[fn] = _WRAPPED[wrapped] = wrapped
    namespaces = tuple(namespaces)
    if not getattr(wrapped, "__doc__", None) and numpy is not None:
        wrapped.__doc__ = published_doc(f"{namespaces[0]}.{name or fn.__name__}", numpy,
                                        differentiable=False)
    for alias in aliases:
        REGISTRY.add(wrapped, alias, namespaces=namespaces)
    return REGISTRY.add(wrapped, name or fn.__name__, namespaces=namespaces, numpy=numpy)


def public(name: str | None = None, *, namespaces: Iterable[str] = ("np",),
           numpy: Any = None, aliases: Iterable[str] = ()
           ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of ``publish`` for composites and NumPy-signature wrappers. The name
    it binds is the published function."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        return publish(fn, name, namespaces=namespaces, numpy=numpy, aliases=aliases)
    return decorate


# Parameters whose lists are not one array written as a list: sequences of operands
# (concatenate([a, b]) with a and b of different lengths), and np.array's object (np.array
# keeps a list's history itself, and a copy of an array has none, as in MXNet).
SEQUENCE_PARAMETERS = frozenset({"arrays", "tup", "xi", "choices", "condlist", "choicelist",
                                 "arys", "args", "object"})


def _packing_lists(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` given, where it takes an array, a Python list or tuple holding arrays being
    differentiated as one recorded array (``np.sum([a, b])``, ``np.dot([a, b], c)``), never
    their data alone."""
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
