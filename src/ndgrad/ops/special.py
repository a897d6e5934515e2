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
from .elementwise import absolute, exp, log, log1p, where
from .reductions import sum as reduce_sum
from .shape import broadcast_to_


def _real(kernel):
    """The NumPy forward of a real special function of one or more operands: ``kernel``
    computes in float64 on the operands broadcast and flattened; the answer takes the
    operands' float dtype (NumPy's promotion, Python numbers weak; float64 where all are
    integers or bools, as SciPy)."""
    def forward(*operands, **params):
        arrays = [numpy.asarray(x) for x in operands]
        for x in arrays:
            if x.dtype.kind not in "biuf":
                raise TypeError(f"{kernel.__name__.strip('_')} takes real numbers, not {x.dtype}")
        dtype = numpy.result_type(*operands)
        dtype = dtype if dtype.kind == "f" else numpy.dtype(numpy.float64)
        shape = numpy.broadcast_shapes(*(x.shape for x in arrays))
        # kernels see flat float64 arrays (never NumPy scalars), so they may index them
        flats = [numpy.broadcast_to(x, shape).astype(numpy.float64).reshape(-1) for x in arrays]
        with numpy.errstate(all="ignore"):   # poles and overflow give inf/nan, as SciPy
            answer = kernel(*flats, **params)
        return answer.reshape(shape).astype(dtype, copy=False)
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


def _laplace_fraction(ax):
    """1 / (ax + (1/2)/(ax + 1/(ax + (3/2)/...))) = sqrt(pi) exp(ax^2) erfc(ax), for
    ax > _TOP (Laplace's continued fraction, 15 levels)."""
    fraction = numpy.zeros_like(ax)
    for k in range(15, 0, -1):
        fraction = (k / 2) / (ax + fraction)
    return 1 / (ax + fraction)


def _exp_square(ax, sign):
    """exp(sign ax^2) with ax = high + low and high^2 exact (for ax < 32), so the square's
    rounding error (relative ax^2 * 1e-16) does not enter the exponent."""
    high = numpy.round(ax * 4096) / 4096
    low = ax - high
    return numpy.exp(sign * high * high) * numpy.exp(sign * low * (ax + high))


def _erfc_tail(ax):
    """erfc(ax) for ax > _TOP: exp(-ax^2) / sqrt(pi) times Laplace's continued fraction."""
    ax = numpy.minimum(ax, 28.0)             # erfc underflows to 0 from 27.3 on
    return _exp_square(ax, -1) * _laplace_fraction(ax) / math.sqrt(math.pi)


def _erfcx(z):
    """erfc(z) exp(z^2) for z >= 0 (nan passes), with neither factor formed where it would
    underflow: the continued fraction beyond _TOP, erfc times exp(z^2) below."""
    value = numpy.empty_like(z)
    tail = z > _TOP
    value[tail] = _laplace_fraction(z[tail]) / math.sqrt(math.pi)
    value[~tail] = _erf_parts(z[~tail])[1] * _exp_square(z[~tail], 1)
    return value


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


def _erf_inverse(a, q):
    """x >= 0 with erf(x) = a, given a >= 0 and its complement q = 1 - a (q carries the
    relative precision in the tail, where a is close to 1): inf at q == 0, nan past it."""
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
    return numpy.where(q == 0, numpy.inf, numpy.where((q < 0) | (a < 0), numpy.nan, x))


def _erfinv(y):
    a = numpy.abs(y)
    return numpy.copysign(_erf_inverse(a, 1 - a), y)      # 1 - a is exact for a >= 1/2


def _erfcinv(q):
    """erfcinv(q) = erfinv(1 - q) on [0, 2]: the tail's complement is q itself below 1, and
    2 - q (exact) above, where erfcinv(q) = -erfcinv(2 - q)."""
    lower = q <= 1
    complement = numpy.where(lower, q, 2 - q)
    x = _erf_inverse(1 - complement, complement)
    return numpy.where(lower, x, -x)


erfinv = primitive("erfinv", _real(_erfinv), public="scipy.special", jvp=ELEMENTWISE,
                   saves=ANSWER,     # d erfinv y = sqrt(pi)/2 e^(x^2) dy
                   vjp=lambda g, ans, x: g * (_SQRT_PI / 2 * exp(ans * ans)),
                   doc="ndgrad's differentiable scipy.special.erfinv: +-inf at +-1, nan "
                       "beyond.")
erfcinv = primitive("erfcinv", _real(_erfcinv), public="scipy.special", jvp=ELEMENTWISE,
                    saves=ANSWER,    # d erfcinv q = -sqrt(pi)/2 e^(x^2) dq
                    vjp=lambda g, ans, x: g * (-_SQRT_PI / 2 * exp(ans * ans)),
                    doc="ndgrad's differentiable scipy.special.erfcinv, the inverse of erfc "
                        "on [0, 2], to full relative precision near 0: +inf at 0, -inf at 2, "
                        "nan beyond.")


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


def _cot_pi(f):
    """cot(pi f) for |f| <= 1/2, to full relative precision also near its zeros at +-1/2:
    there as +-tan(pi (1/2 - |f|)) (1/2 - |f| is exact), not 1/tan of a rounded pi/2."""
    near_half = numpy.abs(f) > 0.25
    return numpy.where(near_half, numpy.copysign(numpy.tan(math.pi * (0.5 - numpy.abs(f))), f),
                       1 / numpy.tan(math.pi * f))


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
                     - math.pi ** (n + 1) * _cot_derivative(n)(_cot_pi(fraction)))
        value = numpy.where(negative, numpy.where(fraction == 0, numpy.nan, reflected), value)
    # SciPy's values at the poles and infinities: for n >= 1, n! zeta(n+1, x) signed, so
    # (-1)^(n+1) inf at 0, the negative integers and -inf, and the limit 0 at +inf; digamma
    # is -inf at +0 and +inf at -0 (the limits from each side), nan at -1, -2, ..., -inf
    if n:
        pole = (x <= 0) & (x == numpy.floor(x))
        value = numpy.where(pole, (-1) ** (n + 1) * numpy.inf,
                            numpy.where(x == numpy.inf, (-1) ** (n + 1) * 0.0, value))
    else:
        value = numpy.where(x == 0, numpy.where(numpy.signbit(x), numpy.inf, -numpy.inf), value)
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
    (not an array of orders), and a constant: an ndgrad array is refused, since no
    derivative in n is defined."""
    if isinstance(n, ndarray):
        raise TypeError("polygamma: the order n is an ndgrad array, but ndgrad does not "
                        "differentiate polygamma in its order; pass a Python int (n.item())")
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


def _stirling_correction(y):
    """log Gamma(y) - [(y - 1/2) log y - y + log(2 pi)/2], for y >= _STIRLING_FROM."""
    inverse_square = 1 / (y * y)
    series = numpy.zeros_like(y)
    for coefficient in reversed(_STIRLING):
        series = series * inverse_square + coefficient
    return series / y


def _stirling(y):
    return (y - 0.5) * numpy.log(y) - y + 0.5 * math.log(2 * math.pi) + _stirling_correction(y)


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


def _reflected(x):
    """For the reflection of negative x: whether x <= -1, and the argument at which the
    positive kernel is taken: -x there (exact; Gamma(1 - x) = -x Gamma(-x), since 1 - x
    would be rounded, costing digamma(-x) ulp(x) of relative precision), 1 - x on (-1, 0)
    (where -x Gamma(-x) would cancel), x itself for x >= 0."""
    far = x <= -1
    return far, numpy.where(far, -x, numpy.where(x < 0, 1 - x, x))


def _gammaln(x):
    """log |Gamma(x)|: +inf at the poles 0, -1, -2, ..., -inf at -inf (as SciPy); negative x
    by reflection, log |Gamma(x)| = log(pi / |sin(pi x)|) - log Gamma(1 - x), with
    Gamma(1 - x) = -x Gamma(-x) for x <= -1 (see _reflected)."""
    negative = x < 0
    far, y = _reflected(x)
    value = _gammaln_positive(y)
    if negative.any():
        sine = numpy.abs(numpy.sin(math.pi * (x - numpy.round(x))))
        reflected = (math.log(math.pi) - numpy.log(sine) - value
                     - numpy.log(numpy.where(far, -x, 1.0)))
        # -inf at -inf, as SciPy (|Gamma| falls to 0 between its poles there)
        value = numpy.where(negative, numpy.where(numpy.isinf(x), -numpy.inf, reflected), value)
    return value


gammaln = primitive("gammaln", _real(_gammaln), public="scipy.special", jvp=ELEMENTWISE,
                                  # d log Gamma = digamma dx
                    vjp=lambda g, ans, x: g * polygamma_(x, n=0),
                    doc="ndgrad's differentiable scipy.special.gammaln: log |Gamma(x)|, +inf at "
                        "the poles 0, -1, -2, ...")


# -- gamma, gammasgn, rgamma -----------------------------------------------------------------
_GAMMA_OVERFLOW = 171.625           # Gamma(x) > float64's largest from about 171.6243 on


def _gamma_positive(y):
    """Gamma(y) for y >= 0: below 1.5, Gamma(2 + y) / (y (1 + y)) or Gamma(1 + y) / y, the
    Gamma near 2 from exp(log Gamma) (|log Gamma| < 0.6 there, so the exponential keeps its
    precision; for tiny y, exp of log Gamma(y) ~ -log y would amplify its rounding); up to
    _STIRLING_FROM, exp(log Gamma) (log Gamma < 13); above it Stirling's formula with the
    power split in two halves (p * p e^-y) so that neither overflows before the product
    does."""
    value = numpy.exp(_gammaln_positive(y))
    small = y < 0.5
    value[small] = numpy.exp(_gammaln_near_2(y[small])) / (y[small] * (1 + y[small]))
    low = (y >= 0.5) & (y < 1.5)
    value[low] = numpy.exp(_gammaln_near_2(y[low] - 1)) / y[low]
    large = y >= _STIRLING_FROM
    z = numpy.minimum(y[large], _GAMMA_OVERFLOW)
    half_power = numpy.power(z, (z - 0.5) / 2)
    value[large] = (math.sqrt(2 * math.pi) * half_power * (half_power * numpy.exp(-z))
                    * numpy.exp(_stirling_correction(z)))
    value[large & (y > _GAMMA_OVERFLOW)] = numpy.inf
    return value


def _gammasgn(x):
    """The sign of Gamma(x): 1 for x > 0 (and +0), -1 at -0, (-1)^k on (-k, -k+1), nan at
    the poles -1, -2, ... and -inf."""
    sign = numpy.where(numpy.floor(x) % 2 == 0, 1.0, -1.0)
    sign = numpy.where((x < 0) & (x == numpy.floor(x)), numpy.nan, sign)
    sign = numpy.where(x > 0, 1.0, sign)
    return numpy.where(x == 0, numpy.copysign(1.0, x), numpy.where(numpy.isnan(x), numpy.nan,
                                                                    sign))


def _gamma(x):
    """Gamma(x); negative x by reflection, Gamma(x) = pi / (sin(pi x) Gamma(1 - x)).
    +-inf at +-0, nan at the negative integers."""
    negative = x < 0
    far, y = _reflected(x)
    magnitude = _gamma_positive(y)
    if negative.any():
        sine = numpy.abs(numpy.sin(math.pi * (x - numpy.round(x))))
        magnitude = numpy.where(negative,
                                math.pi / (sine * numpy.where(far, -x, 1.0) * magnitude),
                                magnitude)
    return numpy.where(x == 0, numpy.copysign(numpy.inf, x), _gammasgn(x) * magnitude)


def _rgamma(x):
    """1 / Gamma(x): 0 at the poles 0, -1, -2, ..."""
    pole = (x <= 0) & (x == numpy.floor(x))
    return numpy.where(pole, 0.0, 1 / _gamma(x))


gammasgn = primitive("gammasgn", _real(_gammasgn), public="scipy.special", nondiff=True,
                     doc="ndgrad's scipy.special.gammasgn: the sign of Gamma(x) (piecewise "
                         "constant: its derivative is zero).")
gamma = primitive("gamma", _real(_gamma), public="scipy.special", jvp=ELEMENTWISE,
                  saves={"inputs", "answer"},     # d Gamma = Gamma digamma dx
                  vjp=lambda g, ans, x: g * (ans * polygamma_(x, n=0)),
                  doc="ndgrad's differentiable scipy.special.gamma: +-inf at +-0, nan at the "
                      "negative integers; 0 or inf where it leaves float64's range.")
rgamma = primitive("rgamma", _real(_rgamma), public="scipy.special", jvp=ELEMENTWISE,
                   saves={"inputs", "answer"},    # d (1/Gamma) = -digamma / Gamma dx
                   vjp=lambda g, ans, x: g * (-ans * polygamma_(x, n=0)),
                   doc="ndgrad's differentiable scipy.special.rgamma = 1/Gamma(x), 0 at the "
                       "poles 0, -1, -2, ... (where its derivative, (-1)^n n!, is given as "
                       "nan: digamma has a pole there).")


# -- betaln and beta -------------------------------------------------------------------------
def _betaln_regular(a, b):
    """log |B(a, b)| = log |Gamma(a) Gamma(b) / Gamma(a + b)|. For positive arguments from
    10 on, Stirling's series with the large logarithms cancelled by hand (log1p of the
    ratio), since log Gamma(a) - log Gamma(a + b) loses all digits when a >> b."""
    small, large = numpy.minimum(a, b), numpy.maximum(a, b)
    value = _gammaln(a) + _gammaln(b) - _gammaln(a + b)
    both = (small >= _STIRLING_FROM) & (large < numpy.inf)
    s, t = small[both], large[both]
    value[both] = (0.5 * math.log(2 * math.pi) - 0.5 * numpy.log(s + t)
                   - (t - 0.5) * numpy.log1p(s / t) - (s - 0.5) * numpy.log1p(t / s)
                   + _stirling_correction(s) + _stirling_correction(t)
                   - _stirling_correction(s + t))
    one = (small > 0) & (small < _STIRLING_FROM) & (large >= _STIRLING_FROM) & (large < numpy.inf)
    s, t = small[one], large[one]
    # log Gamma(t) - log Gamma(t + s) by Stirling: the (t - 1/2) log t terms cancel exactly
    value[one] = (_gammaln(s) - (t - 0.5) * numpy.log1p(s / t) - s * numpy.log(t + s) + s
                  + _stirling_correction(t) - _stirling_correction(t + s))
    return value


def _beta_cases(a, b):
    """SciPy's (Cephes') conventions where a Gamma in B(a, b) has a pole or an argument is
    infinite. Returns (a2, b2, fixed, log_value, sign): B(a, b) = sign |B(a2, b2)| except
    where ``fixed``, where log |B| is ``log_value``. A nonpositive integer a (or -inf) with
    an integer b and a + b <= 0 is the limit (-1)^b B(1 - a - b, b), otherwise +inf (and
    the same with a and b exchanged); B(+inf, b) is 0 for b > 0, infinite with the sign of
    Gamma(b) for b < 0, and nan for b = +inf."""
    pole_a = (a <= 0) & (a == numpy.floor(a))
    pole_b = (b <= 0) & (b == numpy.floor(b)) & ~pole_a
    total = a + b
    # at a pole of Gamma(a + b) alone, B is 0, signed by Gamma(a) Gamma(b)
    sign = _gammasgn(a) * _gammasgn(b) * numpy.where(
        (total <= 0) & (total == numpy.floor(total)), 1.0, _gammasgn(total))
    a2, b2 = a.copy(), b.copy()
    fixed = numpy.zeros(a.shape, bool)
    log_value = numpy.full_like(a, numpy.inf)
    for pole, other, first in ((pole_a, b, a), (pole_b, a, b)):
        limit = (pole & numpy.isfinite(first) & numpy.isfinite(other)
                 & (other == numpy.floor(other)) & (a + b <= 0))
        a2[limit], b2[limit] = 1 - a[limit] - b[limit], other[limit]
        sign[limit] = numpy.where(other[limit] % 2 == 0, 1.0, -1.0)
        sign[pole & ~limit] = 1.0
        fixed |= pole & ~limit
    # with b2 a pole too, B(a2, b2) is +inf: its sign is the (-1)^b already taken
    fixed |= (a2 <= 0) & (a2 == numpy.floor(a2)) | (b2 <= 0) & (b2 == numpy.floor(b2))
    for first, other in ((a, b), (b, a)):
        infinite = (first == numpy.inf) & ~fixed
        rest = other[infinite]
        undefined = (rest == numpy.inf) | numpy.isnan(rest)
        log_value[infinite] = numpy.where(undefined, numpy.nan,
                                          numpy.where(rest > 0, -numpy.inf, numpy.inf))
        sign[infinite] = numpy.where(undefined, numpy.nan,
                                     numpy.where(rest > 0, 1.0, _gammasgn(rest)))
        fixed |= infinite
    return a2, b2, fixed, log_value, sign


def _betaln(a, b):
    """log |B(a, b)|, with SciPy's values at the poles and infinities (see _beta_cases)."""
    a2, b2, fixed, log_value, _ = _beta_cases(a, b)
    value = _betaln_regular(a2, b2)
    value[fixed] = log_value[fixed]
    return value


def _betaln_vjp(slot):
    def rule(g, ans, a, b):      # d log B = (digamma(a) - digamma(a + b)) da + (...) db
        return g * (polygamma_((a, b)[slot], n=0) - polygamma_(a + b, n=0))
    return rule


betaln = primitive("betaln", _real(_betaln), public="scipy.special", jvp=ELEMENTWISE,
                   vjp=(_betaln_vjp(0), _betaln_vjp(1)),
                   doc="ndgrad's differentiable scipy.special.betaln: log |B(a, b)|, accurate "
                       "also when one argument is much larger than the other.")


@public(namespaces=("scipy.special",))
def beta(a, b):
    """ndgrad's differentiable scipy.special.beta: B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b),
    as sign * exp(betaln(a, b)), the sign a constant. At the poles and infinities it takes
    SciPy's values: +-inf where Gamma(a) or Gamma(b) has a pole (or the limit, where a + b
    is a pole too and the other argument an integer), 0 where only Gamma(a + b) has one."""
    a, b = as_float(a), as_float(b)
    shape = broadcast_shapes(a.shape, b.shape)
    flat = [numpy.broadcast_to(raw(x), shape).astype(numpy.float64).reshape(-1) for x in (a, b)]
    with numpy.errstate(all="ignore"):    # inf - inf at the infinities: nan, as SciPy
        sign = _beta_cases(*flat)[4].reshape(shape)
    return asarray(sign.astype(numpy.result_type(a.dtype, b.dtype))) * exp(betaln(a, b))


@public(namespaces=("scipy.special",))
def multigammaln(a, d):
    """ndgrad's differentiable scipy.special.multigammaln: the log of the multivariate gamma
    function, d(d-1)/4 log(pi) + sum_(j<d) gammaln(a - j/2). ``d`` is a positive integer;
    every ``a`` must exceed (d - 1)/2, as SciPy checks."""
    if isinstance(d, bool) or not isinstance(d, (int, numpy.integer)) or d < 1:
        raise ValueError(f"multigammaln: d must be a positive integer, not {d!r}")
    a = as_float(a)
    if numpy.any(raw(a) <= 0.5 * (d - 1)):
        raise ValueError(f"multigammaln: every a must be greater than (d - 1)/2 = "
                         f"{0.5 * (d - 1)}; the smallest is {numpy.min(raw(a))}")
    total = gammaln(a)
    for j in range(1, int(d)):
        total = total + gammaln(a - j / 2)
    return total + d * (d - 1) / 4 * math.log(math.pi)


# -- Taylor arithmetic: derivatives of the incomplete gamma and beta functions in their ------
# parameters, carried through the same series and continued fractions as their values
class _Taylor:
    """A truncated Taylor series in two parameter offsets (da, db), one per element:
    ``c[k, l]`` is the coefficient of da^k db^l, shape (orders_a, orders_b, n). Constants
    (NumPy arrays of shape (n,) or numbers) enter the (0, 0) coefficient. With orders (1, 1)
    this is plain float arithmetic, so values and derivatives share one code path."""

    __slots__ = ("c",)
    __array_ufunc__ = None          # NumPy arrays defer to the series' own operators

    def __init__(self, c):
        self.c = c

    @classmethod
    def constant(cls, value, orders):
        c = numpy.zeros(tuple(orders) + numpy.shape(value))
        c[0, 0] = value
        return cls(c)

    @classmethod
    def variable(cls, value, orders, axis):
        """The parameter itself: value + da (axis 0) or value + db (axis 1)."""
        series = cls.constant(value, orders)
        if orders[axis] > 1:
            series.c[(1, 0) if axis == 0 else (0, 1)] = 1.0
        return series

    @property
    def value(self):
        return self.c[0, 0]

    def take(self, index):
        return _Taylor(self.c[..., index])

    def derivative(self, k, l):
        """d^(k+l) / da^k db^l: the coefficient times k! l!."""
        return self.c[k, l] * (math.factorial(k) * math.factorial(l))

    def _shifted(self, constant):
        c = self.c.copy()
        c[0, 0] += constant
        return _Taylor(c)

    def __add__(self, other):
        return _Taylor(self.c + other.c) if isinstance(other, _Taylor) else self._shifted(other)

    __radd__ = __add__

    def __sub__(self, other):
        return _Taylor(self.c - other.c) if isinstance(other, _Taylor) else self._shifted(-other)

    def __rsub__(self, other):
        return (-self)._shifted(other)

    def __neg__(self):
        return _Taylor(-self.c)

    def __mul__(self, other):
        if not isinstance(other, _Taylor):
            return _Taylor(self.c * other)
        rows, columns = self.c.shape[:2]
        # the (0, 0) term makes the product at the broadcast shape; plain values (orders
        # (1, 1)) have no other
        product = self.c[0, 0] * other.c
        for k in range(rows):
            for l in range(columns):
                if k or l:
                    product[k:, l:] += self.c[k, l] * other.c[:rows - k, :columns - l]
        return _Taylor(product)

    __rmul__ = __mul__

    def reciprocal(self):
        rows, columns = self.c.shape[:2]
        if rows == columns == 1:
            return _Taylor(1 / self.c)
        inverse = numpy.zeros_like(self.c)
        inverse[0, 0] = 1 / self.c[0, 0]
        for k in range(rows):          # c * inverse = 1, coefficient by coefficient
            for l in range(columns):
                if k or l:
                    total = sum(self.c[i, j] * inverse[k - i, l - j]
                                for i in range(k + 1) for j in range(l + 1) if i or j)
                    inverse[k, l] = -inverse[0, 0] * total
        return _Taylor(inverse)

    def __truediv__(self, other):
        return self * other.reciprocal() if isinstance(other, _Taylor) else _Taylor(self.c / other)

    def __rtruediv__(self, other):
        return self.reciprocal() * other

    def exp(self, minus_one=False):
        """exp of the series (e' = u' e, coefficient by coefficient); ``minus_one`` gives
        expm1, with the value from numpy.expm1 for its relative precision near 0."""
        rows, columns = self.c.shape[:2]
        u, result = self.c, numpy.zeros_like(self.c)
        result[0, 0] = numpy.exp(u[0, 0])
        for k in range(rows):
            for l in range(columns):
                if k:
                    result[k, l] = sum(i * u[i, j] * result[k - i, l - j]
                                       for i in range(1, k + 1) for j in range(l + 1)) / k
                elif l:
                    result[0, l] = sum(j * u[0, j] * result[0, l - j]
                                       for j in range(1, l + 1)) / l
        if minus_one:
            result[0, 0] = numpy.expm1(u[0, 0])
        return _Taylor(result)

    def converged(self, tolerance, reference):
        """Where every coefficient is below ``tolerance`` times the matching one of
        ``reference`` (or is zero)."""
        return numpy.all(numpy.abs(self.c) <= tolerance * numpy.abs(reference.c), axis=(0, 1))

    def below(self, tolerance):
        """Where every coefficient is at most ``tolerance`` in magnitude."""
        return numpy.all(numpy.abs(self.c) <= tolerance, axis=(0, 1))

    def guard(self, tiny):
        """The value pushed away from 0 (the modified Lentz algorithm's safeguard)."""
        value = self.c[0, 0]
        self.c[0, 0] = numpy.where(numpy.abs(value) < tiny, tiny, value)
        return self


_EPSILON = 1e-16
_TINY = 1e-300


def _log_gamma_series(value, y, orders, axis, shift=0.0, sign=1.0):
    """A series in the parameter offset along ``axis`` with the given value and the
    coefficients of sign * log Gamma(y + shift) beyond it: sign * polygamma(k-1, y + shift) / k!."""
    series = _Taylor.constant(value, orders)
    for k in range(1, orders[axis]):
        index = (k, 0) if axis == 0 else (0, k)
        series.c[index] = sign * _polygamma(y + shift, k - 1) / math.factorial(k)
    return series


def _converge(step, state, limit):
    """Iterate ``state, done = step(state, n)`` for n = 1, 2, ... up to ``limit``; the state
    is a tuple of series and arrays over the elements still running, the first the result.
    Each element leaves when ``done`` says it converged; any left at the limit give nan."""
    result = numpy.full(state[0].c.shape, numpy.nan)
    index = numpy.arange(result.shape[-1])
    for n in range(1, limit + 1):
        if not index.size:
            break
        state, done = step(state, n)
        if not done.any():          # nothing leaves: no copying of the state
            continue
        result[..., index[done]] = state[0].c[..., done]
        keep = ~done
        index = index[keep]
        state = tuple(part.take(keep) if isinstance(part, _Taylor) else part[keep]
                      for part in state)
    return _Taylor(result)


def _term_limit(parameters):
    """Iterations enough for the series and continued fractions below: they need about
    9 sqrt(a) terms where x is close to a (the terms fall as exp(-n^2 / 2a)); beyond a = 1e8
    the answer is nan rather than a wait of minutes."""
    largest = float(numpy.max(parameters, initial=0.0))
    return int(200 + 12 * math.sqrt(min(largest, 1e8)))


# -- the regularised incomplete gamma functions ----------------------------------------------
def _log1pmx(x, a):
    """log(1 + t) - t for t = (x - a) / a, to full relative precision near t = 0 (its Taylor
    series there); elsewhere log(x / a) - t, since 1 + t rounded would lose the digits of
    log(1 + t) where x is much smaller than a."""
    t = (x - a) / a
    value = numpy.log(x / a) - t
    near = numpy.abs(t) < 0.3
    u = t[near]
    series = numpy.zeros_like(u)
    for k in range(40, 1, -1):                  # 0.3^40 / 40 < 1e-22
        series = series * u + (-1) ** (k + 1) / k
    value[near] = series * u * u
    return value


def _log_gamma_prefix(a, x, orders):
    """log(x^a e^-x / Gamma(a + 1)) as a series in da. For a >= 10 the value comes from
    a log1pmx((x - a)/a) - mu(a) - log(2 pi a)/2 (mu: Stirling's correction), which keeps
    the huge terms a log x and log Gamma(a + 1) from cancelling."""
    value = a * numpy.log(x) - x - _gammaln_positive(a + 1)
    large = a >= _STIRLING_FROM
    s, y = a[large], x[large]
    value[large] = (s * _log1pmx(y, s) - _stirling_correction(s)
                    - 0.5 * numpy.log(2 * math.pi * s))
    series = _log_gamma_series(value, a, orders, 0, shift=1.0, sign=-1.0)
    series.c[1:2, 0] += numpy.log(x)
    return series


def _gamma_lower_series(a, x, orders):
    """P(a, x) = x^a e^-x / Gamma(a + 1) sum_(n>=0) x^n / ((a+1)...(a+n)): for x below
    about a (the terms then fall from the start)."""
    def step(state, n):
        total, term, a, x = state
        term = term * x / (_Taylor.variable(a, orders, 0) + n)
        total = total + term
        return (total, term, a, x), term.converged(_EPSILON, total)

    ones = _Taylor.constant(numpy.ones_like(a), orders)
    total = _converge(step, (ones, ones, a, x), _term_limit(a))
    return total * _log_gamma_prefix(a, x, orders).exp()


def _gamma_upper_series(a, x, orders):
    """Q(a, x) for small x and a (x <= 1.1): 1 - x^a / Gamma(a + 1) (by expm1, exact near
    0) minus x^a / Gamma(a) sum_(n>=1) (-x)^n / (n! (a + n))."""
    log_power = _Taylor.variable(a, orders, 0) * numpy.log(x)
    small = a < 0.5                     # log Gamma(1 + a) to full relative precision
    lgamma1p = numpy.where(small, _gammaln_near_2(a) - numpy.log1p(a), _gammaln_positive(1 + a))
    log_power = log_power - _log_gamma_series(lgamma1p, a, orders, 0, shift=1.0)
    power = log_power.exp()
    terms = numpy.ones_like(x)
    total = _Taylor.constant(numpy.zeros_like(x), orders)
    ja = _Taylor.variable(a, orders, 0)
    for n in range(1, 40):              # x^40 / 40! < 1e-46 for x <= 1.1
        terms = terms * (-x) / n
        total = total + terms / (ja + n)
    return -log_power.exp(minus_one=True) - ja * power * total


def _gamma_upper_fraction(a, x, orders):
    """Q(a, x) = x^a e^-x / Gamma(a) / (x+1-a - 1(1-a)/(x+3-a - 2(2-a)/(x+5-a - ...))) by
    the modified Lentz algorithm: for x > a (the fraction then converges fast)."""
    def step(state, n):
        h, b, c, d, a, x = state
        ja = _Taylor.variable(a, orders, 0)
        an = (ja - n) * n
        b = b + 2
        d = (an * d + b).guard(_TINY).reciprocal()
        c = (b + an / c).guard(_TINY)
        delta = d * c
        h = h * delta
        return (h, b, c, d, a, x), (delta - 1).below(_EPSILON)

    b = x + 1 - _Taylor.variable(a, orders, 0)
    c = _Taylor.constant(numpy.full_like(x, 1 / _TINY), orders)
    d = b.reciprocal()             # b >= 1 here
    h = _converge(step, (d, b, c, d, a, x), _term_limit(a))
    return h * _Taylor.variable(a, orders, 0) * _log_gamma_prefix(a, x, orders).exp()


def _incomplete_gamma(a, x, upper, order):
    """d^order/da^order of P(a, x) (Q(a, x) with ``upper``), following SciPy's choice of
    method: Q's continued fraction for x > 1.1 and x >= a, Q's series for small x and a,
    P's series elsewhere, and the other one as the complement."""
    orders = (order + 1, 1)
    result = numpy.full_like(a, numpy.nan)
    valid = ((a >= 0) & (x >= 0) & ~((a == 0) & (x == 0))
             & ~((a == numpy.inf) & (x == numpy.inf)))            # nan there, as SciPy
    # the limits: P(a, 0) = 0, P(a, inf) = 1, P(inf, x) = 0 (for finite x), P(0, x) = 1
    ends = valid & ((x == 0) | (x == numpy.inf) | (a == numpy.inf))
    end_value = numpy.where((x == numpy.inf) & (a < numpy.inf), 1.0, 0.0)
    if upper:
        end_value = 1 - end_value
    result[ends] = end_value[ends] if order == 0 else 0.0
    inside = valid & ~ends
    fraction = inside & (x > 1.1) & (x >= a)
    with numpy.errstate(divide="ignore"):
        upper_series = inside & ~fraction & numpy.where(x <= 0.5, a <= -0.4 / numpy.log(x),
                                                        (x <= 1.1) & (a <= 1.1 * x))
    lower_series = inside & ~fraction & ~upper_series
    for mask, method, gives_upper in ((fraction, _gamma_upper_fraction, True),
                                      (upper_series, _gamma_upper_series, True),
                                      (lower_series, _gamma_lower_series, False)):
        if mask.any():
            series = method(a[mask], x[mask], orders)
            if gives_upper != upper:
                series = 1 - series
            result[mask] = series.derivative(order, 0)
    return result


def _exp_partials(h, i, j):
    """d^(i+j)/da^i db^j exp(h) / exp(h), given h(k, l), the partial derivatives of h (a
    function of ndgrad arrays), by Leibniz's rule on d exp(h) = exp(h) dh: composites of
    ndgrad's primitives, so the rules built on them are differentiable again."""
    partials = {(0, 0): 1.0}
    cache = {}

    def h_at(k, l):
        if (k, l) not in cache:
            cache[(k, l)] = h(k, l)
        return cache[(k, l)]

    for k in range(i + 1):
        for l in range(j + 1):
            if k:
                partials[(k, l)] = sum(math.comb(k - 1, p) * math.comb(l, q) * h_at(p + 1, q)
                                       * partials[(k - 1 - p, l - q)]
                                       for p in range(k) for q in range(l + 1))
            elif l:
                partials[(0, l)] = sum(math.comb(l - 1, q) * h_at(0, q + 1)
                                       * partials[(0, l - 1 - q)] for q in range(l))
    return partials[(i, j)]


def _gamma_density_partial(g, a, x, order, sign):
    """g times d^order/da^order of the gamma density x^(a-1) e^-x / Gamma(a) (dP/dx), with
    ``sign`` -1 for Q: exp(h) with h = (a-1) log x - x - gammaln(a)."""
    density = exp(xlogy(a - 1, x) - x - gammaln(a))
    if order == 0:
        return g * (sign * density)

    def h(k, l):
        return log(x) - polygamma_(a, n=0) if k == 1 else -polygamma_(a, n=k - 1)

    return g * (sign * density * _exp_partials(h, order, 0))


incomplete_gamma_: Primitive = primitive(
    "incomplete_gamma", _real(_incomplete_gamma), jvp=ELEMENTWISE,
    vjp=(lambda g, ans, a, x, upper, order:
         g * incomplete_gamma_(a, x, upper=upper, order=order + 1),
         lambda g, ans, a, x, upper, order:
         _gamma_density_partial(g, a, x, order, -1.0 if upper else 1.0)),
    doc="d^order/da^order of the regularised incomplete gamma function P(a, x), or of "
        "Q(a, x) = 1 - P(a, x) with upper=True.")


@public(namespaces=("scipy.special",))
def gammainc(a, x):
    """ndgrad's differentiable scipy.special.gammainc: the regularised lower incomplete gamma
    function P(a, x) = (1/Gamma(a)) int_0^x t^(a-1) e^-t dt, for a >= 0 and x >= 0 (nan
    elsewhere, and at a = x = 0, as SciPy).

    Differentiable in x and in a, to any order: the derivatives in a are carried through
    the same series and continued fraction as the value (Taylor arithmetic), to about the
    same relative precision. The methods need about 9 sqrt(a) terms where x is close to a,
    so a beyond 1e8 gives nan there."""
    return incomplete_gamma_(a, x, upper=False, order=0)


@public(namespaces=("scipy.special",))
def gammaincc(a, x):
    """ndgrad's differentiable scipy.special.gammaincc: Q(a, x) = 1 - P(a, x), the regularised
    upper incomplete gamma function, computed directly (not as 1 - P) where it is small.
    Differentiable in a and x, to any order; see gammainc."""
    return incomplete_gamma_(a, x, upper=True, order=0)


# -- the regularised incomplete beta function ------------------------------------------------
def _log_beta_front(a, b, x, orders):
    """log(x^a (1-x)^b / B(a, b)) as a series in (da, db): its partial derivatives are
    log x - digamma(a) + digamma(a+b), log(1-x) - digamma(b) + digamma(a+b), then
    polygamma functions."""
    series = _Taylor.constant(a * numpy.log(x) + b * numpy.log1p(-x) - _betaln(a, b), orders)
    rows, columns = orders
    for k in range(rows):
        for l in range(columns):
            if k or l:
                part = _polygamma(a + b, k + l - 1)
                if not l:
                    part = part - _polygamma(a, k - 1)
                if not k:
                    part = part - _polygamma(b, l - 1)
                series.c[k, l] = part / (math.factorial(k) * math.factorial(l))
    if rows > 1:
        series.c[1, 0] += numpy.log(x)
    if columns > 1:
        series.c[0, 1] += numpy.log1p(-x)
    return series


def _beta_fraction(a, b, x, limit):
    """The continued fraction of I_x(a, b) a B(a, b) / (x^a (1-x)^b), by the modified Lentz
    algorithm (Numerical Recipes' betacf); ``a`` and ``b`` are series, x an array. It
    converges fast for x < (a + 1)/(a + b + 2)."""
    def step(state, n):
        h, c, d, a, b, x = state
        for even in (True, False):
            if even:
                coefficient = (b - n) * n * x / ((a + (2 * n - 1)) * (a + 2 * n))
            else:
                coefficient = -(a + n) * (a + b + n) * x / ((a + 2 * n) * (a + (2 * n + 1)))
            d = (coefficient * d + 1).guard(_TINY).reciprocal()
            c = (coefficient / c + 1).guard(_TINY)
            delta = d * c
            h = h * delta
        return (h, c, d, a, b, x), (delta - 1).below(_EPSILON)

    c = a * 0 + 1
    d = (1 - (a + b) * x / (a + 1)).guard(_TINY).reciprocal()
    return _converge(step, (d, c, d, a, b, x), limit)


def _incomplete_beta(a, b, x, order_a, order_b):
    """d^(i+j)/da^i db^j of I_x(a, b), i = order_a and j = order_b: x^a (1-x)^b / (a B(a, b))
    times the continued fraction, for x < (a+1)/(a+b+2); above, 1 minus the same for
    I_(1-x)(b, a) (the symmetry of the beta function)."""
    orders = (order_a + 1, order_b + 1)
    result = numpy.full_like(x, numpy.nan)
    valid = ((a >= 0) & (b >= 0) & (x >= 0) & (x <= 1) & ~((a == 0) & (b == 0))
             & ~((a == numpy.inf) & (b == numpy.inf)))
    # the limits: I_0 = 0, I_1 = 1, I_x(0, b) = I_x(a, inf) = 1 for x > 0, and
    # I_x(a, 0) = I_x(inf, b) = 0 for x < 1
    at_zero = valid & ((x == 0) | (((b == 0) | (a == numpy.inf)) & (x < 1)))
    at_one = valid & ~at_zero & ((x == 1) | (a == 0) | (b == numpy.inf))
    result[at_zero] = 0.0
    result[at_one] = 1.0 if order_a == order_b == 0 else 0.0
    inside = valid & ~at_zero & ~at_one
    limit = _term_limit(numpy.maximum(a[inside], b[inside]))
    swap = x > (a + 1) / (a + b + 2)
    for mask, swapped in ((inside & ~swap, False), (inside & swap, True)):
        if not mask.any():
            continue
        s, t, y = a[mask], b[mask], x[mask]
        ja, jb = _Taylor.variable(s, orders, 0), _Taylor.variable(t, orders, 1)
        front = _log_beta_front(s, t, y, orders).exp()
        if swapped:      # 1 - y is exact for y >= 1/2, and well conditioned below
            series = 1 - front * _beta_fraction(jb, ja, 1 - y, limit) / jb
            # 1 - I_(1-x)(b, a) loses digits where it is small (b small); there the fraction
            # of I_x(a, b) itself, slower above the switch but converging, is used instead
            small = numpy.flatnonzero(series.value < 0.125)
            if small.size:
                ja_s, jb_s = ja.take(small), jb.take(small)
                direct = front.take(small) * _beta_fraction(ja_s, jb_s, y[small], limit) / ja_s
                converged = numpy.isfinite(direct.value)
                series.c[..., small[converged]] = direct.c[..., converged]
        else:
            series = front * _beta_fraction(ja, jb, y, limit) / ja
        result[mask] = series.derivative(order_a, order_b)
    return result


def _beta_density_partial(g, a, b, x, order_a, order_b):
    """g times d^(i+j)/da^i db^j of the beta density x^(a-1) (1-x)^(b-1) / B(a, b) (dI/dx):
    exp(h) with h = (a-1) log x + (b-1) log(1-x) - betaln(a, b)."""
    density = exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))
    if order_a == order_b == 0:
        return g * density

    def h(k, l):
        part = polygamma_(a + b, n=k + l - 1)
        if not l:
            part = part - polygamma_(a, n=k - 1)
        if not k:
            part = part - polygamma_(b, n=l - 1)
        if (k, l) == (1, 0):
            part = part + log(x)
        if (k, l) == (0, 1):
            part = part + log1p(-x)
        return part

    return g * (density * _exp_partials(h, order_a, order_b))


def _incomplete_beta_vjp(slot):
    def rule(g, ans, a, b, x, order_a, order_b):
        if slot == 2:
            return _beta_density_partial(g, a, b, x, order_a, order_b)
        return g * incomplete_beta_(a, b, x, order_a=order_a + (slot == 0),
                                    order_b=order_b + (slot == 1))
    return rule


incomplete_beta_: Primitive = primitive(
    "incomplete_beta", _real(_incomplete_beta), jvp=ELEMENTWISE,
    vjp=(_incomplete_beta_vjp(0), _incomplete_beta_vjp(1), _incomplete_beta_vjp(2)),
    doc="d^(i+j)/da^i db^j of the regularised incomplete beta function I_x(a, b).")


@public(namespaces=("scipy.special",))
def betainc(a, b, x):
    """ndgrad's differentiable scipy.special.betainc: the regularised incomplete beta function
    I_x(a, b) = (1/B(a, b)) int_0^x t^(a-1) (1-t)^(b-1) dt, for a, b >= 0 (not both 0) and
    0 <= x <= 1 (nan elsewhere, as SciPy).

    Differentiable in x, a and b, to any order: the derivatives in a and b are carried
    through the same continued fraction as the value (Taylor arithmetic in two variables).
    The fraction needs about 9 sqrt(max(a, b)) terms in the worst case, so parameters
    beyond 1e8 may give nan."""
    return incomplete_beta_(a, b, x, order_a=0, order_b=0)


# -- the standard normal distribution: ndtr, log_ndtr, ndtri ---------------------------------
_SQRT_HALF = math.sqrt(0.5)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_ASYMPTOTIC_FROM = -20.0      # below, log_ndtr from its asymptotic series


def _ndtr(x):
    return 0.5 * _erfc(-x * _SQRT_HALF)


def _mills_series(x):
    """sum_n (-1)^n (2n-1)!! / x^(2n), for x <= -20: ndtr(x) = pdf(x) / (-x) times it."""
    inverse_square = 1 / (x * x)
    total, term = numpy.ones_like(x), numpy.ones_like(x)
    for n in range(1, 12):                        # the 12th term is below 1e-19 at x = -20
        term = -term * (2 * n - 1) * inverse_square
        total += term
    return total


def _log_ndtr(x):
    """log ndtr(x): log1p(-ndtr(-x)) above 0, log(ndtr(x)) down to -20, and below it
    -x^2/2 - log(-x) - log(2 pi)/2 + log(the asymptotic series), which never underflows."""
    value = numpy.where(x > 0, numpy.log1p(-_ndtr(-x)), numpy.log(_ndtr(x)))
    far = x < _ASYMPTOTIC_FROM
    y = x[far]
    value[far] = -0.5 * y * y - numpy.log(-y) - _LOG_SQRT_2PI + numpy.log(_mills_series(y))
    return value


def _ndtr_ratio(x):
    """pdf(x) / ndtr(x) (the inverse Mills ratio), without underflow: for x <= 0 as
    sqrt(2/pi) / erfcx(-x/sqrt(2)), which forms no exp(-x^2/2) (whose rounded exponent
    would cost x^2 ulps, amplified again by the cancellation x + ratio in its derivative)."""
    value = numpy.exp(-0.5 * x * x - _LOG_SQRT_2PI - _log_ndtr(x))
    lower = x <= 0
    value[lower] = math.sqrt(2 / math.pi) / _erfcx(-x[lower] * _SQRT_HALF)
    return value


def _ndtri(p):
    return -math.sqrt(2) * _erfcinv(2 * p)        # 2p is exact: the tail keeps its precision


ndtr = primitive("ndtr", _real(_ndtr), public="scipy.special", jvp=ELEMENTWISE,
                 vjp=lambda g, ans, x: g * (exp(-0.5 * (x * x)) / math.sqrt(2 * math.pi)),
                 doc="ndgrad's differentiable scipy.special.ndtr: the standard normal "
                     "distribution function, to full relative precision in the lower tail.")
# d ratio = -ratio (x + ratio) dx (from d pdf = -x pdf dx and d ndtr = pdf dx)
ndtr_ratio_: Primitive = primitive("ndtr_ratio", _real(_ndtr_ratio), jvp=ELEMENTWISE,
                                   saves={"inputs", "answer"},
                                   vjp=lambda g, ans, x: g * (-ans * (x + ans)))
log_ndtr = primitive("log_ndtr", _real(_log_ndtr), public="scipy.special", jvp=ELEMENTWISE,
                     vjp=lambda g, ans, x: g * ndtr_ratio_(x),
                     doc="ndgrad's differentiable scipy.special.log_ndtr: log of ndtr, finite "
                         "far into the lower tail (about -x^2/2 there), with a derivative "
                         "(pdf/ndtr) that does not underflow, to full precision. Its second "
                         "and higher derivatives cancel in the lower tail (as x + pdf/ndtr "
                         "-> 0) and keep about x^2 and x^4 ulps of relative precision there "
                         "(1e-13 and 1e-9 at x = -20).")
ndtri = primitive("ndtri", _real(_ndtri), public="scipy.special", jvp=ELEMENTWISE,
                  saves=ANSWER,           # d ndtri p = sqrt(2 pi) exp(x^2 / 2) dp
                  vjp=lambda g, ans, x: g * (math.sqrt(2 * math.pi) * exp(0.5 * (ans * ans))),
                  doc="ndgrad's differentiable scipy.special.ndtri, the inverse of ndtr: "
                      "-inf at 0, +inf at 1, nan beyond.")


# -- logistic, xlogy, logsumexp, softmax -----------------------------------------------------
def _logit(p):
    """log(p / (1 - p)); near p = 1/2, where the log's argument is close to 1, as
    log1p((2p - 1) / (1 - p)) (2p - 1 and 1 - p are exact there) to keep relative precision."""
    value = numpy.log(p / (1 - p))            # 1 - p is exact for p >= 1/2: no cancellation
    near = numpy.abs(p - 0.5) < 0.25
    value[near] = numpy.log1p((2 * p[near] - 1) / (1 - p[near]))
    return value


logit = primitive("logit", _real(_logit), public="scipy.special", jvp=ELEMENTWISE,
                  vjp=lambda g, ans, x: g / (x * (1 - x)),
                  doc="ndgrad's differentiable scipy.special.logit: log(p / (1 - p)).")


def as_float(x):
    """``x`` as an ndarray of a float dtype: SciPy computes integers and bools in float64.
    Complex numbers are refused: the functions that call this one are real ones."""
    x = x if isinstance(x, ndarray) else asarray(x)
    if x.dtype.kind == "c":
        raise TypeError(f"this function takes real numbers, not {x.dtype}; pass the real "
                        "part (np.real(x)) or the magnitude (np.abs(x))")
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


xlogy = primitive("xlogy", _real(_xlogy), public="scipy.special", jvp=ELEMENTWISE,
                  vjp=(lambda g, ans, x, y: g * log(y), _xlogy_y_vjp),
                  doc="ndgrad's differentiable scipy.special.xlogy: x log(y), and 0 where "
                      "x == 0 (unless y is nan).")


def _xlog1py(x, y):
    with numpy.errstate(divide="ignore", invalid="ignore"):
        product = x * numpy.log1p(y)
    return numpy.where((numpy.asarray(x) == 0) & ~numpy.isnan(y), 0, product)


def _xlog1py_y_vjp(g, ans, x, y):
    """d(x log1p y)/dy = x/(1+y): 0 where x == 0, also at y == -1 (as xlogy's rule at 0)."""
    both = (numpy.asarray(raw(x)) == 0) & (numpy.asarray(raw(y)) == -1)
    return g * (x / where(both, 1, 1 + y))


xlog1py = primitive("xlog1py", _real(_xlog1py), public="scipy.special", jvp=ELEMENTWISE,
                    vjp=(lambda g, ans, x, y: g * log1p(y), _xlog1py_y_vjp),
                    doc="ndgrad's differentiable scipy.special.xlog1py: x log(1 + y), and 0 "
                        "where x == 0 (unless y is nan).")


def _entr(x):
    with numpy.errstate(divide="ignore", invalid="ignore"):
        value = -x * numpy.log(x)
    return numpy.where(x > 0, value, numpy.where(x == 0, 0.0, numpy.where(x < 0, -numpy.inf,
                                                                            x)))


entr = primitive("entr", _real(_entr), public="scipy.special", jvp=ELEMENTWISE,
                 vjp=lambda g, ans, x: g * (-(log(x) + 1)),
                 doc="ndgrad's differentiable scipy.special.entr: -x log x for x > 0, 0 at 0, "
                     "-inf for x < 0; its derivative is -(log x + 1) (-inf at 0).")


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
