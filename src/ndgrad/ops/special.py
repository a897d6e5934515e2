"""Special functions (ndgrad.scipy.special): erf, gammaln, digamma, logsumexp, expit, ...
written on NumPy alone (no SciPy dependency).

The kernels work in float64 to full double precision (float16/float32 operands are computed
in float64 and rounded back; integers give float64, as SciPy). Each is vectorised NumPy: a
table of Taylor expansions, a recurrence and an asymptotic series, never a Python loop over
elements.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy

from .._axes import broadcast_shapes, normalize_axes, shape_of
from .._ndarray import ndarray, raw, to_numpy
from .._primitive import ANSWER, ELEMENTWISE, Primitive, primitive
from .._publish import public
from .creation import asarray
from .elementwise import absolute, exp, log, where
from .reductions import sum as reduce_sum
from .shape import broadcast_to_


def _real(kernel):
    """The NumPy forward of a real special function: ``kernel`` computes in float64; the
    answer takes the operand's float dtype (float64 for integers and bools, as SciPy)."""
    def forward(x, **params):
        x = numpy.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{kernel.__name__.strip('_')} takes real numbers, not {x.dtype}")
        dtype = x.dtype if x.dtype.kind == "f" else numpy.dtype(numpy.float64)
        # kernels see a flat float64 array (never a NumPy scalar), so they may index it
        flat = x.astype(numpy.float64, copy=False).reshape(-1)
        with numpy.errstate(all="ignore"):   # poles and overflow give inf/nan, as SciPy
            answer = kernel(flat, **params)
        return answer.reshape(x.shape).astype(dtype, copy=False)
    forward.__name__ = kernel.__name__
    return forward


# -- erf and erfc ----------------------------------------------------------------------------
# erf(a + t) = erf(a) + sum_n e_n t^n about centres a on a grid, with
# e_n = 2/sqrt(pi) exp(-a^2) (-1)^(n-1) H_(n-1)(a) / n!  (H: Hermite polynomials), since
# d^n/dx^n erf(x) = 2/sqrt(pi) (-1)^(n-1) H_(n-1)(x) exp(-x^2). The same sum, subtracted from
# erfc(a), gives erfc to full relative precision in the tail. |t| <= _STEP/2 and 16 terms
# keep the truncation below the rounding error up to _TOP; past _TOP, erf is 1.0 in double
# precision and erfc comes from Laplace's continued fraction, which converges fast there.
_STEP = 1 / 8
_TOP = 6.0
_CENTRES = numpy.arange(0.0, _TOP + _STEP / 2, _STEP)
_ERF_AT = numpy.array([math.erf(a) for a in _CENTRES])
_ERFC_AT = numpy.array([math.erfc(a) for a in _CENTRES])
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erf_taylor_coefficients(terms=16):
    rows = []
    hermite_previous, hermite = numpy.zeros_like(_CENTRES), numpy.ones_like(_CENTRES)
    scale = _TWO_OVER_SQRT_PI * numpy.exp(-_CENTRES ** 2)
    for n in range(1, terms + 1):
        scale = scale / n
        rows.append((-1) ** (n - 1) * scale * hermite)
        hermite_previous, hermite = (hermite,
                                     2 * _CENTRES * hermite - 2 * (n - 1) * hermite_previous)
    return rows


_ERF_COEFFICIENTS = _erf_taylor_coefficients()


def _erf_increment(ax):
    """For ax >= 0 (clipped to _TOP): the nearest centre's index and erf(ax) - erf(centre)."""
    index = (numpy.fmin(ax, _TOP) * (1 / _STEP) + 0.5).astype(numpy.intp)   # nan -> any row
    t = numpy.minimum(ax, _TOP) - _CENTRES[index]
    total = numpy.zeros_like(t)
    for row in reversed(_ERF_COEFFICIENTS):
        total += row.take(index)
        total *= t
    return index, total


def _erfc_tail(ax):
    """erfc(ax) for ax > _TOP: exp(-ax^2) / sqrt(pi) / (ax + (1/2)/(ax + 1/(ax + (3/2)/...)))."""
    ax = numpy.minimum(ax, 28.0)             # erfc underflows to 0 from 27.3 on
    fraction = numpy.zeros_like(ax)
    for k in range(15, 0, -1):
        fraction = (k / 2) / (ax + fraction)
    # exp(-ax^2) with ax = high + low and high^2 exact, so the square's rounding error
    # (relative ax^2 * 1e-16) does not enter the exponent
    high = numpy.round(ax * 4096) / 4096
    low = ax - high
    decay = numpy.exp(-high * high) * numpy.exp(-low * (ax + high))
    return decay / (math.sqrt(math.pi) * (ax + fraction))


def _erf_parts(ax):
    """erf(ax) and erfc(ax) for ax >= 0 (nan passes), each to full relative precision."""
    index, increment = _erf_increment(ax)
    erfc = _ERFC_AT.take(index) - increment
    tail = ax > _TOP
    if tail.any():
        erfc[tail] = _erfc_tail(ax[tail])
    # below 0.5, erf (< 0.52) comes from erf(a) without cancellation; above, as 1 - erfc
    erf = numpy.where(ax < 0.5, _ERF_AT.take(index) + increment, 1 - erfc)
    return erf, erfc


def _erf(x):
    return numpy.copysign(_erf_parts(numpy.abs(x))[0], x)


def _erfc(x):
    erfc = _erf_parts(numpy.abs(x))[1]
    return numpy.where(x < 0, 2 - erfc, erfc)


erf = primitive("erf", _real(_erf), public="scipy.special", jvp=ELEMENTWISE,
                                 # d erf x = 2/sqrt(pi) exp(-x^2) dx
                vjp=lambda g, ans, x: g * (_TWO_OVER_SQRT_PI * exp(-(x * x))),
                doc="ndgrad's differentiable scipy.special.erf, to double precision.")
erfc = primitive("erfc", _real(_erfc), public="scipy.special", jvp=ELEMENTWISE,
                 vjp=lambda g, ans, x: g * (-_TWO_OVER_SQRT_PI * exp(-(x * x))),
                 doc="ndgrad's differentiable scipy.special.erfc = 1 - erf, to full relative "
                     "precision also in the tail (down to its underflow at x = 27).")


# -- erfinv ----------------------------------------------------------------------------------
_SQRT_PI = math.sqrt(math.pi)
_CENTRAL = 0.85    # below, start from erfinv's Maclaurin series; above, from the tail's


def _erfinv(y):
    a = numpy.abs(y)
    square = a * a
    central = a <= _CENTRAL
    # erfinv(a) = sqrt(pi)/2 (a + pi/12 a^3 + 7 pi^2/480 a^5 + 127 pi^3/40320 a^7 + ...)
    series = [4369 * math.pi ** 4 / 5806080, 127 * math.pi ** 3 / 40320, 7 * math.pi ** 2 / 480,
              math.pi / 12, 1.0]
    start = numpy.zeros_like(a)
    for coefficient in series:
        start = start * square + coefficient
    start *= _SQRT_PI / 2 * a
    # In the tail, erfc(x) ~ exp(-x^2) / (x sqrt(pi)) = q: iterate x = sqrt(-log(q x sqrt(pi)))
    q = 1 - a                                 # exact for a >= 1/2
    tail = numpy.sqrt(-numpy.log(q))
    for _ in range(2):
        tail = numpy.sqrt(-numpy.log(q * tail * _SQRT_PI))
    x = numpy.where(central, start, tail)
    # Halley's method (cubic), with the residual from erfc in the tail for relative accuracy;
    # erf'' = -2x erf', so the step is delta / (1 + x delta) with delta = residual / erf'(x)
    for _ in range(3):
        erf, erfc = _erf_parts(x)
        residual = numpy.where(central, erf - a, q - erfc)
        delta = residual / (_TWO_OVER_SQRT_PI * numpy.exp(-x * x))
        x = numpy.maximum(x - delta / (1 + x * delta), 0)     # the root is >= 0
    x = numpy.where(a == 1, numpy.inf, numpy.where(a > 1, numpy.nan, x))
    return numpy.copysign(x, y)


erfinv = primitive("erfinv", _real(_erfinv), public="scipy.special", jvp=ELEMENTWISE,
                   saves=ANSWER,     # d erfinv y = sqrt(pi)/2 e^(x^2) dy
                   vjp=lambda g, ans, x: g * (_SQRT_PI / 2 * exp(ans * ans)),
                   doc="ndgrad's differentiable scipy.special.erfinv: +-inf at +-1, nan "
                       "beyond.")


# -- polygamma, digamma, gammaln -------------------------------------------------------------
def _even_bernoulli(count):
    """B_2, B_4, ..., B_(2 count), exactly (B_m = -1/(m+1) sum_(j<m) C(m+1, j) B_j)."""
    numbers = [Fraction(1)]
    for m in range(1, 2 * count + 1):
        numbers.append(-sum(math.comb(m + 1, j) * numbers[j] for j in range(m)) / (m + 1))
    return numbers[2::2]


_BERNOULLI = _even_bernoulli(10)
_SERIES_FROM = 10.0   # polygamma(n, x) takes its asymptotic series from x >= 10 + n


def _series_coefficient(k, n):
    """B_2k (2k+n-1)! / (2k)!, the k-th coefficient of polygamma(n)'s asymptotic series, as a
    float (OverflowError past float64's range)."""
    return float(_BERNOULLI[k - 1] * math.factorial(2 * k + n - 1) / math.factorial(2 * k))


def _largest_order():
    """The largest n whose series coefficients are floats: the orders polygamma computes."""
    n = 0
    while True:
        try:
            for k in range(1, len(_BERNOULLI) + 1):
                _series_coefficient(k, n + 1)
        except OverflowError:
            return n
        n += 1


def _asymptotic_polygamma(z, n):
    """polygamma(n, z) for large z, from Stirling's series:
    n = 0: log z - 1/(2z) - sum_k B_2k / (2k z^2k);
    n > 0: (-1)^(n+1) [(n-1)!/z^n + n!/(2 z^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! z^(2k+n))]."""
    inverse = 1 / z
    inverse_square = inverse * inverse
    series = numpy.zeros_like(z)
    for k in range(len(_BERNOULLI), 0, -1):
        series = (series + _series_coefficient(k, n)) * inverse_square
    if n == 0:
        return numpy.log(z) - 0.5 * inverse - series
    leading = math.factorial(n - 1) + inverse * (math.factorial(n) / 2 + series * z)
    return (-1) ** (n + 1) * inverse ** n * leading


def _cot_derivative(n):
    """P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)): P_0(c) = c, P_(m+1) = -(1+c^2) P_m'."""
    polynomial = numpy.polynomial.Polynomial([0, 1])
    for _ in range(n):
        polynomial = -numpy.polynomial.Polynomial([1, 0, 1]) * polynomial.deriv()
    return polynomial


# The positive root of digamma, as a double-double: near it digamma is summed as its Taylor
# series in (x - root), which keeps full relative precision where the value crosses zero.
_ROOT_HIGH, _ROOT_LOW = 1.4616321449683622, 9.549995429965697e-17
_NEAR_ROOT = 0.1


def _polygamma(x, n):
    """The n-th derivative of digamma, for n >= 0 and any real x: negative x reflected
    (psi_n(x) = (-1)^n psi_n(1-x) - pi^(n+1) P_n(cot(pi x))), then the recurrence
    psi_n(x) = psi_n(x+1) - (-1)^n n! / x^(n+1) up to where the asymptotic series holds."""
    negative = x < 0
    y = numpy.where(negative, 1 - x, x)
    start = _SERIES_FROM + n
    steps = numpy.maximum(numpy.ceil(start - y), 0)    # nan stays nan: no step is added
    recurrence = numpy.zeros_like(y)
    for k in range(int(numpy.nanmax(steps, initial=0))):
        term = 1 / (y + k)
        if n:
            term **= n + 1
        recurrence += numpy.where(k < steps, term, 0)
    value = (_asymptotic_polygamma(y + steps, n)
             - (-1) ** n * math.factorial(n) * recurrence)
    if n == 0:
        near = numpy.abs(x - _ROOT_HIGH) < _NEAR_ROOT
        if near.any():
            offset = (x[near] - _ROOT_HIGH) - _ROOT_LOW
            series = numpy.zeros_like(offset)
            for coefficient in reversed(_DIGAMMA_AT_ROOT):
                series = (series + coefficient) * offset
            value[near] = series
    if negative.any():
        fraction = x - numpy.round(x)
        reflected = ((-1) ** n * value
                     - math.pi ** (n + 1) * _cot_derivative(n)(1 / numpy.tan(math.pi * fraction)))
        value = numpy.where(negative, numpy.where(fraction == 0, numpy.nan, reflected), value)
    return value


# digamma(root + t) = sum_k polygamma(k, root) t^k / k!; the radius is the root (a pole at
# 0), so 16 terms reach 1e-17 for |t| < 0.1
_DIGAMMA_AT_ROOT = [_polygamma(numpy.array([_ROOT_HIGH]), k)[0] / math.factorial(k)
                    for k in range(1, 17)]

_MAX_ORDER = _largest_order()
# d psi_n = psi_(n+1) dx
polygamma_: Primitive = primitive("polygamma", _real(_polygamma), jvp=ELEMENTWISE,
                                  vjp=lambda g, ans, x, n: g * polygamma_(x, n=n + 1))


@public(namespaces=("scipy.special",), aliases=("psi",))
def digamma(x):
    """ndgrad's differentiable scipy.special.digamma (psi): the derivative of gammaln.
    digamma(0) is -inf; the negative integers (poles) give nan."""
    return polygamma_(x, n=0)



@public(namespaces=("scipy.special",))
def polygamma(n, x):
    """ndgrad's differentiable scipy.special.polygamma: the n-th derivative of digamma, at
    any order n (differentiable in x, to any order). Unlike SciPy, n must be one integer
    (not an array of orders)."""
    order = numpy.asarray(n)
    if order.ndim or order.dtype.kind not in "iu":
        raise TypeError(f"polygamma: n must be one integer, not {n!r}")
    if order < 0:
        raise ValueError(f"polygamma: n must be >= 0, got {int(order)}")
    if order > _MAX_ORDER:        # refused at once: n! for a huge n would never finish
        raise OverflowError(f"polygamma: n = {int(order)} is beyond the orders ndgrad "
                            f"computes (n <= {_MAX_ORDER}): the factorials in its series "
                            "overflow float64")
    return polygamma_(x, n=int(order))


# log Gamma(2 + z) = sum_k polygamma(k-1, 2) z^k / k!: for |z| <= 1/2 the terms fall as
# 4^-k, and near Gamma's roots 1 and 2 the sum keeps full relative precision
_GAMMALN_NEAR_2 = [_polygamma(numpy.array([2.0]), k - 1)[0] / math.factorial(k)
                   for k in range(1, 27)]
# log Gamma(x) ~ (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1))
_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_BERNOULLI[:8], start=1)]
_STIRLING_FROM = 10.0


def _gammaln_near_2(z):
    total = numpy.zeros_like(z)
    for coefficient in reversed(_GAMMALN_NEAR_2):
        total = (total + coefficient) * z
    return total


def _stirling(y):
    inverse_square = 1 / (y * y)
    series = numpy.zeros_like(y)
    for coefficient in reversed(_STIRLING):
        series = series * inverse_square + coefficient
    return (y - 0.5) * numpy.log(y) - y + 0.5 * math.log(2 * math.pi) + series / y


def _gammaln_positive(y):
    """log Gamma(y) for y >= 0 (inf and nan pass through): moved to [1.5, 2.5] by
    Gamma(y+1) = y Gamma(y), or Stirling's series from 10 on."""
    value = y.copy()
    large = (y >= _STIRLING_FROM) & (y < numpy.inf)
    value[large] = _stirling(y[large])
    middle = (y >= 1.5) & (y < _STIRLING_FROM)
    base = y[middle]
    steps = numpy.floor(base - 1.5)          # down to [1.5, 2.5); each step is exact
    product = numpy.ones_like(base)
    for k in range(1, int(_STIRLING_FROM)):
        moved = k <= steps
        base = numpy.where(moved, base - 1, base)
        product *= numpy.where(moved, base, 1)
    value[middle] = _gammaln_near_2(base - 2) + numpy.log(product)
    low = (y >= 0.5) & (y < 1.5)             # y - 1 is exact here, so log1p keeps precision
    value[low] = _gammaln_near_2(y[low] - 1) - numpy.log1p(y[low] - 1)
    small = y < 0.5
    value[small] = _gammaln_near_2(y[small]) - numpy.log(y[small]) - numpy.log1p(y[small])
    return value


def _gammaln(x):
    """log |Gamma(x)|: +inf at the poles 0, -1, -2, ...; negative x by reflection,
    log |Gamma(x)| = log(pi / |sin(pi x)|) - log Gamma(1 - x)."""
    negative = x < 0
    value = _gammaln_positive(numpy.where(negative, 1 - x, x))
    if negative.any():
        sine = numpy.abs(numpy.sin(math.pi * (x - numpy.round(x))))
        reflected = math.log(math.pi) - numpy.log(sine) - value
        value = numpy.where(negative, numpy.where(numpy.isinf(x), numpy.inf, reflected), value)
    return value


gammaln = primitive("gammaln", _real(_gammaln), public="scipy.special", jvp=ELEMENTWISE,
                                  # d log Gamma = digamma dx
                    vjp=lambda g, ans, x: g * polygamma_(x, n=0),
                    doc="ndgrad's differentiable scipy.special.gammaln: log |Gamma(x)|, +inf at "
                        "the poles 0, -1, -2, ...")


# -- logistic, xlogy, logsumexp, softmax -----------------------------------------------------
def _logit(p):
    return numpy.log(p / (1 - p))             # 1 - p is exact for p >= 1/2: no cancellation


logit = primitive("logit", _real(_logit), public="scipy.special", jvp=ELEMENTWISE,
                  vjp=lambda g, ans, x: g / (x * (1 - x)),
                  doc="ndgrad's differentiable scipy.special.logit: log(p / (1 - p)).")


def as_float(x):
    """``x`` as an ndarray of a float dtype: SciPy computes integers and bools in float64."""
    x = x if isinstance(x, ndarray) else asarray(x)
    return x.astype(numpy.float64) if x.dtype.kind in "biu" else x


def _xlogy(x, y):
    with numpy.errstate(divide="ignore", invalid="ignore"):
        product = x * numpy.log(y)
    return numpy.where((numpy.asarray(x) == 0) & ~numpy.isnan(y), 0, product)


def _xlogy_y_vjp(g, ans, x, y):
    """d(x log y)/dy = x/y: 0 where x == 0, also at y == 0 (there xlogy is 0 whatever y is).
    Only that point's y is masked (a constant mask), so d/dx of this rule stays 1/y."""
    both_zero = (numpy.asarray(raw(x)) == 0) & (numpy.asarray(raw(y)) == 0)
    return g * (x / where(both_zero, 1, y))


xlogy = primitive("xlogy", _xlogy, public="scipy.special", jvp=ELEMENTWISE,
                  vjp=(lambda g, ans, x, y: g * log(y), _xlogy_y_vjp),
                  doc="ndgrad's differentiable scipy.special.xlogy: x log(y), and 0 where "
                      "x == 0 (unless y is nan).")


@public(namespaces=("scipy.special",))
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """ndgrad's differentiable scipy.special.logsumexp: log(sum(b * exp(a))) over ``axis``,
    computed stably (the maximum is taken out first; a constant shift, so it is taken outside
    the graph). ``b`` weights the terms and is differentiable too. With ``return_sign``, the
    result is (log|s|, sign(s)), the sign a constant array; otherwise a negative sum gives
    nan, as SciPy."""
    a = as_float(a)
    if b is not None and shape_of(b) != a.shape:    # the maximum is taken over a's broadcast
        a = broadcast_to_(a, shape=broadcast_shapes(a.shape, shape_of(b)))
    raw = to_numpy(a)
    axes = normalize_axes(axis, raw.ndim)
    shift = numpy.amax(raw, axis=axes, keepdims=True, initial=-numpy.inf)
    shift = numpy.where(numpy.isfinite(shift), shift, 0).astype(raw.dtype)
    terms = exp(a - shift)
    if b is not None:
        terms = terms * b
    total = reduce_sum(terms, axis=axes, keepdims=keepdims)
    if not keepdims:
        shift = shift.reshape(total.shape)
    with numpy.errstate(divide="ignore"):    # a sum of 0 (all terms -inf) gives -inf
        if not return_sign:
            return log(total) + shift
        sign = numpy.sign(to_numpy(total))
        return log(absolute(total)) + shift, asarray(sign)
