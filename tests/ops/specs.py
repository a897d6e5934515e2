"""The op test table: one OpSpec row per differentiable function (ARCHITECTURE.md §3.9).

A row says what to call (ndgrad and NumPy), how to draw operand shapes and valid values, and
which keyword variants to try. Every row gets every check: forward against NumPy
(test_forward.py), gradients to order 2 against finite differences (test_grads.py), and its
primitives are counted for the registry's coverage (test_registry.py). Adding an op means
adding a row: the core ops' rows are here, each family's in its rows_<family>.py module, which
also says, in NOT_DIFFERENTIABLE, which of its public names need no row and why.

Samplers keep finite differences valid: values stay away from kinks (0 for abs, relu and the
1-norm), are distinct where a max or a sort picks among them, and stay in the domain (positive
for log and sqrt), with margins of at least 0.06, far above check_grads' step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy
from hypothesis import strategies as st

from ndgrad import np, npx
from ndgrad._registry import REGISTRY

from . import ROW_MODULES
from .table import (
    AXES,
    GETITEM_KEYS,
    INF,
    MAX_DIMS,
    OpSpec,
    binary,
    case_id,
    clip_bounds,
    distinct,
    distinct_magnitudes,
    dot_shapes,
    nonzero,
    normal,
    per_operand,
    positive,
    resolve_key,
    same_batch_matmul_shapes,
    scalar_clip,
    shapes_of,
    signature_shapes,
    tensordot_shapes,
    unary,
)


# -- helpers the rows call (the same on both sides, so the comparison is fair) ----------------
def reshape_target(shape: tuple[int, ...], to: str) -> tuple[int, ...]:
    return {"flat": (-1,), "column": (-1, 1), "reversed": shape[::-1],
            "leading-1": (1,) + shape}[to]

def broadcast_target(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A new leading axis, and every size-1 axis widened to 3."""
    return (2,) + tuple(3 if n == 1 else n for n in shape)

def summed_target(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``shape``: the leading axis dropped, the new first one 1."""
    return tuple(1 if i == 0 else n for i, n in enumerate(shape[1:]))

def checkerboard(*arrays: Any) -> numpy.ndarray:
    """A fixed boolean condition for ``where``, of the operands' broadcast shape."""
    shape = numpy.broadcast_shapes(*(numpy.shape(a) for a in arrays))
    return numpy.indices(shape).sum(axis=0) % 2 == 0

def permutation_along(shape: tuple[int, ...], axis: int) -> numpy.ndarray:
    """A fixed pseudo-random permutation of each line along ``axis``."""
    return numpy.argsort(numpy.random.default_rng(1).random(shape), axis=axis)

def pair_ties(shape: tuple[int, ...], axis: int) -> numpy.ndarray:
    """Sorted values along ``axis`` in tied pairs, 0 0 1 1 2 ..., for average_ties."""
    axis = axis % len(shape)
    line = numpy.arange(shape[axis]) // 2
    return numpy.broadcast_to(numpy.expand_dims(line, tuple(
        i for i in range(len(shape)) if i != axis)), shape).astype(numpy.float64)

def average_ties_reference(g: numpy.ndarray, sorted_values: numpy.ndarray, axis: int):
    """Each entry replaced by the mean over its run of equal sorted values, line by line."""
    values = numpy.moveaxis(sorted_values, axis, -1)
    lines = numpy.moveaxis(g, axis, -1).copy()
    for index in numpy.ndindex(lines.shape[:-1]):
        for value in numpy.unique(values[index]):
            run = values[index] == value
            lines[index][run] = lines[index][run].mean()
    return numpy.moveaxis(lines, -1, axis)

def sum_to_shape_reference(g):
    return g.sum(axis=0).sum(axis=0, keepdims=True) if g.ndim > 1 else g.sum(axis=0)

def scatter_key(key: Any) -> Any:
    """A scatter_add row's key as getitem hands it over: lists become integer arrays."""
    return numpy.asarray(key) if isinstance(key, list) else key

def scatter_add_reference(g, key, basic):
    out = numpy.zeros((4,) + g.shape[1:], dtype=g.dtype)
    numpy.add.at(out, key, g)
    return out

def scatter_add(g, key, basic):
    """Zeros of shape (4, ...) with g added at ``key``: the gradient of getitem."""
    return REGISTRY.primitives["scatter_add"](g, shape=(4,) + g.shape[1:],
                                              key=scatter_key(key), basic=basic)

def numpy_dropout(x, p):
    """What ndgrad's dropout does right after np.random.seed(0): a fixed mask, scaled."""
    keep = numpy.random.default_rng(0).uniform(size=numpy.shape(x)) >= p
    return x * numpy.asarray(keep / (1 - p), dtype=numpy.asarray(x).dtype)

def seeded_dropout(x, p):
    # Reseeding before each call gives the same mask at every point finite differences visit.
    np.random.seed(0)
    return npx.dropout(x, p=p, mode="always")

def numpy_log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis=axis, keepdims=True))

def numpy_sigmoid(x):
    return (1 / (1 + numpy.exp(-x))).astype(x.dtype)

def numpy_pick(x, axis):
    """x picked along ``axis`` at a fixed index pattern (0, 1, 2, ... wrapped), and that index."""
    axis = axis % x.ndim
    index = numpy.zeros(x.shape[:axis] + x.shape[axis + 1:], dtype=numpy.int64)
    index[...] = numpy.arange(index.size).reshape(index.shape) % x.shape[axis]
    return numpy.take_along_axis(x, numpy.expand_dims(index, axis), axis).squeeze(axis), index

def pick(x, axis):
    return npx.pick(x, numpy_pick(x.detach().asnumpy(), axis)[1], axis=axis)

CORE_ROWS: tuple[OpSpec, ...] = (
    # elementwise, one operand
    unary("negative", np.negative, numpy.negative),
    unary("positive", np.positive, numpy.positive),
    unary("absolute", np.absolute, numpy.absolute, sample=nonzero),
    unary("abs", np.abs, numpy.abs, ("absolute",), sample=nonzero),
    unary("square", np.square, numpy.square),
    unary("sqrt", np.sqrt, numpy.sqrt, sample=positive),
    unary("exp", np.exp, numpy.exp),
    unary("log", np.log, numpy.log, sample=positive),
    unary("sin", np.sin, numpy.sin),
    unary("cos", np.cos, numpy.cos),
    unary("tanh", np.tanh, numpy.tanh),
    OpSpec("relu", "npx.relu", npx.relu, lambda x: numpy.maximum(x, 0), ("relu",),
           sample=nonzero),
    OpSpec("sigmoid", "npx.sigmoid", npx.sigmoid, numpy_sigmoid, ("sigmoid",)),
    # elementwise, broadcasting operands
    binary("add", np.add, numpy.add),
    binary("subtract", np.subtract, numpy.subtract),
    binary("multiply", np.multiply, numpy.multiply),
    binary("divide", np.divide, numpy.divide, sample=per_operand(normal, nonzero)),
    OpSpec("true_divide", "np.true_divide", np.true_divide, numpy.true_divide, ("divide",),
           nargs=2, broadcast=True, sample=per_operand(normal, nonzero)),
    binary("power", np.power, numpy.power, sample=per_operand(positive, normal)),
    binary("maximum", np.maximum, numpy.maximum, sample=distinct),
    binary("minimum", np.minimum, numpy.minimum, sample=distinct),
    # Python-number operands and the reflected operators
    OpSpec("power-scalar-exponent", "np.power", lambda x, p: x ** p, lambda x, p: x ** p,
           ("power",), sample=positive, variants=({"p": 3.0}, {"p": 0.5}, {"p": -1.5})),
    OpSpec("power-scalar-base", "np.power", lambda x, b: b ** x, lambda x, b: b ** x,
           ("power",), variants=({"b": 2.0}, {"b": 0.5})),
    OpSpec("reflected-operators", "ndarray operators", lambda x: 2.0 - x + 3.0 / x - 1.5 * x,
           lambda x: 2.0 - x + 3.0 / x - 1.5 * x, ("subtract", "divide", "multiply", "add"),
           sample=nonzero),
    OpSpec("where", "np.where", lambda x, y: np.where(checkerboard(x, y), x, y),
           lambda x, y: numpy.where(checkerboard(x, y), x, y), ("where",), nargs=2,
           broadcast=True),
    OpSpec("clip", "np.clip", np.clip, numpy.clip, ("clip",), sample=scalar_clip,
           variants=({"a_min": -0.5, "a_max": 0.5}, {"a_min": -0.5, "a_max": None},
                     {"a_min": None, "a_max": 0.5})),
    OpSpec("clip-array-bounds", "np.clip", np.clip, numpy.clip, ("clip",), nargs=3,
           broadcast=True, sample=clip_bounds),
    # reductions
    unary("sum", np.sum, numpy.sum, variants=AXES),
    unary("mean", np.mean, numpy.mean, ("sum", "divide"), variants=AXES),
    # nonzero factors (the quotient path); zero factors: prod-zeros in rows_reductions.py
    unary("prod", np.prod, numpy.prod, sample=positive, variants=AXES),
    unary("max", np.max, numpy.max, sample=distinct, variants=AXES),
    unary("min", np.min, numpy.min, sample=distinct, variants=AXES),
    unary("var", np.var, numpy.var, ("sum", "subtract", "multiply", "divide"),
          variants=AXES + ({"axis": 0, "ddof": 1},), ndim=(1, MAX_DIMS), min_side=2),
    # var with ddof=1 and std need two elements in every reduced line: a spread of 0 leaves
    # var dividing by 0 and std (sqrt) without a slope
    unary("std", np.std, numpy.std, ("sqrt", "sum", "multiply", "divide"),
          variants=AXES + ({"axis": -1, "ddof": 1},), ndim=(1, MAX_DIMS), min_side=2),
    unary("cumsum", np.cumsum, numpy.cumsum, variants=({}, {"axis": 0}, {"axis": -1})),
    # shapes
    OpSpec("reshape", "np.reshape", lambda x, to: np.reshape(x, reshape_target(x.shape, to)),
           lambda x, to: numpy.reshape(x, reshape_target(x.shape, to)), ("reshape",),
           variants=tuple({"to": to} for to in ("flat", "column", "reversed", "leading-1"))),
    unary("transpose", np.transpose, numpy.transpose,
          variants=({}, {"axes": (1, 0)}, {"axes": (1, 2, 0)}, {"axes": (-1, 0, 1)})),
    unary("swapaxes", np.swapaxes, numpy.swapaxes, ("transpose",),
          variants=({"axis1": 0, "axis2": -1}, {"axis1": 2, "axis2": 0})),
    OpSpec("broadcast_to", "np.broadcast_to",
           lambda x: np.broadcast_to(x, broadcast_target(x.shape)),
           lambda x: numpy.broadcast_to(x, broadcast_target(x.shape)), ("broadcast_to",)),
    unary("expand_dims", np.expand_dims, numpy.expand_dims, ("reshape",),
          variants=({"axis": 0}, {"axis": -1}, {"axis": (0, 2)})),
    unary("squeeze", np.squeeze, numpy.squeeze, ("reshape",),
          variants=({}, {"axis": 0}, {"axis": -1}, {"axis": (0, -1)}),
          shapes=lambda variant: shapes_of(0, 2).map(lambda s: ((1,) + s + (1,),))),
    unary("ravel", np.ravel, numpy.ravel, ("reshape",)),
    OpSpec("flatten", "np.flatten", np.flatten, lambda x: x.flatten(), ("reshape", "copy")),
    unary("copy", np.copy, numpy.copy),
    OpSpec("astype", "np.astype", np.astype, lambda x, dtype: x.astype(dtype), ("astype",),
           variants=({"dtype": "float32"}, {"dtype": "float64"})),
    OpSpec("getitem", "ndarray.__getitem__", lambda x, key: x[resolve_key(key, x.shape)],
           lambda x, key: x[resolve_key(key, x.shape)], ("getitem",),
           variants=tuple({"key": key} for key in GETITEM_KEYS)),
    # products and norms
    OpSpec("dot-vectors", "np.dot", np.dot, numpy.dot, ("tensordot",), nargs=2,
           shapes=lambda v: dot_shapes((1, 1), (1, 1))),
    OpSpec("dot-matrices", "np.dot", np.dot, numpy.dot, ("tensordot",), nargs=2,
           shapes=lambda v: dot_shapes((2, 2), (1, 2))),
    OpSpec("dot-vector-matrix", "np.dot", np.dot, numpy.dot, ("tensordot",), nargs=2,
           shapes=lambda v: dot_shapes((1, 1), (2, 3))),
    OpSpec("dot-nd", "np.dot", np.dot, numpy.dot, ("tensordot",), nargs=2,
           shapes=lambda v: dot_shapes((3, 3), (2, 3))),
    OpSpec("dot-scalar", "np.dot", np.dot, numpy.dot, ("multiply",), nargs=2,
           shapes=lambda v: st.tuples(st.just(()), shapes_of(0, 2))),
    OpSpec("matmul-vectors", "np.matmul", np.matmul, numpy.matmul, ("matmul",), nargs=2,
           shapes=lambda v: signature_shapes("(n),(n)->()")),
    OpSpec("matmul-matrices", "np.matmul", np.matmul, numpy.matmul, ("matmul",), nargs=2,
           shapes=lambda v: signature_shapes("(m,n),(n,p)->(m,p)")),
    OpSpec("matmul-matrix-vector", "np.matmul", np.matmul, numpy.matmul, ("matmul",), nargs=2,
           shapes=lambda v: signature_shapes("(m?,n),(n,p?)->(m?,p?)", max_batch_dims=1)),
    OpSpec("matmul-batched", "np.matmul", np.matmul, numpy.matmul, ("matmul",), nargs=2,
           shapes=lambda v: same_batch_matmul_shapes()),
    OpSpec("matmul-broadcast-batch", "np.matmul", np.matmul, numpy.matmul, ("matmul",),
           nargs=2, shapes=lambda v: signature_shapes("(m,n),(n,p)->(m,p)", max_batch_dims=2)),
    OpSpec("tensordot", "np.tensordot", np.tensordot, numpy.tensordot, ("tensordot",), nargs=2,
           # contracted axes paired out of order on either side, too
           variants=({"axes": 0}, {"axes": 1}, {"axes": 2}, {"axes": ([1, 0], [0, 1])},
                     {"axes": ([0, 1], [1, 0])}, {"axes": ([2, 0], [-1, 0])},
                     {"axes": ([0], [-1])}),
           shapes=lambda v: tensordot_shapes(v["axes"])),
    OpSpec("norm-vector", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm,
           ("norm", "absolute", "max", "min", "sum", "power"), sample=distinct_magnitudes,
           ndim=(1, 1), variants=tuple({"ord": o} for o in (None, 1, 2, INF, -INF, 3, 0, -1))),
    OpSpec("norm-axis", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm,
           ("norm", "absolute", "max", "sum"), sample=distinct_magnitudes,
           variants=({"axis": -1}, {"axis": 0, "keepdims": True}, {"axis": -1, "ord": 1},
                     {"axis": 0, "ord": INF}, {"axis": (0, 1)}, {"axis": (2, 0), "ord": 1},
                     {"axis": (0, -1), "ord": -INF, "keepdims": True})),
    OpSpec("norm-matrix", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm,
           ("norm", "absolute", "sum", "max", "min", "reshape"), sample=distinct_magnitudes,
           ndim=(2, 2),
           variants=tuple({"ord": o} for o in (None, "fro", 1, -1, INF, -INF))),
    OpSpec("norm-all", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm, ("norm",),
           variants=({}, {"keepdims": True})),
    # sorting
    unary("sort", np.sort, numpy.sort, sample=distinct, ndim=(1, MAX_DIMS),
          variants=({}, {"axis": 0}, {"axis": -1}, {"axis": None})),
    # neural-network ops
    OpSpec("softmax", "npx.softmax", npx.softmax,
           lambda x, axis=-1: numpy.exp(numpy_log_softmax(x, axis)),
           ("subtract", "exp", "sum", "log"), ndim=(1, MAX_DIMS),
           variants=({}, {"axis": 0})),
    OpSpec("log_softmax", "npx.log_softmax", npx.log_softmax, numpy_log_softmax,
           ("subtract", "exp", "sum", "log"), ndim=(1, MAX_DIMS), variants=({}, {"axis": 0})),
    OpSpec("pick", "npx.pick", pick, lambda x, axis: numpy_pick(x, axis)[0], ("getitem",),
           variants=({"axis": -1}, {"axis": 0})),
    OpSpec("dropout", "npx.dropout", seeded_dropout, numpy_dropout, ("multiply",),
           variants=({"p": 0.5},)),
    # internal primitives, reached by users only through the rules of the public functions
    OpSpec("sum_to_shape", "primitive.sum_to_shape",
           lambda g: REGISTRY.primitives["sum_to_shape"](g, shape=summed_target(g.shape)),
           sum_to_shape_reference,
           ("sum_to_shape",), ndim=(1, MAX_DIMS)),
    OpSpec("scatter_add", "primitive.scatter_add", scatter_add, scatter_add_reference,
           ("scatter_add",),
           variants=({"key": [0, 2, 0], "basic": False}, {"key": slice(1, 4, 2), "basic": True}),
           shapes=lambda v: shapes_of(0, 2).map(
               lambda s: (numpy.arange(4)[v["key"]].shape + s,))),
    OpSpec("permute", "primitive.permute",
           lambda x, axis: REGISTRY.primitives["permute"](
               x, indices=permutation_along(x.shape, axis),
               inverse=numpy.argsort(permutation_along(x.shape, axis), axis=axis), axis=axis),
           lambda x, axis: numpy.take_along_axis(x, permutation_along(x.shape, axis), axis),
           ("permute",), variants=({"axis": 0}, {"axis": -1})),
    OpSpec("average_ties", "primitive.average_ties",
           lambda g, axis: REGISTRY.primitives["average_ties"](
               g, sorted_values=pair_ties(g.shape, axis), axis=axis),
           lambda g, axis: average_ties_reference(g, pair_ties(g.shape, axis), axis),
           ("average_ties",), variants=({"axis": 0}, {"axis": -1})),
)

# Public functions with no row, and why: their results carry no gradient.
CORE_NOT_DIFFERENTIABLE = {
    "creation (constants)": {"np.arange", "np.array", "np.asarray", "np.empty", "np.eye",
                             "np.ones", "np.ones_like", "np.zeros", "np.zeros_like",
                             "npx.one_hot"},
    "integer results": {"np.argmax", "np.argmin", "np.argsort"},
    "piecewise constant": {"np.sign", "np.floor", "np.ceil", "np.round", "np.around"},
    "boolean results": {"np.equal", "np.not_equal", "np.less", "np.less_equal", "np.greater",
                        "np.greater_equal", "np.logical_not", "np.logical_and",
                        "np.logical_or", "np.logical_xor", "np.isnan", "np.isinf",
                        "np.isfinite"},
    "bitwise (masks and integers)": {"np.bitwise_and", "np.bitwise_or", "np.bitwise_xor",
                                     "np.invert"},
    "metadata": {"np.shape", "np.ndim", "np.size"},
}

def _gather_excuses() -> dict[str, set[str]]:
    excuses: dict[str, set[str]] = {}
    for table in [CORE_NOT_DIFFERENTIABLE] + [m.NOT_DIFFERENTIABLE for m in ROW_MODULES]:
        for reason, names in table.items():
            excuses.setdefault(reason, set()).update(names)
    return excuses

SPECS: tuple[OpSpec, ...] = CORE_ROWS + tuple(row for m in ROW_MODULES for row in m.ROWS)
NOT_DIFFERENTIABLE = _gather_excuses()
CASES: Sequence[tuple[OpSpec, dict]] = tuple(
    (spec, variant) for spec in SPECS for variant in spec.variants)
CASE_IDS = [case_id(spec, variant) for spec, variant in CASES]
