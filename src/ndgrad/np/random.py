"""``ndgrad.np.random``: random arrays (constants: no gradient flows into a sample)."""

from .. import ops as _ops  # noqa: F401
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("np.random"))
__all__ = sorted(_REGISTRY.namespace("np.random"))
