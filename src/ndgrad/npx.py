"""``ndgrad.npx``: neural-network operations outside NumPy, as MXNet's ``npx``."""

from . import ops as _ops  # noqa: F401
from ._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("npx"))


def set_np(shape: bool = True, array: bool = True, dtype: bool = False) -> None:
    """Accepted for MXNet compatibility; ndgrad always has NumPy semantics, so it does
    nothing."""


def reset_np() -> None:
    """Accepted for MXNet compatibility; does nothing."""


def is_np_array() -> bool:
    return True


# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted([*_REGISTRY.namespace("npx"), "set_np", "reset_np",
                                       "is_np_array"])
           if not name.startswith("_")]
