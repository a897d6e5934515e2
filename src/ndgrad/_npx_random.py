"""``ndgrad.npx.random``: MXNet's ``npx.random`` (seed, bernoulli, normal_n, uniform_n)."""

import sys

from . import ops as _ops  # noqa: F401
from ._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("npx.random"))
# npx is a module, not a package: this entry makes ``import ndgrad.npx.random`` find it
sys.modules["ndgrad.npx.random"] = sys.modules[__name__]
# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("npx.random"))
           if not name.startswith("_")]
