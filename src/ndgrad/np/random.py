"""``ndgrad.np.random``: random arrays, MXNet's ``mxnet.numpy.random``; reparameterised
draws are differentiable in their parameters (``ndgrad.ops.random`` says which)."""

from .. import ops as _ops  # noqa: F401
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("np.random"))
# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("np.random"))
           if not name.startswith("_")]
