"""The op test table: one OpSpec row per differentiable function (ARCHITECTURE.md §3.9).

A row says what to call (ndgrad and NumPy), how to draw operand shapes and valid values, and
which keyword variants to try. Every row gets every check: forward against NumPy
(test_forward.py), gradients to order 2 against finite differences (test_grads.py), and its
primitives are counted for the registry's coverage (test_registry.py). Adding an op means
adding a row here.

Samplers keep finite differences valid: values stay away from kinks (0 for abs, relu and the
1-norm), are distinct where a max or a sort picks among them, and stay in the domain (positive
for log and sqrt), with margins of at least 0.06, far above check_grads' step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from ndgrad import np, npx
from ndgrad._registry import REGISTRY

Shapes = tuple[tuple[int, ...], ...]
MAX_DIMS = 3
MAX_SIDE = 4


# -- samplers: sample(rng, shapes) -> one float64 array per operand --------------------------
def normal(rng: numpy.random.Generator, shapes: Shapes) -> list[numpy.ndarray]:
    return [rng.standard_normal(shape) for shape in shapes]


def positive(rng, shapes):
    """In [0.5, 2]: the domain of log and sqrt, away from their singularity at 0."""
    return [rng.uniform(0.5, 2.0, shape) for shape in shapes]


def nonzero(rng, shapes):
    """|x| in [0.2, 2], either sign: away from the kink of abs and relu at 0."""
    return [rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape) for shape in shapes]


def _spread_ranks(rng, shapes, start):
    """start + 0.1 * (a random rank) + jitter below 0.02, over all operands' elements
    together, split into one array per shape."""
    sizes = [int(numpy.prod(shape)) for shape in shapes]
    total = sum(sizes)
    values = start + 0.1 * rng.permutation(total) + rng.uniform(-0.02, 0.02, total)
    parts = numpy.split(values, numpy.cumsum(sizes)[:-1])
    return [part.reshape(shape) for part, shape in zip(parts, shapes)]


def distinct(rng, shapes):
    """All values of all operands differ by at least 0.06, so max, min, maximum and sort
    have no ties, even under broadcasting."""
    total = sum(int(numpy.prod(shape)) for shape in shapes)
    return _spread_ranks(rng, shapes, start=-0.05 * total)


def distinct_magnitudes(rng, shapes):
    """Magnitudes at least 0.3 and 0.06 apart, random signs: for the norms, which take |x|
    (kink at 0) and a max or min of magnitudes."""
    return [part * rng.choice([-1.0, 1.0], part.shape)
            for part in _spread_ranks(rng, shapes, start=0.3)]


def per_operand(*samplers):
    """A sampler drawing operand i with samplers[i] (e.g. a divisor away from 0)."""
    def sample(rng, shapes):
        return [sampler(rng, [shape])[0] for sampler, shape in zip(samplers, shapes)]
    return sample


def clip_bounds(rng, shapes):
    """a, a_min, a_max with a_min < a_max and ``a`` at least 0.2 from either bound."""
    a_shape, low_shape, high_shape = shapes
    low = rng.uniform(-1.2, -1.0, low_shape)
    high = rng.uniform(1.0, 1.2, high_shape)
    a = rng.choice([-2.0, 0.0, 2.0], a_shape) + rng.uniform(-0.5, 0.5, a_shape)
    return [a, low, high]


def scalar_clip(rng, shapes):
    """Values at least 0.1 away from the scalar bounds +-0.5 of the clip rows."""
    return [rng.choice([-1.0, 0.0, 1.0], shape) + rng.uniform(-0.4, 0.4, shape)
            for shape in shapes]


# -- shape strategies ------------------------------------------------------------------------
def shapes_of(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1):
    return array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                        max_side=MAX_SIDE)


def broadcast_shapes(count: int):
    """``count`` mutually broadcastable shapes, with size-1 and missing dimensions."""
    return mutually_broadcastable_shapes(num_shapes=count, max_dims=MAX_DIMS,
                                         max_side=MAX_SIDE).map(lambda s: s.input_shapes)


def signature_shapes(signature: str, max_batch_dims: int = 0):
    """Shapes for a gufunc-like signature, e.g. ``"(m,n),(n,p)->(m,p)"`` for matmul."""
    return mutually_broadcastable_shapes(signature=signature, max_dims=max_batch_dims,
                                         max_side=MAX_SIDE).map(lambda s: s.input_shapes)


@st.composite
def same_batch_matmul_shapes(draw):
    batch = draw(shapes_of(1, 2))
    m, n, p = (draw(st.integers(1, MAX_SIDE)) for _ in range(3))
    return batch + (m, n), batch + (n, p)


@st.composite
def dot_shapes(draw, a_dims: tuple[int, int], b_dims: tuple[int, int]):
    """numpy.dot contracts a's last axis with b's second-to-last (its only one if 1-D)."""
    a = draw(shapes_of(*a_dims))
    b = list(draw(shapes_of(*b_dims)))
    b[0 if len(b) == 1 else -2] = a[-1]
    return a, tuple(b)


def axis_ndim(axis: Any) -> int:
    """The fewest dimensions an array needs for ``axis`` (an int, a tuple or None)."""
    if axis is None:
        return 0
    axes = axis if isinstance(axis, tuple) else (axis,)
    return max([len(axes)] + [a + 1 if a >= 0 else -a for a in axes])


@st.composite
def tensordot_shapes(draw, axes):
    """Shapes whose contracted axes agree, for numpy.tensordot(a, b, axes)."""
    if isinstance(axes, int):
        a = draw(shapes_of(axes, MAX_DIMS))
        b = list(draw(shapes_of(axes, MAX_DIMS)))
        pairs = [(len(a) - axes + t, t) for t in range(axes)]
    else:
        a_needed, b_needed = axis_ndim(tuple(axes[0])), axis_ndim(tuple(axes[1]))
        a = draw(shapes_of(a_needed, a_needed + 1))
        b = list(draw(shapes_of(b_needed, b_needed + 1)))
        pairs = list(zip(axes[0], axes[1]))
    for i, j in pairs:
        b[j] = a[i]
    return a, tuple(b)


# -- getitem keys ----------------------------------------------------------------------------
class Mask:
    """A boolean-mask placeholder in a getitem key, made for the array's shape at call time:
    alternating True/False along ``axis`` (starting True, so never empty), or a checkerboard
    over all axes when ``axis`` is None."""

    def __init__(self, axis: int | None) -> None:
        self.axis = axis

    def __repr__(self) -> str:
        return "mask" if self.axis is None else f"mask{self.axis}"

    def resolve(self, shape: tuple[int, ...]) -> numpy.ndarray:
        if self.axis is None:
            return numpy.asarray(numpy.indices(shape).sum(axis=0) % 2 == 0)
        return numpy.arange(shape[self.axis]) % 2 == 0


def resolve_key(key: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(key, Mask):
        return key.resolve(shape)
    if isinstance(key, tuple):
        return tuple(part.resolve(shape) if isinstance(part, Mask) else part for part in key)
    return key


def key_ndim(key: Any) -> int:
    """The fewest dimensions an array needs for ``key``."""
    parts = key if isinstance(key, tuple) else (key,)
    count = 0
    for part in parts:
        if isinstance(part, Mask):
            count += part.axis is not None   # a full mask fits any array, 0-d included
        elif part is not None and part is not Ellipsis:
            count += 1
    return count


GETITEM_KEYS = (
    0, -1, slice(None, None, 2), slice(1, None), slice(None, None, -1), slice(-1, None, -2),
    Ellipsis, None, (None, Ellipsis, None), (Ellipsis, 0), (Ellipsis, slice(None, None, -2)),
    (slice(None), None, 0), (0, slice(None, None, -1)),
    [0, -1, 0],                             # repeated integer indices accumulate
    [[0, 0], [-1, 0]],                      # a 2-D integer array
    ([0, -1, 0], [-1, 0, -1]),              # paired integer arrays over two axes
    (slice(None), [0, 0]),                  # basic then advanced
    (0, slice(None, None, -1), [-1, -1]),
    Mask(0), (Ellipsis, Mask(-1)), Mask(None), (Mask(0), slice(None, None, -1)),
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
    return npx.pick(x, numpy_pick(numpy.asarray(x), axis)[1], axis=axis)


# -- the table -------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpSpec:
    """One row: a differentiable function and how to test it.

    ``fn(*operands, **variant)`` is the ndgrad call and ``reference`` the same call in NumPy;
    ``function`` is the public name checked ("np.sum"; "primitive.X" for an internal
    primitive called directly), and ``primitives`` the primitives the row records (the
    registry test checks both lists). ``shapes`` overrides the default shape strategy; by
    default operands have the same shape, or mutually broadcastable shapes if ``broadcast``,
    with as many dimensions as the variant's axis or key needs (``ndim`` bounds them).
    """

    name: str
    function: str
    fn: Callable[..., Any]
    reference: Callable[..., Any]
    primitives: tuple[str, ...]
    nargs: int = 1
    sample: Callable[[numpy.random.Generator, Shapes], list] = normal
    variants: tuple[dict, ...] = ({},)
    broadcast: bool = False
    shapes: Callable[[dict], st.SearchStrategy] | None = None
    ndim: tuple[int, int] = (0, MAX_DIMS)
    min_side: int = 1

    def operand_shapes(self, variant: dict) -> st.SearchStrategy:
        if self.shapes is not None:
            return self.shapes(variant)
        if self.broadcast:
            return broadcast_shapes(self.nargs)
        needed = max(axis_ndim(variant.get(name)) for name in ("axis", "axis1", "axis2"))
        if "key" in variant:
            needed = key_ndim(variant["key"])
        if "axes" in variant:
            needed = len(variant["axes"])
        low, high = max(self.ndim[0], needed), self.ndim[1]
        if "axes" in variant:
            high = needed
        return shapes_of(low, max(low, high), self.min_side).map(lambda s: (s,) * self.nargs)


def unary(name, ndgrad_fn, numpy_fn, primitives=None, **kwargs):
    return OpSpec(name, f"np.{name}", ndgrad_fn, numpy_fn, primitives or (name,), **kwargs)


def binary(name, ndgrad_fn, numpy_fn, **kwargs):
    return OpSpec(name, f"np.{name}", ndgrad_fn, numpy_fn, (name,), nargs=2, broadcast=True,
                  **kwargs)


AXES = ({}, {"axis": 0}, {"axis": -1}, {"axis": (0, 1)}, {"axis": (0, -1)},
        {"axis": None, "keepdims": True}, {"axis": -1, "keepdims": True},
        {"axis": (0, 2), "keepdims": True})
INF = numpy.inf


SPECS: tuple[OpSpec, ...] = (
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
    # no zero factors: prod's gradient with one raises NoDerivativeError (test_subgradients)
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


def case_id(spec: OpSpec, variant: dict) -> str:
    """A readable pytest id: the row's name and its keyword arguments."""
    if not variant:
        return spec.name
    return spec.name + "[" + ",".join(f"{k}={_show(v)}" for k, v in variant.items()) + "]"


def _show(value: Any) -> str:
    if isinstance(value, slice):
        parts = (value.start, value.stop) + ((value.step,) if value.step is not None else ())
        return ":".join("" if part is None else str(part) for part in parts)
    if value is Ellipsis:
        return "..."
    if isinstance(value, tuple):
        return "(" + ",".join(_show(part) for part in value) + ")"
    return repr(value).replace(" ", "")


CASES: Sequence[tuple[OpSpec, dict]] = tuple(
    (spec, variant) for spec in SPECS for variant in spec.variants)
CASE_IDS = [case_id(spec, variant) for spec, variant in CASES]
