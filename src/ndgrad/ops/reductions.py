"""Reductions: sum, prod, max/min (ties share the gradient), arg-reductions, cumulative sums
and products, the boolean reductions, and the composites built on them (mean, var, std)."""

from __future__ import annotations

import builtins

import numpy

from .._axes import kept_shape, ndim_of, normalize_axes, normalize_axis, shape_of
from .._ndarray import raw
from .._primitive import LINEAR, NOTHING, SHAPES, Primitive, primitive
from .._publish import public
from .._shaping import real
from .._state import STATE
from .elementwise import conjugate, sqrt, where
from .shape import astype, broadcast_to_, getitem_, reshape_, scatter_add, transpose_


def spread_over(g, shape, axes, keepdims):
    """A reduction's cotangent broadcast back over the reduced axes."""
    if not keepdims:
        g = reshape_(g, shape=kept_shape(shape, axes))
    return broadcast_to_(g, shape=shape)


# dtype= is NumPy's: the dtype the sum is computed in (the gradient is cast back to x's)
sum_ = primitive("sum", lambda x, axis, keepdims, dtype=None: numpy.sum(
                     x, axis=axis, keepdims=keepdims, dtype=dtype), saves=SHAPES,
                 vjp=lambda g, ans, x, axis, keepdims, dtype=None: spread_over(
                     g, x.shape, axis, keepdims), jvp=LINEAR)


def _winners(ans, x, axis, keepdims):
    """Where x holds its group's extreme (a constant mask of x's shape) and how many elements
    share it (of the reduced shape, per ``keepdims``)."""
    winners = x == reshape_(ans, shape=kept_shape(x.shape, axis))
    return winners, winners.sum(axis=axis, keepdims=keepdims)


def _extremum_vjp(g, ans, x, axis, keepdims):
    """The cotangent goes to the extreme elements, split evenly among ties (API.md 10)."""
    winners, count = _winners(ans, x, axis, keepdims=True)
    g = reshape_(g, shape=count.shape)
    return winners * (g / count.astype(g.dtype))     # divide the reduced-size array


def _extremum_jvp(t, ans, x, axis, keepdims):
    """The tangent's mean over the extreme elements (the transpose of the even split)."""
    winners, count = _winners(ans, x, axis, keepdims)
    return sum_(winners * t, axis=axis, keepdims=keepdims) / count.astype(t.dtype)


def _tied_extrema(ans, x, axis, keepdims):
    """The elements equal to their slice's extremum beyond one per slice."""
    x = numpy.asarray(x)
    extremum = numpy.asarray(ans) if keepdims or axis is None else numpy.expand_dims(
        ans, axis)
    return (int(numpy.count_nonzero(x == extremum)) - numpy.asarray(ans).size,
            "tied extrema share the gradient equally")


amax_ = primitive("max", lambda x, axis, keepdims: numpy.amax(x, axis=axis, keepdims=keepdims),
                  saves={"inputs", "answer"}, vjp=_extremum_vjp, jvp=_extremum_jvp,
                  kinks=_tied_extrema)
amin_ = primitive("min", lambda x, axis, keepdims: numpy.amin(x, axis=axis, keepdims=keepdims),
                  saves={"inputs", "answer"}, vjp=_extremum_vjp, jvp=_extremum_jvp,
                  kinks=_tied_extrema)


def _along(axis, index):
    """A getitem key that applies ``index`` along ``axis``."""
    return (slice(None),) * axis + (index,)


def _reverse(g, axis):
    return getitem_(g, key=_along(axis, slice(None, None, -1)))


def _shifted(x, axis, toward_end, fill):
    """``x`` moved one place along ``axis`` (toward its end or its start); the place left
    empty holds ``fill``. Linear in ``x``, built from getitem and its adjoint."""
    source, target, empty = ((slice(None, -1), slice(1, None), 0) if toward_end
                             else (slice(1, None), slice(None, -1), -1))
    shape = shape_of(x)
    moved = scatter_add(getitem_(x, key=_along(axis, source)), shape=shape,
                        key=_along(axis, target), basic=True)
    if fill == 0 or shape[axis] == 0:
        return moved
    vacated = numpy.zeros(shape[axis], dtype=bool)
    vacated[empty] = True
    return where(vacated.reshape((-1,) + (1,) * (len(shape) - axis - 1)), fill, moved)


cumsum_: Primitive = primitive(
    "cumsum", lambda x, axis, dtype=None: numpy.cumsum(x, axis=axis, dtype=dtype),
    saves=NOTHING, jvp=LINEAR,
    # the adjoint of a running sum is a running sum from the other end
    vjp=lambda g, ans, x, axis, dtype=None: _reverse(
        cumsum_(_reverse(g, axis), axis=axis), axis))


def _linear_scan(b, a, axis, reverse):
    """s_i = b_i + a_(i-1) s_(i-1) along ``axis`` (with ``reverse``: s_i = b_i + a_i s_(i+1)),
    by Hillis-Steele doubling: log2(n) vectorised steps, exact with zero weights (no
    division). Each step composes position i's affine map with the one ``step`` places
    before it; a zero weight at the start of the chain keeps the first values fixed."""
    b, a = numpy.broadcast_arrays(b, a)
    total = numpy.moveaxis(b, axis, -1).astype(numpy.result_type(b, a))
    weights = numpy.moveaxis(a, axis, -1)
    if reverse:
        total, weights = total[..., ::-1], weights[..., ::-1]
    # the weight that multiplies each position's predecessor, in the direction of the scan
    coefficients = numpy.zeros_like(total)
    coefficients[..., 1:] = weights[..., 1:] if reverse else weights[..., :-1]
    step = 1
    while step < total.shape[-1]:
        total[..., step:] += coefficients[..., step:] * total[..., :-step]
        coefficients[..., step:] = coefficients[..., step:] * coefficients[..., :-step]
        step *= 2
    if reverse:
        total = total[..., ::-1]
    return numpy.moveaxis(total, -1, axis)


def _linear_scan_pullback(g, ans, inputs, params, wanted):
    """The adjoint of a linear recurrence along a chain is the same recurrence run the other
    way with the same edge weights; edge weight a_j scales the value that crosses it."""
    _, a = inputs                                  # (b, a): only the weights matter
    axis, reverse = params["axis"], params["reverse"]
    adjoint = linear_scan(g, a, axis=axis, reverse=not reverse)
    grad_a = None
    if wanted[1]:
        # edge j joins positions j and j+1: forward it carries s_j into j+1, reverse s_(j+1)
        # into j; the weight at the chain's far end is unused (gradient 0)
        if reverse:
            grad_a = adjoint * _shifted(ans, axis, toward_end=False, fill=0)
        else:
            grad_a = _shifted(adjoint, axis, toward_end=False, fill=0) * ans
    return (adjoint if wanted[0] else None), grad_a


def _linear_scan_pushforward(tangents, ans, inputs, params):
    """The same recurrence, driven by b's tangent plus each edge weight's tangent times the
    value that crosses the edge."""
    drive, weights = tangents
    axis, reverse = params["axis"], params["reverse"]
    if weights is not None:
        if reverse:
            crossing = weights * _shifted(ans, axis, toward_end=False, fill=0)
        else:
            crossing = _shifted(weights * ans, axis, toward_end=True, fill=0)
        drive = crossing if drive is None else drive + crossing
    return linear_scan(drive, inputs[1], axis=axis, reverse=reverse)


# The first-order linear recurrence behind cumprod's derivatives; closed under
# differentiation, so cumprod (and prod) have exact derivatives of every order also where
# factors are zero.
linear_scan = primitive("linear_scan", _linear_scan, saves={"inputs", "answer"}, complex=True,
                        pullback=_linear_scan_pullback, pushforward=_linear_scan_pushforward)


def _divisible(ans):
    """Whether a rule may divide products by one of their factors (the cheapest form): no
    product is zero (a zero factor, or underflow) or infinite, and the rule runs for a
    first-order backward only, as differentiating a quotient again cancels large terms where
    a factor is small."""
    if not STATE.raw_rules:
        return False
    ans = numpy.asarray(ans)
    return bool(numpy.all(numpy.isfinite(ans) & (ans != 0)))


def _cumprod_chain(ans, x, axis):
    """The product before each position (1 at the start) and the factor after it (0 at the
    end): the weights of cumprod's derivative recurrences."""
    return (_shifted(ans, axis, toward_end=True, fill=1),
            _shifted(x, axis, toward_end=False, fill=0))


def _cumprod_vjp(g, ans, x, axis, dtype=None):
    """d y_k / d x_i = prod_(j <= k, j != i) x_j for i <= k, so the gradient at i is the
    product of the factors before i times s_i = sum_(k >= i) g_k prod_(i < j <= k) x_j.
    Where the products divide exactly, that is the reverse running sum of g y over x_i;
    else s is the reverse recurrence s_i = g_i + x_(i+1) s_(i+1), with no division."""
    if _divisible(ans):
        return _reverse(cumsum_(_reverse(g * ans, axis), axis=axis), axis) / x
    before, after = _cumprod_chain(ans, x, axis)
    return before * linear_scan(g, after, axis=axis, reverse=True)


def _cumprod_jvp(t, ans, x, axis, dtype=None):
    """The transpose of the gradient's recurrence: dy_k = y_(k-1) t_k + x_k dy_(k-1), with
    no division."""
    before, after = _cumprod_chain(ans, x, axis)
    return linear_scan(before * t, after, axis=axis, reverse=False)


cumprod_ = primitive("cumprod", lambda x, axis, dtype=None: numpy.cumprod(x, axis=axis,
                                                                          dtype=dtype),
                     saves={"inputs", "answer"}, vjp=_cumprod_vjp, jvp=_cumprod_jvp,
                     complex=True)


def _products_of_the_others(x, axes):
    """For each element, the product of the other elements of its reduced group: products
    from the start and from the end, each excluding the element itself (no division)."""
    shape = shape_of(x)
    axes = tuple(range(len(shape))) if axes is None else axes
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    order = kept + axes
    lines = transpose_(x, axes=order)
    line_shape = shape_of(lines)
    lines = reshape_(lines, shape=line_shape[:len(kept)] + (
        int(numpy.prod(line_shape[len(kept):], dtype=numpy.int64)),))
    last = len(kept)
    before = _shifted(cumprod_(lines, axis=last), last, toward_end=True, fill=1)
    after = _shifted(_reverse(cumprod_(_reverse(lines, last), axis=last), last), last,
                     toward_end=False, fill=1)
    others = reshape_(before * after, shape=line_shape)
    return transpose_(others, axes=tuple(int(i) for i in numpy.argsort(order)))


def _prod_slopes(ans, x, axis, keepdims):
    """d prod(x) / d x_i = the product of the other factors: prod(x) / x_i where that divides
    exactly (cheapest), else the products from both sides, with no division."""
    if _divisible(ans):
        return spread_over(ans, x.shape, axis, keepdims) / x
    return _products_of_the_others(x, axis)


prod_ = primitive("prod", lambda x, axis, keepdims, dtype=None: numpy.prod(
                      x, axis=axis, keepdims=keepdims, dtype=dtype),
                  saves={"inputs", "answer"}, complex=True,
                  vjp=lambda g, ans, x, axis, keepdims, dtype=None: spread_over(
                      g, x.shape, axis, keepdims) * _prod_slopes(ans, x, axis, keepdims),
                  jvp=lambda t, ans, x, axis, keepdims, dtype=None: sum_(
                      t * _prod_slopes(ans, x, axis, keepdims), axis=axis, keepdims=keepdims))
argmax_ = primitive("argmax", lambda x, axis, keepdims: numpy.argmax(x, axis=axis,
                                                                      keepdims=keepdims),
                    nondiff=True)
argmin_ = primitive("argmin", lambda x, axis, keepdims: numpy.argmin(x, axis=axis,
                                                                      keepdims=keepdims),
                    nondiff=True)
count_nonzero_ = primitive("count_nonzero", lambda x, axis, keepdims: numpy.count_nonzero(
    x, axis=axis, keepdims=keepdims), nondiff=True)
all_ = primitive("all", lambda x, axis, keepdims, where: numpy.all(
    x, axis=axis, keepdims=keepdims, where=where), nondiff=True)
any_ = primitive("any", lambda x, axis, keepdims, where: numpy.any(
    x, axis=axis, keepdims=keepdims, where=where), nondiff=True)


def _reduce(prim, a, axis, keepdims, **params):
    return prim(a, axis=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims), **params)


@public(numpy=numpy.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.sum."""
    return _reduce(sum_, a, axis, keepdims, dtype=dtype)


@public(numpy=numpy.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.prod; its gradient is exact also where factors are zero
    (the product of the other factors, never a 0/0)."""
    return _reduce(prod_, a, axis, keepdims, dtype=dtype)


@public(numpy=(numpy.max, numpy.amax), aliases=("amax",))
def max(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.max. Differs from MXNet: tied maxima share the gradient
    equally, so it sums to one."""
    return _reduce(amax_, a, axis, keepdims)


@public(numpy=(numpy.min, numpy.amin), aliases=("amin",))
def min(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.min; tied minima share the gradient equally."""
    return _reduce(amin_, a, axis, keepdims)



@public(numpy=numpy.argmax)
def argmax(a, axis=None, out=None, keepdims=False):
    """ndgrad's numpy.argmax (integer result, no gradient)."""
    axis = None if axis is None else normalize_axis(axis, ndim_of(a))
    return argmax_(a, axis=axis, keepdims=keepdims)


@public(numpy=numpy.argmin)
def argmin(a, axis=None, out=None, keepdims=False):
    """ndgrad's numpy.argmin (integer result, no gradient)."""
    axis = None if axis is None else normalize_axis(axis, ndim_of(a))
    return argmin_(a, axis=axis, keepdims=keepdims)


@public(numpy=numpy.count_nonzero)
def count_nonzero(a, axis=None, *, keepdims=False):
    """ndgrad's numpy.count_nonzero (integer result, no gradient). Differs from NumPy: the
    count over all axes is a 0-d ndarray, not a Python int."""
    return _reduce(count_nonzero_, a, axis, keepdims)


@public(numpy=numpy.all)
def all(a, axis=None, out=None, keepdims=False, *, where=True):
    """ndgrad's numpy.all (boolean result, no gradient)."""
    return all_(a, axis=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims),
                where=raw(where))


@public(numpy=numpy.any)
def any(a, axis=None, out=None, keepdims=False, *, where=True):
    """ndgrad's numpy.any (boolean result, no gradient)."""
    return any_(a, axis=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims),
                where=raw(where))


def _cumulative(prim, a, axis, dtype):
    """A running reduction; ``axis=None`` runs over the flattened array, as NumPy."""
    if axis is None:
        a = reshape_(a, shape=(-1,))
        axis = 0
    return prim(a, axis=normalize_axis(axis, ndim_of(a)), dtype=dtype)


@public(numpy=numpy.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    """ndgrad's differentiable numpy.cumsum (axis=None runs over the flattened array)."""
    return _cumulative(cumsum_, a, axis, dtype)


@public(numpy=numpy.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    """ndgrad's differentiable numpy.cumprod (axis=None runs over the flattened array); its
    gradient is exact also where factors are zero."""
    return _cumulative(cumprod_, a, axis, dtype)


def _count(a, axis):
    axes = normalize_axes(axis, ndim_of(a))
    shape = shape_of(a)
    return int(numpy.prod([shape[i] for i in (axes if axes is not None else range(len(shape)))]))


@public(numpy=numpy.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.mean."""
    total = sum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if dtype is None and total.dtype.kind not in "fc":
        total = astype(total, numpy.float64)
    result = total / _count(a, axis)
    # an integer dtype= gives NumPy's truncated mean
    return result if result.dtype == total.dtype else astype(result, total.dtype)


@public(numpy=numpy.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """ndgrad's differentiable numpy.var."""
    deviation = a - mean(a, axis=axis, dtype=dtype, keepdims=True)
    # as NumPy: with no degrees of freedom left it divides by 0 (nan or inf), never by n - ddof < 0
    freedom = builtins.max(_count(a, axis) - ddof, 0)          # this module's max is np.max
    if deviation.dtype.kind == "c":          # |d|^2, real, as NumPy
        squared = real(deviation * conjugate(deviation))
    else:
        squared = deviation * deviation
    return sum(squared, axis=axis, dtype=dtype, keepdims=keepdims) / freedom


@public(numpy=numpy.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """ndgrad's differentiable numpy.std. Where the spread is 0 (a constant input) the
    gradient is 0, as MXNet 1.9.1 and PyTorch give (JAX gives NaN): the square root's
    infinite slope meets the variance's zero one, and 0 is the subgradient."""
    variance = var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    spread = variance != 0              # NaN compares unequal, so NaN still propagates
    return where(spread, sqrt(where(spread, variance, 1)), 0)
