"""``ndgrad.scipy.stats.gamma``: SciPy's ``scipy.stats.gamma`` methods as differentiable
functions (``from ndgrad.scipy.stats import gamma; gamma.logpdf(...)``). Built from the registry."""

from ... import ops as _ops  # noqa: F401  (declares the functions)
from ..._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("scipy.stats.gamma"))

# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("scipy.stats.gamma"))
           if not name.startswith("_")]
