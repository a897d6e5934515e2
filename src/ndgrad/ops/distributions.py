"""Probability distributions (ndgrad.scipy.stats): the densities, distribution functions and
their logarithms of SciPy's norm, t, beta, gamma, chi2, poisson, multivariate_normal and
dirichlet, with SciPy's argument names and defaults.

Every function is a composite of differentiable ops (log, gammaln, betaln, ndtr, log_ndtr,
gammainc, betainc, cholesky, solve, ...), so each is differentiable in every continuous
argument, to any order, in forward and reverse mode. Values follow SciPy: nan where a
parameter is invalid (a scale, df, a, b or mu out of range), the limits (0, -inf, 1) outside
the support. Bad entries are replaced by harmless ones before the arithmetic and the answer
put back after it (the "double where"), so they neither warn nor spread nan into the
gradients of the good ones. Differs from SciPy: float32 operands give float32 results
(SciPy computes and returns float64), as ndgrad.scipy.special does.
"""

from __future__ import annotations

import math

import numpy

from .._ndarray import holds_history, raw
from .._publish import public
from ..errors import NoDerivativeError
from .creation import asarray, eye
from .decompositions import cholesky, solve
from .elementwise import exp, log, log1p, where
from .joining import concatenate
from .reductions import sum as reduce_sum
from .shape import diagonal, reshape, squeeze, swapaxes
from .special import (
    betainc,
    betaln,
    gammainc,
    gammaincc,
    gammaln,
    log_ndtr,
    ndtr,
    ndtri,
    xlog1py,
    xlogy,
)

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_NAN = numpy.nan
_INF = numpy.inf


# -- shared plumbing ---------------------------------------------------------------------------
def _promoted(*values):
    """The operands as ndarrays of one float dtype: NumPy's promotion with Python numbers
    weak, float64 where all are integers or bools (as SciPy computes them)."""
    dtype = numpy.result_type(*(raw(v) if not isinstance(v, (list, tuple)) else numpy.asarray(v)
                                for v in values))
    if dtype.kind == "c":
        raise TypeError(f"scipy.stats: the distributions take real numbers, not {dtype}")
    dtype = dtype if dtype.kind == "f" else numpy.dtype(numpy.float64)
    return [asarray(v, dtype=dtype) for v in values]


def _values(x):
    """The NumPy data of an operand, for masks: constants to autograd."""
    return numpy.asarray(raw(x))


def _replace(mask, x, fill):
    """``x`` with ``fill`` where ``mask`` holds (nothing is recorded when the mask is empty)."""
    return where(mask, fill, x) if numpy.any(mask) else x


def _invalid(*conditions):
    """Where any parameter is out of its range: the negation of the ``conditions`` (arrays of
    bools, True where valid), broadcast together; nan fails every condition."""
    bad = numpy.zeros((), dtype=bool)
    for condition in conditions:
        bad = bad | ~condition
    return bad


def _safe_log(p):
    """log p, and -inf where p is 0 (without NumPy's warning and with gradient 0 there)."""
    zero = _values(p) <= 0
    return _replace(zero, log(_replace(zero, p, 1.0)), -_INF)


def _log_complement(r):
    """log(1 - r) by log1p, and -inf where r is 1."""
    one = _values(r) >= 1
    return _replace(one, log1p(-_replace(one, r, 0.0)), -_INF)


def _log_probability(p, complement):
    """log p for a probability p; where p > 1/2, log1p(-q) of its complement q = 1 - p,
    computed directly by ``complement()`` (only then), which keeps the digits of a small q
    that p has lost to rounding."""
    large = _values(p) > 0.5
    if not large.any():
        return _safe_log(p)
    q = complement()
    return where(large, log1p(-_replace(~large, q, 0.0)), _safe_log(_replace(large, p, 0.5)))


def _location_scale(x, loc, scale, *shapes):
    """The operands promoted, the invalid mask (scale <= 0 or a shape parameter <= 0) and
    the standardised z = (x - loc) / scale computed with a safe scale."""
    x, loc, scale, *shapes = _promoted(x, loc, scale, *shapes)
    bad = _invalid(_values(scale) > 0, *(_values(s) > 0 for s in shapes))
    scale = _replace(bad, scale, 1.0)
    shapes = [_replace(bad, s, 1.0) for s in shapes]
    return (x - loc) / scale, scale, shapes, bad


def _outside(z, mask, fill, inside_value):
    """``inside_value(z_safe)`` with ``fill`` where ``mask`` holds; there z is replaced by 0.5
    (inside every support here) before the arithmetic."""
    return _replace(mask, inside_value(_replace(mask, z, 0.5)), fill)


# -- the normal distribution -------------------------------------------------------------------
def _norm(x, loc, scale, kernel):
    z, scale, _, bad = _location_scale(x, loc, scale)
    return _replace(bad, kernel(z, scale), _NAN)


def _norm_logpdf(z, scale):
    return -0.5 * (z * z) - log(scale) - _LOG_SQRT_2PI


@public("logpdf", namespaces=("scipy.stats.norm",))
def norm_logpdf(x, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.logpdf: -z^2/2 - log(scale) - log(2 pi)/2 with
    z = (x - loc) / scale; nan where scale <= 0."""
    return _norm(x, loc, scale, _norm_logpdf)


@public("pdf", namespaces=("scipy.stats.norm",))
def norm_pdf(x, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.pdf: exp(norm.logpdf)."""
    return exp(norm_logpdf(x, loc, scale))


@public("cdf", namespaces=("scipy.stats.norm",))
def norm_cdf(x, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.cdf: ndtr((x - loc) / scale)."""
    return _norm(x, loc, scale, lambda z, s: ndtr(z))


@public("logcdf", namespaces=("scipy.stats.norm",))
def norm_logcdf(x, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.logcdf: log_ndtr((x - loc) / scale), finite
    far into the lower tail."""
    return _norm(x, loc, scale, lambda z, s: log_ndtr(z))


@public("sf", namespaces=("scipy.stats.norm",))
def norm_sf(x, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.sf: ndtr(-(x - loc) / scale)."""
    return _norm(x, loc, scale, lambda z, s: ndtr(-z))


@public("logsf", namespaces=("scipy.stats.norm",))
def norm_logsf(x, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.logsf: log_ndtr(-(x - loc) / scale)."""
    return _norm(x, loc, scale, lambda z, s: log_ndtr(-z))


@public("ppf", namespaces=("scipy.stats.norm",))
def norm_ppf(q, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.ppf: loc + scale * ndtri(q), the inverse of
    norm.cdf (-inf at 0, inf at 1, nan outside [0, 1] and where scale <= 0)."""
    q, loc, scale = _promoted(q, loc, scale)
    bad = _invalid(_values(scale) > 0, (_values(q) >= 0) & (_values(q) <= 1))
    q = _replace(bad, q, 0.5)
    return _replace(bad, loc + _replace(bad, scale, 1.0) * ndtri(q), _NAN)


@public("isf", namespaces=("scipy.stats.norm",))
def norm_isf(q, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.norm.isf: loc - scale * ndtri(q), the inverse of
    norm.sf."""
    q, loc, scale = _promoted(q, loc, scale)
    bad = _invalid(_values(scale) > 0, (_values(q) >= 0) & (_values(q) <= 1))
    q = _replace(bad, q, 0.5)
    return _replace(bad, loc - _replace(bad, scale, 1.0) * ndtri(q), _NAN)


# -- Student's t distribution ------------------------------------------------------------------
# The distribution function from the incomplete beta function: with x = df / (df + z^2), the
# tail beyond |z| is I_x(df/2, 1/2) / 2; near the centre (z^2 < min(df, 2), where the tail is
# above 0.08) the mass between 0 and z is I_(1-x)(1/2, df/2) / 2, which keeps its precision
# where x is close to 1 (the tail form would take 1 - x inside betainc). Both have a
# singular slope in their argument at z = 0 (times a zero slope of the argument), so within
# _T_CENTRE of 0 the odd Taylor polynomial 1/2 + pdf(0) (z - (df + 1) z^3 / (6 df)) stands in,
# exact to the rounding error there and in its first four derivatives.
_T_CENTRE = 1e-4


def _t_log_normaliser(df):
    return gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * log(df * math.pi)


def _t_logpdf(z, df):
    return _t_log_normaliser(df) - 0.5 * (df + 1) * log1p(z * z / df)


def _t_cdf(z, df, logarithm=False):
    """The distribution function at z, or its logarithm (log1p of the tail above 0)."""
    values, limits = _values(z), _values(df)
    centre = numpy.abs(values) < _T_CENTRE
    near = (values * values < numpy.minimum(limits, 2.0)) & ~centre
    far = ~near & ~centre
    result = None
    if near.any():
        zn = _replace(~near, z, 1.0)
        mass = 0.5 * betainc(0.5, 0.5 * df, zn * zn / (df + zn * zn))
        result = 0.5 + numpy.sign(values).astype(values.dtype) * mass
        result = log(result) if logarithm else result        # in [0.08, 0.92]
    if centre.any() or (result is None and not far.any()):
        zc = _replace(~centre, z, 0.0)
        branch = 0.5 + exp(_t_log_normaliser(df)) * (zc - (df + 1) / (6 * df) * (zc * zc * zc))
        branch = log(branch) if logarithm else branch
        result = branch if result is None else where(centre, branch, result)
    if far.any():
        zf = _replace(~far, z, 1.0)
        tail = 0.5 * betainc(0.5 * df, 0.5, df / (df + zf * zf))
        if logarithm:
            branch = where(values < 0, _safe_log(tail), log1p(-tail))
        else:
            branch = where(values < 0, tail, 1 - tail)
        result = branch if result is None else where(far, branch, result)
    return result


def _t(x, df, loc, scale, kernel, normal):
    """``kernel(z, df, scale)``, and the normal distribution's ``normal(z, scale)`` where df
    is infinite (its limit, as SciPy)."""
    z, scale, (df,), bad = _location_scale(x, loc, scale, df)
    infinite = numpy.isinf(_values(df)) & ~bad
    value = kernel(z, _replace(infinite, df, 1.0), scale)
    if infinite.any():
        value = where(infinite, normal(z, scale), value)
    return _replace(bad, value, _NAN)


@public("logpdf", namespaces=("scipy.stats.t",))
def t_logpdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.t.logpdf: log Gamma((df+1)/2) - log Gamma(df/2)
    - log(df pi)/2 - (df+1)/2 log(1 + z^2/df) - log(scale); nan where df or scale <= 0,
    the normal's where df is infinite (as every t method)."""
    return _t(x, df, loc, scale, lambda z, df, s: _t_logpdf(z, df) - log(s), _norm_logpdf)


@public("pdf", namespaces=("scipy.stats.t",))
def t_pdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.t.pdf: exp(t.logpdf)."""
    return exp(t_logpdf(x, df, loc, scale))


@public("cdf", namespaces=("scipy.stats.t",))
def t_cdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.t.cdf, from the regularised incomplete beta
    function (differentiable in df too, through betainc's parameter derivatives)."""
    return _t(x, df, loc, scale, lambda z, df, s: _t_cdf(z, df), lambda z, s: ndtr(z))


@public("sf", namespaces=("scipy.stats.t",))
def t_sf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.t.sf: t.cdf at -z (the distribution is symmetric)."""
    return _t(x, df, loc, scale, lambda z, df, s: _t_cdf(-z, df), lambda z, s: ndtr(-z))


@public("logcdf", namespaces=("scipy.stats.t",))
def t_logcdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.t.logcdf: log of t.cdf."""
    return _t(x, df, loc, scale, lambda z, df, s: _t_cdf(z, df, logarithm=True),
              lambda z, s: log_ndtr(z))


@public("logsf", namespaces=("scipy.stats.t",))
def t_logsf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.t.logsf: log of t.sf."""
    return _t(x, df, loc, scale, lambda z, df, s: _t_cdf(-z, df, logarithm=True),
              lambda z, s: log_ndtr(-z))


# -- the gamma and chi-squared distributions ---------------------------------------------------
def _gamma(x, a, loc, scale, kernel):
    z, scale, (a,), bad = _location_scale(x, loc, scale, a)
    return _replace(bad, kernel(z, a, scale), _NAN)


def _gamma_logpdf(z, a, scale):
    return _outside(z, _values(z) < 0, -_INF,
                    lambda z: xlogy(a - 1, z) - z - gammaln(a) - log(scale))


def _gamma_cdf(z, a, upper, logarithm):
    regularised = gammaincc if upper else gammainc
    below = (0.0 if logarithm else 1.0) if upper else (-_INF if logarithm else 0.0)

    def inside(z):
        p = regularised(a, z)
        if not logarithm:
            return p
        return _log_probability(p, lambda: (gammainc if upper else gammaincc)(a, z))
    return _outside(z, _values(z) < 0, below, inside)


@public("logpdf", namespaces=("scipy.stats.gamma",))
def gamma_logpdf(x, a, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.gamma.logpdf: (a-1) log z - z - log Gamma(a)
    - log(scale) for z = (x - loc) / scale >= 0, -inf below; nan where a or scale <= 0."""
    return _gamma(x, a, loc, scale, _gamma_logpdf)


@public("pdf", namespaces=("scipy.stats.gamma",))
def gamma_pdf(x, a, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.gamma.pdf: exp(gamma.logpdf)."""
    return exp(gamma_logpdf(x, a, loc, scale))


@public("cdf", namespaces=("scipy.stats.gamma",))
def gamma_cdf(x, a, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.gamma.cdf: gammainc(a, z), differentiable in a
    through gammainc's parameter derivatives."""
    return _gamma(x, a, loc, scale, lambda z, a, s: _gamma_cdf(z, a, False, False))


@public("logcdf", namespaces=("scipy.stats.gamma",))
def gamma_logcdf(x, a, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.gamma.logcdf: log gammainc(a, z)."""
    return _gamma(x, a, loc, scale, lambda z, a, s: _gamma_cdf(z, a, False, True))


@public("sf", namespaces=("scipy.stats.gamma",))
def gamma_sf(x, a, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.gamma.sf: gammaincc(a, z), computed directly."""
    return _gamma(x, a, loc, scale, lambda z, a, s: _gamma_cdf(z, a, True, False))


@public("logsf", namespaces=("scipy.stats.gamma",))
def gamma_logsf(x, a, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.gamma.logsf: log gammaincc(a, z)."""
    return _gamma(x, a, loc, scale, lambda z, a, s: _gamma_cdf(z, a, True, True))


def _chi2(x, df, loc, scale, kernel):
    """chi2(df) is gamma(a = df/2, scale = 2)."""
    x, df, loc, scale = _promoted(x, df, loc, scale)
    return kernel(x, 0.5 * df, loc, 2 * scale)


@public("logpdf", namespaces=("scipy.stats.chi2",))
def chi2_logpdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.chi2.logpdf: gamma.logpdf with a = df/2 and twice
    the scale."""
    return _chi2(x, df, loc, scale, gamma_logpdf)


@public("pdf", namespaces=("scipy.stats.chi2",))
def chi2_pdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.chi2.pdf: exp(chi2.logpdf)."""
    return _chi2(x, df, loc, scale, gamma_pdf)


@public("cdf", namespaces=("scipy.stats.chi2",))
def chi2_cdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.chi2.cdf: gammainc(df/2, z/2)."""
    return _chi2(x, df, loc, scale, gamma_cdf)


@public("logcdf", namespaces=("scipy.stats.chi2",))
def chi2_logcdf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.chi2.logcdf: log gammainc(df/2, z/2)."""
    return _chi2(x, df, loc, scale, gamma_logcdf)


@public("sf", namespaces=("scipy.stats.chi2",))
def chi2_sf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.chi2.sf: gammaincc(df/2, z/2)."""
    return _chi2(x, df, loc, scale, gamma_sf)


@public("logsf", namespaces=("scipy.stats.chi2",))
def chi2_logsf(x, df, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.chi2.logsf: log gammaincc(df/2, z/2)."""
    return _chi2(x, df, loc, scale, gamma_logsf)


# -- the beta distribution ---------------------------------------------------------------------
def _beta(x, a, b, loc, scale, kernel):
    z, scale, (a, b), bad = _location_scale(x, loc, scale, a, b)
    values = _values(z)
    return _replace(bad, kernel(z, a, b, scale, values < 0, values > 1), _NAN)


def _beta_logpdf(z, a, b, scale, below, above):
    return _outside(z, below | above, -_INF,
                    lambda z: xlogy(a - 1, z) + xlog1py(b - 1, -z) - betaln(a, b) - log(scale))


def _beta_cdf(upper, logarithm):
    """I_z(a, b), or the upper tail as I_(1-z)(b, a) (exact, no 1 - I cancellation), or
    their logarithms."""
    def kernel(z, a, b, scale, below, above):
        def inside(z):
            if not logarithm:
                return betainc(b, a, 1 - z) if upper else betainc(a, b, z)
            # one betainc for the tail on z's side of the mean, and the other's logarithm
            # from log1p of it: each tail keeps its digits
            swap = _values(z) > _values(a) / (_values(a) + _values(b))
            r = betainc(where(swap, b, a), where(swap, a, b), where(swap, 1 - z, z))
            small, large = _safe_log(r), _log_complement(r)
            return where(swap, small, large) if upper else where(swap, large, small)

        low, high = (1.0, 0.0) if upper else (0.0, 1.0)
        if logarithm:
            low, high = math.log(low) if low else -_INF, math.log(high) if high else -_INF
        return _replace(above, _outside(z, below | above, low, inside), high)
    return kernel


@public("logpdf", namespaces=("scipy.stats.beta",))
def beta_logpdf(x, a, b, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.beta.logpdf: (a-1) log z + (b-1) log(1-z)
    - log B(a, b) - log(scale) for z = (x - loc) / scale in [0, 1], -inf outside; nan where
    a, b or scale <= 0."""
    return _beta(x, a, b, loc, scale, _beta_logpdf)


@public("pdf", namespaces=("scipy.stats.beta",))
def beta_pdf(x, a, b, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.beta.pdf: exp(beta.logpdf)."""
    return exp(beta_logpdf(x, a, b, loc, scale))


@public("cdf", namespaces=("scipy.stats.beta",))
def beta_cdf(x, a, b, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.beta.cdf: betainc(a, b, z), differentiable in a and
    b through betainc's parameter derivatives."""
    return _beta(x, a, b, loc, scale, _beta_cdf(upper=False, logarithm=False))


@public("logcdf", namespaces=("scipy.stats.beta",))
def beta_logcdf(x, a, b, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.beta.logcdf: log betainc(a, b, z)."""
    return _beta(x, a, b, loc, scale, _beta_cdf(upper=False, logarithm=True))


@public("sf", namespaces=("scipy.stats.beta",))
def beta_sf(x, a, b, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.beta.sf: betainc(b, a, 1 - z)."""
    return _beta(x, a, b, loc, scale, _beta_cdf(upper=True, logarithm=False))


@public("logsf", namespaces=("scipy.stats.beta",))
def beta_logsf(x, a, b, loc=0.0, scale=1.0):
    """ndgrad's differentiable scipy.stats.beta.logsf: log betainc(b, a, 1 - z)."""
    return _beta(x, a, b, loc, scale, _beta_cdf(upper=True, logarithm=True))


# -- the Poisson distribution ------------------------------------------------------------------
def _poisson(k, mu, loc, kernel):
    """``kernel(k, mu)`` with k - loc a constant (a count has no derivative), and nan where
    mu < 0 or k is nan."""
    if holds_history([k]) or holds_history([loc]):
        raise NoDerivativeError("poisson: k and loc are counts, with no derivative; pass "
                                "them as constants (k.detach()), and differentiate in mu")
    (mu,) = _promoted(mu)          # the counts' dtype does not widen mu's
    counts = _values(k) - _values(loc)
    bad = _invalid(_values(mu) >= 0, ~numpy.isnan(counts))
    k = asarray(numpy.where(numpy.isnan(counts), 0, counts), dtype=mu.dtype)
    return _replace(bad, kernel(k, _replace(bad, mu, 1.0)), _NAN)


def _poisson_logpmf(k, mu):
    counts = _values(k)
    off = (counts < 0) | (counts != numpy.floor(counts))
    return _replace(off, xlogy(_replace(off, k, 0.0), mu) - gammaln(_replace(off, k, 0.0) + 1)
                    - mu, -_INF)


def _poisson_cdf(upper, logarithm):
    """P(K <= k) = Q(floor(k) + 1, mu), or P(K > k) = P(floor(k) + 1, mu); 0 (1) below 0."""
    def kernel(k, mu):
        counts = _values(k)
        below = counts < 0
        shape = asarray(numpy.floor(numpy.where(below, 0, counts)) + 1, dtype=k.dtype)
        p = (gammainc if upper else gammaincc)(shape, mu)
        if logarithm:
            p = _log_probability(p, lambda: (gammaincc if upper else gammainc)(shape, mu))
        fill = float(upper)
        return _replace(below, p, (0.0 if fill else -_INF) if logarithm else fill)
    return kernel


@public("logpmf", namespaces=("scipy.stats.poisson",))
def poisson_logpmf(k, mu, loc=0):
    """ndgrad's differentiable scipy.stats.poisson.logpmf: k log mu - log k! - mu at the
    counts k - loc = 0, 1, 2, ..., -inf elsewhere; nan where mu < 0. Differentiable in mu
    (k and loc are constants)."""
    return _poisson(k, mu, loc, _poisson_logpmf)


@public("pmf", namespaces=("scipy.stats.poisson",))
def poisson_pmf(k, mu, loc=0):
    """ndgrad's differentiable scipy.stats.poisson.pmf: exp(poisson.logpmf)."""
    return exp(poisson_logpmf(k, mu, loc))


@public("cdf", namespaces=("scipy.stats.poisson",))
def poisson_cdf(k, mu, loc=0):
    """ndgrad's differentiable scipy.stats.poisson.cdf: gammaincc(floor(k) + 1, mu)."""
    return _poisson(k, mu, loc, _poisson_cdf(upper=False, logarithm=False))


@public("logcdf", namespaces=("scipy.stats.poisson",))
def poisson_logcdf(k, mu, loc=0):
    """ndgrad's differentiable scipy.stats.poisson.logcdf: log poisson.cdf."""
    return _poisson(k, mu, loc, _poisson_cdf(upper=False, logarithm=True))


@public("sf", namespaces=("scipy.stats.poisson",))
def poisson_sf(k, mu, loc=0):
    """ndgrad's differentiable scipy.stats.poisson.sf: gammainc(floor(k) + 1, mu)."""
    return _poisson(k, mu, loc, _poisson_cdf(upper=True, logarithm=False))


@public("logsf", namespaces=("scipy.stats.poisson",))
def poisson_logsf(k, mu, loc=0):
    """ndgrad's differentiable scipy.stats.poisson.logsf: log poisson.sf."""
    return _poisson(k, mu, loc, _poisson_cdf(upper=True, logarithm=True))


# -- the multivariate normal distribution ------------------------------------------------------
def _mvn_parameters(mean, cov, allow_singular):
    """mean and cov (promoted ndarrays) as SciPy reads them (a scalar cov is cov * I, a
    vector the diagonal), the dimension, and the Cholesky factor of (cov + cov.T) / 2."""
    if mean.ndim > 1 or cov.ndim > 2:
        raise ValueError(f"multivariate_normal takes a mean vector and a cov matrix, not "
                         f"shapes {mean.shape} and {cov.shape}")
    dim = mean.shape[0] if mean.ndim == 1 else (cov.shape[0] if cov.ndim else 1)
    if cov.ndim < 2:
        cov = eye(dim, dtype=cov.dtype) * cov
    if cov.shape != (dim, dim) or (mean.ndim == 1 and mean.shape != (dim,)):
        raise ValueError(f"multivariate_normal: mean of shape {mean.shape} and cov of shape "
                         f"{cov.shape} do not fit; give mean (n,) and cov (n, n)")
    try:
        # cov read as (cov + cov.T) / 2: SciPy's value for the symmetric cov a distribution
        # has, and a symmetric gradient
        factor = cholesky(0.5 * (cov + swapaxes(cov, -1, -2)))
    except numpy.linalg.LinAlgError:
        what = ("a singular cov (allow_singular=True) is not supported by ndgrad"
                if allow_singular else "with allow_singular=False, cov must be symmetric "
                "positive definite")
        raise numpy.linalg.LinAlgError(f"multivariate_normal: {what}; the Cholesky "
                                       f"factorisation of cov failed") from None
    return mean, factor, dim


def _mvn_log_determinant(factor):
    return 2 * reduce_sum(log(diagonal(factor, axis1=-2, axis2=-1)), axis=-1)


@public("logpdf", namespaces=("scipy.stats.multivariate_normal",))
def multivariate_normal_logpdf(x, mean=None, cov=1, allow_singular=False):
    """ndgrad's differentiable scipy.stats.multivariate_normal.logpdf: -(n log(2 pi) +
    log det cov + (x - mean)^T cov^-1 (x - mean)) / 2, by a Cholesky factorisation; the last
    axis of x holds the components (a 1-D x of dimension 1 is a list of points, as SciPy),
    and the result is squeezed as SciPy squeezes it. Differentiable in x, mean and cov; cov
    is read as (cov + cov.T) / 2 (SciPy reads its lower triangle: the same for a symmetric
    cov), so its gradient is symmetric. Differs from SciPy: allow_singular=True is accepted,
    but a singular cov raises LinAlgError."""
    x, mean, cov = _promoted(x, 0.0 if mean is None else mean, cov)
    mean, factor, dim = _mvn_parameters(mean, cov, allow_singular)
    if x.ndim == 0 or (x.ndim == 1 and dim == 1):
        x = reshape(x, (-1, 1))
    if x.shape[-1] != dim:
        raise ValueError(f"multivariate_normal: x has {x.shape[-1]} components in its last "
                         f"axis (shape {x.shape}), the distribution {dim}")
    batch = x.shape[:-1]
    deviations = reshape(x - mean, (-1, dim))
    whitened = solve(factor, swapaxes(deviations, 0, 1))
    distances = reshape(reduce_sum(whitened * whitened, axis=0), batch)
    result = -0.5 * (dim * math.log(2 * math.pi) + _mvn_log_determinant(factor) + distances)
    return squeeze(result)


@public("pdf", namespaces=("scipy.stats.multivariate_normal",))
def multivariate_normal_pdf(x, mean=None, cov=1, allow_singular=False):
    """ndgrad's differentiable scipy.stats.multivariate_normal.pdf: exp(logpdf)."""
    return exp(multivariate_normal_logpdf(x, mean, cov, allow_singular))


@public("entropy", namespaces=("scipy.stats.multivariate_normal",))
def multivariate_normal_entropy(mean=None, cov=1):
    """ndgrad's differentiable scipy.stats.multivariate_normal.entropy: (n (1 + log(2 pi)) +
    log det cov) / 2, differentiable in cov (it does not depend on the mean)."""
    _, factor, dim = _mvn_parameters(*_promoted(0.0 if mean is None else mean, cov), False)
    return 0.5 * (dim * (1 + math.log(2 * math.pi)) + _mvn_log_determinant(factor))


# -- the Dirichlet distribution ----------------------------------------------------------------
def _dirichlet_points(x, alpha):
    """x with its components along axis 0, completed to alpha's length k (a last component
    1 - sum) when it has k - 1, checked as SciPy checks it."""
    x, alpha = _promoted(x, alpha)
    values = _values(alpha)
    if values.ndim != 1 or not numpy.all(values > 0):
        raise ValueError(f"dirichlet: alpha must be a vector of positive numbers, not shape "
                         f"{values.shape} with smallest entry {numpy.min(values, initial=_INF)}")
    k = values.shape[0]
    if x.ndim == 0 or x.shape[0] not in (k, k - 1):
        raise ValueError(f"dirichlet: x must have {k} or {k - 1} components along its first "
                         f"axis (alpha has {k}), not shape {x.shape}")
    if x.shape[0] == k - 1:
        rest = 1 - reduce_sum(x, axis=0, keepdims=True)
        x = rest if k == 1 else _stack_first(x, rest)
    points = _values(x)
    tolerance = max(1e-9, 10 * k * float(numpy.finfo(points.dtype).eps))
    if numpy.any(points < 0) or numpy.any(points > 1):
        raise ValueError("dirichlet: each entry of x must lie in [0, 1]")
    small = (values < 1).reshape((k,) + (1,) * (points.ndim - 1))
    if numpy.any((points == 0) & small):
        raise ValueError("dirichlet: each entry of x must be greater than 0 where its alpha "
                         "is less than 1 (the density is infinite there)")
    sums = numpy.sum(points, axis=0)
    if numpy.any(numpy.abs(sums - 1) > tolerance):
        raise ValueError(f"dirichlet: x must lie on the simplex (sum to 1 along axis 0) but "
                         f"its sums are {sums}")
    return x, reshape(alpha, (k,) + (1,) * (x.ndim - 1)), alpha


def _stack_first(x, rest):
    """x and one more component below it (axis 0)."""
    return concatenate([x, rest], axis=0)


@public("logpdf", namespaces=("scipy.stats.dirichlet",))
def dirichlet_logpdf(x, alpha):
    """ndgrad's differentiable scipy.stats.dirichlet.logpdf: sum_i (alpha_i - 1) log x_i
    + log Gamma(sum alpha) - sum log Gamma(alpha_i), the components along x's first axis
    (the result squeezed, as SciPy's); x with one component fewer than alpha is completed
    by 1 - sum. Differentiable in x and
    alpha (the gradient in a full x is the unconstrained one, as HIPS autograd's)."""
    x, column, alpha = _dirichlet_points(x, alpha)
    normaliser = reduce_sum(gammaln(alpha)) - gammaln(reduce_sum(alpha))
    return squeeze(reduce_sum(xlogy(column - 1, x), axis=0) - normaliser)   # as SciPy squeezes


@public("pdf", namespaces=("scipy.stats.dirichlet",))
def dirichlet_pdf(x, alpha):
    """ndgrad's differentiable scipy.stats.dirichlet.pdf: exp(dirichlet.logpdf)."""
    return exp(dirichlet_logpdf(x, alpha))
