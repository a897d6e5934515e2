"""Sorting, partitioning and searching. The gradient of sort sends each output's cotangent
back to the element that landed there; elements that tie share their block's cotangents
equally (API.md semantic 10), which keeps the gradient symmetric in the tied inputs. The
tangent is the transpose of that: the tangent gathered by the sorting permutation, averaged
over each block of ties. partition's derivatives are sort's; argsort, argpartition,
searchsorted and nonzero give integers and no gradient."""

from __future__ import annotations

import numpy

from .._axes import ndim_of, normalize_axis
from .._ndarray import raw
from .._primitive import LINEAR, NOTHING, Primitive, primitive
from .._publish import public
from .._shaping import reshape_


def _gather(x, indices, inverse, axis):
    return numpy.take_along_axis(x, indices, axis=axis)


# Reorders along an axis by a permutation; its adjoint is the inverse permutation.
permute: Primitive = primitive("permute", _gather, saves=NOTHING, jvp=LINEAR,
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
average_ties: Primitive = primitive("average_ties", _average_ties, saves=NOTHING, jvp=LINEAR,
                                    vjp=lambda g, ans, x, sorted_values, axis: average_ties(
                                        g, sorted_values=sorted_values, axis=axis))


def _sorting(x, axis):
    """The stable sorting permutation of ``x`` along ``axis``, its inverse, and the sorted
    values (constants: where the derivatives send each element)."""
    values = numpy.asarray(raw(x))
    order = numpy.argsort(values, axis=axis, kind="stable")
    inverse = numpy.argsort(order, axis=axis, kind="stable")
    return order, inverse, numpy.take_along_axis(values, order, axis=axis)


def _sort_vjp(g, ans, x, axis):
    order, inverse, sorted_values = _sorting(x, axis)
    g = average_ties(g, sorted_values=sorted_values, axis=axis)
    return permute(g, indices=inverse, inverse=order, axis=axis)


def _sort_jvp(t, ans, x, axis):
    order, inverse, sorted_values = _sorting(x, axis)
    t = permute(t, indices=order, inverse=inverse, axis=axis)
    return average_ties(t, sorted_values=sorted_values, axis=axis)


sort_ = primitive("sort", lambda x, axis: numpy.sort(x, axis=axis, kind="stable"),
                  vjp=_sort_vjp, jvp=_sort_jvp,
                  kinks=lambda ans, x, axis: (
                      int(numpy.count_nonzero(numpy.diff(ans, axis=axis) == 0)),
                      "tied values share their gradients equally (averaged)"))


def _along(a, axis, order=None):
    """``(a, axis)`` with the axis checked, and axis=None meaning the flattened array."""
    if order is not None:
        raise NotImplementedError("order=... applies to structured arrays, which ndgrad does "
                                  "not have")
    if axis is None:
        return reshape_(a, shape=(-1,)), 0
    return a, normalize_axis(axis, ndim_of(a))


@public(numpy=numpy.sort)
def sort(a, axis=-1, kind=None, order=None):
    """ndgrad's differentiable numpy.sort. Differs from NumPy only in the gradient's choice
    at ties: tied elements share their cotangents equally. ``axis=None`` sorts the
    flattened array."""
    a, axis = _along(a, axis, order)
    return sort_(a, axis=axis)


argsort_ = primitive("argsort", lambda x, axis: numpy.argsort(x, axis=axis, kind="stable"),
                     nondiff=True)


@public(numpy=numpy.argsort)
def argsort(a, axis=-1, kind=None, order=None):
    """ndgrad's numpy.argsort (integer result, no gradient; a stable sort)."""
    a, axis = _along(a, axis, order)
    return argsort_(a, axis=axis)


def _partition_vjp(g, ans, x, kth, axis):
    """Sort's gradient, after moving g from the partitioned order to the sorted one."""
    order, inverse, _ = _sorting(ans, axis)
    return _sort_vjp(permute(g, indices=order, inverse=inverse, axis=axis), None, x, axis)


def _partition_jvp(t, ans, x, kth, axis):
    """Sort's tangent, moved from the sorted order to the partitioned one."""
    order, inverse, _ = _sorting(ans, axis)
    return permute(_sort_jvp(t, None, x, axis), indices=inverse, inverse=order, axis=axis)


partition_ = primitive("partition", lambda x, kth, axis: numpy.partition(x, kth, axis=axis),
                       saves={"inputs", "answer"}, vjp=_partition_vjp, jvp=_partition_jvp)
argpartition_ = primitive("argpartition",
                          lambda x, kth, axis: numpy.argpartition(x, kth, axis=axis),
                          nondiff=True)


def _kth(kth):
    return int(kth) if numpy.ndim(kth) == 0 else tuple(int(k) for k in kth)


@public(numpy=numpy.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """ndgrad's differentiable numpy.partition. The gradient is sort's: each output's
    cotangent goes to the element that landed there, and tied elements share equally."""
    a, axis = _along(a, axis, order)
    return partition_(a, kth=_kth(kth), axis=axis)


@public(numpy=numpy.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """ndgrad's numpy.argpartition (integer result, no gradient)."""
    a, axis = _along(a, axis, order)
    return argpartition_(a, kth=_kth(kth), axis=axis)


searchsorted_ = primitive("searchsorted", numpy.searchsorted, nondiff=True)


@public(numpy=numpy.searchsorted)
def searchsorted(a, v, side="left", sorter=None):
    """ndgrad's numpy.searchsorted (integer result, no gradient)."""
    return searchsorted_(a, v, side=side, sorter=getattr(sorter, "_data", sorter))


# one index array per dimension of the operand (n_outputs=None: as many as the call gives)
nonzero_ = primitive("nonzero", numpy.nonzero, nondiff=True, n_outputs=None)


@public(numpy=numpy.nonzero)
def nonzero(a):
    """ndgrad's numpy.nonzero: a tuple of integer arrays, one per dimension (no gradient)."""
    return nonzero_(a)
