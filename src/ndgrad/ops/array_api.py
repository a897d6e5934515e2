"""NumPy 2's array-API names: the short aliases (acos, asin, atan2, pow, concat,
permute_dims, bitwise_not, ...) of functions ndgrad already differentiates, and the new
functions written with existing ops: matrix_transpose, unstack, cumulative_sum and
cumulative_prod."""

from __future__ import annotations

import numpy

from .._axes import normalize_axis
from .._publish import public, publish
from .._shaping import broadcast_to_, concatenate_, reshape_
from .creation import asarray
from .elementwise import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    invert,
    power,
)
from .joining import concatenate, vstack
from .reductions import cumprod, cumsum
from .shape import getitem_, swapaxes, transpose

# NumPy's own aliases (the same NumPy objects, so NumPy already dispatches them).
for _function, _names in ((arccos, ("acos",)), (arccosh, ("acosh",)), (arcsin, ("asin",)),
                          (arcsinh, ("asinh",)), (arctan, ("atan",)), (arctanh, ("atanh",)),
                          (arctan2, ("atan2",)), (power, ("pow",)),
                          (invert, ("bitwise_not", "bitwise_invert")),
                          (concatenate, ("concat",)), (transpose, ("permute_dims",)),
                          # deprecated by NumPy 2, which warns; ndgrad keeps it quietly
                          (vstack, ("row_stack",))):
    for _name in _names:
        publish(_function, _name)


@public(numpy=numpy.matrix_transpose)
def matrix_transpose(x, /):
    """ndgrad's differentiable numpy.matrix_transpose: the last two axes swapped."""
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {x.ndim}")
    return swapaxes(x, -1, -2)


@public(numpy=numpy.unstack)
def unstack(x, /, *, axis=0):
    """ndgrad's differentiable numpy.unstack: the slices along ``axis``, as a tuple."""
    x = asarray(x)
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis(axis, x.ndim)
    return tuple(getitem_(x, key=(slice(None),) * axis + (i,)) for i in range(x.shape[axis]))


def _cumulative(scan, initial, x, axis, dtype, include_initial, name):
    x = asarray(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{name}: for arrays which have more than one dimension "
                             "``axis`` argument is required.")
        axis = 0
    if x.ndim == 0:                       # NumPy reads a 0-d array as one element
        x = reshape_(x, shape=(1,))
    axis = normalize_axis(axis, x.ndim)
    result = scan(x, axis=axis, dtype=dtype)
    if not include_initial:
        return result
    edge = x.shape[:axis] + (1,) + x.shape[axis + 1:]
    start = broadcast_to_(numpy.array(initial, dtype=result.dtype), shape=edge)
    return concatenate_(start, result, axis=axis)


@public(numpy=numpy.cumulative_sum)
def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """ndgrad's differentiable numpy.cumulative_sum: cumsum, with a leading 0 if
    ``include_initial``; ``axis`` is needed for arrays of more than one dimension."""
    return _cumulative(cumsum, 0, x, axis, dtype, include_initial, "cumulative_sum")


@public(numpy=numpy.cumulative_prod)
def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """ndgrad's differentiable numpy.cumulative_prod: cumprod, with a leading 1 if
    ``include_initial``; ``axis`` is needed for arrays of more than one dimension."""
    return _cumulative(cumprod, 1, x, axis, dtype, include_initial, "cumulative_prod")
