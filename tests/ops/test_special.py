"""ndgrad.scipy.special beyond the op table: accuracy against the standard library (and
mpmath where installed), identities, special values, stability at extreme arguments, and
bad inputs."""

import math

import numpy
import pytest

from ndgrad import autograd, np
from ndgrad.scipy import special

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
    numpy.testing.assert_array_equal(result, [numpy.inf] * 5 + [numpy.nan])


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
