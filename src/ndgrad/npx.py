"""``ndgrad.npx``: neural-network operations outside NumPy, as MXNet's ``npx``."""

from . import _npx_random as random  # noqa: F401  (MXNet's npx.random)
from . import ops as _ops  # noqa: F401
from ._device import cpu, gpu  # noqa: F401  (re-exported: MXNet's npx.cpu, npx.gpu)
from ._registry import REGISTRY as _REGISTRY

globals().update(_REGISTRY.namespace("npx"))


def set_np(shape: bool = True, array: bool = True, dtype: bool = False) -> None:
    """Accepted for MXNet compatibility; ndgrad always has NumPy semantics, so it does
    nothing."""


def reset_np() -> None:
    """Accepted for MXNet compatibility; does nothing."""


def is_np_array() -> bool:
    return True


def num_gpus() -> int:
    """The number of GPUs arrays can be placed on: 0, since ndgrad computes with NumPy on
    the CPU (MXNet's ``npx.num_gpus``; ``npx.gpu(i)`` still names one)."""
    return 0


def waitall() -> None:
    """MXNet waits here for all asynchronous work; ndgrad computes eagerly, so it returns
    at once."""


# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted([*_REGISTRY.namespace("npx"), "set_np", "reset_np",
                                       "is_np_array", "cpu", "gpu", "num_gpus", "waitall"])
           if not name.startswith("_")]
