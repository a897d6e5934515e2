"""Test-table rows for the shape family (see specs.py for what every row gets): moving axes,
joining and splitting, repeating, padding, reversing, diagonals, gathering, the functional
index updates ``x.at[...]`` and partition.

Functions that return several arrays (split and its relatives, broadcast_arrays) are checked
through one array that combines every piece with a distinct weight, so each piece's
gradient counts."""

from __future__ import annotations

import numpy
from hypothesis import strategies as st

from ndgrad import np
from ndgrad._registry import REGISTRY

from .table import (
    MAX_DIMS,
    MAX_SIDE,
    Mask,
    OpSpec,
    axis_ndim,
    broadcast_shapes,
    distinct,
    key_ndim,
    resolve_key,
    shapes_of,
    unary,
)


# -- shape strategies --------------------------------------------------------------------------
def one(strategy):
    """A strategy of single shapes as the one-operand tuples rows draw."""
    return strategy.map(lambda shape: (shape,))


def with_length(shape, axis, length):
    axis %= len(shape)
    return shape[:axis] + (length,) + shape[axis + 1:]


@st.composite
def joined_shapes(draw, count, axis):
    """``count`` shapes that agree except along ``axis``; any shapes when axis is None."""
    if axis is None:
        return tuple(draw(shapes_of(0, MAX_DIMS)) for _ in range(count))
    base = draw(shapes_of(axis_ndim(axis), MAX_DIMS))
    return tuple(with_length(base, axis, draw(st.integers(1, MAX_SIDE))) for _ in range(count))


@st.composite
def divisible_shapes(draw, axis, sections):
    """One shape whose length along ``axis`` splits into ``sections`` equal pieces."""
    base = draw(shapes_of(axis_ndim(axis), MAX_DIMS))
    if isinstance(sections, int):
        base = with_length(base, axis, sections * draw(st.integers(1, 2)))
    return (base,)


def broadcast_pair(variant):
    """Two broadcastable shapes of which the first always needs broadcasting."""
    return broadcast_shapes(2).map(lambda shapes: (shapes[0] + (1,), shapes[1] + (3,)))


def selection_shape(shape, key):
    return numpy.empty(shape)[resolve_key(key, shape)].shape


@st.composite
def update_shapes(draw, key, values):
    """An array's shape and the shape of values for ``x.at[key]``: the selection's shape
    ("full"), its last axis ("last", broadcast over the rest) or a scalar."""
    shape = draw(shapes_of(max(key_ndim(key), 1), MAX_DIMS))
    selected = selection_shape(shape, key)
    return shape, {"full": selected, "last": selected[-1:], "scalar": ()}[values]


def repeat_shapes(variant):
    repeats = variant["repeats"]
    if isinstance(repeats, list) and len(repeats) > 1:     # one count per element
        return one(shapes_of(1, MAX_DIMS).map(lambda s: with_length(s, -1, len(repeats))))
    return one(shapes_of(axis_ndim(variant.get("axis")), MAX_DIMS))


def pad_shapes(variant):
    widths = numpy.asarray(variant["pad_width"])
    if widths.ndim == 2:                                   # one pair per axis
        return one(shapes_of(len(widths), len(widths)))
    return one(shapes_of(1, MAX_DIMS))                   # NumPy refuses to pad a 0-d array


# -- helpers the rows call (the same on both sides) --------------------------------------------
def weighted_pieces(pieces, axis, used, concatenate):
    """The pieces that ``used`` names (all by default), each times a distinct weight, joined
    along ``axis``."""
    used = range(len(pieces)) if used is None else used
    return concatenate([pieces[i] * (i + 1) for i in used], axis=axis)


def splitting(np_split, numpy_split, name, primitives, **kwargs):
    """A row for a split function, its pieces recombined by weighted_pieces."""
    def fn(x, sections, axis, used=None):
        return weighted_pieces(np_split(x, sections, axis), axis, used, np.concatenate)

    def reference(x, sections, axis, used=None):
        return weighted_pieces(numpy_split(x, sections, axis), axis, used, numpy.concatenate)

    return OpSpec(name, f"np.{name}", fn, reference, primitives, **kwargs)


SPLIT_AXIS = {"hsplit": lambda ndim: 1 if ndim > 1 else 0, "vsplit": lambda ndim: 0,
              "dsplit": lambda ndim: 2}


def fixed_splitting(name, min_ndim):
    """A row for hsplit, vsplit or dsplit, which split along an axis of their own."""
    np_split, numpy_split = getattr(np, name), getattr(numpy, name)

    def fn(x, sections):
        return weighted_pieces(np_split(x, sections), SPLIT_AXIS[name](x.ndim), None,
                               np.concatenate)

    def reference(x, sections):
        return weighted_pieces(numpy_split(x, sections), SPLIT_AXIS[name](x.ndim), None,
                               numpy.concatenate)

    return OpSpec(name, f"np.{name}", fn, reference, ("split", "concatenate", "multiply"),
                  variants=({"sections": [1]}, {"sections": 1}), ndim=(min_ndim, MAX_DIMS))


def along_indices(shape, axis):
    """Fixed indices for take_along_axis: 3 per line along ``axis``, with repeats (the
    flattened array's when axis is None)."""
    rng = numpy.random.default_rng(2)
    if axis is None:
        return rng.integers(0, max(int(numpy.prod(shape)), 1), 5)
    if not -len(shape) <= axis < len(shape):     # left for the function to refuse
        return numpy.zeros(shape, dtype=int)
    return rng.integers(0, shape[axis], with_length(shape, axis, 3))


UPDATE_KEYS = (
    0, slice(None, None, 2), (Ellipsis, -1), (slice(None), None, 0),
    [0, -1, 0],                             # a repeated index: set keeps the last write
    ([0, -1, 0], [-1, 0, -1]),
    Mask(0), Mask(None), (Mask(0), slice(None, None, -1)),
)
# values of the selection's shape for every key; broadcast values for a few
UPDATE_VARIANTS = tuple({"key": key, "values": "full"} for key in UPDATE_KEYS) + (
    {"key": (Ellipsis, -1), "values": "last"}, {"key": Mask(0), "values": "last"},
    {"key": [0, -1, 0], "values": "scalar"}, {"key": Mask(None), "values": "scalar"})


def update_row(name, add):
    def fn(x, v, key, values):
        updates = x.at[resolve_key(key, x.shape)]
        return updates.add(v) if add else updates.set(v)

    def reference(x, v, key, values):
        out = x.copy()
        if add:
            numpy.add.at(out, resolve_key(key, x.shape), v)
        else:
            out[resolve_key(key, x.shape)] = v
        return out

    return OpSpec(name, "ndarray.at", fn, reference, ("index_add" if add else "index_set",),
                  nargs=2, variants=UPDATE_VARIANTS,
                  shapes=lambda v: update_shapes(v["key"], v["values"]))


PAD_VARIANTS = ({"pad_width": 1}, {"pad_width": (1, 2), "constant_values": 2.5},
                {"pad_width": ((0, 2), (1, 0))})
COPYING_PAD_VARIANTS = ({"pad_width": 2, "mode": "edge"}, {"pad_width": (3, 1), "mode": "reflect"},
                        {"pad_width": (2, 3), "mode": "symmetric"},
                        {"pad_width": (4, 1), "mode": "wrap"},
                        {"pad_width": ((1, 0), (0, 2)), "mode": "reflect"})

ROWS: tuple[OpSpec, ...] = (
    # where func.grad's inner variables begin (the same data as a new point of the graph)
    OpSpec("identity", "primitive.identity", REGISTRY.primitives["identity"], lambda x: x,
           ("identity",)),
    # moving axes
    unary("moveaxis", np.moveaxis, numpy.moveaxis, ("transpose",), ndim=(2, MAX_DIMS),
          variants=({"source": 0, "destination": -1}, {"source": -1, "destination": 0},
                    {"source": [0, 1], "destination": [-1, 0]})),
    unary("rollaxis", np.rollaxis, numpy.rollaxis, ("transpose",), ndim=(2, MAX_DIMS),
          variants=({"axis": -1}, {"axis": 0, "start": 2}, {"axis": 1, "start": -2})),
    OpSpec("broadcast_arrays", "np.broadcast_arrays",
           lambda x, y: np.stack(np.broadcast_arrays(x, y)),
           lambda x, y: numpy.stack(numpy.broadcast_arrays(x, y)),
           ("broadcast_to", "reshape", "concatenate"), nargs=2, shapes=broadcast_pair),
    unary("atleast_1d", np.atleast_1d, numpy.atleast_1d, ("reshape",)),
    unary("atleast_2d", np.atleast_2d, numpy.atleast_2d, ("reshape",)),
    unary("atleast_3d", np.atleast_3d, numpy.atleast_3d, ("reshape",)),
    # joining
    OpSpec("concatenate", "np.concatenate", lambda x, y, z, axis: np.concatenate([x, y, z], axis),
           lambda x, y, z, axis: numpy.concatenate([x, y, z], axis), ("concatenate", "reshape"),
           nargs=3, variants=({"axis": 0}, {"axis": -1}, {"axis": 1}, {"axis": None}),
           shapes=lambda v: joined_shapes(3, v["axis"])),
    OpSpec("stack", "np.stack", lambda x, y, axis: np.stack((x, y), axis),
           lambda x, y, axis: numpy.stack((x, y), axis), ("reshape", "concatenate"), nargs=2,
           variants=({"axis": 0}, {"axis": -1}, {"axis": 1})),
    OpSpec("vstack", "np.vstack", lambda x, y: np.vstack([x, y]),
           lambda x, y: numpy.vstack([x, y]), ("reshape", "concatenate"), nargs=2),
    OpSpec("hstack", "np.hstack", lambda x, y: np.hstack([x, y]),
           lambda x, y: numpy.hstack([x, y]), ("reshape", "concatenate"), nargs=2),
    OpSpec("dstack", "np.dstack", lambda x, y: np.dstack([x, y]),
           lambda x, y: numpy.dstack([x, y]), ("reshape", "concatenate"), nargs=2),
    OpSpec("column_stack", "np.column_stack", lambda x, y: np.column_stack([x, y]),
           lambda x, y: numpy.column_stack([x, y]), ("reshape", "concatenate"), nargs=2,
           ndim=(0, 2)),
    OpSpec("append", "np.append", np.append, numpy.append, ("reshape", "concatenate"), nargs=2,
           variants=({"axis": None}, {"axis": 0}, {"axis": -1}),
           shapes=lambda v: joined_shapes(2, v["axis"])),
    # splitting: pieces a computation leaves unused get zero gradients ("used")
    splitting(np.split, numpy.split, "split", ("split", "concatenate", "multiply", "getitem"),
              variants=({"sections": 2, "axis": 0}, {"sections": [1, 3], "axis": -1},
                        {"sections": 3, "axis": 1, "used": (0, 2)},
                        {"sections": [-1], "axis": 0, "used": (1,)},
                        {"sections": [2, 0], "axis": -1}),     # overlapping pieces
              shapes=lambda v: divisible_shapes(v["axis"], v["sections"])),
    splitting(np.array_split, numpy.array_split, "array_split",
              ("split", "concatenate", "multiply"),
              variants=({"sections": 3, "axis": -1}, {"sections": 2, "axis": 0, "used": (1,)},
                        {"sections": [2], "axis": 0}),
              shapes=lambda v: one(shapes_of(axis_ndim(v["axis"]), MAX_DIMS))),
    fixed_splitting("hsplit", 1),
    fixed_splitting("vsplit", 2),
    fixed_splitting("dsplit", 3),
    # repeating and padding
    unary("tile", np.tile, numpy.tile, ("reshape", "broadcast_to"),
          variants=({"reps": 2}, {"reps": (2, 1)}, {"reps": (1, 2, 2)}, {"reps": (2, 1, 1, 1)})),
    unary("repeat", np.repeat, numpy.repeat, ("reshape", "broadcast_to", "getitem"),
          variants=({"repeats": 2}, {"repeats": 3, "axis": 0}, {"repeats": [1, 0, 2], "axis": -1},
                    {"repeats": [2], "axis": -1}),
          shapes=repeat_shapes),
    unary("pad", np.pad, numpy.pad, variants=PAD_VARIANTS, shapes=pad_shapes),
    # NumPy refuses to extend an empty axis by copying
    OpSpec("pad-copying", "np.pad", np.pad, numpy.pad, ("pad",), variants=COPYING_PAD_VARIANTS,
           shapes=pad_shapes, zero_size=False),
    OpSpec("diff", "np.diff", np.diff, numpy.diff, ("getitem", "subtract", "concatenate"),
           ndim=(1, MAX_DIMS),
           variants=({}, {"n": 2}, {"axis": 0}, {"n": 2, "axis": 0, "prepend": 0.5},
                     {"append": 1.5, "axis": -1})),
    # reversing and rolling
    unary("flip", np.flip, numpy.flip, ("getitem",),
          variants=({}, {"axis": 0}, {"axis": -1}, {"axis": (0, -1)})),
    unary("fliplr", np.fliplr, numpy.fliplr, ("getitem",), ndim=(2, MAX_DIMS)),
    unary("flipud", np.flipud, numpy.flipud, ("getitem",), ndim=(1, MAX_DIMS)),
    unary("roll", np.roll, numpy.roll,
          variants=({"shift": 1}, {"shift": -2, "axis": 0}, {"shift": (1, 2), "axis": (0, -1)},
                    {"shift": 3, "axis": -1})),
    unary("rot90", np.rot90, numpy.rot90, ("getitem", "transpose"),
          variants=({}, {"k": 2}, {"k": 3}, {"k": -1, "axes": (1, 0)}, {"k": 1, "axes": (0, -1)},
                    {"k": 4}),
          shapes=lambda v: one(shapes_of(2, MAX_DIMS))),
    # diagonals and triangles
    OpSpec("diag-vector", "np.diag", np.diag, numpy.diag, ("embed_diagonal",),
           variants=({}, {"k": 1}, {"k": -2}), ndim=(1, 1)),
    OpSpec("diag-matrix", "np.diag", np.diag, numpy.diag, ("diagonal",),
           variants=({}, {"k": 1}, {"k": -1}), ndim=(2, 2)),
    unary("diagonal", np.diagonal, numpy.diagonal, ndim=(2, MAX_DIMS),
          variants=({}, {"offset": 1}, {"offset": -1, "axis1": -1, "axis2": 0},
                    {"axis1": 2, "axis2": 1})),
    unary("diagflat", np.diagflat, numpy.diagflat, ("reshape", "embed_diagonal"),
          variants=({}, {"k": -1})),
    unary("trace", np.trace, numpy.trace, ("diagonal", "sum"), ndim=(2, MAX_DIMS),
          variants=({}, {"offset": 1}, {"axis1": -1, "axis2": 0})),
    unary("triu", np.triu, numpy.triu, ndim=(1, MAX_DIMS), variants=({}, {"k": 1}, {"k": -1})),
    unary("tril", np.tril, numpy.tril, ndim=(1, MAX_DIMS), variants=({}, {"k": 1}, {"k": -1})),
    # gathering and functional updates; repeated indices accumulate
    unary("take", np.take, numpy.take, ("reshape", "getitem"), zero_size=False,
          variants=({"indices": [0, -1, 0]}, {"indices": [[0, 0], [-1, 0]], "axis": 0},
                    {"indices": 0, "axis": -1}, {"indices": [3, -5, 1], "axis": -1, "mode": "wrap"},
                    {"indices": [5, -1], "axis": 0, "mode": "clip"})),
    OpSpec("take_along_axis", "np.take_along_axis",
           lambda x, axis: np.take_along_axis(x, along_indices(x.shape, axis), axis),
           lambda x, axis: numpy.take_along_axis(x, along_indices(x.shape, axis), axis),
           ("reshape", "getitem"), ndim=(1, MAX_DIMS), zero_size=False,
           variants=({"axis": 0}, {"axis": -1}, {"axis": None})),
    update_row("at-set", add=False),
    update_row("at-add", add=True),
    # partition: the gradient is sort's
    unary("partition", np.partition, numpy.partition, sample=distinct, ndim=(1, MAX_DIMS),
          variants=({"kth": 0}, {"kth": -1, "axis": 0}, {"kth": (0, -1)},
                    {"kth": 0, "axis": None})),
)

# Public names of this family with no row, by reason (their results carry no gradient).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "integer results": {"np.nonzero", "np.searchsorted", "np.argpartition"},
    "in-place (use x.at[...] in graphs)": {"np.put_along_axis"},
}
