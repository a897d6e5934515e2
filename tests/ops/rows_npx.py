"""Test-table rows for the npx family (see specs.py for what every row gets): MXNet's
batch_dot, reshape with special codes, batch_flatten and topk's values.

The reshape references are the shapes MXNet 1.9.1 gave for each code (recorded by running
``mxnet.npx.reshape`` on arrays of these shapes), so the row checks ndgrad's reading of
the codes against MXNet's, not against ndgrad's own."""

from __future__ import annotations

import math

import numpy
from hypothesis import strategies as st

from ndgrad import npx

from .table import MAX_SIDE, OpSpec, distinct, shapes_of

# -- batch_dot ------------------------------------------------------------------------------


@st.composite
def batch_dot_shapes(draw, transpose_a=False, transpose_b=False):
    """Operands (batch..., n, m) and (batch..., m, k), each stored transposed if asked."""
    batch = draw(shapes_of(1, 2))
    n, m, k = (draw(st.integers(1, MAX_SIDE)) for _ in range(3))
    a = (m, n) if transpose_a else (n, m)
    b = (k, m) if transpose_b else (m, k)
    return batch + a, batch + b


def numpy_batch_dot(a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = numpy.swapaxes(a, -1, -2)
    if transpose_b:
        b = numpy.swapaxes(b, -1, -2)
    return numpy.einsum("...nm,...mk->...nk", a, b)


# -- reshape with codes ---------------------------------------------------------------------
# (input shape, newshape, reverse) -> the shape MXNet 1.9.1's npx.reshape gave
MXNET_NPX_RESHAPES = {
    ((2, 3, 4), (-2, -2, 2, -1), False): (2, 3, 2, 2),
    ((2, 3, 4), (-5, -4), False): (6, 4),
    ((2, 3, 4), (-6, 1, -1, -4), False): (1, 2, 3, 4),
    ((2, 3, 4), (-6, -1, 2, -4), False): (1, 2, 3, 4),
    ((2, 3, 4), (-2, -1), True): (3, 8),
    ((2, 3, 4), (-1, -2), True): (6, 4),
    ((2, 3, 4), (-5, -2), True): (6, 4),
    ((2, 3, 4), (-2, -6, 3, 1, -1), False): (2, 3, 1, 4),
    ((2, 3, 4), (-1, 6), True): (4, 6),
    ((2, 3, 4), (-4, 1, 1), False): (2, 3, 4, 1, 1),
    ((2, 3, 4), (-2, -5, 1), False): (2, 12, 1),
    ((1, 3, 1, 2), (-3, -2, -3, -2), False): (3, 2),
    ((1, 3, 1, 2), (-3, -1), False): (6,),
}


def npx_reshape(x, source, newshape, reverse):
    return npx.reshape(x, newshape, reverse=reverse)


def mxnet_reshape(x, source, newshape, reverse):
    return x.reshape(MXNET_NPX_RESHAPES[source, newshape, reverse])


RESHAPE_VARIANTS = tuple({"source": s, "newshape": c, "reverse": r}
                         for s, c, r in MXNET_NPX_RESHAPES)


# -- topk -----------------------------------------------------------------------------------
def numpy_topk_values(x, axis=-1, k=1, is_ascend=False):
    """The k smallest (is_ascend) or largest elements along axis, in that order."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    ordered = numpy.sort(x, axis=axis)
    if not is_ascend:
        ordered = numpy.flip(ordered, axis=axis)
    return numpy.take(ordered, numpy.arange(k), axis=axis)


def topk_values(x, **variant):
    return npx.topk(x, ret_typ="value", **variant)


def topk_shapes(variant):
    """Arrays with at least k elements along the ranked axis."""
    k, axis = variant.get("k", 1), variant.get("axis", -1)
    if axis is None:
        return shapes_of(1, 3).filter(lambda s: numpy.prod(s) >= k).map(lambda s: (s,))
    return shapes_of(max(1, axis + 1 if axis >= 0 else -axis), 3).filter(
        lambda s: s[axis] >= k).map(lambda s: (s,))


ROWS: tuple[OpSpec, ...] = (
    OpSpec("batch_dot", "npx.batch_dot", npx.batch_dot, numpy_batch_dot, ("matmul",),
           nargs=2, variants=({}, {"transpose_a": True}, {"transpose_b": True},
                              {"transpose_a": True, "transpose_b": True}),
           shapes=lambda v: batch_dot_shapes(v.get("transpose_a", False),
                                             v.get("transpose_b", False))),
    OpSpec("npx.reshape", "npx.reshape", npx_reshape, mxnet_reshape, ("reshape",),
           variants=RESHAPE_VARIANTS, shapes=lambda v: st.just((v["source"],))),
    OpSpec("batch_flatten", "npx.batch_flatten", npx.batch_flatten,
           lambda x: x.reshape(x.shape[0], math.prod(x.shape[1:])), ("reshape",),
           ndim=(1, 3)),
    OpSpec("topk-value", "npx.topk", topk_values, numpy_topk_values, ("sort", "getitem"),
           sample=distinct,     # no ties: sort's gradient is then unambiguous
           variants=({}, {"k": 2}, {"k": 2, "is_ascend": True}, {"axis": 0, "k": 2},
                     {"axis": None, "k": 3}, {"axis": -2, "k": 1, "is_ascend": True}),
           shapes=topk_shapes),
)
# public functions of this family with no row, by the reason they have none
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
