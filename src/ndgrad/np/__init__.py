"""``ndgrad.np``: NumPy's interface, differentiable. Built from the registry."""

from typing import TYPE_CHECKING

import numpy as _numpy

from .. import _methods  # noqa: F401  (declares the primitives, binds the operators)
from .. import io as _io  # noqa: F401  (declares np.save/load/savez/from_dlpack, npx.save/load)
from .._ndarray import ndarray  # noqa: F401  (public name)
from .._registry import REGISTRY as _REGISTRY
from . import fft, linalg, random  # noqa: F401

globals().update(_REGISTRY.namespace("np"))

if TYPE_CHECKING:
    # The registry's names that ndgrad's own modules use, declared for type checkers, which
    # cannot see what globals().update adds at import.
    from collections.abc import Callable
    from typing import Any

    array: Callable[..., Any]
    asarray: Callable[..., Any]
    concatenate: Callable[..., Any]
    moveaxis: Callable[..., Any]
    reshape: Callable[..., Any]
    stack: Callable[..., Any]
    take: Callable[..., Any]
    zeros_like: Callable[..., Any]

# Constants and dtypes, NumPy's own objects.
pi, e, inf, nan, newaxis = _numpy.pi, _numpy.e, _numpy.inf, _numpy.nan, _numpy.newaxis
float16, float32, float64 = _numpy.float16, _numpy.float32, _numpy.float64
int8, int16, int32, int64 = _numpy.int8, _numpy.int16, _numpy.int32, _numpy.int64
uint8, bool_, dtype = _numpy.uint8, _numpy.bool_, _numpy.dtype

# the registry's public names, known only at import (a comprehension: ruff's dynamic form)
__all__ = [name for name in sorted([*_REGISTRY.namespace("np"),
                                    "ndarray", "fft", "linalg", "random", "pi", "e", "inf", "nan",
                                    "newaxis", "float16", "float32", "float64", "int8", "int16",
                                    "int32", "int64", "uint8", "bool_", "dtype"])
           if not name.startswith("_")]
