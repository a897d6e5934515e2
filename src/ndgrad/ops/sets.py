"""Set routines: unique and its array-API forms, union1d, intersect1d, setdiff1d, setxor1d
and isin.

NumPy finds the answer on the raw data; ndgrad then gathers the returned values from the
input at the **first occurrence** of each (NumPy's ``return_index``), so a value's gradient
goes to that one element and its repeats get zero. This is the convention of ``x[index]``
(and of JAX's ``unique`` with a size): the values are a selection, not a sum, of the
elements. Where two inputs hold a value (union1d, intersect1d, setxor1d), it is gathered from
the first input that does. Index, inverse and count arrays are integers (no gradient); so is
anything computed from an integer or boolean input, which is returned as NumPy computes it.
"""

from __future__ import annotations

from collections import namedtuple

import numpy

from .._axes import normalize_axis
from .._ndarray import _wrap, ndarray, raw, to_numpy
from .._publish import public
from .._shaping import concatenate_, reshape_
from .creation import asarray
from .shape import getitem_

UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices",
                                                 "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def _constant(data):
    """NumPy's answer as an ndgrad array: integers, booleans, values of integer inputs."""
    return _wrap(numpy.asarray(data), ndarray)


def data_of(value):
    """The NumPy data of an argument ndgrad does not differentiate: an ndgrad array's own,
    a list's as NumPy reads it (Python floats stay float64, arrays keep their dtype)."""
    if isinstance(value, (list, tuple)) and any(isinstance(v, ndarray) for v in value):
        return to_numpy(value)
    return numpy.asarray(raw(value))


def _differentiable(a):
    return a.dtype.kind in "fc"


@public(numpy=numpy.unique)
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """ndgrad's numpy.unique, differentiable in the values: each unique value (or slice
    along ``axis``) is gathered from its first occurrence, which gets its gradient (see the
    module docstring). ``return_index``, ``return_inverse`` and ``return_counts`` add
    NumPy's integer arrays, as NumPy does."""
    a = asarray(ar)
    if not _differentiable(a):
        found = numpy.unique(a._data, return_index=return_index, return_inverse=return_inverse,
                             return_counts=return_counts, axis=axis, equal_nan=equal_nan,
                             sorted=sorted)
        return tuple(map(_constant, found)) if isinstance(found, tuple) else _constant(found)
    found = numpy.unique(a._data, return_index=True, return_inverse=return_inverse,
                         return_counts=return_counts, axis=axis, equal_nan=equal_nan,
                         sorted=sorted)
    first = found[1]
    if axis is None:
        values = getitem_(reshape_(a, shape=(-1,)), key=first)
    else:
        axis = normalize_axis(axis, a.ndim)
        values = getitem_(a, key=(slice(None),) * axis + (first,))
    extras = ([first] if return_index else []) + list(found[2:])
    if not extras:
        return values
    return (values, *map(_constant, extras))


def _unique_all_parts(x):
    values, index, inverse, counts = unique(x, return_index=True, return_inverse=True,
                                            return_counts=True, equal_nan=False)
    return values, index, inverse, counts


@public(numpy=numpy.unique_all)
def unique_all(x):
    """ndgrad's numpy.unique_all: (values, indices, inverse_indices, counts), the values
    differentiable as in unique."""
    return UniqueAllResult(*_unique_all_parts(x))


@public(numpy=numpy.unique_counts)
def unique_counts(x):
    """ndgrad's numpy.unique_counts: (values, counts), the values differentiable as in
    unique."""
    values, _, _, counts = _unique_all_parts(x)
    return UniqueCountsResult(values, counts)


@public(numpy=numpy.unique_inverse)
def unique_inverse(x):
    """ndgrad's numpy.unique_inverse: (values, inverse_indices), the values differentiable as
    in unique."""
    values, _, inverse, _ = _unique_all_parts(x)
    return UniqueInverseResult(values, inverse)


@public(numpy=numpy.unique_values)
def unique_values(x):
    """ndgrad's numpy.unique_values: the distinct values (NaNs each kept), differentiable as
    in unique. NumPy leaves their order unspecified (integers come in hash order, which is
    kept); float values are sorted, as NumPy sorts them."""
    a = asarray(x)
    if not _differentiable(a):
        return _constant(numpy.unique_values(a._data))
    return unique(a, equal_nan=False)


def _flat(a):
    return reshape_(asarray(a), shape=(-1,))


def _first_occurrences(data, assume_unique):
    """The positions of each distinct value's first occurrence in flat ``data`` (all of them
    when the caller promises the values are distinct)."""
    if assume_unique:
        return numpy.arange(data.shape[0])
    return numpy.unique(data, return_index=True)[1]


@public(numpy=numpy.union1d)
def union1d(ar1, ar2):
    """ndgrad's numpy.union1d: the sorted distinct values of both, each gathered from its
    first occurrence (in ar1 if it holds the value)."""
    return unique(concatenate_(_flat(ar1), _flat(ar2), axis=0))


@public(numpy=numpy.intersect1d)
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """ndgrad's numpy.intersect1d: the sorted values common to both, gathered from ar1 (so
    ar1's first occurrences get the gradient, ar2 none); ``return_indices`` adds NumPy's
    positions in each."""
    first, second = _flat(ar1), _flat(ar2)
    values, in_first, in_second = numpy.intersect1d(first._data, second._data, assume_unique,
                                                    return_indices=True)
    if _differentiable(first):
        values = getitem_(first, key=in_first)
    else:
        values = _constant(values)
    if return_indices:
        return values, _constant(in_first), _constant(in_second)
    return values


@public(numpy=numpy.setdiff1d)
def setdiff1d(ar1, ar2, assume_unique=False):
    """ndgrad's numpy.setdiff1d: the values of ar1 not in ar2 (distinct and sorted unless
    ``assume_unique``), gathered from ar1's first occurrences."""
    first = _flat(ar1)
    if not _differentiable(first):
        return _constant(numpy.setdiff1d(first._data, data_of(ar2), assume_unique))
    positions = _first_occurrences(first._data, assume_unique)
    kept = ~numpy.isin(first._data[positions], data_of(ar2), assume_unique=assume_unique)
    return getitem_(first, key=positions[kept])


@public(numpy=numpy.setxor1d)
def setxor1d(ar1, ar2, assume_unique=False):
    """ndgrad's numpy.setxor1d: the sorted values in exactly one of the two, each gathered
    from its first occurrence there."""
    first, second = _flat(ar1), _flat(ar2)
    source = concatenate_(first, second, axis=0)
    if not _differentiable(source):
        return _constant(numpy.setxor1d(first._data, second._data, assume_unique))
    positions = numpy.concatenate([
        _first_occurrences(first._data, assume_unique),
        _first_occurrences(second._data, assume_unique) + first.shape[0]])
    positions = positions[numpy.argsort(source._data[positions], kind="stable")]
    ordered = source._data[positions]
    # NumPy's test: a value kept is unequal to both neighbours in sorted order
    flags = numpy.concatenate(([True], ordered[1:] != ordered[:-1], [True]))
    return getitem_(source, key=positions[flags[1:] & flags[:-1]])


@public(numpy=numpy.isin)
def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """ndgrad's numpy.isin: a boolean array (no gradient)."""
    return _constant(numpy.isin(data_of(element), data_of(test_elements),
                                assume_unique=assume_unique, invert=invert, kind=kind))
