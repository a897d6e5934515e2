"""Bessel functions (ndgrad.scipy.special): j0, j1, jn, y0, y1, yn, i0, i1, iv, ive, k0 and
k1, on NumPy alone, differentiable in x to any order; the order (n or v) is a constant, as in
HIPS autograd.

The kernels compute in float64 (float32 operands are rounded back, integers give float64, as
SciPy: see ``special._real``), each method where it keeps double precision:

- power series where (x/2)^2 is at most the order (or 1), so the terms fall from the first;
- Miller's backward recurrence in the order, f_(k-1) = (2k/x) f_k - f_(k+1), normalised by
  J_0 + 2 (J_2 + J_4 + ...) = 1, with Neumann's series for Y_0 and Y_1 summed from the same
  values (A&S 9.1.87-9.1.89);
- Hankel's asymptotic expansions from x = 25 (A&S 9.2.5-9.2.10, 9.7.1-9.7.2: J, Y, I and K
  share their coefficients);
- forward recurrence for Y_n (Y grows with n, so it is stable) and for J_n while n <= x;
- the power series of I_v, whose terms are positive, up to where its expansion holds;
- for K between 2 and 25, the trapezoidal rule on K_v(x) = int_0^inf exp(-x cosh t) cosh(vt) dt,
  spectrally accurate: the integrand is analytic and decays double-exponentially.

Near a zero of J or Y the value is accurate to double precision of the function's size there
(sqrt(2/(pi x))), not of the value itself, as SciPy's.

Special values follow SciPy: J, Y, I and ive are nan at +-inf (though J and Y tend to 0
there), K is 0 there, Y and K are -inf and +inf at 0. One difference: I_v of a negative
non-integer order at x = 0 is the limit from the right (infinite with the sign of
1/Gamma(v+1)), and where it overflows ive gives inf, not SciPy's nan.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy

from .._ndarray import ndarray
from .._primitive import ANSWER, ELEMENTWISE, INPUTS, Primitive, primitive
from .._publish import public
from .elementwise import sign
from .special import _real

_EULER_GAMMA = 0.5772156649015329
_HANKEL_FROM = 25.0        # Hankel's expansions for x >= 25 (about 26 terms reach 2^-60 there)
_SERIES_UNTIL = 2.0        # the logarithmic power series of Y_0, Y_1, K_0 and K_1 up to x = 2
_MAX_ORDER = 10_000        # jn and yn: the recurrences take about n steps
_MAX_REAL_ORDER = 1000.0   # iv and ive: the series takes about x/2 terms up to x ~ v^2/2
_RESCALE = 2.0 ** 500      # recurrences and sums are scaled down past this, so none overflows


# -- shared pieces ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=128)
def _hankel_coefficients(order, x_min):
    """a_k = prod_(j<=k) (4 order^2 - (2j-1)^2) / (k! 8^k), k = 0, 1, ..., until a_k / x_min^k
    falls below 2^-60 (all of them where the series ends, at half-integer orders); None if a
    term is not smaller than the one before, when the expansions miss double precision at
    x_min."""
    mu = 4.0 * order * order
    coefficients = [1.0]
    size = 1.0
    for k in itertools.count(1):
        factor = (mu - (2 * k - 1) ** 2) / (8 * k)
        if factor == 0:
            return tuple(coefficients)
        if abs(factor) >= x_min:
            return None
        coefficients.append(coefficients[-1] * factor)
        size *= abs(factor) / x_min
        if size < 2.0 ** -60:
            return tuple(coefficients)
    raise AssertionError("unreachable")   # pragma: no cover  (itertools.count never ends)


def _horner(coefficients, w):
    """sum_k coefficients[k] w^k."""
    total = numpy.zeros_like(w)
    for coefficient in reversed(coefficients):
        total = total * w + coefficient
    return total


def _power_series(z, n, logarithmic=False):
    """sum_k z^k / (k! (n+1)_k), and with ``logarithmic`` also the series of Y_n and K_n,
    sum_k (psi(k+1) + psi(n+k+1)) z^k / (k! (n+1)_k); 20 terms, enough for |z| <= max(n, 1)
    (the k-th term is below 1/k! there)."""
    term = numpy.ones_like(z)
    plain = numpy.ones_like(z)
    digammas = -2 * _EULER_GAMMA + math.fsum(1 / j for j in range(1, n + 1))
    weighted = digammas * term
    for k in range(1, 20):
        term = term * z / (k * (n + k))
        plain += term
        if logarithmic:
            digammas += 1 / k + 1 / (n + k)
            weighted += digammas * term
    return plain, weighted


def _power_over_factorial(h, n):
    """h^n / n!, in chunks of 32 factors so that no power or factorial overflows."""
    result = numpy.ones_like(h)
    for start in range(1, n + 1, 32):
        stop = min(start + 32, n + 1)
        result = result * (h ** (stop - start) / float(math.prod(range(start, stop))))
    return result


def _forward_recurrence(first, second, x, n):
    """f_n from f_0 and f_1 by f_(k+1) = (2k/x) f_k - f_(k-1); an overflow stays infinite."""
    if n == 0:
        return first
    previous, current = first, second
    for k in range(1, n):
        following = (2 * k / x) * current - previous
        previous, current = current, numpy.where(numpy.isinf(current), current, following)
    return current


# -- J and Y ---------------------------------------------------------------------------------
def _hankel_jy(ax, order):
    """J and Y of order 0 or 1 for ax >= 25: sqrt(2/(pi x)) (P cos chi - Q sin chi) and
    sqrt(2/(pi x)) (P sin chi + Q cos chi), chi = x - (order/2 + 1/4) pi."""
    a = _hankel_coefficients(float(order), _HANKEL_FROM)
    w = 1 / ax
    w2 = w * w
    p = _horner([(-1) ** (k // 2) * c for k, c in enumerate(a) if k % 2 == 0], w2)
    q = w * _horner([(-1) ** (k // 2) * c for k, c in enumerate(a) if k % 2 == 1], w2)
    # cos and sin of chi from those of x itself (reduced exactly by NumPy), so that the
    # rounding of x - phase does not enter at large x
    phase = (order / 2 + 0.25) * math.pi
    cos_x, sin_x = numpy.cos(ax), numpy.sin(ax)
    cos_chi = cos_x * math.cos(phase) + sin_x * math.sin(phase)
    sin_chi = sin_x * math.cos(phase) - cos_x * math.sin(phase)
    amplitude = numpy.sqrt(2 / math.pi / ax)
    return amplitude * (p * cos_chi - q * sin_chi), amplitude * (p * sin_chi + q * cos_chi)


def _miller(ax, n):
    """Miller's backward recurrence from far above max(n, x) (20 + 10 max^(1/3) orders, which
    leaves the start's error below double precision), normalised by J_0 + 2 sum J_2m = 1.
    Returns J_0, J_1, J_n and Neumann's sums sum_m (-1)^m J_2m / m and
    sum_m (-1)^m (2m+1) / (m (m+1)) J_(2m+1) (m >= 1), for ax > 0."""
    top = max(n, float(ax.max()))
    start = int(top + 20 + 10 * top ** (1 / 3))
    start += start % 2
    two_over_x = 2 / ax
    following = numpy.zeros_like(ax)          # f_(k+1)
    current = numpy.ones_like(ax)             # f_k
    norm, even_sum, odd_sum = (numpy.zeros_like(ax) for _ in range(3))
    jn, j1 = numpy.zeros_like(ax), numpy.zeros_like(ax)
    for k in range(start, 0, -1):
        m = k // 2
        if k % 2 == 0:
            norm += 2 * current
            even_sum += (-1) ** m / m * current
        elif m:
            odd_sum += (-1) ** m * (2 * m + 1) / (m * (m + 1)) * current
        if k == n:
            jn = current
        if k == 1:
            j1 = current
        current, following = k * two_over_x * current - following, current
        large = numpy.abs(current) > _RESCALE
        if large.any():
            scale = numpy.where(large, 1 / _RESCALE, 1.0)
            current, following, norm, even_sum, odd_sum, jn, j1 = (
                part * scale for part in (current, following, norm, even_sum, odd_sum, jn, j1))
    if n == 0:
        jn = current
    norm += current
    return current / norm, j1 / norm, jn / norm, even_sum / norm, odd_sum / norm


def _bessel_j(x, n):
    """J_n(x) for any integer n and real x (J_(-n) = J_n(-x) = (-1)^n J_n(x))."""
    m = abs(n)
    ax = numpy.abs(x)
    h = ax / 2
    value = numpy.full_like(ax, numpy.nan)        # nan at +-inf too, as SciPy
    series = h * h <= max(m, 1)
    hankel = numpy.isfinite(ax) & (ax >= _HANKEL_FROM) & (m <= ax)
    miller = numpy.isfinite(ax) & ~series & ~hankel
    if series.any():
        value[series] = (_power_over_factorial(h[series], m)
                         * _power_series(-h[series] ** 2, m)[0])
    if hankel.any():
        a = ax[hankel]
        value[hankel] = _forward_recurrence(_hankel_jy(a, 0)[0], _hankel_jy(a, 1)[0], a, m)
    if miller.any():
        value[miller] = _miller(ax[miller], m)[2]
    if m % 2:
        flip = numpy.signbit(x) != (n < 0)
        value = numpy.where(flip, -value, value)
    return value


def _y01(ax):
    """Y_0 and Y_1 at finite ax > 0."""
    y0, y1 = numpy.empty_like(ax), numpy.empty_like(ax)
    small = ax <= _SERIES_UNTIL
    large = ax >= _HANKEL_FROM
    middle = ~small & ~large
    if small.any():
        h = ax[small] / 2
        log_h = numpy.log(h)
        j0, series0 = _power_series(-h * h, 0, logarithmic=True)
        j1, series1 = _power_series(-h * h, 1, logarithmic=True)
        y0[small] = 2 / math.pi * log_h * j0 - series0 / math.pi
        y1[small] = -1 / (math.pi * h) + h * (2 / math.pi * log_h * j1 - series1 / math.pi)
    if middle.any():
        a = ax[middle]
        j0, j1, _, even_sum, odd_sum = _miller(a, 1)
        log_h = numpy.log(a / 2)
        y0[middle] = 2 / math.pi * ((log_h + _EULER_GAMMA) * j0 - 2 * even_sum)
        y1[middle] = 2 / math.pi * (-j0 / a + (log_h - 1 + _EULER_GAMMA) * j1 - odd_sum)
    if large.any():
        y0[large] = _hankel_jy(ax[large], 0)[1]
        y1[large] = _hankel_jy(ax[large], 1)[1]
    return y0, y1


def _bessel_y(x, n):
    """Y_n(x) for any integer n and x >= 0 (Y_(-n) = (-1)^n Y_n): -inf at 0, nan for x < 0,
    as SciPy, and nan at +inf (SciPy's convention, though the limit is 0)."""
    m = abs(n)
    value = numpy.where(x == 0, -numpy.inf, numpy.nan)
    inside = (x > 0) & (x < numpy.inf)
    if inside.any():
        a = x[inside]
        value[inside] = _forward_recurrence(*_y01(a), a, m)
    return -value if n < 0 and m % 2 else value


# -- I and K ---------------------------------------------------------------------------------
@functools.lru_cache(maxsize=128)
def _asymptotic_from(order):
    """Where the expansion of I_v and K_v reaches double precision: 25 for small orders,
    about v^2/2 for large ones."""
    start = _HANKEL_FROM
    while _hankel_coefficients(order, start) is None:
        start *= 1.25
    return start


def _gamma_sign(y):
    """The sign of Gamma(y), y not a pole."""
    return 1.0 if y > 0 else (-1.0) ** math.floor(y)


def _series_i(ax, order, scaled):
    """I_v(ax) = (ax/2)^v / Gamma(v+1) sum_k (ax/2)^2k / (k! (v+1)_k), times exp(-ax) if
    ``scaled``. The sum is scaled down past 2^500 (only far beyond ax = 600), and then, or for
    orders beyond 150, the prefactor is taken through logarithms."""
    h = ax / 2
    z = h * h
    term = numpy.ones_like(ax)
    total = numpy.ones_like(ax)
    rescaled = numpy.zeros_like(ax)
    widest = float(h.max(initial=0.0))
    for k in itertools.count(1):
        term = term * z / (k * (k + order))
        total += term
        large = numpy.abs(total) > _RESCALE
        if large.any():
            total, term = (numpy.where(large, part / _RESCALE, part) for part in (total, term))
            rescaled += large
        if k > widest and (numpy.abs(term) <= 2.0 ** -60 * numpy.abs(total)).all():
            break
    direct = (ax <= 600) & (rescaled == 0) if abs(order) <= 150 else numpy.zeros(ax.shape, bool)
    value = numpy.empty_like(ax)
    if direct.any():
        part = numpy.power(h[direct], order) / math.gamma(order + 1) * total[direct]
        value[direct] = part * numpy.exp(-ax[direct]) if scaled else part
    far = ~direct
    if far.any():
        logarithm = (order * numpy.log(h[far]) - math.lgamma(order + 1)
                     + numpy.log(numpy.abs(total[far])) + rescaled[far] * math.log(_RESCALE))
        if scaled:
            logarithm -= ax[far]
        value[far] = _gamma_sign(order + 1) * numpy.sign(total[far]) * numpy.exp(logarithm)
    return value


def _bessel_i(x, v, scaled):
    """I_v(x), or I_v(x) exp(-|x|) if ``scaled``, for real v: I_(-n) = I_n and
    I_n(-x) = (-1)^n I_n(x) for integers n; nan for x < 0 at other orders (complex there)."""
    integer = float(v).is_integer()
    order = abs(v) if integer else v
    ax = numpy.abs(x)
    start = _asymptotic_from(order)
    value = numpy.full_like(ax, numpy.nan)
    large = ax >= start
    if large.any():
        a = ax[large]
        coefficients = _hankel_coefficients(order, start)
        expansion = _horner([(-1) ** k * c for k, c in enumerate(coefficients)], 1 / a)
        part = expansion / numpy.sqrt(2 * math.pi * a)
        if not scaled:           # exp(a/2) twice: I_v overflows only where it must
            half = numpy.exp(a / 2)
            part = part * half * half
        value[large] = numpy.where(a == numpy.inf, numpy.nan, part)     # nan there, as SciPy
    small = ax < start
    if small.any():
        value[small] = _series_i(ax[small], order, scaled)
    if not integer:
        return numpy.where(x < 0, numpy.nan, value)
    return numpy.where(numpy.signbit(x), -value, value) if order % 2 else value


_K_STEP = 0.1   # the trapezoidal rule's error is about exp(-pi^2 / step), far below 2^-53


def _bessel_k(x, order):
    """K_0 or K_1 at x >= 0: inf at 0, nan for x < 0, as SciPy."""
    value = numpy.where(x == 0, numpy.inf, numpy.nan)
    small = (x > 0) & (x <= _SERIES_UNTIL)
    if small.any():
        h = x[small] / 2
        i_series, k_series = _power_series(h * h, order, logarithmic=True)
        if order == 0:
            value[small] = k_series / 2 - numpy.log(h) * i_series
        else:
            value[small] = 1 / x[small] + h * (numpy.log(h) * i_series - k_series / 2)
    middle = (x > _SERIES_UNTIL) & (x < _HANKEL_FROM)
    if middle.any():
        # K_v(x) e^x = int_0^inf exp(-x (cosh t - 1)) cosh(vt) dt, cosh t - 1 = 2 sinh(t/2)^2;
        # nodes up to where the integrand falls below exp(-745) at the smallest x
        a = x[middle]
        last = math.acosh(1 + 745 / float(a.min()))
        total = numpy.full_like(a, 0.5)
        for t in numpy.arange(1, math.ceil(last / _K_STEP) + 1) * _K_STEP:
            total += numpy.exp(-a * (2 * math.sinh(t / 2) ** 2)) * math.cosh(order * t)
        value[middle] = _K_STEP * total * numpy.exp(-a)
    large = x >= _HANKEL_FROM
    if large.any():
        a = x[large]
        expansion = _horner(_hankel_coefficients(float(order), _HANKEL_FROM), 1 / a)
        value[large] = numpy.sqrt(math.pi / 2 / a) * numpy.exp(-a) * expansion
    return value


# -- the kernels the primitives run ----------------------------------------------------------
def _j0(x):
    return _bessel_j(x, 0)


def _j1(x):
    return _bessel_j(x, 1)


def _jn(x, n):
    return _bessel_j(x, n)


def _y0(x):
    return _bessel_y(x, 0)


def _y1(x):
    return _bessel_y(x, 1)


def _yn(x, n):
    return _bessel_y(x, n)


def _i0(x):
    return _bessel_i(x, 0.0, scaled=False)


def _i1(x):
    return _bessel_i(x, 1.0, scaled=False)


def _iv(x, v):
    return _bessel_i(x, v, scaled=False)


def _ive(x, v):
    return _bessel_i(x, v, scaled=True)


def _k0(x):
    return _bessel_k(x, 0)


def _k1(x):
    return _bessel_k(x, 1)


# -- the primitives: J_n' = (J_(n-1) - J_(n+1))/2, the same for Y; I_v' = (I_(v-1) + I_(v+1))/2
j0: Primitive = primitive("j0", _real(_j0), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: -g * j1(x),
                          doc="ndgrad's differentiable scipy.special.j0: the Bessel function "
                              "of the first kind of order 0 (d j0 = -j1 dx).")
j1: Primitive = primitive("j1", _real(_j1), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: g * ((j0(x) - jn_(x, n=2)) * 0.5),
                          doc="ndgrad's differentiable scipy.special.j1: the Bessel function "
                              "of the first kind of order 1.")
jn_: Primitive = primitive("jn", _real(_jn), jvp=ELEMENTWISE,
                           vjp=lambda g, ans, x, n: g * ((jn_(x, n=n - 1) - jn_(x, n=n + 1))
                                                         * 0.5))
y0: Primitive = primitive("y0", _real(_y0), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: -g * y1(x),
                          doc="ndgrad's differentiable scipy.special.y0: the Bessel function "
                              "of the second kind of order 0; -inf at 0, nan for x < 0.")
y1: Primitive = primitive("y1", _real(_y1), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: g * ((y0(x) - yn_(x, n=2)) * 0.5),
                          doc="ndgrad's differentiable scipy.special.y1: the Bessel function "
                              "of the second kind of order 1; -inf at 0, nan for x < 0.")
yn_: Primitive = primitive("yn", _real(_yn), jvp=ELEMENTWISE,
                           vjp=lambda g, ans, x, n: g * ((yn_(x, n=n - 1) - yn_(x, n=n + 1))
                                                         * 0.5))
i0: Primitive = primitive("i0", _real(_i0), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: g * i1(x),
                          doc="ndgrad's differentiable scipy.special.i0: the modified Bessel "
                              "function of the first kind of order 0 (d i0 = i1 dx).")
i1: Primitive = primitive("i1", _real(_i1), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: g * ((i0(x) + iv_(x, v=2.0)) * 0.5),
                          doc="ndgrad's differentiable scipy.special.i1: the modified Bessel "
                              "function of the first kind of order 1.")
iv_: Primitive = primitive("iv", _real(_iv), jvp=ELEMENTWISE,
                           vjp=lambda g, ans, x, v: g * ((iv_(x, v=v - 1) + iv_(x, v=v + 1))
                                                         * 0.5))
# ive = I_v e^(-|x|): d ive = ((ive_(v-1) + ive_(v+1))/2 - sign(x) ive) dx
ive_: Primitive = primitive("ive", _real(_ive), jvp=ELEMENTWISE, saves=INPUTS | ANSWER,
                            vjp=lambda g, ans, x, v: g * ((ive_(x, v=v - 1) + ive_(x, v=v + 1))
                                                          * 0.5 - sign(x) * ans))
k0: Primitive = primitive("k0", _real(_k0), public="scipy.special", jvp=ELEMENTWISE,
                          vjp=lambda g, ans, x: -g * k1(x),
                          doc="ndgrad's differentiable scipy.special.k0: the modified Bessel "
                              "function of the second kind of order 0; inf at 0, nan for "
                              "x < 0.")
k1: Primitive = primitive("k1", _real(_k1), public="scipy.special", jvp=ELEMENTWISE,
                          saves=INPUTS | ANSWER,       # d k1 = -(k0 + k1/x) dx
                          vjp=lambda g, ans, x: -g * (k0(x) + ans / x),
                          doc="ndgrad's differentiable scipy.special.k1: the modified Bessel "
                              "function of the second kind of order 1; inf at 0, nan for "
                              "x < 0.")


# -- the public functions with an order ------------------------------------------------------
def _constant_order(name, symbol, order):
    """Refuse an ndgrad array as the order: ndgrad defines no derivative in the order, and
    taking it as a constant would drop that gradient silently."""
    if isinstance(order, ndarray):
        raise TypeError(f"{name}: the order {symbol} is an ndgrad array, but ndgrad does not "
                        f"differentiate {name} in its order; pass a Python number "
                        f"({symbol}.item()) to differentiate in x only")


def _integer_order(name, n):
    """The order n of jn or yn as a Python int: one integer (2 or 2.0), at most _MAX_ORDER."""
    _constant_order(name, "n", n)
    order = numpy.asarray(n)
    if (order.ndim or order.dtype.kind not in "iuf"
            or not float(order).is_integer()):
        raise TypeError(f"{name}: the order n must be one integer, not {n!r} (ndgrad's {name} "
                        "takes integer orders only, differentiates in x, and takes no array of "
                        "orders)")
    if abs(float(order)) > _MAX_ORDER:
        raise ValueError(f"{name}: |n| = {abs(int(order))} is beyond the orders ndgrad computes "
                         f"(|n| <= {_MAX_ORDER}): its recurrences take about n steps")
    return int(order)


def _real_order(name, v):
    """The order v of iv or ive as a Python float: one finite real number of at most
    _MAX_REAL_ORDER in size."""
    _constant_order(name, "v", v)
    order = numpy.asarray(v)
    if order.ndim or order.dtype.kind not in "iuf" or not numpy.isfinite(order):
        raise TypeError(f"{name}: the order v must be one finite real number, not {v!r} "
                        f"(ndgrad's {name} differentiates in x and takes no array of orders)")
    if abs(float(order)) > _MAX_REAL_ORDER:
        raise ValueError(f"{name}: |v| = {abs(float(order))} is beyond the orders ndgrad "
                         f"computes (|v| <= {_MAX_REAL_ORDER:g}): its power series would take "
                         "about v^2/4 terms")
    return float(order)


@public(namespaces=("scipy.special",))
def jn(n, x):
    """ndgrad's differentiable scipy.special.jn: the Bessel function of the first kind of
    integer order n, J_n(x).

    Parameters
    ----------
    n : int
        The order, one integer (2.0 is accepted as 2); negative orders give
        J_(-n) = (-1)^n J_n. Unlike SciPy (where jn is jv), real orders and arrays of orders
        are refused.
    x : array_like
        Real arguments, differentiated: d J_n = (J_(n-1) - J_(n+1)) / 2 dx, to any order.
    """
    return jn_(x, n=_integer_order("jn", n))


@public(namespaces=("scipy.special",))
def yn(n, x):
    """ndgrad's differentiable scipy.special.yn: the Bessel function of the second kind of
    integer order n, Y_n(x): -inf at 0 and nan for x < 0, as SciPy.

    Parameters
    ----------
    n : int
        The order, one integer (2.0 is accepted as 2, but not 2.5, which SciPy truncates);
        negative orders give Y_(-n) = (-1)^n Y_n.
    x : array_like
        Real arguments, differentiated: d Y_n = (Y_(n-1) - Y_(n+1)) / 2 dx, to any order.
        float32 operands give float32 (SciPy's yn computes them in float64).
    """
    return yn_(x, n=_integer_order("yn", n))


@public(namespaces=("scipy.special",))
def iv(v, x):
    """ndgrad's differentiable scipy.special.iv: the modified Bessel function of the first
    kind of real order v, I_v(x).

    Parameters
    ----------
    v : float
        The order, one real number with |v| <= 1000 (no array of orders). For x < 0 only
        integer orders are real (I_n(-x) = (-1)^n I_n(x)); other orders give nan, as SciPy.
    x : array_like
        Real arguments, differentiated: d I_v = (I_(v-1) + I_(v+1)) / 2 dx, to any order.
        At x = 0 and a negative non-integer order, I_v is infinite with the sign of
        1/Gamma(v+1), its limit from the right (SciPy answers +inf).
    """
    return iv_(x, v=_real_order("iv", v))


@public(namespaces=("scipy.special",))
def ive(v, x):
    """ndgrad's differentiable scipy.special.ive: the exponentially scaled modified Bessel
    function I_v(x) exp(-|x|), finite where I_v overflows.

    Parameters
    ----------
    v : float
        The order, as for ``iv``.
    x : array_like
        Real arguments, differentiated:
        d ive = ((ive(v-1, x) + ive(v+1, x)) / 2 - sign(x) ive(v, x)) dx, to any order
        (at x = 0 the kink of exp(-|x|) takes the subgradient sign(0) = 0).
    """
    return ive_(x, v=_real_order("ive", v))
