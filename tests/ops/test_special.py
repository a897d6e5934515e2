"""ndgrad.scipy.special beyond the op table: accuracy against the standard library (and
mpmath where installed), identities, special values, stability at extreme arguments, and
bad inputs."""

import math

import numpy
import pytest

from ndgrad import autograd, np
from ndgrad.scipy import special
from ndgrad.testing import check_grads

EULER_GAMMA = 0.5772156649015329
ZETA_3 = 1.2020569031595942


def f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def values(function, x, *args):
    return function(*args, f64(x)).asnumpy()


def relative_error(actual, expected):
    actual, expected = numpy.asarray(actual), numpy.asarray(expected)
    same = actual == expected                      # equal infinities and zeros
    with numpy.errstate(invalid="ignore", divide="ignore"):
        return numpy.where(same, 0, numpy.abs(actual - expected) / numpy.abs(expected))


def elementwise(scalar_fn, x):
    return numpy.array([scalar_fn(v) for v in x])


# -- erf, erfc, erfinv -----------------------------------------------------------------------
ERF_POINTS = numpy.concatenate([numpy.linspace(-8, 8, 4001), numpy.geomspace(1e-300, 1, 300),
                                numpy.linspace(5.8, 6.2, 401)])


def test_erf_matches_the_standard_library_to_double_precision():
    error = relative_error(values(special.erf, ERF_POINTS), elementwise(math.erf, ERF_POINTS))
    assert error.max() < 1e-15


def test_erfc_keeps_its_relative_precision_deep_in_the_tail():
    x = numpy.concatenate([ERF_POINTS, numpy.linspace(8, 27, 500)])
    expected = elementwise(math.erfc, x)
    assert expected.min() < 1e-300                 # no cancellation against 1 down there
    assert relative_error(values(special.erfc, x), expected).max() < 2e-15


def test_erf_is_odd_and_erfc_its_complement_exactly():
    x = numpy.linspace(0, 7, 701)
    numpy.testing.assert_array_equal(values(special.erf, -x), -values(special.erf, x))
    numpy.testing.assert_allclose(values(special.erfc, x) + values(special.erfc, -x), 2,
                                  rtol=0, atol=4e-16)


def test_erf_special_values():
    x = [0.0, -0.0, numpy.inf, -numpy.inf, numpy.nan]
    numpy.testing.assert_array_equal(values(special.erf, x), [0, -0.0, 1, -1, numpy.nan])
    numpy.testing.assert_array_equal(values(special.erfc, x), [1, 1, 0, 2, numpy.nan])
    assert numpy.signbit(values(special.erf, [-0.0])[0])


def test_erfinv_inverts_erf_over_the_whole_range():
    x = numpy.linspace(-3, 3, 601)   # erf's rounding, amplified by 1/erf'(x), stays small
    numpy.testing.assert_allclose(values(special.erfinv, values(special.erf, x)), x,
                                  rtol=1e-12, atol=1e-300)
    y = numpy.concatenate([numpy.linspace(-0.999, 0.999, 1999), numpy.geomspace(1e-300, 0.5, 50)])
    numpy.testing.assert_allclose(values(special.erf, values(special.erfinv, y)), y,
                                  rtol=2e-15, atol=0)


def test_erfinv_close_to_one_uses_the_tail_accurately():
    q = numpy.geomspace(2e-16, 1e-3, 40)         # erfinv(1 - q) from erfc(x) = q
    x = values(special.erfinv, 1 - q)
    numpy.testing.assert_allclose(elementwise(math.erfc, x), 1 - (1 - q), rtol=1e-13)


def test_erfinv_special_values():
    result = values(special.erfinv, [1.0, -1.0, 0.0, 1.5, -2.0, numpy.nan])
    numpy.testing.assert_array_equal(result, [numpy.inf, -numpy.inf, 0, numpy.nan, numpy.nan,
                                              numpy.nan])


# -- gammaln, digamma, polygamma -------------------------------------------------------------
def test_gammaln_matches_the_standard_library_away_from_its_roots():
    # math.lgamma itself loses relative precision near the roots 1 and 2 (see below for those)
    x = numpy.concatenate([numpy.geomspace(1e-300, 0.6, 100), numpy.linspace(2.6, 200, 2000),
                           [1e5, 1e10, 1e100], numpy.linspace(-20.5, -0.1, 300)])
    x = x[numpy.abs(x - numpy.round(x)) > 1e-3]
    x = x[(x > -2.3) | (numpy.abs(x + 2.6) > 0.2)]   # lgamma has roots near -2.46, -2.75
    assert relative_error(values(special.gammaln, x), elementwise(math.lgamma, x)).max() < 1e-14


def test_gammaln_at_integers_is_the_log_factorial():
    n = numpy.arange(1, 171)
    expected = [math.log(math.factorial(k - 1)) if k > 2 else 0.0 for k in n]
    numpy.testing.assert_allclose(values(special.gammaln, n), expected, rtol=1e-15, atol=0)


def test_gammaln_is_accurate_near_its_roots_1_and_2():
    for root in (1.0, 2.0):
        x = root + numpy.array([1e-12, -1e-9, 1e-6, -1e-4])
        t = x - root                               # exact
        # log Gamma(root + t) = psi(root) t + trigamma(root) t^2 / 2 + O(t^3)
        slope = -EULER_GAMMA if root == 1 else 1 - EULER_GAMMA
        curvature = math.pi ** 2 / 6 - (root - 1)
        numpy.testing.assert_allclose(values(special.gammaln, x), slope * t + curvature * t * t / 2,
                                      rtol=1e-8)


def test_gammaln_poles_and_infinities():
    result = values(special.gammaln, [0.0, -1.0, -7.0, numpy.inf, -numpy.inf, numpy.nan])
    # -inf at -inf, as SciPy: |Gamma| falls to 0 between its poles there
    numpy.testing.assert_array_equal(result, [numpy.inf] * 4 + [-numpy.inf, numpy.nan])


def test_digamma_identities():
    assert values(special.digamma, [1.0])[0] == pytest.approx(-EULER_GAMMA, rel=1e-15)
    assert values(special.digamma, [0.5])[0] == pytest.approx(-EULER_GAMMA - 2 * math.log(2),
                                                              rel=1e-15)
    x = numpy.concatenate([numpy.linspace(0.05, 30, 600), numpy.linspace(-6.9, -0.1, 69)])
    x = x[numpy.abs(x - numpy.round(x)) > 0.05]
    numpy.testing.assert_allclose(values(special.digamma, x + 1),
                                  values(special.digamma, x) + 1 / x, rtol=1e-13, atol=1e-14)
    # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
    numpy.testing.assert_allclose(values(special.digamma, 1 - x) - values(special.digamma, x),
                                  math.pi / numpy.tan(math.pi * x), rtol=1e-12, atol=1e-12)


def test_digamma_keeps_relative_precision_at_its_positive_root():
    root, below_double = 1.4616321449683623, 9.549995429965697e-17   # root = their sum
    x = root + numpy.array([1e-10, -1e-8, 3e-6, -1e-5])
    t = (x - root) - below_double
    slope, curvature = (values(special.polygamma, [root], n)[0] for n in (1, 2))
    numpy.testing.assert_allclose(values(special.digamma, x), slope * t + curvature * t * t / 2,
                                  rtol=1e-9)
    assert abs(values(special.digamma, [root])[0]) < 1e-16


def test_digamma_poles():
    result = values(special.digamma, [0.0, -1.0, -3.0, numpy.nan, numpy.inf])
    numpy.testing.assert_array_equal(result, [-numpy.inf, numpy.nan, numpy.nan, numpy.nan,
                                              numpy.inf])


def test_polygamma_known_values_and_recurrence():
    assert values(special.polygamma, [1.0], 1)[0] == pytest.approx(math.pi ** 2 / 6, rel=1e-15)
    assert values(special.polygamma, [1.0], 2)[0] == pytest.approx(-2 * ZETA_3, rel=1e-15)
    assert values(special.polygamma, [0.5], 1)[0] == pytest.approx(math.pi ** 2 / 2, rel=1e-15)
    x = numpy.linspace(1.0, 25, 200)
    for n in range(5):
        step = (-1) ** n * math.factorial(n) / x ** (n + 1)
        numpy.testing.assert_allclose(values(special.polygamma, x + 1, n),
                                      values(special.polygamma, x, n) + step, rtol=1e-13,
                                      atol=1e-15)
    numpy.testing.assert_array_equal(values(special.polygamma, x, 0),
                                     values(special.digamma, x))


def test_polygamma_needs_one_non_negative_integer_order():
    x = f64([1.0])
    with pytest.raises(TypeError, match="one integer"):
        special.polygamma(1.5, x)
    with pytest.raises(TypeError, match="one integer"):
        special.polygamma([1, 2], x)
    with pytest.raises(ValueError, match=">= 0"):
        special.polygamma(-1, x)


def test_psi_is_digamma():
    assert special.psi is special.digamma


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "gammaln", "digamma"])
def test_against_mpmath(name):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    reference = {"erf": mpmath.erf, "erfc": mpmath.erfc, "erfinv": mpmath.erfinv,
                 "gammaln": lambda v: mpmath.loggamma(v).real, "digamma": mpmath.digamma}[name]
    rng = numpy.random.default_rng(7)
    if name == "erfinv":
        x = numpy.concatenate([rng.uniform(-1, 1, 300), 1 - numpy.geomspace(1e-16, 0.1, 30)])
    else:
        x = numpy.concatenate([rng.uniform(0.01, 12, 300), rng.uniform(-6, 6, 100),
                               numpy.geomspace(1e-8, 1e4, 30)])
        if name in ("gammaln", "digamma"):   # away from the poles and the negative roots
            x = x[(x > 0) | ((numpy.abs(x - numpy.round(x)) > 0.1)
                             & (numpy.abs(x - numpy.round(x)) < 0.4))]
    expected = numpy.array([float(reference(v)) for v in x])
    assert relative_error(values(getattr(special, name), x), expected).max() < 1e-14


# -- derivatives beyond the first ------------------------------------------------------------
def derivatives(function, x, order):
    """The first ``order`` derivatives of an elementwise function at x."""
    x = f64(x)
    x.attach_grad()
    results = []
    with autograd.record():
        value = function(x)
        for _ in range(order):
            (value,) = autograd.grad(value, [x], create_graph=True)
            results.append(value)
    return [r.asnumpy() for r in results]


def test_derivatives_of_gammaln_are_the_polygamma_functions():
    x = numpy.array([0.3, 1.0, 2.5, 7.0, -1.5])
    first, second, third = derivatives(special.gammaln, x, 3)
    numpy.testing.assert_allclose(first, values(special.digamma, x), rtol=1e-15)
    numpy.testing.assert_allclose(second, values(special.polygamma, x, 1), rtol=1e-15)
    numpy.testing.assert_allclose(third, values(special.polygamma, x, 2), rtol=1e-15)


def test_derivatives_of_erf_and_erfinv():
    x = numpy.array([-1.5, 0.0, 0.3, 2.0])
    first, second = derivatives(special.erf, x, 2)
    numpy.testing.assert_allclose(first, 2 / math.sqrt(math.pi) * numpy.exp(-x * x))
    numpy.testing.assert_allclose(second, -2 * x * first)
    y = numpy.array([-0.8, 0.0, 0.5])
    inverse = values(special.erfinv, y)
    first, second = derivatives(special.erfinv, y, 2)
    numpy.testing.assert_allclose(first, math.sqrt(math.pi) / 2 * numpy.exp(inverse ** 2))
    numpy.testing.assert_allclose(second, 2 * inverse * first ** 2)


# -- logistic, xlogy, logsumexp, softmax: stability ------------------------------------------
def test_expit_and_logit_at_extreme_arguments():
    with numpy.errstate(over="raise", invalid="raise"):
        numpy.testing.assert_array_equal(values(special.expit, [-1000.0, 1000.0]), [0, 1])
    x = numpy.linspace(-30, 15, 46)     # beyond 15, 1 - expit(x) keeps too few digits
    numpy.testing.assert_allclose(values(special.logit, values(special.expit, x)), x,
                                  rtol=1e-9)
    numpy.testing.assert_array_equal(values(special.logit, [0.0, 0.5, 1.0]),
                                     [-numpy.inf, 0, numpy.inf])
    assert values(special.logit, [1e-300])[0] == pytest.approx(math.log(1e-300))


def test_logsumexp_does_not_overflow_or_underflow():
    for shift in (1000.0, -1000.0):
        result = special.logsumexp(f64([shift, shift]))
        assert result.item() == pytest.approx(shift + math.log(2), rel=1e-15)
    assert special.logsumexp(f64([-numpy.inf, -numpy.inf])).item() == -numpy.inf
    assert special.logsumexp(f64([numpy.inf, 1.0])).item() == numpy.inf
    assert special.logsumexp(f64(numpy.zeros((0, 3))), axis=0).shape == (3,)


def test_logsumexp_weights_and_sign():
    a, b = f64([1000.0, 1000.0, 0.0]), f64([1.0, -3.0, 2.0])
    value, sign = special.logsumexp(a, b=b, return_sign=True)
    assert sign.item() == -1.0
    assert value.item() == pytest.approx(1000 + math.log(2), rel=1e-15)
    with numpy.errstate(invalid="ignore"):
        assert numpy.isnan(special.logsumexp(a, b=b).item())


def test_logsumexp_broadcasts_the_weights_as_scipy():
    a, b = f64([0.0, 1.0, 2.0]), f64([[1.0], [2.0]])
    expected = numpy.log(numpy.sum(b.asnumpy() * numpy.exp(a.asnumpy()), axis=-1))
    numpy.testing.assert_allclose(special.logsumexp(a, axis=-1, b=b).asnumpy(), expected)


def test_logsumexp_gradient_is_the_softmax_even_at_large_values():
    a = f64([1000.0, 1001.0, 999.0])
    a.attach_grad()
    with autograd.record():
        result = special.logsumexp(a)
    result.backward()
    numpy.testing.assert_allclose(a.grad.asnumpy(), values(special.softmax, [0.0, 1.0, -1.0]),
                                  rtol=1e-15)


def test_softmax_defaults_to_all_axes_as_scipy():
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    assert special.softmax(x).asnumpy().sum() == pytest.approx(1.0)
    numpy.testing.assert_allclose(special.softmax(x, axis=1).asnumpy().sum(axis=1), [1, 1])
    numpy.testing.assert_allclose(special.log_softmax(x).asnumpy(),
                                  numpy.log(special.softmax(x).asnumpy()))


def test_xlogy_is_zero_at_x_zero_and_so_is_its_gradient_in_y():
    x, y = f64([0.0, 0.0, 0.0, 2.0]), f64([0.0, 3.0, numpy.nan, 3.0])
    numpy.testing.assert_array_equal(special.xlogy(x, y).asnumpy(),
                                     [0, 0, numpy.nan, 2 * math.log(3)])
    x, y = f64([0.0, 0.0, 2.0]), f64([0.0, 3.0, 4.0])
    y.attach_grad()
    with autograd.record():
        total = special.xlogy(x, y).sum()
    total.backward()
    numpy.testing.assert_array_equal(y.grad.asnumpy(), [0, 0, 0.5])


# -- dtypes and bad inputs -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "gammaln", "digamma", "logit"])
def test_float_dtypes_are_kept_and_integers_give_float64(name):
    function = getattr(special, name)
    for dtype in ("float16", "float32", "float64"):
        assert function(np.array(numpy.array([0.25], dtype=dtype))).dtype == dtype
    assert function(np.array(numpy.array([1, 2]))).dtype == numpy.float64


def test_float32_results_are_the_rounded_float64_ones():
    x = numpy.linspace(-3, 3, 101).astype(numpy.float32)
    expected = values(special.erf, x.astype(numpy.float64)).astype(numpy.float32)
    numpy.testing.assert_array_equal(special.erf(np.array(x)).asnumpy(), expected)


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match="real numbers"):
        special.erf(np.array(numpy.array([1 + 1j])))


def test_size_zero_and_non_contiguous_operands():
    assert special.gammaln(f64(numpy.zeros((0, 2)))).shape == (0, 2)
    x = numpy.linspace(0.5, 4, 12).reshape(3, 4)[:, ::2]
    numpy.testing.assert_allclose(values(special.gammaln, x), elementwise(math.lgamma,
                                                                          x.ravel()).reshape(3, 2))


# -- against SciPy over wide ranges ----------------------------------------------------------
@pytest.fixture
def scipy_special():
    return pytest.importorskip("scipy.special")


def scaled_error(actual, expected, scale=0.0):
    """|actual - expected| / max(|expected|, scale) where SciPy's value is finite and not
    below 1e-290 (ndgrad keeps subnormal results that SciPy flushes to 0)."""
    keep = numpy.isfinite(expected) & (numpy.abs(expected) > 1e-290)
    actual, expected = numpy.asarray(actual)[keep], expected[keep]
    return numpy.abs(actual - expected) / numpy.maximum(numpy.abs(expected), scale)


LINE = numpy.concatenate([numpy.linspace(-40, 40, 4001), numpy.geomspace(1e-300, 1e3, 300),
                          -numpy.geomspace(1e-300, 1e3, 300)])
GAMMA_LINE = numpy.concatenate([numpy.linspace(-30.5, 171.6, 6001),
                                numpy.geomspace(1e-300, 1e3, 300), [1e10, 1e100, 1e300]])
GAMMA_LINE = GAMMA_LINE[~((GAMMA_LINE <= 0) & (GAMMA_LINE == numpy.floor(GAMMA_LINE)))]
UNIT = numpy.concatenate([numpy.linspace(0, 1, 2001), numpy.geomspace(1e-300, 0.5, 300),
                          1 - numpy.geomspace(1e-16, 0.5, 300)])

# name: (points, tolerance, scale). The tolerances above 1e-14 are SciPy's own errors (each
# worst case checked against mpmath at 40 digits, where ndgrad's error was below 2e-16):
# erfc, ndtr and log_ndtr lose about x^2 ulps in the far tail (ndgrad splits the square),
# digamma about 1e-13 near the negative poles. gammaln and digamma are compared in absolute
# terms near their negative roots (scale 1), where no method keeps relative precision.
ONE_ARGUMENT = {
    "erf": (LINE, 1e-15, 0), "erfc": (LINE, 1e-13, 0), "expit": (LINE, 1e-14, 0),
    "erfinv": (numpy.concatenate([UNIT, -UNIT]), 2e-15, 0),
    "erfcinv": (numpy.concatenate([2 * UNIT, 2 - 2 * UNIT]), 2e-15, 0),
    "ndtri": (UNIT, 2e-15, 0), "logit": (UNIT, 1e-15, 0),
    "ndtr": (LINE, 1e-13, 0), "log_ndtr": (LINE, 1e-13, 0),
    "gamma": (GAMMA_LINE, 1e-14, 0), "rgamma": (GAMMA_LINE, 1e-14, 0),
    "gammaln": (GAMMA_LINE, 2e-15, 1), "digamma": (GAMMA_LINE, 5e-13, 1),
    "entr": (numpy.abs(LINE), 1e-15, 0),
}


@pytest.mark.parametrize("name", sorted(ONE_ARGUMENT))
def test_one_argument_functions_match_scipy_over_wide_ranges(name, scipy_special):
    x, tolerance, scale = ONE_ARGUMENT[name]
    with numpy.errstate(all="ignore"):
        expected = getattr(scipy_special, name)(x)
    assert scaled_error(values(getattr(special, name), x), expected, scale).max() < tolerance


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_polygamma_matches_scipy_for_positive_x(n, scipy_special):
    x = numpy.concatenate([numpy.linspace(0.01, 200, 4001), numpy.geomspace(1e-100, 1e3, 200)])
    with numpy.errstate(over="ignore"):     # both overflow to inf near 0 at high orders
        expected = scipy_special.polygamma(n, x)
    assert scaled_error(values(special.polygamma, x, n), expected).max() < 1e-14


@pytest.mark.parametrize("n", [0, 1, 2, 4])
def test_polygamma_for_negative_x_is_the_recurrence_from_positive_x(n):
    # ndgrad reflects negative x; the recurrence psi_n(x) = psi_n(x + K) - (-1)^n n!
    # sum_(k<K) (x + k)^-(n+1) (summed exactly) is independent of that. SciPy's own
    # reflection loses digits near the half-integers (cot(pi x) of a rounded pi/2), so it is
    # not the reference here. Errors are relative to the terms' size (the value cancels near
    # the roots).
    x = numpy.linspace(-20.5, -0.01, 2001)
    x = x[numpy.abs(x - numpy.round(x)) > 1e-3]
    shift = numpy.ceil(-x) + 1
    positive = values(special.polygamma, x + shift, n)
    terms = [[(v + k) ** -(n + 1) for k in range(int(m))] for v, m in zip(x, shift)]
    sums = numpy.array([math.fsum(t) for t in terms])
    size = numpy.abs(positive) + math.factorial(n) * numpy.array([math.fsum(map(abs, t))
                                                                 for t in terms])
    expected = positive - (-1) ** n * math.factorial(n) * sums
    assert (numpy.abs(values(special.polygamma, x, n) - expected) / size).max() < 4e-15


def log_uniform(rng, low, high, size):
    return numpy.exp(rng.uniform(math.log(low), math.log(high), size))


def test_betaln_and_beta_match_scipy(scipy_special):
    rng = numpy.random.default_rng(3)
    # SciPy's betaln loses up to 2e-12 (checked against mpmath) where a >> b already below
    # 1e3, and up to 1e-9 beyond (ndgrad cancels the large logarithms by hand: see the
    # identity test below), hence 5e-12
    a, b = log_uniform(rng, 1e-3, 1e2, 4000), log_uniform(rng, 1e-3, 1e3, 4000)
    a = numpy.where(rng.random(4000) < 0.3, -a, a)            # reflection too
    with numpy.errstate(all="ignore"):
        expected_log, expected = scipy_special.betaln(a, b), scipy_special.beta(a, b)
    ours_log = special.betaln(f64(a), f64(b)).asnumpy()
    assert scaled_error(ours_log, expected_log, 1).max() < 5e-12
    # exp amplifies the logarithm's absolute error by its size
    tolerance = 5e-12 * numpy.maximum(numpy.abs(expected_log), 1)
    keep = numpy.isfinite(expected) & (numpy.abs(expected) > 1e-290)
    ours_beta = special.beta(f64(a), f64(b)).asnumpy()
    assert (numpy.abs(ours_beta - expected)[keep] / numpy.abs(expected[keep])
            < tolerance[keep]).all()


def test_betaln_keeps_its_digits_when_one_argument_is_much_larger():
    # log B(a, b) = log Gamma(b) - b log a + O(1/a) for a >> b, and B(a, 1) = 1/a exactly
    a = numpy.array([1e3, 1e5, 1e8, 1e12])
    numpy.testing.assert_allclose(special.betaln(f64(a), f64(numpy.ones(4))).asnumpy(),
                                  -numpy.log(a), rtol=1e-15)
    b = 0.25
    numpy.testing.assert_allclose(special.betaln(f64(a[2:]), f64([b, b])).asnumpy(),
                                  math.lgamma(b) - b * numpy.log(a[2:]), rtol=1e-8, atol=0)


def test_incomplete_gamma_matches_scipy(scipy_special):
    rng = numpy.random.default_rng(4)
    a = log_uniform(rng, 1e-3, 1e3, 6000)
    x = numpy.concatenate([log_uniform(rng, 1e-3, 1e3, 3000),       # anywhere
                           a[3000:] * numpy.exp(rng.normal(0, 0.3, 3000))])   # near a
    # SciPy's own values err by up to 3e-13 for a beyond 100 and 1.5e-12 beyond 500 (checked
    # against mpmath, where ndgrad's error was below 7e-14), and below 1e-100 by up to 5e-12
    for function in ("gammainc", "gammaincc"):
        expected = getattr(scipy_special, function)(a, x)
        ours_values = getattr(special, function)(f64(a), f64(x)).asnumpy()
        moderate = (expected > 1e-100) & (a < 100)
        assert scaled_error(ours_values[moderate], expected[moderate]).max() < 2e-13
        assert scaled_error(ours_values, expected).max() < 5e-12


def test_incomplete_beta_matches_scipy(scipy_special):
    rng = numpy.random.default_rng(5)
    a, b = log_uniform(rng, 1e-3, 1e3, 4000), log_uniform(rng, 1e-3, 1e3, 4000)
    x = rng.uniform(0, 1, 4000)
    expected = scipy_special.betainc(a, b, x)
    ours_values = special.betainc(f64(a), f64(b), f64(x)).asnumpy()
    # SciPy's own betainc errs by up to 1e-4 where the result is near 1e-290 (a >> b); above
    # 1e-200 both keep about 1e-13
    kept = expected > 1e-200
    assert scaled_error(ours_values[kept], expected[kept]).max() < 5e-13


def test_incomplete_functions_are_complements():
    rng = numpy.random.default_rng(6)
    a, b, x = rng.uniform(0.1, 30, 500), rng.uniform(0.1, 30, 500), rng.uniform(0, 1, 500)
    numpy.testing.assert_allclose(
        special.betainc(f64(a), f64(b), f64(x)).asnumpy()
        + special.betainc(f64(b), f64(a), f64(1 - x)).asnumpy(), 1, rtol=0, atol=1e-14)
    y = x * 40
    numpy.testing.assert_allclose(special.gammainc(f64(a), f64(y)).asnumpy()
                                  + special.gammaincc(f64(a), f64(y)).asnumpy(), 1,
                                  rtol=0, atol=1e-14)


def test_xlogy_xlog1py_and_multigammaln_match_scipy(scipy_special):
    rng = numpy.random.default_rng(7)
    x = numpy.concatenate([rng.standard_normal(1000), numpy.zeros(50)])
    y = numpy.concatenate([log_uniform(rng, 1e-300, 1e300, 1000), rng.uniform(0, 3, 50)])
    numpy.testing.assert_allclose(special.xlogy(f64(x), f64(y)).asnumpy(),
                                  scipy_special.xlogy(x, y), rtol=1e-15, atol=0)
    y1 = numpy.concatenate([rng.uniform(-1, 1e3, 1000), rng.uniform(-1, 3, 50)])
    numpy.testing.assert_allclose(special.xlog1py(f64(x), f64(y1)).asnumpy(),
                                  scipy_special.xlog1py(x, y1), rtol=1e-15, atol=0)
    for d in (1, 2, 5):
        a = rng.uniform((d - 1) / 2 + 0.01, 300, 300)
        numpy.testing.assert_allclose(special.multigammaln(f64(a), d).asnumpy(),
                                      scipy_special.multigammaln(a, d), rtol=1e-14)


# -- nan and infinities as SciPy -------------------------------------------------------------
SPECIAL_POINTS = numpy.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -2.5, 1e-300, 1e300,
                              -1e300, numpy.inf, -numpy.inf, numpy.nan])


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "erfcinv", "gamma", "gammaln",
                                  "gammasgn", "rgamma", "digamma", "ndtr", "log_ndtr",
                                  "ndtri", "logit", "entr"])
def test_one_argument_special_values_are_scipys(name, scipy_special):
    with numpy.errstate(all="ignore"):
        expected = getattr(scipy_special, name)(SPECIAL_POINTS)
    # nan and the signed infinities exactly where SciPy has them, finite values to rounding
    numpy.testing.assert_allclose(values(getattr(special, name), SPECIAL_POINTS), expected,
                                  rtol=1e-14, atol=0)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_polygamma_special_values_are_scipys(n, scipy_special):
    points = SPECIAL_POINTS[numpy.abs(SPECIAL_POINTS) < 1e300]    # SciPy: nan at +-1e300
    expected = scipy_special.polygamma(n, points)
    numpy.testing.assert_allclose(values(special.polygamma, points, n), expected, rtol=1e-14,
                                  atol=0)
    numpy.testing.assert_array_equal(values(special.polygamma, [numpy.inf, -numpy.inf], n),
                                     scipy_special.polygamma(n, [numpy.inf, -numpy.inf]))


TWO_POINTS = numpy.array([0.0, -0.0, 0.5, 1.0, 2.0, -1.0, -2.0, -2.5, -3.0, 3.0,
                          numpy.inf, -numpy.inf, numpy.nan])


@pytest.mark.parametrize("name", ["beta", "betaln", "gammainc", "gammaincc", "xlogy",
                                  "xlog1py"])
def test_two_argument_special_values_are_scipys(name, scipy_special):
    a, b = (part.ravel() for part in numpy.meshgrid(TWO_POINTS, TWO_POINTS))
    with numpy.errstate(all="ignore"):
        expected = getattr(scipy_special, name)(a, b)
    numpy.testing.assert_allclose(getattr(special, name)(f64(a), f64(b)).asnumpy(), expected,
                                  rtol=1e-13, atol=0)


def test_betainc_special_values_are_scipys(scipy_special):
    parameters = [0.0, 0.5, 2.0, numpy.inf, numpy.nan, -1.0]
    a, b, x = (part.ravel() for part in numpy.meshgrid(
        parameters, parameters, [0.0, 0.3, 1.0, 1.2, -0.1, numpy.nan]))
    numpy.testing.assert_allclose(special.betainc(f64(a), f64(b), f64(x)).asnumpy(),
                                  scipy_special.betainc(a, b, x), rtol=1e-14, atol=0)


# -- derivatives in the parameters, against finite differences --------------------------------
def test_incomplete_gamma_derivatives_in_a_and_x():
    # points in each method: P's series, Q's series (small a and x), Q's continued fraction
    a = numpy.array([0.3, 2.5, 7.0, 0.2, 0.8, 3.0, 40.0, 40.0])
    x = numpy.array([0.1, 1.5, 3.0, 0.4, 1.0, 9.0, 38.0, 44.0])
    for function in (special.gammainc, special.gammaincc):
        check_grads(function, [a, x], order=2)
        check_grads(lambda a, f=function: f(a, np.array(x)), [a], order=3, modes=("rev",))


def test_incomplete_beta_derivatives_in_a_b_and_x():
    # below and above the switch x = (a + 1) / (a + b + 2), and a small b (the direct branch)
    a = numpy.array([0.5, 2.0, 5.0, 1.5, 15.0, 0.7])
    b = numpy.array([0.7, 3.0, 1.2, 6.0, 0.01, 9.0])
    x = numpy.array([0.2, 0.6, 0.9, 0.05, 0.95, 0.5])
    check_grads(special.betainc, [a, b, x], order=2)


def test_gammainc_derivative_in_a_against_a_five_point_difference():
    # tighter than check_grads' central difference: one point in each method
    a, x = numpy.array([0.5, 3.0, 12.0]), numpy.array([0.3, 3.5, 25.0])
    h = 1e-3

    def p(shift):
        return special.gammainc(f64(a + shift), f64(x)).asnumpy()

    five_point = (-p(2 * h) + 8 * p(h) - 8 * p(-h) + p(-2 * h)) / (12 * h)
    a_array = f64(a)
    a_array.attach_grad()
    with autograd.record():
        total = special.gammainc(a_array, f64(x)).sum()
    total.backward()
    numpy.testing.assert_allclose(a_array.grad.asnumpy(), five_point, rtol=1e-9)


def test_orders_that_are_ndgrad_arrays_are_refused():
    with pytest.raises(TypeError, match="does not differentiate polygamma in its order"):
        special.polygamma(np.array(1), f64([1.0]))


def test_multigammaln_checks_its_arguments():
    with pytest.raises(ValueError, match="positive integer"):
        special.multigammaln(f64([3.0]), 0)
    with pytest.raises(ValueError, match="greater than"):
        special.multigammaln(f64([0.9]), 3)


# -- against mpmath, where installed: tighter than SciPy's own accuracy ------------------------
def mpmath_cases(mpmath):
    """name: (ndgrad call on float64 arrays, mpmath reference of floats, arguments, tolerance)."""
    rng = numpy.random.default_rng(11)
    a, b = log_uniform(rng, 1e-2, 2e3, 60), log_uniform(rng, 1e-2, 2e3, 60)
    x, y = rng.uniform(0, 1, 60), a * numpy.exp(rng.normal(0, 0.5, 60))
    negative = -rng.uniform(0, 170, 60)
    negative = negative[numpy.abs(negative - numpy.round(negative)) > 1e-3]
    return {
        "gamma": (special.gamma, mpmath.gamma, (numpy.concatenate([negative, a / 12]),), 4e-15),
        "rgamma": (special.rgamma, mpmath.rgamma, (negative,), 4e-15),
        "polygamma": (lambda t: special.polygamma(2, t), lambda t: mpmath.psi(2, t),
                      (numpy.concatenate([negative, a]),), 1e-14),
        "betaln": (special.betaln, lambda s, t: mpmath.log(mpmath.beta(s, t)), (a, b), 1e-14),
        "gammainc": (special.gammainc,
                     lambda s, t: mpmath.gammainc(s, 0, t, regularized=True), (a, y), 2e-13),
        "gammaincc": (special.gammaincc,
                      lambda s, t: mpmath.gammainc(s, t, mpmath.inf, regularized=True),
                      (a, y), 2e-13),
        "betainc": (special.betainc,
                    lambda s, t, u: mpmath.betainc(s, t, 0, u, regularized=True),
                    (a / 10, b / 10, x), 5e-13),
        "jn": (lambda t: special.jn(5, t), lambda t: mpmath.besselj(5, t), (a / 4,), 1e-14),
        "iv": (lambda t: special.iv(2.5, t), lambda t: mpmath.besseli(2.5, t), (a / 4,), 1e-14),
    }


@pytest.mark.parametrize("name", ["gamma", "rgamma", "polygamma", "betaln", "gammainc",
                                  "gammaincc", "betainc", "jn", "iv"])
def test_more_functions_against_mpmath(name):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    function, reference, arguments, tolerance = mpmath_cases(mpmath)[name]
    expected = numpy.array([float(reference(*map(float, point)))
                            for point in zip(*arguments)])
    result = function(*[f64(argument) for argument in arguments]).asnumpy()
    # J_5 near its zeros: relative to its amplitude sqrt(2 / (pi x)), as SciPy's
    scale = (numpy.sqrt(2 / (math.pi * numpy.maximum(arguments[0], 1))) if name == "jn"
             else 0.0)
    assert scaled_error(result, expected, scale).max() < tolerance


def test_log_ndtr_gradient_is_the_mills_ratio_to_full_precision(scipy_special):
    # d log_ndtr = pdf / ndtr = sqrt(2/pi) / erfcx(-x/sqrt(2)): no underflow, no cancellation
    x = numpy.concatenate([numpy.linspace(-60, 8, 681), -numpy.geomspace(1, 1e200, 50)])
    point = f64(x)
    point.attach_grad()
    with autograd.record():
        total = special.log_ndtr(point).sum()
    total.backward()
    expected = math.sqrt(2 / math.pi) / scipy_special.erfcx(-x / math.sqrt(2))
    assert scaled_error(point.grad.asnumpy(), expected).max() < 1e-14
