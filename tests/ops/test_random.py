"""np.random: seeding, dtypes and shapes, samples as constants, NumPy's Generator interface,
in-place shuffling, and draws from several threads."""

import inspect
import math
import subprocess
import sys
import threading

import numpy
import pytest

from ndgrad import autograd, func, np, npx, set_default_dtype
from ndgrad.errors import InPlaceModifiedError, NoDerivativeError, NotRecordedError
from ndgrad.ops.random import START_UP_SEED, generator_state, replaying


def test_seed_makes_the_draws_repeat():
    np.random.seed(42)
    first = [np.random.rand(3), np.random.randn(2, 2), np.random.randint(0, 10, size=5),
             np.random.choice(5, 3), np.random.permutation(6), np.random.normal(size=2)]
    np.random.seed(42)
    second = [np.random.rand(3), np.random.randn(2, 2), np.random.randint(0, 10, size=5),
              np.random.choice(5, 3), np.random.permutation(6), np.random.normal(size=2)]
    for a, b in zip(first, second):
        numpy.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


def test_default_rng_draws_what_numpy_draws_with_the_same_seed():
    ours, theirs = np.random.default_rng(7), numpy.random.default_rng(7)
    numpy.testing.assert_array_equal(ours.normal(size=4, dtype="float64").asnumpy(),
                                     theirs.normal(size=4))
    numpy.testing.assert_array_equal(ours.integers(0, 100, 5).asnumpy(),
                                     theirs.integers(0, 100, 5))
    numpy.testing.assert_array_equal(ours.random(3).asnumpy(),
                                     theirs.random(3).astype(numpy.float32))


def test_default_rng_returns_a_generator_given_to_it():
    generator = np.random.default_rng(0)
    assert np.random.default_rng(generator) is generator
    assert isinstance(generator, np.random.Generator)


@pytest.mark.parametrize("draw", [
    lambda: np.random.rand(2, 3), lambda: np.random.randn(2, 3),
    lambda: np.random.random((2, 3)), lambda: np.random.random_sample((2, 3)),
    lambda: np.random.uniform(-1, 1, (2, 3)), lambda: np.random.normal(0, 1, (2, 3)),
    lambda: np.random.default_rng(0).random((2, 3)),
    lambda: np.random.default_rng(0).standard_normal((2, 3)),
    lambda: np.random.default_rng(0).uniform(size=(2, 3)),
    lambda: np.random.default_rng(0).normal(size=(2, 3))])
def test_float_samples_take_the_default_float_dtype(draw):
    sample = draw()
    assert isinstance(sample, np.ndarray)
    assert sample.shape == (2, 3)
    assert sample.dtype == numpy.float32
    previous = set_default_dtype("float64")
    try:
        assert draw().dtype == numpy.float64
    finally:
        set_default_dtype(previous)


def test_an_explicit_dtype_wins_and_integers_are_int64():
    assert np.random.rand(2, dtype="float64").dtype == numpy.float64
    assert np.random.normal(size=2, dtype="float16").dtype == numpy.float16
    assert np.random.randint(5, size=3).dtype == numpy.int64
    assert np.random.randint(5, size=3, dtype="int32").dtype == numpy.int32
    assert np.random.default_rng(0).integers(5, size=3).dtype == numpy.int64
    assert np.random.permutation(4).dtype == numpy.int64


def test_no_shape_gives_one_sample_as_a_0d_array():
    for sample in (np.random.rand(), np.random.randn(), np.random.random(),
                   np.random.normal(), np.random.randint(3), np.random.choice(4)):
        assert isinstance(sample, np.ndarray) and sample.shape == ()


def test_bounds_are_respected():
    assert (np.random.uniform(2, 3, size=1000).asnumpy() >= 2).all()
    values = np.random.randint(3, 6, size=1000).asnumpy()
    assert set(values.tolist()) == {3, 4, 5}
    values = np.random.default_rng(1).integers(3, 5, size=1000, endpoint=True).asnumpy()
    assert set(values.tolist()) == {3, 4, 5}


def test_samples_are_constants_without_history():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        noise = np.random.normal(size=3)
        y = (x * noise).sum()
    with pytest.raises(NotRecordedError):
        noise.backward()
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), noise.asnumpy())


def test_choice_follows_the_probabilities_and_picks_from_the_array():
    numpy.testing.assert_array_equal(np.random.choice(3, 50, p=[0, 0, 1]).asnumpy(), [2] * 50)
    population = np.array([10.0, 20.0, 30.0])
    picked = np.random.choice(population, 2, replace=False).asnumpy()
    assert len(set(picked.tolist())) == 2 and set(picked.tolist()) <= {10.0, 20.0, 30.0}
    weights = np.array([0.5, 0.5, 0.0])
    assert 30.0 not in np.random.default_rng(0).choice(population, 40, p=weights).asnumpy()
    with pytest.raises(ValueError):
        np.random.choice(3, 2, p=[0.5, 0.6, 0.1])


def test_permutation_is_a_shuffled_copy():
    x = np.arange(10.0)
    permuted = np.random.permutation(x).asnumpy()
    numpy.testing.assert_array_equal(numpy.sort(permuted), numpy.arange(10.0))
    numpy.testing.assert_array_equal(x.asnumpy(), numpy.arange(10.0))
    numpy.testing.assert_array_equal(numpy.sort(np.random.permutation(5).asnumpy()),
                                     numpy.arange(5))


def test_shuffle_works_in_place_along_the_first_axis():
    np.random.seed(3)
    x = np.array(numpy.arange(12.0).reshape(6, 2))
    assert np.random.shuffle(x) is None
    rows = x.asnumpy()
    assert not numpy.array_equal(rows, numpy.arange(12.0).reshape(6, 2))
    numpy.testing.assert_array_equal(numpy.sort(rows[:, 0]), numpy.arange(0, 12, 2))
    numpy.testing.assert_array_equal(rows[:, 1] - rows[:, 0], 1)     # rows stay whole
    raw = numpy.arange(5)
    np.random.default_rng(0).shuffle(raw)
    numpy.testing.assert_array_equal(numpy.sort(raw), numpy.arange(5))


def test_shuffle_is_refused_inside_a_recorded_graph():
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record(), pytest.raises(InPlaceModifiedError, match="shuffle"):
        np.random.shuffle(x)
    np.random.shuffle(x)                           # outside record() it is fine


def test_a_shuffle_after_recording_is_caught_by_backward():
    x = np.arange(1.0, 5.0)
    x.attach_grad()
    with autograd.record():
        y = x * x
    np.random.shuffle(x)
    with pytest.raises(InPlaceModifiedError):
        y.backward()


def test_bernoulli_masks_come_from_uniform():
    np.random.seed(0)
    mask = np.random.uniform(size=10000) < 0.3
    assert mask.dtype == numpy.bool_
    assert abs(mask.asnumpy().mean() - 0.3) < 0.02


def test_threads_share_the_seeded_stream_without_losing_draws():
    # A double costs one step of the stream however draws are split, so the threads' draws,
    # pooled, are exactly the seeded stream's first values if no draw was lost or repeated.
    np.random.seed(11)
    pools = [[] for _ in range(4)]

    def draw(pool):
        for _ in range(50):
            pool.append(np.random.random(100, dtype="float64").asnumpy())

    threads = [threading.Thread(target=draw, args=(pool,)) for pool in pools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pooled = numpy.sort(numpy.concatenate([part for pool in pools for part in pool]))
    numpy.testing.assert_array_equal(pooled, numpy.sort(numpy.random.default_rng(11).random(
        20000)))


# -- the distributions: NumPy's definitions, moments, shapes, dtypes, errors, gradients ---------
# parameters of each distribution, and its NumPy Generator method's positional arguments
PARAMETERS = {
    "normal": (0.5, 2.0), "uniform": (-1.0, 3.0), "lognormal": (0.2, 0.5),
    "exponential": (2.0,), "gumbel": (0.5, 2.0), "laplace": (0.5, 2.0), "logistic": (0.5, 2.0),
    "rayleigh": (2.0,), "weibull": (1.5,), "pareto": (3.0,), "power": (2.5,),
    "gamma": (2.5, 1.5), "beta": (2.0, 3.0), "chisquare": (3.0,),
}
COUNTS = {"binomial": (10, 0.3), "poisson": (4.0,), "negative_binomial": (5, 0.4)}


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_a_generator_draws_what_numpys_generator_draws(name):
    # the same standard noise through NumPy's own definition: equal to rounding
    ours = getattr(np.random.default_rng(5), name)(*PARAMETERS[name], size=50, dtype="float64")
    theirs = getattr(numpy.random.default_rng(5), name)(*PARAMETERS[name], size=50)
    numpy.testing.assert_allclose(ours.asnumpy(), theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(COUNTS) + ["multinomial", "multivariate_normal"])
def test_integer_and_multivariate_draws_are_numpys(name):
    arguments = COUNTS.get(name) or {"multinomial": (8, [0.2, 0.3, 0.5]),
                                     "multivariate_normal": ([1.0, -1.0],
                                                             [[2.0, 0.5], [0.5, 1.0]])}[name]
    ours = getattr(np.random.default_rng(3), name)(*arguments, size=(4, 2))
    theirs = getattr(numpy.random.default_rng(3), name)(*arguments, size=(4, 2))
    assert ours.shape == theirs.shape
    numpy.testing.assert_allclose(ours.asnumpy(), theirs, rtol=1e-6)
    assert ours.dtype == (numpy.float32 if name == "multivariate_normal" else numpy.int64)


def _cdf(name, x):
    """The exact distribution functions, written from their definitions."""
    erf = numpy.vectorize(math.erf)
    return {
        "normal": lambda: 0.5 * (1 + erf((x - 0.5) / (2.0 * math.sqrt(2)))),
        "uniform": lambda: (x + 1.0) / 4.0,
        "lognormal": lambda: 0.5 * (1 + erf((numpy.log(x) - 0.2) / (0.5 * math.sqrt(2)))),
        "exponential": lambda: 1 - numpy.exp(-x / 2.0),
        "gumbel": lambda: numpy.exp(-numpy.exp(-(x - 0.5) / 2.0)),
        "laplace": lambda: numpy.where(x < 0.5, 0.5 * numpy.exp((x - 0.5) / 2.0),
                                       1 - 0.5 * numpy.exp(-(x - 0.5) / 2.0)),
        "logistic": lambda: 1 / (1 + numpy.exp(-(x - 0.5) / 2.0)),
        "rayleigh": lambda: 1 - numpy.exp(-x ** 2 / (2 * 2.0 ** 2)),
        "weibull": lambda: 1 - numpy.exp(-x ** 1.5),
        "pareto": lambda: 1 - (1 + x) ** -3.0,
        "power": lambda: x ** 2.5,
    }[name]()


@pytest.mark.parametrize("name", ["normal", "uniform", "lognormal", "exponential", "gumbel",
                                  "laplace", "logistic", "rayleigh", "weibull", "pareto",
                                  "power"])
def test_samples_follow_the_exact_distribution_function(name):
    np.random.seed(1)
    sample = numpy.sort(getattr(np.random, name)(*PARAMETERS[name], size=4000,
                                                 dtype="float64").asnumpy())
    empirical = numpy.arange(1, sample.size + 1) / sample.size
    statistic = numpy.max(numpy.abs(empirical - _cdf(name, sample)))
    assert statistic < 1.63 / math.sqrt(sample.size)   # Kolmogorov-Smirnov at the 1% level


MOMENTS = {   # name: (parameters, exact mean, exact variance)
    "gamma": ((2.5, 1.5), 2.5 * 1.5, 2.5 * 1.5 ** 2),
    "beta": ((2.0, 3.0), 2 / 5, 2 * 3 / (5 ** 2 * 6)),
    "chisquare": ((3.0,), 3.0, 6.0),
    "binomial": ((10, 0.3), 3.0, 10 * 0.3 * 0.7),
    "poisson": ((4.0,), 4.0, 4.0),
    "negative_binomial": ((5, 0.4), 5 * 0.6 / 0.4, 5 * 0.6 / 0.4 ** 2),
    "exponential": ((2.0,), 2.0, 4.0),
    "pareto": ((5.0,), 1 / 4, 5 / (4 ** 2 * 3)),
    "power": ((2.5,), 2.5 / 3.5, 2.5 / (3.5 ** 2 * 4.5)),
}


@pytest.mark.parametrize("name", sorted(MOMENTS))
def test_sample_moments_match_the_exact_ones(name):
    parameters, mean, variance = MOMENTS[name]
    np.random.seed(2)
    sample = getattr(np.random, name)(*parameters, size=20000).asnumpy().astype(numpy.float64)
    assert abs(sample.mean() - mean) < 4 * math.sqrt(variance / sample.size)
    assert abs(sample.var() / variance - 1) < 0.06


def test_multinomial_and_multivariate_normal_moments():
    np.random.seed(4)
    counts = np.random.multinomial(20, [0.1, 0.6, 0.3], size=5000).asnumpy()
    assert counts.shape == (5000, 3) and (counts.sum(axis=1) == 20).all()
    numpy.testing.assert_allclose(counts.mean(axis=0), [2.0, 12.0, 6.0], rtol=0.03)
    cov = numpy.array([[2.0, 0.6], [0.6, 1.0]])
    draws = np.random.multivariate_normal([1.0, -2.0], cov, size=20000).asnumpy()
    numpy.testing.assert_allclose(draws.mean(axis=0), [1.0, -2.0], atol=0.04)
    numpy.testing.assert_allclose(numpy.cov(draws.T), cov, atol=0.06)


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_parameters_broadcast_against_each_other_and_size(name):
    first, *rest = PARAMETERS[name]
    column = numpy.full((3, 1), first)
    assert getattr(np.random, name)(column, *rest).shape == (3, 1)
    assert getattr(np.random, name)(np.array(column), *rest, size=(2, 3, 4)).shape == (2, 3, 4)
    assert getattr(np.random, name)(*PARAMETERS[name]).shape == ()
    with pytest.raises(ValueError, match="size=.*cannot hold"):
        getattr(np.random, name)(numpy.full(4, first), *rest, size=(2, 3))


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_float_distributions_default_to_float32_as_mxnet(name):
    assert getattr(np.random, name)(*PARAMETERS[name], size=2).dtype == numpy.float32
    # as MXNet: float64 parameters still give the default float dtype, unless dtype= says
    wide = [np.array(numpy.float64(p)) for p in PARAMETERS[name]]
    assert getattr(np.random, name)(*wide, size=2).dtype == numpy.float32
    assert getattr(np.random, name)(*wide, size=2, dtype="float64").dtype == numpy.float64
    with pytest.raises(TypeError, match="float dtype"):
        getattr(np.random, name)(*PARAMETERS[name], size=2, dtype="int32")


def test_integer_distributions_give_int64():
    for name, parameters in COUNTS.items():
        assert getattr(np.random, name)(*parameters, size=3).dtype == numpy.int64
    assert np.random.multinomial(4, [0.5, 0.5]).dtype == numpy.int64
    assert np.random.poisson(3.0, size=2, dtype="int32").dtype == numpy.int32


@pytest.mark.parametrize("call, message", [
    (lambda: np.random.normal(0, -1.0), "scale must be >= 0, got scale=-1.0"),
    (lambda: np.random.exponential([1.0, -2.0]), "scale must be >= 0"),
    (lambda: np.random.gumbel(0, -1.0), "scale must be >= 0"),
    (lambda: np.random.laplace(0, -1.0), "scale must be >= 0"),
    (lambda: np.random.logistic(0, -1.0), "scale must be >= 0"),
    (lambda: np.random.lognormal(0, -1.0), "sigma must be >= 0"),
    (lambda: np.random.rayleigh(-1.0), "scale must be >= 0"),
    (lambda: np.random.weibull(-1.0), "a must be >= 0"),
    (lambda: np.random.pareto(0.0), "a must be > 0"),
    (lambda: np.random.power(-2.0), "a must be > 0"),
    (lambda: np.random.gamma(-1.0), "shape must be >= 0"),
    (lambda: np.random.gamma(1.0, -1.0), "scale must be >= 0"),
    (lambda: np.random.beta(0.0, 1.0), "a must be > 0"),
    (lambda: np.random.chisquare(0.0), "df must be > 0"),
    (lambda: np.random.binomial(5, 1.5), r"p must be in \[0, 1\]"),
    (lambda: np.random.binomial(-1, 0.5), "n must be >= 0"),
    (lambda: np.random.poisson(-1.0), "lam must be >= 0"),
    (lambda: np.random.negative_binomial(5, 0.0), r"p must be in \(0, 1\]"),
    (lambda: np.random.multinomial(5, [0.5, -0.5]), r"pvals must be in \[0, 1\]"),
    (lambda: npx.random.bernoulli(1.5), r"prob must be in \[0, 1\]"),
    (lambda: npx.random.bernoulli(0.5, 0.0), "exactly one of prob and logit"),
    (lambda: npx.random.bernoulli(), "exactly one of prob and logit"),
])
def test_bad_parameters_raise_valueerror_as_numpy(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_complex_parameters_are_refused():
    with pytest.raises(TypeError, match="real numbers"):
        np.random.normal(np.array([1 + 1j]))
    with pytest.raises(TypeError, match="real numbers"):
        np.random.gamma(1 + 1j)


REPARAMETERISED = {   # name: (parameters, the draw as a function of them and the noise)
    "normal": ((0.5, 2.0), "standard_normal", lambda z, loc, scale: loc + scale * z),
    "uniform": ((-1.0, 3.0), "random", lambda u, low, high: low + (high - low) * u),
    "lognormal": ((0.2, 0.5), "standard_normal", lambda z, m, s: numpy.exp(m + s * z)),
    "exponential": ((2.0,), "standard_exponential", lambda e, scale: scale * e),
    "gumbel": ((0.5, 2.0), "random", lambda u, loc, s: loc - s * numpy.log(-numpy.log1p(-u))),
    "logistic": ((0.5, 2.0), "random", lambda u, loc, s: loc + s * numpy.log(u / (1 - u))),
    "rayleigh": ((2.0,), "standard_exponential", lambda e, s: s * numpy.sqrt(2 * e)),
    "weibull": ((1.5,), "standard_exponential", lambda e, a: e ** (1 / a)),
    # (1 - u) ** (-1 / a) - 1 for u uniform, written with e = -log(1 - u)
    "pareto": ((3.0,), "standard_exponential", lambda e, a: numpy.exp(-e) ** (-1 / a) - 1),
    "power": ((2.5,), "standard_exponential", lambda e, a: (1 - numpy.exp(-e)) ** (1 / a)),
}


@pytest.mark.parametrize("name", sorted(REPARAMETERISED))
def test_reparameterised_gradients_match_finite_differences_at_fixed_noise(name):
    """Replaying one generator state, the draw is a fixed function of its parameters: its
    gradient is that function's, by central differences of NumPy's definition."""
    parameters, noise_method, definition = REPARAMETERISED[name]
    np.random.seed(9)
    standard = getattr(numpy.random.default_rng(9), noise_method)(size=5)
    variables = [np.array(numpy.float64(p)) for p in parameters]
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        draw = getattr(np.random, name)(*variables, size=5, dtype="float64")
    numpy.testing.assert_allclose(draw.asnumpy(), definition(standard, *parameters),
                                  rtol=1e-7)
    draw.backward()
    for i, variable in enumerate(variables):
        step = 1e-6
        up = list(parameters)
        down = list(parameters)
        up[i] += step
        down[i] -= step
        numeric = (definition(standard, *up) - definition(standard, *down)).sum() / (2 * step)
        numpy.testing.assert_allclose(variable.grad.asnumpy(), numeric, rtol=1e-5)


def test_replaying_a_state_repeats_a_differentiable_draw():
    scale = np.array([1.0, 2.0, 3.0], dtype="float64")
    scale.attach_grad()
    state = generator_state()
    with autograd.record():
        first = np.random.gumbel(0.0, scale, dtype="float64")
    first.backward()
    with replaying(state):
        again = np.random.gumbel(0.0, scale.asnumpy(), dtype="float64")
    numpy.testing.assert_array_equal(first.asnumpy(), again.asnumpy())
    numpy.testing.assert_allclose(scale.grad.asnumpy(), again.asnumpy() / scale.asnumpy())


def test_second_derivatives_flow_through_a_reparameterised_draw():
    a = np.array(2.0, dtype="float64")
    a.attach_grad()
    np.random.seed(0)
    e = numpy.random.default_rng(0).standard_exponential()
    with autograd.record():
        draw = np.random.weibull(a, dtype="float64")
        (first,) = autograd.grad([draw], [a], create_graph=True)
    first.backward()
    # d/da e**(1/a) = -e**(1/a) log(e) / a**2, and its derivative again
    value = e ** 0.5
    log_e = math.log(e)
    numpy.testing.assert_allclose(first.asnumpy(), -value * log_e / 4)
    numpy.testing.assert_allclose(a.grad.asnumpy(),
                                  value * log_e ** 2 / 16 + 2 * value * log_e / 8)


@pytest.mark.parametrize("call, parameter", [
    (lambda x: np.random.poisson(x), "lam"),
    (lambda x: np.random.binomial(10, x / 4), "p"),
    (lambda x: np.random.negative_binomial(x, 0.5), "n"),
    (lambda x: np.random.multinomial(5, np.stack([x / 4, 1 - x / 4])), "pvals"),
    (lambda x: np.random.multivariate_normal([0.0, 0.0], x * numpy.eye(2)), "cov"),
    (lambda x: npx.random.bernoulli(x / 4), "prob"),
    (lambda x: npx.random.bernoulli(logit=x), "logit"),
])
def test_no_reparameterisation_raises_when_a_parameter_is_differentiated(call, parameter):
    x = np.array(1.5)
    x.attach_grad()
    with autograd.record(), pytest.raises(NoDerivativeError, match=f"in {parameter} .*detach"):
        call(x)
    with autograd.record():
        assert call(x.detach()).shape in {(), (2,)}      # sampling at its value is fine
    call(x)                                              # so is sampling outside record()
    with pytest.raises(NoDerivativeError):
        func.jvp(lambda v: call(v), (x,), (np.array(1.0),))


def test_weibull_has_no_derivative_where_a_is_zero():
    np.random.seed(0)
    assert (np.random.weibull(np.zeros(3)).asnumpy() == 0).all()     # NumPy's value at a = 0
    a = np.array([0.0, 1.0])
    a.attach_grad()
    with autograd.record(), pytest.raises(NoDerivativeError, match="where a is 0"):
        np.random.weibull(a)


IMPLICIT = {   # name: (parameters, SciPy's inverse distribution function at u)
    "gamma": ((2.5,), lambda u, k: scipy_special().gammaincinv(k, u)),
    "gamma-small-shape": ((0.6,), lambda u, k: scipy_special().gammaincinv(k, u)),
    "chisquare": ((3.0,), lambda u, df: 2 * scipy_special().gammaincinv(df / 2, u)),
    "beta": ((2.0, 0.7), lambda u, a, b: scipy_special().betaincinv(a, b, u)),
}


def scipy_special():
    return pytest.importorskip("scipy.special")


def implicit_draw(name, variables, **kwargs):
    np.random.seed(6)
    return getattr(np.random, name.split("-")[0])(*variables, size=4, dtype="float64",
                                                  **kwargs)


@pytest.mark.parametrize("name", sorted(IMPLICIT))
def test_implicit_gradients_are_those_of_the_inverse_distribution_function(name):
    """With u = F(x) fixed, x = F^-1(u; parameters): first and second derivatives against
    central differences of SciPy's inverse."""
    parameters, inverse = IMPLICIT[name]
    special = scipy_special()
    variables = [np.array(numpy.float64(p)) for p in parameters]
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        draw = implicit_draw(name, variables)
        total = draw.sum()
        first = autograd.grad([total], variables, create_graph=True)
    if name.startswith("beta"):
        u = special.betainc(*parameters, draw.asnumpy())
    else:
        k = parameters[0] / 2 if name == "chisquare" else parameters[0]
        u = special.gammainc(k, draw.asnumpy() / (2 if name == "chisquare" else 1))
    numpy.testing.assert_allclose(draw.asnumpy(), inverse(u, *parameters), rtol=1e-8)
    # the value is NumPy's draw, whether or not a parameter is recorded
    numpy.testing.assert_array_equal(draw.asnumpy(), implicit_draw(name, parameters).asnumpy())

    def along(i, step):
        shifted = list(parameters)
        shifted[i] += step
        return inverse(u, *shifted).sum()

    step = 1e-4
    for i in range(len(parameters)):
        numeric = (along(i, step) - along(i, -step)) / (2 * step)
        numpy.testing.assert_allclose(first[i].asnumpy(), numeric, rtol=1e-6)
    first[0].backward()
    second = (along(0, step) - 2 * along(0, 0.0) + along(0, -step)) / step ** 2
    numpy.testing.assert_allclose(variables[0].grad.asnumpy(), second, rtol=1e-4)


@pytest.mark.parametrize("name, parameters, derivatives", [
    ("gamma", (2.5, 1.5), [1.5]),                                  # E x = shape * scale
    ("chisquare", (3.0,), [1.0]),                                  # E x = df
    ("beta", (2.0, 3.0), [3 / 25, -2 / 25]),                       # E x = a / (a + b)
])
def test_implicit_gradients_are_unbiased(name, parameters, derivatives):
    """The mean of the draws' gradients is the gradient of the mean."""
    differentiated = len(derivatives)
    variables = [np.array(numpy.float64(p)) for p in parameters[:differentiated]]
    for variable in variables:
        variable.attach_grad()
    np.random.seed(8)
    with autograd.record():
        draws = getattr(np.random, name)(*variables, *parameters[differentiated:],
                                         size=20000, dtype="float64")
        mean = draws.mean()
    mean.backward()
    for variable, expected in zip(variables, derivatives):
        assert abs(float(variable.grad.asnumpy()) - expected) < 0.03 * (1 + abs(expected))


def test_implicit_forward_mode_agrees_with_reverse():
    k = np.array(numpy.array([0.8, 3.0]))
    np.random.seed(2)
    _, tangent = func.jvp(lambda s: np.random.gamma(s, dtype="float64"), (k,),
                          (np.array(numpy.array([1.0, 1.0])),))
    k.attach_grad()
    np.random.seed(2)
    with autograd.record():
        draw = np.random.gamma(k, dtype="float64")
    draw.backward()
    numpy.testing.assert_allclose(tangent.asnumpy(), k.grad.asnumpy(), rtol=1e-12)


@pytest.mark.parametrize("call", [lambda x: np.random.gamma(x * 0, size=2),
                                  lambda x: np.random.gamma(x * 1e-4, size=50),
                                  lambda x: np.random.beta(x * 1e-4, 1.0, size=50)])
def test_underflowed_draws_have_no_implicit_derivative(call):
    """Draws at (or within 1e-100 of) the edge of the support, where small shapes make
    NumPy's draws underflow, refuse rather than give a non-finite or zero gradient."""
    np.random.seed(0)
    x = np.array(1.0)
    x.attach_grad()
    with autograd.record(), pytest.raises(NoDerivativeError, match="edge of the support"):
        call(x)


def test_gamma_is_differentiable_in_its_scale():
    scale = np.array([1.0, 2.0], dtype="float64")
    scale.attach_grad()
    with autograd.record():
        draw = np.random.gamma(3.0, scale, dtype="float64")
    draw.backward()
    numpy.testing.assert_allclose(scale.grad.asnumpy(), draw.asnumpy() / scale.asnumpy())


def test_out_writes_the_draw_into_an_array():
    buffer = np.zeros(3)
    result = np.random.normal(1.0, 0.0, size=3, out=buffer)
    numpy.testing.assert_array_equal(buffer.asnumpy(), [1.0, 1.0, 1.0])
    assert result is buffer


def test_mxnet_signatures():
    for name in ["normal", "uniform", "gamma", "lognormal", "exponential", "gumbel",
                 "logistic", "rayleigh", "weibull", "pareto", "choice", "randint"]:
        parameters = list(inspect.signature(getattr(np.random, name)).parameters)
        assert parameters[-3:] == ["ctx", "out", "device"] or parameters[-4:-1] == [
            "dtype", "ctx", "out"] or "ctx" in parameters[:6], name
    assert list(inspect.signature(np.random.normal).parameters)[:6] == [
        "loc", "scale", "size", "dtype", "ctx", "out"]
    assert list(inspect.signature(np.random.exponential).parameters)[:4] == [
        "scale", "size", "ctx", "out"]
    assert list(inspect.signature(np.random.multinomial).parameters)[:3] == [
        "n", "pvals", "size"]
    assert sorted(npx.random.__all__) == ["bernoulli", "normal_n", "seed", "uniform_n"]


def test_npx_random_as_mxnet():
    npx.random.seed(3)
    first = npx.random.normal_n(np.zeros(3), 1.0, batch_shape=(2,))
    npx.random.seed(3)
    numpy.testing.assert_array_equal(first.asnumpy(),
                                     npx.random.normal_n(np.zeros(3), 1.0, (2,)).asnumpy())
    assert first.shape == (2, 3) and first.dtype == numpy.float32
    assert npx.random.uniform_n(0.0, 1.0, batch_shape=(2, 4)).shape == (2, 4)
    assert npx.random.normal_n().shape == ()
    mask = npx.random.bernoulli(0.3, size=(100, 100))
    assert mask.dtype == numpy.float32 and set(numpy.unique(mask.asnumpy())) <= {0.0, 1.0}
    assert abs(mask.asnumpy().mean() - 0.3) < 0.02
    numpy.testing.assert_array_equal(npx.random.bernoulli(logit=np.array([-100.0, 100.0]))
                                     .asnumpy(), [0.0, 1.0])
    import ndgrad.npx.random as module
    assert module is npx.random


def test_choice_and_shuffle_as_mxnet():
    assert np.random.choice(5, 3, replace=False).dtype == numpy.int64
    assert len(set(np.random.choice(5, 5, replace=False).asnumpy().tolist())) == 5
    assert np.random.choice(np.array([1.0, 2.0, 3.0]), 2).dtype == numpy.float32
    x = np.arange(6.0)
    assert np.random.shuffle(x) is None
    numpy.testing.assert_array_equal(numpy.sort(x.asnumpy()), numpy.arange(6.0))


STARTUP = ("import ndgrad; from ndgrad import np; "
           "print(np.random.uniform(size=3, dtype='float64').asnumpy().tolist())")


def test_the_generator_is_seeded_at_start_up_as_mxnet():
    runs = [subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    numpy.testing.assert_array_equal(eval(runs[0]),
                                     numpy.random.default_rng(START_UP_SEED).random(3))


def test_implicit_gradients_in_float32_are_finite_and_keep_the_dtype():
    # computed in float64: a float32 draw rounded onto the edge (beta's 1) is no trouble
    a = np.array([2.5, 0.7, 30.0])
    b = np.array([0.5, 2.0, 5.0])
    a.attach_grad()
    b.attach_grad()
    np.random.seed(3)
    with autograd.record():
        draws = [np.random.gamma(a, size=(500, 3)), np.random.beta(a, b, size=(500, 3)),
                 np.random.chisquare(a, size=(500, 3))]
        total = sum(draw.sum() for draw in draws)
    total.backward()
    assert all(draw.dtype == numpy.float32 for draw in draws)
    assert numpy.isfinite(a.grad.asnumpy()).all() and numpy.isfinite(b.grad.asnumpy()).all()
