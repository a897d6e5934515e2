"""``ndgrad.scipy.stats.norm``: SciPy's ``scipy.stats.norm`` methods as differentiable
functions (``from ndgrad.scipy.stats import norm; norm.logpdf(...)``). Built from the registry."""

from ... import ops as _ops  # noqa: F401  (declares the functions)
from ..._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("scipy.stats.norm"))

# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("scipy.stats.norm"))
           if not name.startswith("_")]
