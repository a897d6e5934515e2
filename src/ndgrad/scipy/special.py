"""``ndgrad.scipy.special``: SciPy's special functions, differentiable, on NumPy alone."""

from .. import ops as _ops  # noqa: F401  (declares the primitives)
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("scipy.special"))

__all__ = sorted(_REGISTRY.namespace("scipy.special"))
