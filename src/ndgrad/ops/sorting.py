"""Sorting. The gradient of sort sends each output's cotangent back to the element that
landed there; elements that tie share their block's cotangents equally (API.md semantic 10),
which keeps the gradient symmetric in the tied inputs."""

from __future__ import annotations

import numpy

from .._primitive import NOTHING, primitive
from .._registry import public
from .axes import ndim_of, normalize_axis


def _gather(x, indices, inverse, axis):
    return numpy.take_along_axis(x, indices, axis=axis)


# Reorders along an axis by a permutation; its adjoint is the inverse permutation.
permute = primitive("permute", _gather, saves=NOTHING,
                    vjp=lambda g, ans, x, indices, inverse, axis: permute(
                        g, indices=inverse, inverse=indices, axis=axis))


def _average_ties(g, sorted_values, axis):
    """Replace each entry of g by the mean over its block of equal sorted values."""
    values = numpy.moveaxis(sorted_values, axis, -1)
    tied = values[..., 1:] == values[..., :-1]
    if not tied.any():
        return g
    rows = values.reshape(-1, values.shape[-1])
    starts = numpy.ones(rows.shape, dtype=bool)
    starts[:, 1:] = ~tied.reshape(rows.shape[0], -1)
    group = numpy.cumsum(starts, axis=1) - 1 + numpy.arange(rows.shape[0])[:, None] * rows.shape[1]
    flat_g = numpy.moveaxis(g, axis, -1).reshape(-1)
    sums = numpy.bincount(group.ravel(), weights=flat_g, minlength=rows.size)
    counts = numpy.bincount(group.ravel(), minlength=rows.size)
    means = (sums / numpy.maximum(counts, 1))[group].astype(g.dtype)
    return numpy.moveaxis(means.reshape(values.shape), -1, axis)


# A symmetric linear map (averaging within blocks), so it is its own adjoint.
average_ties = primitive("average_ties", _average_ties, saves=NOTHING,
                         vjp=lambda g, ans, x, sorted_values, axis: average_ties(
                             g, sorted_values=sorted_values, axis=axis))


def _sort_vjp(g, ans, x, axis):
    raw = numpy.asarray(x)
    order = numpy.argsort(raw, axis=axis, kind="stable")
    inverse = numpy.argsort(order, axis=axis, kind="stable")
    sorted_values = numpy.take_along_axis(raw, order, axis=axis)
    g = average_ties(g, sorted_values=sorted_values, axis=axis)
    return permute(g, indices=inverse, inverse=order, axis=axis)


sort_ = primitive("sort", lambda x, axis: numpy.sort(x, axis=axis, kind="stable"),
                  vjp=_sort_vjp)


@public(numpy=numpy.sort)
def sort(a, axis=-1, kind=None, order=None):
    """ndgrad's differentiable numpy.sort. Differs from NumPy only in the gradient's choice
    at ties: tied elements share their cotangents equally. ``axis=None`` sorts the
    flattened array."""
    if order is not None:
        raise NotImplementedError("sort(order=...) applies to structured arrays, which ndgrad "
                                  "does not have")
    if axis is None:
        from .shape import reshape_
        a = reshape_(a, shape=(-1,))
        axis = 0
    return sort_(a, axis=normalize_axis(axis, ndim_of(a)))


argsort_ = primitive("argsort", lambda x, axis: numpy.argsort(x, axis=axis, kind="stable"),
                     nondiff=True)


@public(numpy=numpy.argsort)
def argsort(a, axis=-1, kind=None, order=None):
    """ndgrad's numpy.argsort (integer result, no gradient; a stable sort)."""
    if axis is None:
        from .shape import reshape_
        a = reshape_(a, shape=(-1,))
        axis = 0
    return argsort_(a, axis=normalize_axis(axis, ndim_of(a)))
