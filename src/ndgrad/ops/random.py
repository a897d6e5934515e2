"""Random arrays (``np.random``, ``npx.random``), with MXNet 1.9.1's names and defaults.

Two interfaces, as NumPy: the legacy functions (``seed``, ``rand``, ``normal``, ``gamma``...)
draw from one generator for the process, and ``default_rng(seed)`` returns a ``Generator``
with NumPy's methods (``random``, ``normal``, ``integers``...). Draws are guarded by a lock,
so threads never share a half-updated state.

Start-up seed: as MXNet, the process generator is seeded with 0 when ndgrad is imported, so a
script prints the same draws on every run; ``np.random.seed()`` with no argument reseeds it
from fresh entropy. (The draws are NumPy's ``default_rng(0)`` stream, not MXNet's numbers.)

Dtypes: float samples are of the default float dtype (float32, as MXNet) unless ``dtype=``
says otherwise, whatever the parameters' dtype; integer samples (``randint``, ``binomial``,
``poisson``, ``negative_binomial``, ``multinomial``) are int64, as NumPy.

Gradients. A draw of ``normal uniform lognormal exponential gumbel laplace logistic rayleigh
weibull pareto power`` (and ``npx.random.normal_n``, ``uniform_n``) is a differentiable
function of its parameter arrays given NumPy's standard noise, so gradients flow into the
parameters (the reparameterisation trick), to any order: ``normal = loc + scale * z``,
``uniform = low + (high - low) * u``, ``lognormal = exp(mean + sigma * z)``, ``exponential =
scale * e``, ``gumbel``, ``laplace``, ``logistic = loc + scale * s`` (s the family's standard
draw),
``rayleigh = scale * r``, ``weibull = e ** (1 / a)``, ``pareto = expm1(e / a)`` (Lomax, as
NumPy), ``power = (1 - exp(-e)) ** (1 / a)``, with z standard normal, u uniform on [0, 1) and
e standard exponential: NumPy's own definitions, so a Generator with NumPy's seed gives
NumPy's values. ``gamma`` is ``scale * g``, reparameterised in ``scale``.

``gamma``'s ``shape``, ``beta``'s ``a`` and ``b`` and ``chisquare``'s ``df`` get implicit
reparameterisation gradients (Figurnov et al., 2018): NumPy draws x, and with u = F(x) held
fixed (F the distribution function: ``gammainc``, ``betainc``), x is the solution of
F(x, parameters) = u, so dx/dparameter = -(dF/dparameter) / density(x). The draw is written
as two Newton steps on F from x (which leave its value exactly x), giving these derivatives
exactly to order three; they are the derivatives of the inverse distribution function at
fixed u, not of NumPy's rejection sampler at fixed noise (which finite differences of the
draw would follow), and their expectations are the derivatives of the expectations.

``multivariate_normal`` is ``mean + d`` (d drawn from N(0, cov)), differentiable in ``mean``.
Its ``cov`` (not implemented) and the parameters of the integer-valued ``binomial``,
``poisson``, ``negative_binomial``, ``multinomial`` and ``npx.random.bernoulli`` are not
differentiable: a parameter being differentiated (recorded, or carrying a forward-mode
tangent) raises NoDerivativeError, never a silent zero; pass ``x.detach()`` to sample at its
value. So do ``weibull`` where ``a`` is 0, and implicit derivatives of draws within 1e-100
of the edge of their support (shapes far below 1, where NumPy's draws underflow).
``choice``, ``permutation`` and ``shuffle`` give constants. A Bernoulli mask is
``npx.random.bernoulli(p, size=shape)`` or ``np.random.uniform(size=shape) < p``.
"""

from __future__ import annotations

import math
import operator
import threading
from contextlib import contextmanager

import numpy

from .._device import require_cpu
from .._ndarray import _raw_nested, holds_history, ndarray, prepare_write, raw
from .._publish import public, publish
from ..errors import NoDerivativeError
from .creation import _float_dtype, _new, asarray
from .elementwise import exp, expm1, where
from .shape import astype
from .special import betainc, betaln, gammainc, gammaln, xlog1py, xlogy

# MXNet seeds its generator with 0 at start-up, so a script draws the same on every run.
START_UP_SEED = 0
_GENERATOR = [numpy.random.default_rng(START_UP_SEED)]
_LOCK = threading.Lock()



def _non_negative(values):
    return ~(values < 0)


def _positive(values):
    return ~(values <= 0)


def _probability(values):
    return (values >= 0) & (values <= 1)


_REQUIREMENTS = {_non_negative: ">= 0", _positive: "> 0", _probability: "in [0, 1]"}


def _data(value):
    """A parameter's data at full precision: Python numbers stay float64 or int64 (not the
    default float dtype of ``np.array``)."""
    if isinstance(value, (list, tuple)):
        return numpy.asarray(_raw_nested(value))
    return numpy.asarray(raw(value))


def _real(value, what="random parameters"):
    """``value``'s data as a NumPy array of real numbers (TypeError for anything else)."""
    data = _data(value)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be real numbers, got dtype {data.dtype}")
    return data


def _require(method, name, value, holds, requirement=None):
    """ValueError, as NumPy, unless every value of the parameter ``name`` ``holds`` (NaN
    passes, as in NumPy)."""
    data = _real(value, f"np.random.{method}: {name}")
    bad = ~holds(data) & ~numpy.isnan(data)
    if numpy.any(bad):
        first = data[bad].flat[0].item()
        wanted = requirement or _REQUIREMENTS[holds]
        raise ValueError(f"np.random.{method}: {name} must be {wanted}, got {name}={first!r}"
                         f"{' (among others)' if bad.sum() > 1 else ''}")


def _not_differentiated(method, why, **parameters):
    """NoDerivativeError if a parameter is being differentiated: ``method``'s samples carry
    no gradient into it, and a silent zero would be wrong."""
    for name, value in parameters.items():
        if holds_history([value]):
            raise NoDerivativeError(
                f"np.random.{method} is not differentiable in {name} ({why}); to sample at "
                f"its value, pass {name}.detach()")


def _sample_dtype(method, dtype):
    dtype = numpy.dtype(_float_dtype(dtype))
    if dtype.kind != "f":
        raise TypeError(f"np.random.{method} draws real numbers: dtype must be a float dtype, "
                        f"got {dtype}")
    return dtype


def _parameter(method, name, value, dtype):
    """``value`` as an ndgrad array of ``dtype``, keeping its history (so the draw is
    differentiable in it)."""
    if isinstance(value, ndarray) or holds_history([value]):
        array = asarray(value)
    else:
        array = _new(_data(value))
    if array.dtype.kind not in "biuf":
        raise TypeError(f"np.random.{method}: {name} must be real numbers, got dtype "
                        f"{array.dtype}")
    return array if array.dtype == dtype else astype(array, dtype)


def _sample_shape(method, size, shapes):
    """The shape of the draw: ``size``, which the parameters' shapes must broadcast to, or
    their broadcast shape when ``size`` is None (as NumPy)."""
    try:
        shape = numpy.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"np.random.{method}: the parameters' shapes {tuple(shapes)} do not "
                         "broadcast together") from None
    if size is None:
        return shape
    size = (operator.index(size),) if numpy.ndim(size) == 0 else tuple(
        operator.index(side) for side in size)
    if any(side < 0 for side in size):
        raise ValueError(f"np.random.{method}: negative dimensions are not allowed, got "
                         f"size={size}")
    try:
        fits = numpy.broadcast_shapes(size, shape) == size
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"np.random.{method}: size={size} cannot hold parameters that "
                         f"broadcast to shape {shape}; give a size that ends in that shape")
    return size


# Draws nearer than this to the edge of their support (gamma's 0, beta's 0 and 1) have no
# representable implicit derivative to third order.
_IMPLICIT_EDGE = 1e-100


# Distribution functions and log densities for implicit reparameterisation, in ndgrad's ops
# (differentiable in the draw and the parameters to any order).
def _gamma_cdf(x, shape):
    return gammainc(shape, x)


def _gamma_log_density(x, shape):
    return xlogy(shape - 1, x) - x - gammaln(shape)


def _chisquare_cdf(x, df):
    return gammainc(df / 2, x / 2)


def _chisquare_log_density(x, df):
    return _gamma_log_density(x / 2, df / 2) - math.log(2)


def _beta_cdf(x, a, b):
    return betainc(a, b, x)


def _beta_log_density(x, a, b):
    return xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b)


class Generator:
    """NumPy's ``numpy.random.Generator`` interface, returning ndgrad arrays. Made by
    ``np.random.default_rng(seed)``; the same seed gives the same draws as NumPy's generator
    before the cast to the float dtype. The reparameterised distributions are differentiable
    in their parameters (see the module docstring)."""

    def __init__(self, source: numpy.random.Generator, lock=None) -> None:
        self._source = source
        self._lock = lock if lock is not None else threading.Lock()

    def __repr__(self) -> str:
        return f"ndgrad Generator({type(self._source.bit_generator).__name__})"

    def _draw(self, method, /, *args, **kwargs):
        with self._lock:
            return getattr(self._source, method)(*args, **kwargs)

    def _floats(self, method, *args, size, dtype, device, ctx):
        sample = self._draw(method, *args, size=size)
        return _new(numpy.asarray(sample, dtype=_float_dtype(dtype)), device, ctx)

    def _transformed(self, method, noise, transform, size, dtype, device, ctx, constants=(),
                     **parameters):
        """``transform(standard, *parameters)``: the draw as a differentiable function of the
        parameter arrays, given ``standard``, NumPy's ``noise`` draw (a Generator method name)
        for the shape that ``size`` and all parameters give, with ``constants`` (raw, not
        differentiated parameters) passed to it."""
        require_cpu(device if device is not None else ctx)
        dtype = _sample_dtype(method, dtype)
        arrays = [_parameter(method, name, value, dtype) for name, value in parameters.items()]
        shape = _sample_shape(method, size, [a.shape for a in arrays]
                              + [numpy.shape(c) for c in constants])
        standard = self._draw(noise, *constants, size=shape)
        return transform(_new(numpy.asarray(standard, dtype=dtype)), *arrays)

    def _implicit(self, method, noise, cdf, log_density, size, dtype, device, ctx,
                  **parameters):
        """A draw of NumPy's ``noise`` (a Generator method name) as a differentiable function
        of the parameters, by implicit reparameterisation: with u = cdf(x0) held fixed, the
        draw x(parameters) solves cdf(x, parameters) = u. Two Newton steps from x0 give x0
        itself and x(parameters)'s derivatives exactly to order three (each step doubles the
        order), with ``log_density`` the derivative of ``cdf`` in x, as a log. Computed in
        float64."""
        if not any(holds_history([value]) for value in parameters.values()):
            # nothing to differentiate: NumPy's draw as it is
            return self._transformed(method, noise, lambda x: x, size, dtype, device, ctx,
                                     constants=tuple(_real(v) for v in parameters.values()))
        require_cpu(device if device is not None else ctx)
        dtype = _sample_dtype(method, dtype)
        arrays = [_parameter(method, name, value, numpy.dtype(numpy.float64))
                  for name, value in parameters.items()]
        shape = _sample_shape(method, size, [a.shape for a in arrays])
        x0 = numpy.asarray(self._draw(noise, *(_real(v) for v in parameters.values()),
                                      size=shape), dtype=numpy.float64)
        # x ** -3 (in the third derivative of the log density) must stay finite
        edge = ~((x0 > _IMPLICIT_EDGE) & (x0 < (1 if method == "beta" else numpy.inf)))
        if numpy.any(edge):
            raise NoDerivativeError(
                f"np.random.{method}: {int(edge.sum())} of {edge.size} draws lie within "
                f"{_IMPLICIT_EDGE:g} of the edge of the support (parameters far below 1 make "
                "NumPy's draws underflow), where their implicit derivative is not "
                "representable; use larger parameters, or pass them detached")
        x = start = _new(x0)
        u = cdf(start, *(array.detach() for array in arrays))
        for _ in range(2):
            x = x - (cdf(x, *arrays) - u) * exp(-log_density(x, *arrays))
        return x if x.dtype == dtype else astype(x, dtype)

    def _counts(self, method, size, dtype, device, ctx, **parameters):
        """An integer-valued draw of NumPy's ``method`` (int64 unless ``dtype`` says)."""
        _not_differentiated(method, "its samples are integers", **parameters)
        values = [raw(value) for value in parameters.values()]
        sample = self._draw(method, *values, size=size)
        return _new(numpy.asarray(sample, dtype=numpy.int64 if dtype is None else dtype),
                    device, ctx)

    def random(self, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of U[0, 1); ``size=None`` gives one sample as a 0-d array."""
        return self._floats("random", size=size, dtype=dtype, device=device, ctx=ctx)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of U[low, high): ``low + (high - low) * u`` for u in U[0, 1)."""
        return self._transformed("uniform", "random", lambda u, low, high: low + (high - low) * u,
                                 size, dtype, device, ctx, low=low, high=high)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of N(loc, scale^2): ``loc + scale * z`` for z in N(0, 1)."""
        _require("normal", "scale", scale, _non_negative)
        return self._transformed("normal", "standard_normal",
                                 lambda z, loc, scale: loc + scale * z,
                                 size, dtype, device, ctx, loc=loc, scale=scale)

    def standard_normal(self, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of N(0, 1)."""
        return self._floats("standard_normal", size=size, dtype=dtype, device=device, ctx=ctx)

    def lognormal(self, mean=0.0, sigma=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples whose log is N(mean, sigma^2): ``exp(mean + sigma * z)``."""
        _require("lognormal", "sigma", sigma, _non_negative)
        return self._transformed("lognormal", "standard_normal",
                                 lambda z, mean, sigma: exp(mean + sigma * z),
                                 size, dtype, device, ctx, mean=mean, sigma=sigma)

    def exponential(self, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the exponential distribution of mean ``scale``: ``scale * e`` for e
        standard exponential."""
        _require("exponential", "scale", scale, _non_negative)
        return self._transformed("exponential", "standard_exponential",
                                 lambda e, scale: scale * e, size, dtype, device, ctx,
                                 scale=scale)

    def gumbel(self, loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the Gumbel distribution: ``loc - scale * log(-log(u))``, u uniform."""
        return self._location_scale("gumbel", loc, scale, size, dtype, device, ctx)

    def laplace(self, loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the Laplace distribution (density ``exp(-|x - loc| / scale) / (2 scale)``)."""
        return self._location_scale("laplace", loc, scale, size, dtype, device, ctx)

    def logistic(self, loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the logistic distribution: ``loc + scale * log(u / (1 - u))``."""
        return self._location_scale("logistic", loc, scale, size, dtype, device, ctx)

    def _location_scale(self, method, loc, scale, size, dtype, device, ctx):
        """``loc + scale * s`` for s NumPy's standard draw of ``method`` (loc 0, scale 1):
        NumPy's own definition of these families."""
        _require(method, "scale", scale, _non_negative)
        return self._transformed(method, method, lambda s, loc, scale: loc + scale * s,
                                 size, dtype, device, ctx, loc=loc, scale=scale)

    def rayleigh(self, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the Rayleigh distribution: ``scale * sqrt(-2 log(1 - u))``."""
        _require("rayleigh", "scale", scale, _non_negative)
        return self._transformed("rayleigh", "rayleigh", lambda r, scale: scale * r,
                                 size, dtype, device, ctx, scale=scale)

    def weibull(self, a, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the Weibull distribution of shape ``a`` (scale 1): ``e ** (1 / a)`` for
        e standard exponential; 0 where ``a`` is 0, as NumPy."""
        _require("weibull", "a", a, _non_negative)
        if holds_history([a]) and numpy.any(_real(a) == 0):
            # the draw jumps to 0 there: e ** (1 / a) tends to 0 or infinity as a -> 0
            raise NoDerivativeError("np.random.weibull has no derivative in a where a is 0; "
                                    "give a > 0, or pass a.detach()")

        def transform(e, a):
            zero = a == 0
            return where(zero, 0.0, e ** (1 / where(zero, 1.0, a)))

        return self._transformed("weibull", "standard_exponential", transform,
                                 size, dtype, device, ctx, a=a)

    def pareto(self, a, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the Pareto II (Lomax) distribution, as NumPy: ``expm1(e / a)``, that is
        ``(1 - u) ** (-1 / a) - 1``."""
        _require("pareto", "a", a, _positive)
        return self._transformed("pareto", "standard_exponential",
                                 lambda e, a: expm1(e / a), size, dtype, device, ctx, a=a)

    def power(self, a, size=None, dtype=None, *, device=None, ctx=None):
        """Samples in [0, 1] of density ``a x ** (a - 1)``: ``(1 - exp(-e)) ** (1 / a)`` for e
        standard exponential, as NumPy."""
        _require("power", "a", a, _positive)
        return self._transformed("power", "standard_exponential",
                                 lambda e, a: (-expm1(-e)) ** (1 / a), size, dtype, device,
                                 ctx, a=a)

    def standard_gamma(self, shape, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the gamma distribution of ``shape`` and scale 1, differentiable in
        ``shape`` by implicit reparameterisation (module docstring)."""
        return self.gamma(shape, 1.0, size, dtype, device=device, ctx=ctx)

    def gamma(self, shape, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the gamma distribution, ``scale * g`` for g standard gamma of ``shape``
        (NumPy's definition); differentiable in ``scale`` (reparameterised) and in ``shape``
        (implicitly)."""
        _require("gamma", "scale", scale, _non_negative)
        _require("gamma", "shape", shape, _non_negative)
        size = _sample_shape("gamma", size, [numpy.shape(_data(shape)),
                                             numpy.shape(_data(scale))])
        dtype = _sample_dtype("gamma", dtype)
        standard = self._implicit("gamma", "standard_gamma", _gamma_cdf, _gamma_log_density,
                                  size, dtype, device, ctx, shape=shape)
        return _parameter("gamma", "scale", scale, dtype) * standard

    def beta(self, a, b, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the beta distribution, differentiable in ``a`` and ``b`` by implicit
        reparameterisation (module docstring)."""
        _require("beta", "a", a, _positive)
        _require("beta", "b", b, _positive)
        return self._implicit("beta", "beta", _beta_cdf, _beta_log_density, size, dtype,
                              device, ctx, a=a, b=b)

    def chisquare(self, df, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the chi-square distribution, ``2 g`` for g standard gamma of shape
        ``df / 2`` (NumPy's definition), differentiable in ``df`` (implicitly)."""
        _require("chisquare", "df", df, _positive)
        return self._implicit("chisquare", "chisquare", _chisquare_cdf,
                              _chisquare_log_density, size, dtype, device, ctx, df=df)

    def binomial(self, n, p, size=None, dtype=None, *, device=None, ctx=None):
        """Counts of successes in ``n`` trials of probability ``p`` (int64)."""
        _require("binomial", "n", n, _non_negative)
        _require("binomial", "p", p, _probability)
        return self._counts("binomial", size, dtype, device, ctx, n=n, p=p)

    def poisson(self, lam=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of the Poisson distribution of mean ``lam`` (int64)."""
        _require("poisson", "lam", lam, _non_negative)
        return self._counts("poisson", size, dtype, device, ctx, lam=lam)

    def negative_binomial(self, n, p, size=None, dtype=None, *, device=None, ctx=None):
        """Failures before the ``n``-th success in trials of probability ``p`` (int64)."""
        _require("negative_binomial", "n", n, _positive)
        _require("negative_binomial", "p", p, lambda v: (v > 0) & (v <= 1), "in (0, 1]")
        return self._counts("negative_binomial", size, dtype, device, ctx, n=n, p=p)

    def multinomial(self, n, pvals, size=None, dtype=None, *, device=None, ctx=None):
        """Counts of each outcome in ``n`` trials of probabilities ``pvals`` (int64), of
        shape ``size + (len(pvals),)``."""
        _require("multinomial", "n", n, _non_negative)
        _require("multinomial", "pvals", pvals, _probability)
        return self._counts("multinomial", size, dtype, device, ctx, n=n, pvals=pvals)

    def multivariate_normal(self, mean, cov, size=None, check_valid="warn", tol=1e-8, *,
                            method="svd", dtype=None, device=None, ctx=None):
        """Samples of N(mean, cov), of shape ``size + mean.shape``: ``mean + d`` for d NumPy's
        draw of N(0, cov), as NumPy; differentiable in ``mean``, not in ``cov``."""
        _not_differentiated("multivariate_normal", "not implemented for cov", cov=cov)
        require_cpu(device if device is not None else ctx)
        dtype = _sample_dtype("multivariate_normal", dtype)
        mean = _parameter("multivariate_normal", "mean", mean, dtype)
        deviation = self._draw("multivariate_normal", numpy.zeros(mean.shape), _real(cov),
                               size=size, check_valid=check_valid, tol=tol, method=method)
        return mean + _new(numpy.asarray(deviation, dtype=dtype))

    def integers(self, low, high=None, size=None, dtype=numpy.int64, endpoint=False, *,
                 device=None, ctx=None):
        """Integers in [low, high) ([0, low) when ``high`` is None; ``endpoint`` closes it)."""
        sample = self._draw("integers", raw(low), None if high is None else raw(high),
                            size=size, dtype=dtype, endpoint=endpoint)
        return _new(numpy.asarray(sample), device, ctx)

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        """Samples of ``a`` (an array, or range(a) for an int), with probabilities ``p``.
        A constant even when ``a`` is recorded: index ``a`` to keep its gradient."""
        sample = self._draw("choice", raw(a), size=size, replace=replace,
                            p=None if p is None else raw(p), axis=axis, shuffle=shuffle)
        return _new(numpy.asarray(sample))

    def permutation(self, x, axis=0):
        """A shuffled copy of ``x`` along ``axis`` (of range(x) for an int); a constant."""
        return _new(numpy.asarray(self._draw("permutation", raw(x), axis=axis)))

    def shuffle(self, x, axis=0):
        """Shuffle ``x`` in place along ``axis``. An ndgrad array that is part of a recorded
        graph is refused (InPlaceModifiedError): index it with ``permutation`` instead."""
        if isinstance(x, ndarray):
            x._check_writable("np.random.shuffle")
            prepare_write(x)
            self._draw("shuffle", x._data, axis=axis)
            x._version[0] += 1
        else:
            self._draw("shuffle", x, axis=axis)



publish(Generator, "Generator", namespaces=("np.random",))


@public(namespaces=("np.random",))
def default_rng(seed=None):
    """A new ``Generator`` seeded by ``seed`` (an int, a sequence of ints, a NumPy
    SeedSequence, BitGenerator or Generator), or by fresh entropy when None; a Generator
    passed in is returned as it is, as NumPy."""
    if isinstance(seed, Generator):
        return seed
    return Generator(numpy.random.default_rng(seed))


@public(namespaces=("np.random",))
def seed(seed=None):
    """Reseed ndgrad's generator, so the draws that follow repeat (None: from fresh
    entropy). At import it is seeded with ``START_UP_SEED`` (0), as MXNet."""
    _reseed(seed)


def _reseed(value):
    with _LOCK:
        _GENERATOR[0] = numpy.random.default_rng(value)


def generator_state():
    """The process generator's state, for ``replaying`` the same draws later."""
    with _LOCK:
        return _GENERATOR[0].bit_generator.state


@contextmanager
def replaying(state):
    """Draw from ``state`` inside the block (autograd.checkpoint's second run draws what the
    first drew); the generator goes on from where it was afterwards."""
    with _LOCK:
        saved = _GENERATOR[0].bit_generator.state
        _GENERATOR[0].bit_generator.state = state
    try:
        yield
    finally:
        with _LOCK:
            _GENERATOR[0].bit_generator.state = saved


def _shared():
    """The process's generator, behind the legacy functions."""
    return Generator(_GENERATOR[0], _LOCK)


@public(namespaces=("np.random",))
def rand(*shape, dtype=None, device=None, ctx=None):
    """Samples of U[0, 1) of shape ``shape`` (one 0-d sample with no shape)."""
    return _shared().random(shape or None, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def randn(*shape, dtype=None, device=None, ctx=None):
    """Samples of N(0, 1) of shape ``shape`` (one 0-d sample with no shape)."""
    return _shared().standard_normal(shape or None, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",), aliases=("random_sample",))
def random(size=None, dtype=None, *, device=None, ctx=None):
    """Samples of U[0, 1) (NumPy's random_sample)."""
    return _shared().random(size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def standard_normal(size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples of N(0, 1)."""
    return _shared().standard_normal(size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples of U[low, high), differentiable in ``low`` and ``high``; ``size=None`` gives
    the parameters' broadcast shape (one sample as a 0-d array for numbers)."""
    return _shared().uniform(low, high, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples of N(loc, scale^2), differentiable in ``loc`` and ``scale``."""
    return _shared().normal(loc, scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def lognormal(mean=0.0, sigma=1.0, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples whose log is N(mean, sigma^2), differentiable in ``mean`` and ``sigma``."""
    return _shared().lognormal(mean, sigma, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def exponential(scale=1.0, size=None, ctx=None, out=None, *, dtype=None, device=None):
    """Samples of the exponential distribution of mean ``scale``, differentiable in it."""
    return _shared().exponential(scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def gumbel(loc=0.0, scale=1.0, size=None, ctx=None, out=None, *, dtype=None, device=None):
    """Samples of the Gumbel distribution, differentiable in ``loc`` and ``scale``."""
    return _shared().gumbel(loc, scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def laplace(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples of the Laplace distribution, differentiable in ``loc`` and ``scale`` (not in
    MXNet 1.9.1's np.random; NumPy's arguments)."""
    return _shared().laplace(loc, scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def logistic(loc=0.0, scale=1.0, size=None, ctx=None, out=None, *, dtype=None, device=None):
    """Samples of the logistic distribution, differentiable in ``loc`` and ``scale``."""
    return _shared().logistic(loc, scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def rayleigh(scale=1.0, size=None, ctx=None, out=None, *, dtype=None, device=None):
    """Samples of the Rayleigh distribution, differentiable in ``scale``."""
    return _shared().rayleigh(scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def weibull(a, size=None, ctx=None, out=None, *, dtype=None, device=None):
    """Samples of the Weibull distribution of shape ``a``, differentiable in ``a``."""
    return _shared().weibull(a, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def pareto(a, size=None, ctx=None, out=None, *, dtype=None, device=None):
    """Samples of the Pareto II (Lomax) distribution, as NumPy, differentiable in ``a``."""
    return _shared().pareto(a, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def power(a, size=None, *, dtype=None, ctx=None, out=None, device=None):
    """Samples in [0, 1] of density ``a x ** (a - 1)``, differentiable in ``a``."""
    return _shared().power(a, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def gamma(shape, scale=1.0, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples of the gamma distribution, differentiable in ``scale`` and (implicitly, see
    the module docstring) in ``shape``."""
    return _shared().gamma(shape, scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def beta(a, b, size=None, dtype=None, ctx=None, *, out=None, device=None):
    """Samples of the beta distribution, differentiable (implicitly) in ``a`` and ``b``."""
    return _shared().beta(a, b, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def chisquare(df, size=None, dtype=None, ctx=None, *, out=None, device=None):
    """Samples of the chi-square distribution, differentiable (implicitly) in ``df``."""
    return _shared().chisquare(df, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def binomial(n, p, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Counts of successes in ``n`` trials of probability ``p`` (int64)."""
    return _shared().binomial(n, p, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def poisson(lam=1.0, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Samples of the Poisson distribution of mean ``lam`` (int64)."""
    return _shared().poisson(lam, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def negative_binomial(n, p, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Failures before the ``n``-th success in trials of probability ``p`` (int64)."""
    return _shared().negative_binomial(n, p, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def multinomial(n, pvals, size=None, *, dtype=None, ctx=None, out=None, device=None):
    """Counts of each of ``len(pvals)`` outcomes in ``n`` trials (int64), of shape
    ``size + (len(pvals),)``."""
    return _shared().multinomial(n, pvals, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def multivariate_normal(mean, cov, size=None, check_valid=None, tol=None, *, dtype=None,
                        ctx=None, out=None, device=None):
    """Samples of N(mean, cov), of shape ``size + mean.shape``; ``check_valid`` and ``tol``
    as NumPy ('warn' and 1e-8 when None). Differentiable in ``mean``, not in ``cov``."""
    return _shared().multivariate_normal(
        mean, cov, size, "warn" if check_valid is None else check_valid,
        1e-8 if tol is None else tol, dtype=dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def randint(low, high=None, size=None, dtype=None, ctx=None, out=None, *, device=None):
    """Integers in [low, high), or [0, low) when ``high`` is None (int64, as NumPy)."""
    return _shared().integers(low, high, size, numpy.int64 if dtype is None else dtype,
                              device=device, ctx=ctx)


@public(namespaces=("np.random",))
def choice(a, size=None, replace=True, p=None, ctx=None, out=None, *, device=None):
    """Samples of ``a`` (an array, or range(a) for an int), with probabilities ``p``; a
    constant (index ``a`` to keep its gradient)."""
    require_cpu(device if device is not None else ctx)
    return _shared().choice(a, size, replace, p)


@public(namespaces=("np.random",))
def permutation(x):
    """A shuffled copy of ``x`` along its first axis, or of range(x) for an int (NumPy's;
    MXNet 1.9.1's np.random has none)."""
    return _shared().permutation(x)


@public(namespaces=("np.random",))
def shuffle(x):
    """Shuffle ``x`` in place along its first axis (refused inside a recorded graph)."""
    _shared().shuffle(x)


# -- npx.random: MXNet's extensions ---------------------------------------------------------
@public("seed", namespaces=("npx.random",))
def npx_seed(seed, ctx="all"):
    """Reseed ndgrad's generator (``ctx`` is accepted for MXNet: there is one generator)."""
    _reseed(seed)


@public(namespaces=("npx.random",))
def bernoulli(prob=None, logit=None, size=None, dtype=None, ctx=None, out=None, *,
              device=None):
    """Samples of 1 with probability ``prob`` (or ``sigmoid(logit)``) and 0 otherwise, in
    the float dtype; give exactly one of ``prob`` and ``logit``. Not differentiable."""
    if (prob is None) == (logit is None):
        raise ValueError("npx.random.bernoulli: give exactly one of prob and logit, got "
                         f"prob={prob!r} and logit={logit!r}")
    given = "prob" if logit is None else "logit"
    _not_differentiated("bernoulli", "its samples are 0 or 1", **{given: prob if logit is None
                                                                  else logit})
    if logit is None:
        _require("bernoulli", "prob", prob, _probability)
        probability = _real(prob)
    else:
        probability = 0.5 * (1 + numpy.tanh(0.5 * _real(logit)))    # sigmoid, no overflow
    require_cpu(device if device is not None else ctx)
    shape = _sample_shape("bernoulli", size, [probability.shape])
    with _LOCK:
        sample = _GENERATOR[0].random(shape) < probability
    return _new(numpy.asarray(sample, dtype=_sample_dtype("bernoulli", dtype)))


def _batched(batch_shape, *parameters):
    """``batch_shape`` followed by the parameters' broadcast shape (MXNet's ``*_n``)."""
    batch = () if batch_shape is None else (
        (operator.index(batch_shape),) if numpy.ndim(batch_shape) == 0 else tuple(batch_shape))
    return batch + numpy.broadcast_shapes(*(numpy.shape(raw(p)) for p in parameters))


@public(namespaces=("npx.random",))
def normal_n(loc=0.0, scale=1.0, batch_shape=None, dtype=None, ctx=None):
    """Samples of N(loc, scale^2) of shape ``batch_shape + broadcast(loc, scale).shape``,
    differentiable in ``loc`` and ``scale``."""
    return _shared().normal(loc, scale, _batched(batch_shape, loc, scale), dtype, ctx=ctx)


@public(namespaces=("npx.random",))
def uniform_n(low=0.0, high=1.0, batch_shape=None, dtype=None, ctx=None):
    """Samples of U[low, high) of shape ``batch_shape + broadcast(low, high).shape``,
    differentiable in ``low`` and ``high``."""
    return _shared().uniform(low, high, _batched(batch_shape, low, high), dtype, ctx=ctx)
