"""``ndgrad.scipy.stats``: probability distributions (pdf, logpdf, cdf, ...), differentiable in their continuous arguments. Built from the registry."""

from .. import ops as _ops  # noqa: F401  (declares the primitives)
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("scipy.stats"))

# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("scipy.stats"))
           if not name.startswith("_")]
