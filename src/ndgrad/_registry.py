"""The registry: every primitive, every public function by namespace, and NumPy dispatch.
Pure tables, at the bottom of the package: ``_publish.public`` fills them.

``ndgrad.np``, ``ndgrad.npx`` and ``ndgrad.nd`` are filled from here, the ndarray's methods are
bound from here, and ``numpy.sin(x)`` on an ndarray finds ``ndgrad.np.sin`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Registry:
    def __init__(self) -> None:
        self.primitives: dict[str, Any] = {}
        self.namespaces: dict[str, dict[str, Callable[..., Any]]] = {}
        self.by_numpy: dict[Any, Callable[..., Any]] = {}
        # functions of upper floors that lower ones call, entered by their modules when they
        # are imported: "as_operand" (_shaping: a list of arrays being differentiated as one
        # recorded array, which needs the shape primitives; the primitive calls it)
        self.services: dict[str, Callable[..., Any]] = {}

    def add(self, fn: Callable[..., Any], name: str | None = None, *,
            namespaces: Iterable[str] = ("np",), numpy: Any = None) -> Callable[..., Any]:
        """Enter ``fn`` under ``name`` in each namespace; ``numpy`` (a NumPy callable or a
        tuple of them) dispatches to it from ``__array_ufunc__``/``__array_function__``."""
        name = name or fn.__name__
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


REGISTRY = Registry()
