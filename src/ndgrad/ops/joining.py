"""Joining and splitting: concatenate, stack, split and their relatives; tile, repeat, pad.

concatenate and split are one primitive each, and each other's adjoint: concatenate's
gradient is g split at the operands' boundaries, split's is the pieces' gradients
concatenated (the engine gives zeros to the pieces nothing used). Both are linear, so their
tangents are the operation applied to the tangents. The rest are compositions.
"""

from __future__ import annotations

import itertools

import numpy

from .._axes import ndim_of, normalize_axis, shape_of
from .._ndarray import ndarray
from .._primitive import NOTHING, Primitive, primitive
from .._publish import public
from .._shaping import broadcast_to_, concatenate_, reshape_, split_
from .._state import STATE
from ..errors import NoDerivativeError
from .creation import asarray
from .shape import at_least, getitem_, scatter_add


@public(numpy=numpy.concatenate)
def concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """ndgrad's differentiable numpy.concatenate."""
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [reshape_(a, shape=(-1,)) for a in arrays], 0
    return concatenate_(*arrays, axis=axis, dtype=dtype, casting=casting)


@public(numpy=numpy.stack)
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """ndgrad's differentiable numpy.stack."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, not {sorted(shapes)}")
    shape = shapes.pop()
    axis = normalize_axis(axis, len(shape) + 1)
    expanded = shape[:axis] + (1,) + shape[axis:]
    return concatenate_(*(reshape_(a, shape=expanded) for a in arrays), axis=axis, dtype=dtype,
                        casting=casting)


@public(numpy=numpy.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    """ndgrad's differentiable numpy.vstack."""
    return concatenate_(*[at_least(a, 2) for a in list(tup)], axis=0, dtype=dtype,
                        casting=casting)


@public(numpy=numpy.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    """ndgrad's differentiable numpy.hstack."""
    arrays = [at_least(a, 1) for a in list(tup)]
    axis = 0 if arrays and arrays[0].ndim == 1 else 1
    return concatenate_(*arrays, axis=axis, dtype=dtype, casting=casting)


@public(numpy=numpy.dstack)
def dstack(tup):
    """ndgrad's differentiable numpy.dstack."""
    return concatenate_(*[at_least(a, 3) for a in list(tup)], axis=2)


@public(numpy=numpy.column_stack)
def column_stack(tup):
    """ndgrad's differentiable numpy.column_stack: 1-D arrays become columns."""
    return concatenate_(*[reshape_(a, shape=(-1, 1)) if ndim_of(a) < 2 else a
                          for a in list(tup)], axis=1)


@public(numpy=numpy.append)
def append(arr, values, axis=None):
    """ndgrad's differentiable numpy.append."""
    return concatenate((arr, values), axis=axis)


# -- splitting ---------------------------------------------------------------------------------
def _split(ary, indices_or_sections, axis, equal):
    """The pieces of numpy.split (``equal``) or numpy.array_split, as a list."""
    axis = normalize_axis(axis, ndim_of(ary))
    length = shape_of(ary)[axis]
    if numpy.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        if equal and length % sections:
            raise ValueError(f"array split does not result in an equal division: {length} "
                             f"elements along axis {axis} into {sections} sections")
        size, extra = divmod(length, sections)
        ends = numpy.cumsum([size + 1] * extra + [size] * (sections - extra))
        return list(split_(ary, indices=tuple(int(end) for end in ends[:-1]), axis=axis))
    points = [int(point) for point in indices_or_sections]
    # each piece is ary[start:stop] with Python's slice rules (negative, past the end)
    bounds = [slice(start, stop).indices(length)[:2]
              for start, stop in zip([0] + points, points + [None])]
    bounds = [(start, max(start, stop)) for start, stop in bounds]
    if all(stop == start for (_, stop), (start, _) in itertools.pairwise(bounds)):
        return list(split_(ary, indices=tuple(stop for _, stop in bounds[:-1]), axis=axis))
    # decreasing points make pieces overlap: no longer a partition, so slice each piece
    head = (slice(None),) * axis
    return [getitem_(ary, key=head + (slice(start, stop),)) for start, stop in bounds]


@public(numpy=numpy.split)
def split(ary, indices_or_sections, axis=0):
    """ndgrad's differentiable numpy.split: a list of arrays (views of ``ary``). Pieces a
    computation does not use get zero gradients."""
    return _split(ary, indices_or_sections, axis, equal=True)


@public(numpy=numpy.array_split)
def array_split(ary, indices_or_sections, axis=0):
    """ndgrad's differentiable numpy.array_split."""
    return _split(ary, indices_or_sections, axis, equal=False)


@public(numpy=numpy.hsplit)
def hsplit(ary, indices_or_sections):
    """ndgrad's differentiable numpy.hsplit."""
    ndim = ndim_of(ary)
    if ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return _split(ary, indices_or_sections, 1 if ndim > 1 else 0, equal=True)


@public(numpy=numpy.vsplit)
def vsplit(ary, indices_or_sections):
    """ndgrad's differentiable numpy.vsplit."""
    if ndim_of(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return _split(ary, indices_or_sections, 0, equal=True)


@public(numpy=numpy.dsplit)
def dsplit(ary, indices_or_sections):
    """ndgrad's differentiable numpy.dsplit."""
    if ndim_of(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return _split(ary, indices_or_sections, 2, equal=True)


# -- repeating ---------------------------------------------------------------------------------
def _spread(a, shape, counts, behind):
    """``a`` (of ``shape``) with each axis n widened to n * count: a new axis of length count
    is broadcast behind it (each element repeats, as repeat) or in front of it (the whole
    axis repeats, as tile), and the two are merged. The gradient sums the copies back."""
    pairs = [((n, 1), (n, c)) if behind else ((1, n), (c, n)) for n, c in zip(shape, counts)]
    spread = broadcast_to_(reshape_(a, shape=sum((single for single, _ in pairs), ())),
                           shape=sum((wide for _, wide in pairs), ()))
    return reshape_(spread, shape=tuple(n * c for n, c in zip(shape, counts)))


@public(numpy=numpy.tile)
def tile(A, reps):
    """ndgrad's differentiable numpy.tile."""
    reps = (int(reps),) if numpy.ndim(reps) == 0 else tuple(int(r) for r in reps)
    shape = shape_of(A)
    ndim = max(len(shape), len(reps))
    return _spread(A, (1,) * (ndim - len(shape)) + shape, (1,) * (ndim - len(reps)) + reps,
                   behind=False)


@public(numpy=numpy.repeat)
def repeat(a, repeats, axis=None):
    """ndgrad's differentiable numpy.repeat."""
    if axis is None:
        a, axis = reshape_(a, shape=(-1,)), 0
    shape = shape_of(a)
    axis = normalize_axis(axis, len(shape))
    repeats = numpy.asarray(getattr(repeats, "_data", repeats))
    if repeats.dtype.kind not in "iu":
        raise TypeError(f"repeats must be integers, not {repeats.dtype}")
    if repeats.size == 1 and repeats.ndim <= 1:
        count = int(repeats.reshape(()))
        if count < 0:
            raise ValueError("repeats may not contain negative values.")
        counts = tuple(count if i == axis else 1 for i in range(len(shape)))
        return _spread(a, shape, counts, behind=True)
    positions = numpy.repeat(numpy.arange(shape[axis]), repeats)   # NumPy checks the counts
    return getitem_(a, key=(slice(None),) * axis + (positions,))


@public(numpy=numpy.diff)
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """ndgrad's differentiable numpy.diff. ``prepend``/``append`` of None mean none (NumPy's
    own default is a private marker)."""
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    a = asarray(a)
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, a.ndim)
    edge = a.shape[:axis] + (1,) + a.shape[axis + 1:]
    parts = [value if ndim_of(value) else broadcast_to_(value, shape=edge)
             for value in (prepend, a, append) if value is not None]
    if len(parts) > 1:
        a = concatenate_(*parts, axis=axis)
    head = (slice(None),) * axis
    # past the axis' length every difference is empty: NumPy would go on n times regardless
    for _ in range(min(n, a.shape[axis])):
        later, earlier = getitem_(a, key=head + (slice(1, None),)), getitem_(
            a, key=head + (slice(None, -1),))
        a = later != earlier if a.dtype == numpy.bool_ else later - earlier
    return a


# -- padding -----------------------------------------------------------------------------------
PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad(x, pad_width, mode, constant_values):
    if mode == "constant":
        return numpy.pad(x, pad_width, mode, constant_values=constant_values)
    return numpy.pad(x, pad_width, mode)


def _pad_vjp(g, ans, x, pad_width, mode, constant_values):
    shape = tuple(n - before - after for n, (before, after) in zip(shape_of(g), pad_width))
    if mode == "constant":          # the border is constant: x's gradient is g's middle
        return getitem_(g, key=tuple(slice(before, before + n)
                                     for n, (before, _) in zip(shape, pad_width)))
    # the other modes copy elements of x: each gets the sum of its copies' cotangents
    sources = numpy.ix_(*(numpy.pad(numpy.arange(n), widths, mode)
                          for n, widths in zip(shape, pad_width)))
    return scatter_add(g, shape=shape, key=sources, basic=False)


# affine in x: the border of a constant pad is constant, so the tangent's border is zero
pad_: Primitive = primitive("pad", _pad, saves=NOTHING, vjp=_pad_vjp, complex=True,
                            jvp=lambda t, ans, x, pad_width, mode, constant_values: pad_(
                                t, pad_width=pad_width, mode=mode, constant_values=0))


@public(numpy=numpy.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    """ndgrad's differentiable numpy.pad, for the modes that copy values: 'constant',
    'edge', 'reflect', 'symmetric' and 'wrap' (reflect_type 'even', the default). Other modes
    raise NotImplementedError. ``constant_values`` is a constant: it gets no gradient."""
    if mode not in PAD_MODES:
        raise NotImplementedError(f"ndgrad's pad supports the modes {', '.join(PAD_MODES)}, "
                                  f"not {mode!r}")
    allowed = {"constant": {"constant_values"}, "reflect": {"reflect_type"},
               "symmetric": {"reflect_type"}}.get(mode, set())
    if set(kwargs) - allowed:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': "
                         f"{set(kwargs) - allowed}")
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError("ndgrad's pad supports reflect_type='even' only")
    constant_values = kwargs.get("constant_values", 0)
    if isinstance(constant_values, ndarray):
        if STATE.recording and constant_values._node is not None:
            raise NoDerivativeError("pad's constant_values get no gradient; to learn the "
                                    "border values, concatenate them to the array instead")
        constant_values = constant_values._data
    widths = numpy.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"`pad_width` must be of integral type, not {widths.dtype}")
    if (widths < 0).any():
        raise ValueError(f"pad_width can't contain negative values: {pad_width!r}")
    widths = numpy.broadcast_to(widths, (ndim_of(array), 2))
    return pad_(array, pad_width=tuple(map(tuple, widths.tolist())), mode=mode,
                constant_values=constant_values)
