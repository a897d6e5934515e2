"""The op test table's machinery: the OpSpec row type, samplers of valid operand values,
and hypothesis strategies for operand shapes. Rows live in specs.py (the core ops) and in
rows_<family>.py modules (one per op family), which specs.py gathers into SPECS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

Shapes = tuple[tuple[int, ...], ...]
MAX_DIMS = 3
MAX_SIDE = 4


# -- samplers: sample(rng, shapes) -> one float64 array per operand --------------------------
def normal(rng: numpy.random.Generator, shapes: Shapes) -> list[numpy.ndarray]:
    return [rng.standard_normal(shape) for shape in shapes]


def uniform(low, high):
    """Values in [low, high]: inside a domain such as |x| < 0.9 for arcsin."""
    def sample(rng, shapes):
        return [rng.uniform(low, high, shape) for shape in shapes]
    return sample


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


def complex_off_axes(rng, shapes):
    """Complex values whose real and imaginary parts both have magnitudes in [0.3, 1.5]:
    away from 0 and from both axes, where the principal branches of log, sqrt and the arc
    functions have their cuts."""
    def part(shape):
        return rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    return [part(shape) + 1j * part(shape) for shape in shapes]


def in_precision(a: numpy.ndarray, dtype: Any) -> numpy.ndarray:
    """``a`` in the float dtype's precision, staying complex if it is (complex64 for float32)."""
    if a.dtype.kind == "c":
        return a.astype(numpy.result_type(dtype, numpy.complex64))
    return a.astype(dtype)


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
    zero_size: bool = True   # False where NumPy itself refuses empty operands (max of nothing)

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

