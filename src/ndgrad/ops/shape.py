"""Shape and indexing primitives: reshape, transpose, broadcasting and its undoing, dtype
casts, copies, reversal and rolls, diagonals and triangles, indexing and the functional index
updates of ``x.at[...]``.

All are linear, so each VJP rule applies the adjoint shape operation to ``g`` and each JVP
is the operation applied to the tangent (``jvp=LINEAR``); the index updates, whose written
values may be constants of any dtype, give such an operand a zero tangent themselves.
"""

from __future__ import annotations

import warnings

import numpy
from numpy.exceptions import AxisError

from .._axes import broadcast_shapes, ndim_of, normalize_axes, normalize_axis, shape_of
from .._ndarray import _wrap, integral_index, ndarray, prepare_write
from .._primitive import LINEAR, NOTHING, SHAPES, Primitive, primitive
from .._publish import public
from .._shaping import astype_, broadcast_to_, reshape_, transpose_
from ..errors import InPlaceModifiedError
from .creation import asarray

copy_ = primitive("copy", numpy.copy, saves=NOTHING, jvp=LINEAR, vjp=lambda g, ans, x: g)


@public()
def astype(x, dtype, copy=True):
    """``x.astype(dtype)``: differentiable between float dtypes (the gradient is cast back);
    a cast to an integer or bool dtype gives a result with no gradient."""
    if not isinstance(x, (ndarray, numpy.ndarray, numpy.generic)):
        x = asarray(x)          # a list or a number (np.astype([1, 2], "int8"))
    dtype = numpy.dtype(dtype)
    if not copy and x.dtype == dtype:
        return x
    if x.dtype.kind == "c" and dtype.kind != "c":
        # NumPy's warning: the imaginary part is dropped (np.real(x) says so on purpose)
        warnings.warn("Casting complex values to real discards the imaginary part",
                      numpy.exceptions.ComplexWarning, stacklevel=2)
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
    broadcast_shapes(shape_of(array), shape)   # NumPy's error for incompatible shapes
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



def _is_basic_index(key):
    """True for indices of ints, slices, Ellipsis and None only (no repeated elements)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, numpy.integer, slice))
               for p in parts)


def _added_at(out, key, values, basic):
    """``out`` with ``values`` added at ``key``, in place; repeated indices accumulate."""
    if basic:
        out[key] += values
    else:
        numpy.add.at(out, key, values)
    return out


def _scatter_add(g, shape, key, basic):
    """Zeros of ``shape`` with ``g`` added at ``key``; repeated indices accumulate."""
    return _added_at(numpy.zeros(shape, dtype=g.dtype), key, g, basic)


scatter_add = primitive("scatter_add", _scatter_add, saves=NOTHING, jvp=LINEAR,
                        vjp=lambda g, ans, x, shape, key, basic: getitem_(g, key=key))
getitem_: Primitive = primitive(
    "getitem", lambda x, key: x[key], saves=SHAPES, view=True, jvp=LINEAR,
    vjp=lambda g, ans, x, key: scatter_add(
        g, shape=x.shape, key=key, basic=_is_basic_index(key)))


def _index_of(key):
    """An index with ndgrad arrays unwrapped, float arrays of whole numbers made integer
    arrays (as MXNet takes them) and boolean masks turned into integer arrays (so one code
    path handles masks, and scatter_add accumulates)."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for part in parts:
        if isinstance(part, ndarray):
            part = part._data
        if isinstance(part, list):
            part = numpy.asarray(part)      # an empty list is float64: whole, so intp below
        part = integral_index(part)         # MXNet's float labels as indices
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
    if not isinstance(a, ndarray):
        a = asarray(a)          # the array before the index, as NumPy checks them
    return getitem_(a, key=_index_of(key))


# -- functional index updates: x.at[index].set(values) / .add(values) -------------------------
def _index_set(x, values, key, basic):
    out = x.copy()
    out[key] = values
    return out


def _kept_writes(shape, key):
    """Where each write of ``x[key] = values`` survives, for an advanced ``key``: where an
    index repeats NumPy keeps one write (the last), and this asks NumPy which. None when
    every write survives."""
    written = numpy.zeros(shape, dtype=numpy.intp)
    selected = written[key].shape
    stamps = numpy.arange(int(numpy.prod(selected)), dtype=numpy.intp).reshape(selected)
    written[key] = stamps
    kept = written[key] == stamps
    return None if kept.all() else kept


def _set_values_vjp(g, ans, x, values, key, basic):
    """The values get g at the positions they were written to (a write that a repeated index
    overwrote gets nothing); the engine sums over the positions a value was broadcast to."""
    picked = getitem_(g, key=key)
    kept = None if basic else _kept_writes(x.shape, key)
    return picked if kept is None else picked * kept


def _index_set_pushforward(tangents, ans, inputs, params):
    """Linear in x and the values jointly; an operand without a tangent (a constant, maybe
    of an integer dtype or a Python number) contributes zeros."""
    tx, tv = tangents
    if tx is None:
        tx = _wrap(numpy.zeros(ans.shape, dtype=ans.dtype), ndarray)
    return index_set(tx, 0 if tv is None else tv, **params)


index_set: Primitive = primitive(
    "index_set", _index_set, saves=SHAPES, complex=True,
    vjp=(lambda g, ans, x, values, key, basic: index_set(g, 0, key=key, basic=basic),
         _set_values_vjp),
    pushforward=_index_set_pushforward,
    doc="x.at[key].set(values): a copy of x with values written at key; x's gradient is g "
        "with the written positions zeroed, the values' is g[key].")
index_add = primitive(
    "index_add", lambda x, values, key, basic: _added_at(x.copy(), key, values, basic),
    saves=NOTHING, complex=True,
    vjp=(lambda g, ans, x, values, key, basic: g,
         lambda g, ans, x, values, key, basic: getitem_(g, key=key)),
    jvp=(lambda t, ans, x, values, key, basic: t,
         lambda t, ans, x, values, key, basic: scatter_add(t, shape=shape_of(x), key=key,
                                                           basic=basic)),
    doc="x.at[key].add(values): a copy of x with values added at key (repeated indices "
        "accumulate, as numpy.add.at); x's gradient is g, the values' is g[key].")


class IndexUpdates:
    """``x.at``: indexed updates that return a new array instead of writing into ``x``.

    ``x.at[index].set(values)`` is ``y = x.copy(); y[index] = values`` and
    ``x.at[index].add(values)`` is ``y = x.copy(); numpy.add.at(y, index, values)``, both
    recorded and differentiable with respect to ``x`` and ``values``. It is the form to use
    inside ``autograd.record()``, where writing into an array of the graph is an error
    (API.md semantic 9); the name and form are JAX's. The index is any NumPy index: ints,
    slices, Ellipsis, newaxis, integer arrays and boolean masks. Where an integer array
    repeats a position, ``add`` accumulates every value and ``set`` keeps the last write, as
    NumPy does, so only that value gets a gradient.
    """

    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array

    def __getitem__(self, key):
        return IndexUpdate(self._array, key)


class IndexUpdate:
    """``x.at[index]``, waiting for ``.set(values)`` or ``.add(values)`` (see IndexUpdates)."""

    __slots__ = ("_array", "_key")

    def __init__(self, array, key):
        self._array = array
        self._key = key

    def set(self, values):
        """A copy of the array with ``values`` written at the index (broadcast as in
        ``x[index] = values``)."""
        return self._update(index_set, values)

    def add(self, values):
        """A copy of the array with ``values`` added at the index (broadcast as in
        ``numpy.add.at``; repeated indices accumulate)."""
        return self._update(index_add, values)

    def _update(self, prim, values):
        key = _index_of(self._key)
        if ndim_of(values):
            # NumPy's assignment drops leading length-1 axes that the selection lacks
            selected = numpy.broadcast_to(numpy.empty((), dtype=numpy.bool_),
                                          self._array.shape)[key].ndim
            extra = ndim_of(values) - selected
            if extra > 0 and shape_of(values)[:extra] == (1,) * extra:
                values = reshape_(values, shape=shape_of(values)[extra:])
        return prim(self._array, values, key=key, basic=_is_basic_index(key))


@public(numpy=numpy.put_along_axis)
def put_along_axis(arr, indices, values, axis):
    """ndgrad's numpy.put_along_axis: writes into ``arr`` in place and returns None, as NumPy.

    Like any in-place change it is refused on an array of a recorded graph (API.md semantic
    9); there, build a new array with ``x.at[index].set(values)``."""
    target = arr if isinstance(arr, ndarray) else _wrap(arr, ndarray)
    try:
        target._check_writable("put_along_axis", values)
    except InPlaceModifiedError as error:
        raise InPlaceModifiedError(f"{error}; the graph-safe form of put_along_axis is "
                                   "y = x.at[index].set(values)") from None
    prepare_write(target)
    numpy.put_along_axis(target._data, getattr(indices, "_data", indices),
                         getattr(values, "_data", values), axis)
    target._version[0] += 1


# -- axes: moving, adding, broadcasting --------------------------------------------------------
def _axis_list(axes, ndim, argument):
    """Axes in the order given, made non-negative: AxisError out of range, ValueError when
    one repeats."""
    axes = [normalize_axis(axis, ndim)
            for axis in (axes if isinstance(axes, (tuple, list)) else (axes,))]
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in `{argument}` argument")
    return axes


@public(numpy=numpy.moveaxis)
def moveaxis(a, source, destination):
    """ndgrad's differentiable numpy.moveaxis."""
    ndim = ndim_of(a)
    source = _axis_list(source, ndim, "source")
    destination = _axis_list(destination, ndim, "destination")
    if len(source) != len(destination):
        raise ValueError("`source` and `destination` arguments must have the same number of "
                         "elements")
    order = [axis for axis in range(ndim) if axis not in source]
    for position, axis in sorted(zip(destination, source)):
        order.insert(position, axis)
    return transpose_(a, axes=tuple(order))


@public(numpy=numpy.rollaxis)
def rollaxis(a, axis, start=0):
    """ndgrad's differentiable numpy.rollaxis: ``axis`` moves to just before ``start``."""
    ndim = ndim_of(a)
    axis = normalize_axis(axis, ndim)
    if not -ndim <= start <= ndim:
        raise AxisError(f"'start' arg requires {-ndim} <= start < {ndim + 1}, but {start} was "
                        "passed in")
    start = start + ndim if start < 0 else start
    return moveaxis(a, axis, start - 1 if axis < start else start)


@public(numpy=numpy.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    """ndgrad's differentiable numpy.broadcast_arrays. Differs from NumPy: the broadcast
    arrays are copies (NumPy gives read-only views); an array that already has the common
    shape is returned as it is."""
    shape = broadcast_shapes(*(shape_of(a) for a in args))
    return tuple(asarray(a) if shape_of(a) == shape else broadcast_to_(a, shape=shape)
                 for a in args)


def at_least(a, ndim):
    """``a`` with at least ``ndim`` (1 to 3) dimensions, new axes placed as NumPy's
    atleast_1d/2d/3d place them (in front, except that atleast_3d puts one behind)."""
    shape = shape_of(a)
    if len(shape) >= ndim:
        return reshape_(asarray(a), shape=shape)   # a new array, as in MXNet (copy-on-write)
    if ndim == 3 and shape:
        return reshape_(a, shape=(1,) * (2 - len(shape)) + shape + (1,))
    return reshape_(a, shape=(1,) * (ndim - len(shape)) + shape)


def _one_or_tuple(results):
    return results[0] if len(results) == 1 else tuple(results)


@public(numpy=numpy.atleast_1d)
def atleast_1d(*arys):
    """ndgrad's differentiable numpy.atleast_1d."""
    return _one_or_tuple([at_least(a, 1) for a in arys])


@public(numpy=numpy.atleast_2d)
def atleast_2d(*arys):
    """ndgrad's differentiable numpy.atleast_2d."""
    return _one_or_tuple([at_least(a, 2) for a in arys])


@public(numpy=numpy.atleast_3d)
def atleast_3d(*arys):
    """ndgrad's differentiable numpy.atleast_3d."""
    return _one_or_tuple([at_least(a, 3) for a in arys])


# -- reversing and rotating -------------------------------------------------------------------
def _reversed(a, axes):
    """``a`` reversed along ``axes``: a view, whose gradient is g reversed back."""
    return getitem_(a, key=tuple(slice(None, None, -1) if i in axes else slice(None)
                                 for i in range(ndim_of(a))))


@public(numpy=numpy.flip)
def flip(m, axis=None):
    """ndgrad's differentiable numpy.flip."""
    ndim = ndim_of(m)
    axes = normalize_axes(axis, ndim)
    return _reversed(m, range(ndim) if axes is None else axes)


@public(numpy=numpy.fliplr)
def fliplr(m):
    """ndgrad's differentiable numpy.fliplr."""
    if ndim_of(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return _reversed(m, (1,))


@public(numpy=numpy.flipud)
def flipud(m):
    """ndgrad's differentiable numpy.flipud."""
    if ndim_of(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return _reversed(m, (0,))


roll_: Primitive = primitive(
    "roll", numpy.roll, saves=NOTHING, jvp=LINEAR,
    vjp=lambda g, ans, x, shift, axis: roll_(g, shift=_negated(shift), axis=axis))


def _negated(shift):
    return -shift if isinstance(shift, int) else tuple(-s for s in shift)


@public(numpy=numpy.roll)
def roll(a, shift, axis=None):
    """ndgrad's differentiable numpy.roll."""
    shift = int(shift) if numpy.ndim(shift) == 0 else tuple(int(s) for s in shift)
    if axis is not None and not isinstance(axis, int):
        axis = tuple(axis)
    return roll_(a, shift=shift, axis=axis)


@public(numpy=numpy.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """ndgrad's differentiable numpy.rot90: a reversal and a transposition."""
    axes = tuple(axes)
    ndim = ndim_of(m)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if not all(-ndim <= axis < ndim for axis in axes):
        raise ValueError(f"Axes={axes} out of range for array of ndim={ndim}.")
    first, second = (axis % ndim for axis in axes)
    if first == second:
        raise ValueError("Axes must be different.")
    k %= 4
    if k == 0:
        return getitem_(m, key=Ellipsis)
    if k == 2:
        return _reversed(m, (first, second))
    swapped = list(range(ndim))
    swapped[first], swapped[second] = second, first
    if k == 1:
        return transpose_(_reversed(m, (second,)), axes=tuple(swapped))
    return _reversed(transpose_(m, axes=tuple(swapped)), (second,))


# -- diagonals and triangles ------------------------------------------------------------------
def _embed_diagonal(d, shape, offset, axis1, axis2):
    """Zeros of ``shape`` with ``d`` (diagonals along its last axis) written on the
    ``offset`` diagonal of the planes (axis1, axis2)."""
    out = numpy.zeros(shape, dtype=d.dtype)
    planes = numpy.moveaxis(out, (axis1, axis2), (-2, -1))
    rows = numpy.arange(d.shape[-1]) + max(-offset, 0)
    planes[..., rows, rows + offset] = d
    return out


# diagonal and embed_diagonal are each other's adjoint
diagonal_ = primitive(
    "diagonal",
    lambda x, offset, axis1, axis2: numpy.diagonal(x, offset, axis1, axis2).copy(),
    saves=SHAPES, jvp=LINEAR, vjp=lambda g, ans, x, offset, axis1, axis2: embed_diagonal(
        g, shape=x.shape, offset=offset, axis1=axis1, axis2=axis2))
embed_diagonal: Primitive = primitive(
    "embed_diagonal", _embed_diagonal, saves=NOTHING, jvp=LINEAR,
    vjp=lambda g, ans, d, shape, offset, axis1, axis2: diagonal_(
        g, offset=offset, axis1=axis1, axis2=axis2),
    doc="Zeros with the given diagonals written in: the adjoint of diagonal (np.diag of a "
        "vector).")


@public(numpy=numpy.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    """ndgrad's differentiable numpy.diagonal. Differs from NumPy: returns a new array
    (NumPy returns a read-only view)."""
    return diagonal_(a, offset=int(offset), axis1=axis1, axis2=axis2)


@public(numpy=numpy.diag)
def diag(v, k=0):
    """ndgrad's differentiable numpy.diag: the k-th diagonal of a matrix, or a square matrix
    with a vector on its k-th diagonal."""
    shape = shape_of(v)
    k = int(k)
    if len(shape) == 1:
        side = shape[0] + abs(k)
        return embed_diagonal(v, shape=(side, side), offset=k, axis1=0, axis2=1)
    if len(shape) == 2:
        return diagonal_(v, offset=k, axis1=0, axis2=1)
    raise ValueError("Input must be 1- or 2-d.")


@public(numpy=numpy.diagflat)
def diagflat(v, k=0):
    """ndgrad's differentiable numpy.diagflat."""
    return diag(reshape_(v, shape=(-1,)), k)


@public(numpy=numpy.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """ndgrad's differentiable numpy.trace."""
    return diagonal(a, offset, axis1, axis2).sum(axis=-1, dtype=dtype)


# triu and tril keep a triangle and zero the rest: projections, so each is its own adjoint
triu_: Primitive = primitive("triu", numpy.triu, saves=NOTHING, jvp=LINEAR,
                             vjp=lambda g, ans, m, k: triu_(g, k=k))
tril_: Primitive = primitive("tril", numpy.tril, saves=NOTHING, jvp=LINEAR,
                             vjp=lambda g, ans, m, k: tril_(g, k=k))


@public(numpy=numpy.triu)
def triu(m, k=0):
    """ndgrad's differentiable numpy.triu."""
    return triu_(m, k=int(k))


@public(numpy=numpy.tril)
def tril(m, k=0):
    """ndgrad's differentiable numpy.tril."""
    return tril_(m, k=int(k))


# -- gathering --------------------------------------------------------------------------------
def _integer_indices(indices, error=IndexError):
    """Indices as a NumPy integer array. Numbers of another dtype raise ``error``, NumPy's
    type for the function (TypeError for take, IndexError for take_along_axis); anything
    else (None, strings) a TypeError."""
    indices = numpy.asarray(getattr(indices, "_data", indices))
    if indices.dtype.kind not in "iu":
        raise (error if indices.dtype.kind in "bfc" else TypeError)(
            f"indices must be integers, not {indices.dtype}; convert them first, e.g. "
            "indices.astype(int)")
    return indices


@public(numpy=numpy.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    """ndgrad's differentiable numpy.take; repeated indices accumulate their gradients.
    ``mode='wrap'`` and ``'clip'`` map the indices into range first, as NumPy."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    indices = _integer_indices(indices, TypeError)
    if axis is None:
        a, axis = reshape_(a, shape=(-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    length = shape_of(a)[axis]
    if mode == "wrap" and length:
        indices = indices % length
    elif mode == "clip" and length:
        indices = numpy.clip(indices, 0, length - 1)
    return getitem_(a, key=(slice(None),) * axis + (indices,))


@public(numpy=numpy.take_along_axis)
def take_along_axis(arr, indices, axis=-1):
    """ndgrad's differentiable numpy.take_along_axis; repeated indices accumulate their
    gradients."""
    # checked in NumPy's order: the array, the indices' dimensions for axis=None, the axis,
    # the indices' dtype, then their dimensions against the array's
    arr = asarray(arr)
    indices = numpy.asarray(getattr(indices, "_data", indices))
    if axis is None:
        if indices.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = reshape_(arr, shape=(-1,)), 0
    shape = shape_of(arr)
    axis = normalize_axis(axis, len(shape))
    indices = _integer_indices(indices)
    if indices.ndim != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    # the other axes index themselves: aranges shaped to broadcast against the indices
    key = tuple(indices if i == axis
                else numpy.arange(n).reshape((n,) + (1,) * (len(shape) - i - 1))
                for i, n in enumerate(shape))
    return getitem_(arr, key=key)
