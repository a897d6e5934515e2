"""ndgrad.scipy.stats beyond the op table: SciPy itself as the oracle over wide ranges, the
edges of each support, invalid parameters and broadcasting (skipped where SciPy is missing);
the import styles; the derivatives at the points the table's samplers avoid; and the errors."""

import warnings

import numpy
import pytest

import ndgrad.scipy.stats.norm as norm_module
from ndgrad import autograd, func, np
from ndgrad.errors import NoDerivativeError
from ndgrad.scipy import stats
from ndgrad.scipy.stats import dirichlet, multivariate_normal, norm, poisson, t
from ndgrad.testing import check_grads


@pytest.fixture(scope="module")
def scipy_stats():
    return pytest.importorskip("scipy.stats")


def assert_matches(result, expected, rtol=1e-12, atol=1e-300):
    """Equal to SciPy's values, infinities and nans where SciPy has them."""
    expected = numpy.asarray(expected)
    assert result.shape == expected.shape
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=rtol, atol=atol)


X = numpy.concatenate([numpy.linspace(-12, 12, 49), [-60.0, 60.0, numpy.nan]])
CONTINUOUS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")
# (distribution, its parameters before loc and scale); a column of each broadcasts against X.
# nan, 0 and negative entries are invalid parameters (nan results, as SciPy).
CASES = (
    ("norm", ()),
    ("t", (numpy.array([0.3, 1.0, 2.5, 7.0, 60.0, numpy.inf, 0.0, -1.0, numpy.nan]),)),
    ("gamma", (numpy.array([0.3, 1.0, 2.5, 7.0, 60.0, 0.0, -1.0, numpy.nan]),)),
    ("chi2", (numpy.array([0.3, 1.0, 2.0, 7.0, 60.0, 0.0, -1.0]),)),
    ("beta", (numpy.array([0.4, 1.0, 2.5, 9.0, 0.0, -1.0]),
              numpy.array([0.6, 1.0, 3.0, 9.0, 2.0, 2.0]))),
)


@pytest.mark.parametrize("method", CONTINUOUS)
@pytest.mark.parametrize("name, shape_parameters", CASES, ids=[case[0] for case in CASES])
def test_the_continuous_distributions_match_scipy_over_wide_ranges(scipy_stats, name,
                                                                   shape_parameters, method):
    ours = getattr(getattr(stats, name), method)
    theirs = getattr(getattr(scipy_stats, name), method)
    parameters = [p[:, None] for p in shape_parameters]
    for loc, scale in ((0.0, 1.0), (1.5, 0.5), (-2.0, 3.0), (0.5, 0.0), (0.5, -1.0)):
        x = X / 6 + 0.5 if name == "beta" else X
        with numpy.errstate(all="ignore"):
            expected = theirs(x, *parameters, loc, scale)
            if name == "t":
                # SciPy's t at df = inf underflows to log(0) in the tails where its own
                # norm.logcdf (the limit ndgrad gives) stays finite
                limit = numpy.isinf(parameters[0][:, 0])
                expected[limit] = getattr(scipy_stats.norm, method)(x, loc, scale)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = ours(x, *parameters, loc, scale)
        # a probability near 1 is computed from its complement (log1p), more precisely
        # than SciPy's log of it: the two then agree to about 1e-16 in absolute terms
        tiny = 1e-15 if method in ("logcdf", "logsf") else 1e-300
        # SciPy's t.cdf and the incomplete gamma and beta functions agree to about 1e-13
        assert_matches(result, expected, rtol=1e-11, atol=tiny)


def test_poisson_matches_scipy_at_counts_off_the_support_and_bad_rates(scipy_stats):
    k = numpy.array([0, 1, 2, 3, 7, 30, 100, -1, 2.5, numpy.nan])
    mu = numpy.array([[0.5], [2.5], [20.0], [0.0], [-1.0], [numpy.nan]])
    for method in ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf"):
        with numpy.errstate(all="ignore"):
            expected = getattr(scipy_stats.poisson, method)(k, mu)
        result = getattr(poisson, method)(k, mu)
        assert_matches(result, expected, rtol=1e-11, atol=1e-15)
    assert_matches(poisson.logpmf(k, 2.5, loc=1), scipy_stats.poisson.logpmf(k, 2.5, loc=1))


def test_norm_quantiles_match_scipy(scipy_stats):
    q = numpy.array([0.0, 1e-300, 1e-20, 0.025, 0.5, 0.975, 1 - 1e-12, 1.0, 1.5, -0.5])
    with numpy.errstate(all="ignore"):
        assert_matches(norm.ppf(q, 1.0, 2.0), scipy_stats.norm.ppf(q, 1.0, 2.0), rtol=1e-13)
        assert_matches(norm.isf(q, 1.0, 2.0), scipy_stats.norm.isf(q, 1.0, 2.0), rtol=1e-13)
        assert_matches(norm.ppf(0.3, 1.0, -2.0), scipy_stats.norm.ppf(0.3, 1.0, -2.0))


def test_the_methods_broadcast_their_arguments_as_scipy(scipy_stats):
    rng = numpy.random.default_rng(0)
    x, loc, scale = rng.normal(size=(4, 1, 3)), rng.normal(size=(2, 1)), rng.uniform(1, 2, 3)
    df = rng.uniform(2, 5, (2, 3))
    assert_matches(norm.logcdf(x, loc, scale), scipy_stats.norm.logcdf(x, loc, scale))
    assert_matches(t.sf(x, df, loc, scale), scipy_stats.t.sf(x, df, loc, scale), rtol=1e-11)
    assert_matches(norm.logpdf(x, scale=scale), scipy_stats.norm.logpdf(x, scale=scale))
    assert norm.pdf(0.5).shape == ()


def test_float32_operands_give_float32_results():
    x = np.array(numpy.array([0.5, 1.5], dtype=numpy.float32))
    assert norm.logpdf(x, 0.0, 2.0).dtype == numpy.float32
    assert t.cdf(x, 3).dtype == numpy.float32
    assert poisson.logpmf(numpy.array([1, 2]), x).dtype == numpy.float32
    assert multivariate_normal.logpdf(x).dtype == numpy.float32
    assert dirichlet.logpdf(x[:1] / 2, numpy.array([1.5, 2.0], "f4")).dtype == numpy.float32
    assert norm.logpdf(numpy.array([1, 2])).dtype == numpy.float64     # integers: float64


def test_multivariate_normal_matches_scipy_for_scipys_argument_forms(scipy_stats):
    rng = numpy.random.default_rng(1)
    a = rng.normal(size=(3, 3))
    cov, mean = a @ a.T + numpy.eye(3), rng.normal(size=3)
    theirs = scipy_stats.multivariate_normal
    for x in (rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=(2, 1, 4, 3))):
        assert_matches(multivariate_normal.logpdf(x, mean, cov), theirs.logpdf(x, mean, cov))
        assert_matches(multivariate_normal.pdf(x, mean, cov), theirs.pdf(x, mean, cov))
    # a scalar or a vector cov (cov * I, a diagonal), no mean, one dimension
    assert_matches(multivariate_normal.logpdf([0.3, 0.5], [0.1, 0.2], [2.0, 3.0]),
                   theirs.logpdf([0.3, 0.5], [0.1, 0.2], [2.0, 3.0]))
    assert_matches(multivariate_normal.logpdf([0.3, 0.5], 0.1, 2.0),
                   theirs.logpdf([0.3, 0.5], 0.1, 2.0))
    assert_matches(multivariate_normal.logpdf(0.7), theirs.logpdf(0.7))
    assert_matches(multivariate_normal.entropy(mean, cov), theirs.entropy(mean, cov))
    assert_matches(multivariate_normal.entropy(cov=2.0), theirs.entropy(cov=2.0))
    point = rng.normal(size=3)        # allow_singular=True with a nonsingular cov: the same
    assert_matches(multivariate_normal.logpdf(point, mean, cov, allow_singular=True),
                   theirs.logpdf(point, mean, cov, allow_singular=True))


def test_multivariate_normal_gradient_in_cov_is_symmetric_and_is_scipys_formula():
    rng = numpy.random.default_rng(2)
    a = rng.normal(size=(3, 3))
    cov, mean, x = a @ a.T + numpy.eye(3), rng.normal(size=3), rng.normal(size=3)
    gradient = func.grad(lambda c: multivariate_normal.logpdf(x, mean, c))(np.array(cov))
    inverse = numpy.linalg.inv(cov)
    d = inverse @ (x - mean)
    numpy.testing.assert_allclose(gradient.asnumpy(), -0.5 * (inverse - numpy.outer(d, d)),
                                  rtol=1e-10, atol=1e-12)


def test_dirichlet_matches_scipy_for_full_and_shortened_points(scipy_stats):
    rng = numpy.random.default_rng(3)
    alpha = numpy.array([0.7, 2.0, 3.5])
    points = rng.dirichlet(alpha, size=5).T
    for x in (points, points[:2], points[:, 0], points[:2, 0]):
        assert_matches(dirichlet.logpdf(x, alpha), scipy_stats.dirichlet.logpdf(x, alpha),
                       rtol=1e-12)
        assert_matches(dirichlet.pdf(x, alpha), scipy_stats.dirichlet.pdf(x, alpha), rtol=1e-12)


def test_dirichlet_gradient_in_a_full_point_is_the_unconstrained_one():
    alpha, x = numpy.array([1.5, 2.0, 3.5]), numpy.array([0.2, 0.3, 0.5])
    gradient = func.grad(lambda x: dirichlet.logpdf(x, alpha))(np.array(x))
    numpy.testing.assert_allclose(gradient.asnumpy(), (alpha - 1) / x, rtol=1e-13)
    check_grads(lambda a: dirichlet.logpdf(x, a), [alpha])


def test_gradients_in_the_shape_parameters_through_the_incomplete_functions():
    """df of t.cdf (betainc's a and b derivatives), a of gamma.cdf and mu of poisson.cdf
    (gammainc's a and x derivatives) against finite differences, to second order, also far
    into the tails and for large parameters."""
    x = numpy.array([-9.0, -2.5, -0.4, 0.3, 1.7, 6.0, 25.0])
    check_grads(lambda x, df: t.cdf(x, df), [x, numpy.array([0.8, 2.2, 3.0, 5.0, 9.0, 30.0, 2.5])])
    check_grads(lambda x, df: t.logsf(x, df), [x, numpy.full(7, 4.5)])
    check_grads(lambda x, a: stats.gamma.logcdf(x, a, scale=0.7),
                [numpy.abs(x) + 0.2, numpy.array([0.6, 1.5, 3.0, 9.0, 30.0, 2.0, 80.0])])
    check_grads(lambda x, a, b: stats.beta.sf(x, a, b),
                [numpy.array([0.05, 0.3, 0.6, 0.95]), numpy.array([0.7, 2.0, 9.0, 40.0]),
                 numpy.array([3.0, 0.8, 9.0, 25.0])])
    check_grads(lambda mu: poisson.logsf(numpy.array([0, 3, 10, 40]), mu),
                [numpy.array([0.3, 2.0, 12.0, 35.0])])


def test_t_cdf_is_smooth_through_its_centre():
    """At x = loc the betainc forms have a singular slope; the Taylor polynomial there gives
    the density as the slope and finite higher derivatives (checked to order 3)."""
    x, df = np.array(numpy.array([0.0, 0.0, 5e-5])), np.array(numpy.array([3.0, 0.7, 12.0]))
    slope = func.grad(lambda x: np.sum(t.cdf(x, df)))(x)
    numpy.testing.assert_allclose(slope.asnumpy(), t.pdf(x, df).asnumpy(), rtol=1e-12)
    check_grads(lambda x, df: t.cdf(x, df, 0.3, 1.5), [numpy.array([0.3, 0.3, 0.30004]),
                                                       numpy.array([3.0, 0.7, 12.0])], order=3)


def test_invalid_parameters_give_nan_values_and_leave_the_other_gradients_finite():
    x, scale = np.array(numpy.array([0.5, 0.5, 0.5])), np.array(numpy.array([1.0, 0.0, -2.0]))
    for array in (x, scale):
        array.attach_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with autograd.record():
            y = stats.gamma.logcdf(x, 2.0, 0.0, scale)
        y.backward()
    assert numpy.isnan(y.asnumpy()[1:]).all() and numpy.isfinite(y.asnumpy()[0])
    assert numpy.isfinite(x.grad.asnumpy()).all() and numpy.isfinite(scale.grad.asnumpy()).all()


def test_both_import_styles_reach_the_same_functions():
    assert norm_module is norm is stats.norm
    assert norm_module.logpdf is norm.logpdf
    assert set(norm.__all__) == {"pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"}


def test_bad_inputs_raise_clear_errors():
    k = np.array(numpy.array([1.0, 2.0]))
    k.attach_grad()
    with autograd.record(), pytest.raises(NoDerivativeError, match="poisson: k and loc are"):
        poisson.pmf(k, 2.0)
    with pytest.raises(numpy.linalg.LinAlgError, match="positive definite"):
        multivariate_normal.logpdf(numpy.zeros(2), None, numpy.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(numpy.linalg.LinAlgError, match="singular cov"):
        multivariate_normal.logpdf(numpy.zeros(2), None, numpy.zeros((2, 2)), allow_singular=True)
    with pytest.raises(ValueError, match="x has 2 components"):
        multivariate_normal.logpdf(numpy.zeros(2), numpy.zeros(3), numpy.eye(3))
    with pytest.raises(ValueError, match="do not fit"):
        multivariate_normal.logpdf(numpy.zeros(3), numpy.zeros(3), numpy.eye(2))
    alpha = numpy.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="positive numbers"):
        dirichlet.logpdf(numpy.array([0.5, 0.5]), numpy.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="3 or 2 components"):
        dirichlet.logpdf(numpy.array([0.5]), alpha)
    with pytest.raises(ValueError, match="simplex"):
        dirichlet.logpdf(numpy.array([0.2, 0.2, 0.2]), alpha)
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        dirichlet.logpdf(numpy.array([1.2, -0.2, 0.0]), alpha)
    with pytest.raises(ValueError, match="greater than 0 where its alpha"):
        dirichlet.logpdf(numpy.array([0.0, 0.5, 0.5]), numpy.array([0.5, 2.0, 3.0]))
