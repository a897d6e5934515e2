"""Test-table rows for the random family (see specs.py for what every row gets).

Each reparameterised draw is a differentiable function of its parameters given NumPy's
standard noise; a row reseeds before every call (as the dropout row does), so finite
differences see one fixed noise, and its reference applies NumPy's definition of the
distribution to the same noise (``numpy.random.default_rng(0)``'s standard draw)."""

from __future__ import annotations

import numpy
from hypothesis import strategies as st

from ndgrad import np, npx

from .table import OpSpec, normal, per_operand, positive


def sample_dtype(parameters):
    """The parameters' float dtype (float32 at least): the dtype a row draws in."""
    return numpy.result_type(*(p.dtype for p in parameters), numpy.float32)


def seeded(draw, *parameters, **kwargs):
    """``draw(*parameters)`` right after ``np.random.seed(0)``, in the parameters' dtype."""
    np.random.seed(0)
    return draw(*parameters, dtype=sample_dtype(parameters), **kwargs)


def noise(method, *parameters, batch=(), constants=()):
    """NumPy's standard draw ``method`` after seeding with 0, for the parameters' broadcast
    shape (after ``batch``), in their dtype."""
    shape = batch + numpy.broadcast_shapes(*(numpy.shape(p) for p in parameters))
    sample = getattr(numpy.random.default_rng(0), method)(*constants, size=shape)
    return numpy.asarray(sample, dtype=sample_dtype(parameters))


def in_sample_dtype(reference):
    """``reference`` computed on the parameters cast to the dtype the row draws in."""
    def cast(*parameters):
        dtype = sample_dtype(parameters)
        return reference(*(numpy.asarray(p, dtype=dtype) for p in parameters))
    return cast


def numpy_weibull(a):
    """``e ** (1 / a)``, and 0 where ``a`` is 0 (NumPy's definition)."""
    zero = a == 0
    return numpy.where(zero, 0.0, noise("standard_exponential", a) ** (1 / numpy.where(zero, 1, a)))


def numpy_power(a):
    if numpy.any(a <= 0):
        raise ValueError("a <= 0")               # what NumPy raises
    return (-numpy.expm1(-noise("standard_exponential", a))) ** (1 / a)


def location_scale(method):
    """A row for ``method``(loc, scale) = loc + scale * (its standard draw)."""
    return OpSpec(f"random.{method}", f"np.random.{method}",
                  lambda loc, scale: seeded(getattr(np.random, method), loc, scale),
                  lambda loc, scale: loc + scale * noise(method, loc, scale),
                  ("add", "multiply"), nargs=2, broadcast=True,
                  sample=per_operand(normal, positive))


COV = numpy.array([[2.0, 0.6], [0.6, 1.0]])   # multivariate_normal's, a constant in its row

ROWS: tuple = (
    OpSpec("random.normal", "np.random.normal",
           lambda loc, scale: seeded(np.random.normal, loc, scale),
           lambda loc, scale: loc + scale * noise("standard_normal", loc, scale),
           ("add", "multiply"), nargs=2, broadcast=True, sample=per_operand(normal, positive)),
    OpSpec("random.uniform", "np.random.uniform",
           lambda low, high: seeded(np.random.uniform, low, high),
           in_sample_dtype(lambda low, high: low + (high - low) * noise("random", low, high)),
           ("add", "subtract", "multiply"), nargs=2, broadcast=True),
    OpSpec("random.lognormal", "np.random.lognormal",
           lambda mean, sigma: seeded(np.random.lognormal, mean, sigma),
           lambda mean, sigma: numpy.exp(mean + sigma * noise("standard_normal", mean, sigma)),
           ("add", "multiply", "exp"), nargs=2, broadcast=True,
           sample=per_operand(normal, positive)),
    OpSpec("random.exponential", "np.random.exponential",
           lambda scale: seeded(np.random.exponential, scale),
           lambda scale: scale * noise("standard_exponential", scale),
           ("multiply",), sample=positive),
    location_scale("gumbel"),
    location_scale("laplace"),
    location_scale("logistic"),
    OpSpec("random.rayleigh", "np.random.rayleigh",
           lambda scale: seeded(np.random.rayleigh, scale),
           lambda scale: scale * noise("rayleigh", scale), ("multiply",), sample=positive),
    OpSpec("random.weibull", "np.random.weibull", lambda a: seeded(np.random.weibull, a),
           in_sample_dtype(numpy_weibull),
           ("power", "divide", "where"), sample=positive),
    OpSpec("random.pareto", "np.random.pareto", lambda a: seeded(np.random.pareto, a),
           lambda a: numpy.expm1(noise("standard_exponential", a) / a),
           ("divide", "expm1"), sample=positive),
    OpSpec("random.power", "np.random.power", lambda a: seeded(np.random.power, a),
           in_sample_dtype(numpy_power),
           ("power", "divide"), sample=positive),
    # in scale; the shape's implicit gradient has its own tests (test_random.py)
    OpSpec("random.gamma", "np.random.gamma",
           lambda scale: seeded(lambda s, **kw: np.random.gamma(2.5, s, **kw), scale),
           lambda scale: scale * noise("standard_gamma", scale, constants=(2.5,)),
           ("multiply",), sample=positive),
    OpSpec("random.multivariate_normal", "np.random.multivariate_normal",
           lambda mean: seeded(
               lambda m, **kw: np.random.multivariate_normal(m, COV, size=3, **kw), mean),
           in_sample_dtype(lambda mean: mean + numpy.random.default_rng(0).multivariate_normal(
               numpy.zeros(2), COV, size=3).astype(mean.dtype)),
           ("add",), shapes=lambda variant: st.just(((2,),))),
    OpSpec("random.normal_n", "npx.random.normal_n",
           lambda loc, scale: seeded(npx.random.normal_n, loc, scale, batch_shape=(2,)),
           lambda loc, scale: loc + scale * noise("standard_normal", loc, scale, batch=(2,)),
           ("add", "multiply"), nargs=2, broadcast=True, sample=per_operand(normal, positive)),
    OpSpec("random.uniform_n", "npx.random.uniform_n",
           lambda low, high: seeded(npx.random.uniform_n, low, high, batch_shape=(2,)),
           in_sample_dtype(
               lambda low, high: low + (high - low) * noise("random", low, high, batch=(2,))),
           ("add", "subtract", "multiply"), nargs=2, broadcast=True),
)

# public functions of this family with no row, by the reason they have none
NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "random samples (constants)": {"np.random.seed", "np.random.standard_normal",
                                   "npx.random.seed"},
    # finite differences of NumPy's draw follow its rejection sampler, not the inverse
    # distribution function these gradients are of: test_random.py checks them against SciPy
    "differentiable by implicit reparameterisation, checked against SciPy's inverse in "
    "test_random.py (no row: finite differences of NumPy's sampler follow another path)": {
        "np.random.beta", "np.random.chisquare"},
    "random samples with no reparameterisation (NoDerivativeError if a parameter is "
    "differentiated)": {
        "np.random.binomial", "np.random.poisson", "np.random.negative_binomial",
        "np.random.multinomial", "npx.random.bernoulli"},
}
