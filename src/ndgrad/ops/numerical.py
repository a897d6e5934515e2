"""Numerical methods on sampled data: finite differences (gradient, ediff1d), integration
(trapezoid), interpolation (interp), polynomials (polyval, polyfit, polyder, polyint, vander)
and selection by conditions (select, piecewise).

All but interp are composites of the shape ops, arithmetic and least squares, written as
NumPy writes them (the same operations in the same order, so the values are NumPy's), and
differentiable where NumPy's function is: gradient is linear in the samples, trapezoid in the
samples and smooth in the coordinates, polyfit smooth in x, y and the weights at constant
rank. Spacings and conditions are constants: an array being differentiated there raises
NoDerivativeError, never a silently zero gradient.

interp is one primitive: the forward is numpy.interp itself, and its rules are the
derivatives of the piecewise-linear interpolant, written with ndgrad's ops so they can be
differentiated again. In x the slope of the segment x falls in (0 outside the table, where
the value is the constant ``left``/``right``; at a knot, the segment to its right); in fp the
two hat-function weights of that segment; in xp the derivatives of that segment's line in
its two ends.
"""

from __future__ import annotations

import warnings

import numpy
from numpy.exceptions import RankWarning

from .._axes import normalize_axes, normalize_axis
from .._ndarray import holds_history, ndarray, raw, to_numpy
from .._primitive import Primitive, primitive
from .._publish import public
from .._shaping import broadcast_to_, concatenate_, reshape_
from ..errors import NoDerivativeError
from .creation import asarray, zeros_like
from .decompositions import inv, lstsq
from .elementwise import remainder, sqrt, where, where_
from .joining import diff
from .linalg import dot, outer
from .reductions import cumprod, sum
from .sets import data_of
from .shape import IndexUpdates, astype, getitem, getitem_, scatter_add


def constant_data(value, what):
    """``value``'s data, for an argument that gets no gradient (a spacing, the sample points
    of interp, a condition); an array being differentiated there is refused."""
    if (isinstance(value, ndarray) and holds_history([value])) or (
            isinstance(value, (list, tuple)) and holds_history(value)):
        raise NoDerivativeError(f"{what} gets no gradient here; pass a constant (detach() it) "
                                "or write the computation with differentiable operations")
    return data_of(value)


def _along(axis, part):
    """The index selecting ``part`` (a slice or an integer) along ``axis``."""
    return (slice(None),) * axis + (part,)


# -- finite differences ----------------------------------------------------------------------
def _spacings(varargs, axes, shape):
    """gradient's spacing per axis, as NumPy reads ``varargs``: a scalar step, or the
    differences of 1-D coordinates (a scalar again when they are uniform)."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and numpy.ndim(raw(varargs[0])) == 0:
        return [constant_data(varargs[0], "gradient's spacing")[()]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError("invalid number of arguments")
    steps = []
    for axis, distances in zip(axes, varargs):
        distances = constant_data(distances, "gradient's spacing")
        if distances.ndim == 0:
            steps.append(distances[()])
            continue
        if distances.ndim != 1:
            raise ValueError("distances must be either scalars or 1d")
        if len(distances) != shape[axis]:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        if distances.dtype.kind in "iub":
            distances = distances.astype(numpy.float64)   # no modular arithmetic in diff
        step = numpy.diff(distances)
        steps.append(step[0] if (step == step[0]).all() else step)
    return steps


def _derivative_along(f, axis, step, edge_order):
    """NumPy's gradient along one axis: second-order central differences inside, one-sided
    differences of order ``edge_order`` at the two ends."""
    if f.shape[axis] < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")

    def part(start, stop):
        return getitem_(f, key=_along(axis, slice(start, stop)))

    uniform = numpy.ndim(step) == 0
    along = [1] * f.ndim
    along[axis] = -1
    if uniform:
        inside = (part(2, None) - part(None, -2)) / (2.0 * step)
    else:
        dx1, dx2 = step[:-1], step[1:]
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        inside = (a.reshape(along) * part(None, -2) + b.reshape(along) * part(1, -1)
                  + c.reshape(along) * part(2, None))
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) / (step if uniform else step[0])
        last = (part(-1, None) - part(-2, -1)) / (step if uniform else step[-1])
    else:
        if uniform:
            a, b, c = -1.5 / step, 2.0 / step, -0.5 / step
        else:
            dx1, dx2 = step[0], step[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * part(0, 1) + b * part(1, 2) + c * part(2, 3)
        if uniform:
            a, b, c = 0.5 / step, -2.0 / step, 1.5 / step
        else:
            dx1, dx2 = step[-2], step[-1]
            a = dx2 / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * part(-3, -2) + b * part(-2, -1) + c * part(-1, None)
    return concatenate_(first, inside, last, axis=axis)


@public(numpy=numpy.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    """ndgrad's differentiable numpy.gradient: second-order accurate central differences
    inside and one-sided differences of order ``edge_order`` (1 or 2) at the boundaries,
    along each of ``axis`` (all by default), with NumPy's spacings: none (1), one scalar for
    all axes, or a scalar or 1-D coordinates per axis. One array for one axis, else a tuple.

    It is linear in ``f``, so its gradient is the transposed stencil. The spacings are
    constants (NoDerivativeError if one is being differentiated). Integer ``f`` gives
    float64, as NumPy."""
    f = asarray(f)
    axes = tuple(range(f.ndim)) if axis is None else normalize_axes(axis, f.ndim)
    steps = _spacings(varargs, axes, f.shape)
    if edge_order not in (1, 2):
        raise ValueError(f"edge_order must be 1 or 2, not {edge_order!r}")
    dtype = f.dtype if f.dtype.kind in "fc" else numpy.dtype(numpy.float64)
    if f.dtype.kind in "iu":
        f = astype(f, numpy.float64)         # no modular arithmetic in the differences
    results = tuple(astype(_derivative_along(f, axis, step, edge_order), dtype, copy=False)
                    for axis, step in zip(axes, steps))
    return results[0] if len(results) == 1 else results


@public(numpy=numpy.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """ndgrad's differentiable numpy.ediff1d: the differences of the flattened array, with
    ``to_begin`` and ``to_end`` (differentiable too) before and after, in ``ary``'s dtype."""
    ary = reshape_(asarray(ary), shape=(-1,))
    differences = getitem_(ary, key=slice(1, None)) - getitem_(ary, key=slice(None, -1))
    if to_begin is None and to_end is None:
        return differences
    parts = []
    for name, value in (("to_begin", to_begin), ("to_end", to_end)):
        if value is None:
            parts.append(None)
            continue
        value = asarray(value)
        if not numpy.can_cast(value.dtype, ary.dtype, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                            "`same_kind` rule.")
        parts.append(astype(reshape_(value, shape=(-1,)), ary.dtype, copy=False))
    pieces = [piece for piece in (parts[0], differences, parts[1]) if piece is not None]
    return concatenate_(*pieces, axis=0)


# -- integration -----------------------------------------------------------------------------
@public(numpy=numpy.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """ndgrad's differentiable numpy.trapezoid: the trapezoidal rule along ``axis``, with
    sample points ``x`` (1-D along the axis, or of y's shape) or the spacing ``dx``; all of
    y, x and dx are differentiable."""
    y = asarray(y)
    axis = normalize_axis(axis, y.ndim)
    if x is None:
        step = dx
    else:
        x = asarray(x)
        if x.ndim == 1:
            step = diff(x)
            step = reshape_(step, shape=tuple(step.shape[0] if i == axis else 1
                                              for i in range(y.ndim)))
        else:
            step = diff(x, axis=axis)
    later = getitem_(y, key=_along(axis, slice(1, None)))
    earlier = getitem_(y, key=_along(axis, slice(None, -1)))
    return sum(step * (later + earlier) / 2.0, axis=axis)


# -- interpolation ---------------------------------------------------------------------------
def _segments(x, xp, left, right):
    """For each point of ``x``: the table rows of its segment (lo, hi), its place t in the
    segment (0 at lo, 1 at hi), the slope factor 1/(xp[hi] - xp[lo]) inside the table (0
    outside) and whether fp reaches it at all (not where ``left``/``right`` replace the
    value). place and factor are written with ndgrad's ops on x and xp, so the rules built
    from them differentiate again; the segments themselves are found on the data."""
    data, knots = numpy.asarray(raw(x)), numpy.asarray(raw(xp))
    n = knots.shape[0]
    below, above = data < knots[0], data > knots[-1]
    reached = ~((below & (left is not None)) | (above & (right is not None)))
    if n == 1:
        zero = numpy.zeros(data.shape, numpy.intp)
        return zero, zero, numpy.zeros(data.shape), numpy.zeros(data.shape), reached
    lo = numpy.clip(numpy.searchsorted(knots, data, side="right") - 1, 0, n - 2)
    start = getitem_(xp, key=lo)
    width = getitem_(xp, key=lo + 1) - start
    # inside the table and on a segment of nonzero width (a repeated last knot has none)
    inside = ~below & ~above & (numpy.asarray(raw(width)) != 0)
    factor = where_(inside, 1.0 / where_(inside, width, 1.0), 0.0)
    place = where_(inside, (x - start) * factor, above.astype(numpy.float64))
    return lo, lo + 1, place, factor, reached


def _interp_slope(fp, lo, hi, factor):
    return (getitem_(fp, key=hi) - getitem_(fp, key=lo)) * factor


def _interp_pullback(g, ans, inputs, params, wanted):
    x, fp, xp = inputs
    lo, hi, place, factor, reached = _segments(x, xp, params["left"], params["right"])
    slope = _interp_slope(fp, lo, hi, factor)
    grad_x = grad_fp = grad_xp = None
    if wanted[0]:
        grad_x = g * slope
    if wanted[1]:
        shape = (fp.shape[0],)
        grad_fp = (scatter_add(g * ((1.0 - place) * reached), shape=shape, key=lo, basic=False)
                   + scatter_add(g * (place * reached), shape=shape, key=hi, basic=False))
    if wanted[2]:
        # f = fp[lo] + t (fp[hi] - fp[lo]), t = (x - xp[lo]) / (xp[hi] - xp[lo]):
        # df/dxp[lo] = slope (t - 1), df/dxp[hi] = -slope t (slope is 0 outside the table)
        shape = (xp.shape[0],)
        weighted = g * slope
        grad_xp = (scatter_add(weighted * (place - 1.0), shape=shape, key=lo, basic=False)
                   - scatter_add(weighted * place, shape=shape, key=hi, basic=False))
    return grad_x, grad_fp, grad_xp


def _interp_pushforward(tangents, ans, inputs, params):
    (x, fp, xp), (t_x, t_fp, t_xp) = inputs, tangents
    lo, hi, place, factor, reached = _segments(x, xp, params["left"], params["right"])
    slope = _interp_slope(fp, lo, hi, factor)
    parts = []
    if t_x is not None:
        parts.append(t_x * slope)
    if t_fp is not None:
        parts.append(getitem_(t_fp, key=lo) * ((1.0 - place) * reached)
                     + getitem_(t_fp, key=hi) * (place * reached))
    if t_xp is not None:
        parts.append(slope * (getitem_(t_xp, key=lo) * (place - 1.0)
                              - getitem_(t_xp, key=hi) * place))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


interp_: Primitive = primitive(
    "interp", lambda x, fp, xp, left, right: numpy.interp(x, xp, fp, left=left, right=right),
    pullback=_interp_pullback, pushforward=_interp_pushforward)


@public(numpy=numpy.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """ndgrad's numpy.interp, differentiable in ``x``, ``xp`` and ``fp``: the
    piecewise-linear interpolant of the table (xp, fp) at x, float64 as NumPy's.

    The derivative in x is the slope of the segment x lies in (at a knot, the segment to its
    right; at the last knot, the last segment) and 0 outside the table, where the value is
    ``left``/``right`` (fp's end values by default); in fp, the two hat-function weights of
    that segment; in xp, what moving the segment's two ends does to the line through them
    (0 outside the table). The order of xp, found on its values, is a constant, as it is
    for sort. ``left``, ``right`` and ``period`` are constants (NoDerivativeError if one is
    being differentiated)."""
    left, right = (None if bound is None else constant_data(bound, f"interp's {name}")[()]
                   for name, bound in (("left", left), ("right", right)))
    x, xp, fp = asarray(x), asarray(xp), asarray(fp)
    if x.dtype.kind == "c" or xp.dtype.kind == "c":      # NumPy refuses them too
        raise TypeError(f"interp: x and xp must be real (fp may be complex), not "
                        f"{x.dtype} and {xp.dtype}")
    if xp.dtype.kind not in "fc":
        xp = astype(xp, numpy.float64)       # a table of integers is read as float64
    if period is not None:
        period = constant_data(period, "interp's period")[()]
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period, left, right = abs(period), None, None
        if xp.ndim != 1 or fp.ndim != 1:
            raise ValueError("Data points must be 1-D sequences")
        if xp.shape[0] != fp.shape[0]:
            raise ValueError("fp and xp are not of the same length")
        # NumPy's periodic table: the points mod period, sorted, one wrapped copy each side
        x = remainder(astype(x, numpy.float64), period)
        xp = remainder(astype(xp, numpy.float64), period)
        order = numpy.argsort(raw(xp))
        xp = getitem_(xp, key=order)
        fp = getitem_(fp, key=order)
        xp = concatenate_(getitem_(xp, key=slice(-1, None)) - period, xp,
                          getitem_(xp, key=slice(None, 1)) + period, axis=0)
        fp = concatenate_(getitem_(fp, key=slice(-1, None)), fp,
                          getitem_(fp, key=slice(None, 1)), axis=0)
    return interp_(x, fp, xp, left=left, right=right)


# -- polynomials -----------------------------------------------------------------------------
@public(numpy=numpy.polyval)
def polyval(p, x):
    """ndgrad's differentiable numpy.polyval: p[0] x^(N-1) + ... + p[N-1] by Horner's rule,
    differentiable in the coefficients and in x."""
    p, x = asarray(p), asarray(x)
    if p.ndim == 0:
        raise TypeError("polyval's p must be a sequence of coefficients, not a scalar")
    y = zeros_like(x)
    for i in range(p.shape[0]):
        y = y * x + getitem_(p, key=i)
    return y


@public(numpy=numpy.vander)
def vander(x, N=None, increasing=False):
    """ndgrad's differentiable numpy.vander: the columns are powers of x, x^(N-1) ... x^0
    (increasing=False) or x^0 ... x^(N-1), as running products (NumPy's)."""
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = x.shape[0] if N is None else int(N)
    dtype = numpy.promote_types(x.dtype, int)
    ones = numpy.ones((x.shape[0], min(n, 1)), dtype=dtype)
    x = astype(x, dtype, copy=False)          # the powers in the result's precision, as NumPy
    if n > 1:
        powers = cumprod(broadcast_to_(reshape_(x, shape=(-1, 1)), shape=(x.shape[0], n - 1)),
                         axis=1)
        columns = concatenate_(ones, powers, axis=1)
    else:
        # still a function of x (with derivative zero): a gradient through it is zeros, not
        # a NotRecordedError
        columns = where_(numpy.ones(ones.shape, dtype=bool), ones, reshape_(x, shape=(-1, 1)))
    return columns if increasing else getitem_(columns, key=(slice(None), slice(None, None, -1)))


@public(numpy=numpy.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """ndgrad's differentiable numpy.polyfit: the least-squares polynomial of degree ``deg``
    through (x, y), optionally weighted by ``w``, by NumPy's method (a column-scaled
    Vandermonde matrix and lstsq). The coefficients (and residuals, singular values and
    covariance) are differentiable in x, y and w at constant rank, through lstsq's rules;
    NumPy's RankWarning is given where the rank drops."""
    order = int(deg) + 1
    x, y = asarray(x) + 0.0, asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = len(x) * numpy.finfo(x.dtype).eps
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = asarray(w) + 0.0
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        column = reshape_(w, shape=(-1, 1))
        lhs = lhs * column
        rhs = rhs * (column if rhs.ndim == 2 else w)
    scale = sqrt(sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = lstsq(lhs, rhs, rcond)
    c = c / (scale if c.ndim == 1 else reshape_(scale, shape=(-1, 1)))
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", RankWarning, stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    base = inv(dot(lhs.T, lhs)) / outer(scale, scale)
    if cov == "unscaled":
        factor = 1
    else:
        if len(x) <= order:
            raise ValueError("the number of data points must exceed order to scale the "
                             "covariance matrix")
        factor = resids / (len(x) - order)
    if y.ndim == 1:
        return c, base * factor
    return c, reshape_(base, shape=base.shape + (1,)) * factor


def _order_and_coefficients(name, what, m, p):
    """polyder's and polyint's checks, NumPy's messages: an order m >= 0, 1-D coefficients."""
    m = int(m)
    if m < 0:
        other = "polyint" if name == "polyder" else "polyder"
        raise ValueError(f"Order of {what} must be positive (see {other})")
    p = asarray(p)
    if p.ndim != 1:
        raise ValueError(f"{name} takes a 1-D array of coefficients, not shape {p.shape}")
    return m, p


@public(numpy=numpy.polyder)
def polyder(p, m=1):
    """ndgrad's differentiable numpy.polyder: the coefficients of the m-th derivative (a
    1-D array of coefficients; NumPy's poly1d is not supported)."""
    m, p = _order_and_coefficients("polyder", "derivative", m, p)
    for _ in range(m):
        n = p.shape[0] - 1
        p = getitem_(p, key=slice(None, -1)) * numpy.arange(n, 0, -1)
    return p


@public(numpy=numpy.polyint)
def polyint(p, m=1, k=None):
    """ndgrad's differentiable numpy.polyint: the coefficients of the m-th antiderivative
    with integration constants ``k`` (zeros by default; differentiable too)."""
    m, p = _order_and_coefficients("polyint", "integral", m, p)
    constants = asarray(numpy.zeros(m) if k is None else k)
    if constants.ndim == 0 or (constants.shape == (1,) and m > 1):
        constants = broadcast_to_(reshape_(constants, shape=()), shape=(m,))
    if constants.shape[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    for i in range(m):
        n = p.shape[0]
        p = concatenate_(p / numpy.arange(n, 0, -1),
                         reshape_(getitem_(constants, key=i), shape=(1,)), axis=0)
    return p


# -- selection by conditions -----------------------------------------------------------------
_PYTHON_NUMBERS = (int, float, complex)


@public(numpy=numpy.select)
def select(condlist, choicelist, default=0):
    """ndgrad's differentiable numpy.select: each element from the first choice whose
    condition holds there, else ``default``. The chosen elements get the gradient, as in
    where; the conditions are constants."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    choices = [c if type(c) in _PYTHON_NUMBERS else asarray(c)
               for c in list(choicelist) + [default]]
    try:    # Python numbers stay weak, as in NumPy
        dtype = numpy.result_type(*[c if type(c) in _PYTHON_NUMBERS else c.dtype
                                    for c in choices])
    except TypeError as error:
        raise TypeError(f"Choicelist and default value do not have a common dtype: "
                        f"{error}") from None
    conditions = [constant_data(c, "select's condition") for c in condlist]
    for i, condition in enumerate(conditions):
        if condition.dtype != numpy.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    result = choices[-1]
    for condition, choice in zip(conditions[::-1], choices[-2::-1]):
        result = where(condition, choice, result)
    shape = numpy.broadcast_shapes(*(c.shape for c in conditions),
                                   *(numpy.shape(raw(c)) for c in choices))
    return astype(broadcast_to_(asarray(result), shape=shape), dtype, copy=False)


@public(numpy=numpy.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    """ndgrad's differentiable numpy.piecewise: where each condition holds, the value of its
    function at those elements of x (or its constant); 0 elsewhere, or the extra function's
    value where no condition holds. Later conditions win where several hold, as in NumPy.
    The gradient flows through the functions, which may be any ndgrad computations."""
    x = asarray(x)
    n_functions = len(funclist)
    if isinstance(condlist, ndarray):       # NumPy's test below reads it as NumPy's own
        condlist = constant_data(condlist, "piecewise's condition")
    if numpy.isscalar(condlist) or (
            not isinstance(condlist[0], (list, numpy.ndarray, ndarray)) and x.ndim != 0):
        condlist = [condlist]
    conditions = to_numpy([constant_data(c, "piecewise's condition") for c in condlist],
                          dtype=bool)
    n = len(conditions)
    if n == n_functions - 1:          # the "otherwise" function
        otherwise = ~numpy.any(conditions, axis=0, keepdims=True)
        conditions = numpy.concatenate([conditions, otherwise], axis=0)
    elif n != n_functions:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are "
                         "expected")
    y = zeros_like(x)
    for condition, function in zip(conditions, funclist):
        if not callable(function):
            y = IndexUpdates(y)[condition].set(function)
        elif numpy.count_nonzero(numpy.broadcast_to(condition, x.shape)):
            y = IndexUpdates(y)[condition].set(function(getitem(x, condition), *args, **kw))
    return y
