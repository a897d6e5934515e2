"""``ndgrad.np.linalg``: differentiable linear algebra. Built from the registry."""

from .. import ops as _ops  # noqa: F401
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("np.linalg"))
__all__ = sorted(_REGISTRY.namespace("np.linalg"))
