"""Axis arguments, checked once: normalised to sorted non-negative tuples (or None = all)."""

from __future__ import annotations

from typing import Any

import numpy
from numpy.exceptions import AxisError


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints, or None for "all axes".

    Raises NumPy's AxisError for an axis out of range and ValueError for a repeated one.
    """
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    result = []
    for a in axes:
        a = as_axis(a)
        if not -ndim <= a < ndim:
            raise AxisError(a, ndim)
        result.append(a % ndim if ndim else 0)
    if len(set(result)) != len(result):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(sorted(result))


def as_axis(axis: Any) -> int:
    """An axis as NumPy takes it: an integer (a Python or NumPy int, or an integer 0-d array),
    never a float, a bool or a string (a TypeError, as NumPy's)."""
    if isinstance(axis, (bool, numpy.bool_)) or not isinstance(axis, (int, numpy.integer)):
        data = getattr(axis, "_data", None)
        if data is not None and data.ndim == 0 and data.dtype.kind in "iu":
            return int(data)
        raise TypeError(f"an axis must be an integer, not {type(axis).__name__} {axis!r}")
    return int(axis)


def normalize_axis(axis: int, ndim: int) -> int:
    """One axis as a non-negative int; AxisError when out of range."""
    axis = as_axis(axis)
    if not -ndim <= axis < ndim:
        raise AxisError(axis, ndim)
    return axis % ndim


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axes`` has with keepdims=True."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def shape_of(a: Any) -> tuple[int, ...]:
    """The shape of an ndarray, NumPy array, scalar or nested list (without NumPy dispatch)."""
    data = getattr(a, "_data", a)
    return data.shape if isinstance(data, numpy.ndarray) else numpy.shape(data)


def ndim_of(a: Any) -> int:
    return len(shape_of(a))


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """numpy.broadcast_shapes, also past the 32 dimensions where it stops (with a
    RuntimeError) to the 64 that arrays may have: NumPy's ValueError for shapes that do not
    broadcast."""
    ndim = max(map(len, shapes), default=0)
    if ndim <= 32:
        return numpy.broadcast_shapes(*shapes)
    result = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, ndim - len(shape)):
            if n != 1 and result[i] not in (1, n):
                raise ValueError("shape mismatch: objects cannot be broadcast to a single "
                                 f"shape; the shapes are {', '.join(map(str, shapes))}")
            result[i] = n if n != 1 else result[i]
    return tuple(result)

