"""Shape primitives: reshape, transpose, broadcasting and its undoing, dtype casts, copies.

All are linear, so each rule applies the adjoint shape operation to ``g``.
"""

from __future__ import annotations

import numpy

from .._ndarray import ndarray
from .._primitive import NOTHING, SHAPES, primitive
from .._registry import REGISTRY, public
from .._state import STATE
from .axes import ndim_of, normalize_axis, shape_of


def _sum_to_shape(g, shape):
    """Sum a broadcast array down to ``shape`` (the adjoint of broadcast_to)."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if lead or g.shape != shape else g


def _broadcast_to(x, shape):
    view = numpy.broadcast_to(x, shape)
    # First-order rules only read their arguments, so the read-only view (no memory) serves;
    # an array a user may hold and write into is a copy.
    return view if STATE.raw_rules else numpy.array(view)


reshape_ = primitive("reshape", numpy.reshape, saves=SHAPES, view=True,
                     vjp=lambda g, ans, x, shape: reshape_(g, shape=x.shape))
transpose_ = primitive("transpose", numpy.transpose, saves=NOTHING, view=True,
                       vjp=lambda g, ans, x, axes: transpose_(
                           g, axes=tuple(numpy.argsort(axes))))
broadcast_to_ = primitive("broadcast_to", _broadcast_to, saves=SHAPES,
                          vjp=lambda g, ans, x, shape: sum_to_shape(g, shape=x.shape))
sum_to_shape = primitive("sum_to_shape", _sum_to_shape, saves=SHAPES,
                         vjp=lambda g, ans, x, shape: broadcast_to_(g, shape=x.shape))
astype_ = primitive("astype", lambda x, dtype: x.astype(dtype), saves=SHAPES,
                    vjp=lambda g, ans, x, dtype: astype_(g, dtype=x.dtype))
copy_ = primitive("copy", numpy.copy, saves=NOTHING, vjp=lambda g, ans, x: g)


def astype(x, dtype, copy=True):
    """``x.astype(dtype)``: differentiable between float dtypes (the gradient is cast back);
    a cast to an integer or bool dtype gives a result with no gradient."""
    dtype = numpy.dtype(dtype)
    if not copy and x.dtype == dtype:
        return x
    return astype_(x, dtype=dtype)


@public(numpy=numpy.reshape)
def reshape(a, newshape=None, order="C", *, shape=None):
    """ndgrad's differentiable numpy.reshape (C order only)."""
    if order != "C":
        raise NotImplementedError("ndgrad's reshape supports order='C' only")
    target = shape if shape is not None else newshape
    if target is None:
        raise TypeError("reshape() needs the new shape")
    target = (target,) if isinstance(target, (int, numpy.integer)) else tuple(target)
    target = numpy.empty(shape_of(a), dtype=numpy.bool_).reshape(target).shape
    return reshape_(a, shape=target)


@public(numpy=numpy.transpose)
def transpose(a, axes=None):
    """ndgrad's differentiable numpy.transpose."""
    ndim = ndim_of(a)
    if axes is None:
        axes = tuple(range(ndim))[::-1]
    else:
        axes = tuple(normalize_axis(i, ndim) for i in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"axes {axes} don't match an array of {ndim} dimensions")
    return transpose_(a, axes=axes)


@public(numpy=numpy.swapaxes)
def swapaxes(a, axis1, axis2):
    """ndgrad's differentiable numpy.swapaxes."""
    ndim = ndim_of(a)
    axes = list(range(ndim))
    i, j = normalize_axis(axis1, ndim), normalize_axis(axis2, ndim)
    axes[i], axes[j] = axes[j], axes[i]
    return transpose_(a, axes=tuple(axes))


@public(numpy=numpy.broadcast_to)
def broadcast_to(array, shape):
    """ndgrad's differentiable numpy.broadcast_to (returns a writable copy)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    numpy.broadcast_shapes(shape_of(array), shape)   # NumPy's error for incompatible shapes
    return broadcast_to_(array, shape=shape)


@public(numpy=numpy.expand_dims)
def expand_dims(a, axis):
    """ndgrad's differentiable numpy.expand_dims."""
    shape = numpy.expand_dims(numpy.empty(shape_of(a), dtype=numpy.bool_), axis).shape
    return reshape_(a, shape=shape)


@public(numpy=numpy.squeeze)
def squeeze(a, axis=None):
    """ndgrad's differentiable numpy.squeeze."""
    shape = numpy.squeeze(numpy.empty(shape_of(a), dtype=numpy.bool_), axis).shape
    return reshape_(a, shape=shape)


@public(numpy=numpy.ravel)
def ravel(a, order="C"):
    """ndgrad's differentiable numpy.ravel (C order only)."""
    return reshape(a, (-1,), order)


@public()
def flatten(a, order="C"):
    """``a.flatten()``: a one-dimensional copy."""
    return copy_(ravel(a, order))


@public(numpy=numpy.copy)
def copy(a, order="K"):
    """ndgrad's differentiable numpy.copy: a new array; gradients flow through it."""
    return copy_(a)


@public(numpy=numpy.shape)
def shape(a):
    """ndgrad's numpy.shape."""
    return shape_of(a)


@public(numpy=numpy.ndim)
def ndim(a):
    """ndgrad's numpy.ndim."""
    return ndim_of(a)


@public(numpy=numpy.size)
def size(a, axis=None):
    """ndgrad's numpy.size."""
    return numpy.size(getattr(a, "_data", a), axis)


REGISTRY.add(astype)


def _is_basic_index(key):
    """True for indices of ints, slices, Ellipsis and None only (no repeated elements)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, numpy.integer, slice))
               for p in parts)


def _scatter_add(g, shape, key, basic):
    """Zeros of ``shape`` with ``g`` added at ``key``; repeated indices accumulate."""
    out = numpy.zeros(shape, dtype=g.dtype)
    if basic:
        out[key] = g
    else:
        numpy.add.at(out, key, g)
    return out


scatter_add = primitive("scatter_add", _scatter_add, saves=NOTHING,
                        vjp=lambda g, ans, x, shape, key, basic: getitem_(g, key=key))
getitem_ = primitive("getitem", lambda x, key: x[key], saves=SHAPES, view=True,
                     vjp=lambda g, ans, x, key: scatter_add(
                         g, shape=x.shape, key=key, basic=_is_basic_index(key)))


def _index_of(key):
    """An index with ndgrad arrays unwrapped and boolean masks turned into integer arrays
    (so one code path handles masks, and scatter_add accumulates)."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for part in parts:
        if isinstance(part, ndarray):
            part = part._data
        if isinstance(part, list):
            part = numpy.asarray(part)
            if part.dtype.kind == "f" and part.size == 0:
                part = part.astype(numpy.intp)
        if isinstance(part, numpy.ndarray):
            if part.dtype == numpy.bool_:
                if part.ndim:               # a 0-d mask (x[True]) adds an axis: NumPy's job
                    out.extend(numpy.nonzero(part))
                    continue
            elif part.dtype.kind not in "iu":
                raise IndexError(f"arrays used as indices must be of integer or boolean "
                                 f"type, not {part.dtype}")
        out.append(part)
    return tuple(out) if isinstance(key, tuple) or len(out) != 1 else out[0]


@public("_getitem", namespaces=("ndarray",))
def getitem(a, key):
    """``a[key]``: basic slicing, integer arrays and boolean masks, differentiable.

    Repeated integer indices accumulate their gradients."""
    return getitem_(a, key=_index_of(key))
