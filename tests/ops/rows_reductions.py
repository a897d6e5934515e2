"""Test-table rows for the reductions and statistics families (see specs.py for what every
row gets)."""

from __future__ import annotations

import numpy
from hypothesis import strategies as st

from ndgrad import np
from ndgrad._registry import REGISTRY

from .table import AXES, MAX_DIMS, OpSpec, distinct, normal, per_operand, positive, shapes_of


# -- samplers --------------------------------------------------------------------------------
def with_zeros(rng, shapes):
    """Magnitudes in [0.5, 1.5] of either sign, about a third of them exactly 0: products
    with one, two or more zero factors (their gradients are exact, not 0/0)."""
    values = []
    for shape in shapes:
        x = numpy.asarray(rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape))
        x[rng.random(shape) < 0.35] = 0.0
        values.append(x)
    return values


def quantile_and_probabilities(rng, shapes):
    """Distinct values along the last axis of ``a``, and probabilities q whose virtual index
    q (n - 1) is at least 0.1 from an integer: away from the kinks of the quantile in q."""
    a_shape, q_shape = shapes
    n = a_shape[-1]
    steps = rng.integers(0, max(n - 1, 1), q_shape) + rng.uniform(0.1, 0.9, q_shape)
    return [distinct(rng, [a_shape])[0], steps / max(n - 1, 1)]


# -- helpers the rows call (the same on both sides) ------------------------------------------
def nan_holes(shape, axis):
    """A fixed pattern of positions to hold NaN: every third element, never the first of a
    reduced line, so each line keeps a number (no all-NaN slice, whose result is NaN)."""
    axes = range(len(shape)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    # an axis out of range is left for the function under test to refuse
    axes = [a for a in axes if -len(shape) <= a < len(shape)]
    index = numpy.indices(shape)
    first = numpy.all([index[a] == 0 for a in axes], axis=0) if len(shape) else True
    return (index.sum(axis=0) % 3 == 1) & ~first


def holed(x, axis=None):
    """``x`` (ndgrad) with NaN at ``nan_holes``: the NaNs enter inside the function, so finite
    differences perturb only the numbers."""
    return np.where(nan_holes(x.shape, axis), numpy.nan, x)


def numpy_holed(x, axis=None):
    return numpy.where(nan_holes(x.shape, axis), numpy.nan, x)


def nan_row(name, sample=normal, primitives=()):
    """A row for np.<name> on an operand with NaN holes."""
    return OpSpec(name, f"np.{name}",
                  lambda x, **v: getattr(np, name)(holed(x, v.get("axis")), **v),
                  lambda x, **v: getattr(numpy, name)(numpy_holed(x, v.get("axis")), **v),
                  ("where",) + primitives, sample=sample, variants=AXES)


def linear_scan(b, a, axis, reverse):
    """The primitive, called as cumprod's gradient calls it (with a non-negative axis)."""
    return REGISTRY.primitives["linear_scan"](b, a, axis=axis % b.ndim, reverse=reverse)


def linear_scan_reference(b, a, axis, reverse):
    """s_i = b_i + a_(i-1) s_(i-1) (reverse: s_i = b_i + a_i s_(i+1)), one step at a time."""
    b, a = numpy.moveaxis(b, axis, -1), numpy.moveaxis(a, axis, -1)
    s = b.copy()
    n = b.shape[-1]
    for i in (range(n - 2, -1, -1) if reverse else range(1, n)):
        s[..., i] += (a[..., i] * s[..., i + 1]) if reverse else (a[..., i - 1] * s[..., i - 1])
    return numpy.moveaxis(s, -1, axis)


def weights_shape(shape, axis):
    """The shape of 1-D (or, for several axes, n-D) weights along ``axis``, in its order."""
    return tuple(shape[a] for a in (axis if isinstance(axis, tuple) else (axis,)))


def averaged_scale(a, weights, axis, like):
    """The sum of weights that average returns with returned=True (broadcast to the
    average's shape)."""
    return like.average(a, axis=axis, weights=weights, returned=True)[1]


QUANTILE_VARIANTS = (
    {"q": 0.3}, {"q": [0.1, 0.5, 0.9], "axis": -1}, {"q": 0.25, "axis": (0, -1), "keepdims": True},
    {"q": [[0.2], [0.8]], "axis": 0}, {"q": 0.7, "method": "hazen"},
    {"q": [0.2, 0.75], "method": "midpoint", "axis": 0}, {"q": 0.4, "method": "lower"},
    {"q": 0.6, "method": "nearest", "axis": -1}, {"q": 0.55, "method": "weibull"},
    {"q": 0.35, "method": "median_unbiased", "keepdims": True},
    {"q": [0.05, 0.5], "method": "inverted_cdf"},
    {"q": 0.5, "method": "averaged_inverted_cdf", "axis": -1},
)
SORTED_OPERANDS = ("sort", "getitem", "subtract", "multiply", "add")

ROWS: tuple[OpSpec, ...] = (
    # prod with zero factors: its core row (specs.py) draws positive factors only
    OpSpec("prod-zeros", "np.prod", np.prod, numpy.prod, ("prod",), sample=with_zeros,
           variants=AXES),
    OpSpec("cumprod", "np.cumprod", np.cumprod, numpy.cumprod, ("cumprod",), sample=positive,
           variants=({}, {"axis": 0}, {"axis": -1})),
    OpSpec("cumprod-zeros", "np.cumprod", np.cumprod, numpy.cumprod, ("cumprod", "reshape"),
           sample=with_zeros, variants=({}, {"axis": 0}, {"axis": -1})),
    OpSpec("ptp", "np.ptp", np.ptp, numpy.ptp, ("max", "min", "subtract"), sample=distinct,
           variants=AXES),
    OpSpec("average", "np.average", np.average, numpy.average, ("sum", "divide"),
           variants=AXES),
    OpSpec("average-weighted", "np.average",
           lambda a, w, **v: np.average(a, weights=w, **v),
           lambda a, w, **v: numpy.average(a, weights=w, **v), ("multiply", "sum", "divide"),
           nargs=2, sample=per_operand(normal, positive), variants=AXES),
    OpSpec("average-weights-along-axis", "np.average",
           lambda a, w, axis: np.average(a, axis=axis, weights=w),
           lambda a, w, axis: numpy.average(a, axis=axis, weights=w),
           ("transpose", "reshape", "multiply", "sum", "divide"), nargs=2,
           sample=per_operand(normal, positive),
           variants=({"axis": 0}, {"axis": -1}, {"axis": (2, 0)}),
           shapes=lambda v: shapes_of(3, MAX_DIMS).map(
               lambda s: (s, weights_shape(s, v["axis"])))),
    OpSpec("average-returned-scale", "np.average",
           lambda a, w, axis: averaged_scale(a, w, axis, np),
           lambda a, w, axis: averaged_scale(a, w, axis, numpy), ("sum",), nargs=2,
           sample=per_operand(normal, positive), variants=({"axis": -1}, {"axis": 0}),
           shapes=lambda v: shapes_of(2, MAX_DIMS).map(
               lambda s: (s, weights_shape(s, v["axis"])))),
    OpSpec("median", "np.median", np.median, numpy.median, SORTED_OPERANDS, sample=distinct,
           variants=tuple(v for v in AXES if not isinstance(v.get("axis"), tuple))),
    # NumPy's median over several axes cannot reshape an empty kept axis (ndgrad's can)
    OpSpec("median-axes", "np.median", np.median, numpy.median, SORTED_OPERANDS + ("transpose",),
           sample=distinct, variants=tuple(v for v in AXES if isinstance(v.get("axis"), tuple)),
           zero_size=False),
    OpSpec("quantile", "np.quantile", np.quantile, numpy.quantile, SORTED_OPERANDS,
           sample=distinct, variants=QUANTILE_VARIANTS, zero_size=False),
    OpSpec("percentile", "np.percentile", np.percentile, numpy.percentile, SORTED_OPERANDS,
           sample=distinct, zero_size=False,
           variants=({"q": 30.0}, {"q": [10, 50, 95], "axis": -1},
                     {"q": 62.5, "axis": (0, -1), "method": "normal_unbiased"})),
    # q is differentiable too (continuous methods): the weight of the upper order statistic
    OpSpec("quantile-in-q", "np.quantile",
           lambda a, q, **v: np.quantile(a, q, axis=-1, **v),
           lambda a, q, **v: numpy.quantile(a, q, axis=-1, **v),
           SORTED_OPERANDS, nargs=2, sample=quantile_and_probabilities, zero_size=False,
           variants=({}, {"method": "hazen"}),
           shapes=lambda v: st.tuples(shapes_of(1, MAX_DIMS), st.sampled_from([(), (2,)]))),
    nan_row("nansum", primitives=("sum",)),
    nan_row("nanmean", primitives=("sum", "divide")),
    nan_row("nanmax", sample=distinct, primitives=("max",)),
    nan_row("nanmin", sample=distinct, primitives=("min",)),
    # the recurrence behind cumprod's exact gradient, reached by users only through it
    OpSpec("linear_scan", "primitive.linear_scan", linear_scan, linear_scan_reference,
           ("linear_scan",), nargs=2, sample=per_operand(normal, with_zeros),
           variants=tuple({"axis": axis, "reverse": reverse} for axis in (0, -1)
                          for reverse in (False, True)),
           ndim=(1, MAX_DIMS)),
)

# Public names of this family with no row, by reason (their results carry no gradient).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "integer results": {"np.count_nonzero"},
    "boolean results": {"np.all", "np.any"},
}
