"""``ndgrad.scipy.stats.multivariate_normal``: SciPy's ``scipy.stats.multivariate_normal`` methods as differentiable
functions (``from ndgrad.scipy.stats import multivariate_normal; multivariate_normal.logpdf(...)``). Built from the registry."""

from ... import ops as _ops  # noqa: F401  (declares the functions)
from ..._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("scipy.stats.multivariate_normal"))

# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("scipy.stats.multivariate_normal"))
           if not name.startswith("_")]
