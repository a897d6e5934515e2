"""``ndgrad.np.linalg``: differentiable linear algebra. Built from the registry."""

from typing import TYPE_CHECKING

from .. import ops as _ops  # noqa: F401
from .._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("np.linalg"))

if TYPE_CHECKING:
    # The registry's names that ndgrad's own modules use, declared for type checkers, which
    # cannot see what globals().update adds at import.
    from collections.abc import Callable
    from typing import Any

    norm: Callable[..., Any]
# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted(_REGISTRY.namespace("np.linalg"))
           if not name.startswith("_")]
