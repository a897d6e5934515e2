"""``ndgrad.scipy.integrate``: ODE integration with adjoint gradients. Built from the registry."""

from .. import ops as _ops  # noqa: F401  (declares the primitives)
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("scipy.integrate"))

# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("scipy.integrate"))
           if not name.startswith("_")]
