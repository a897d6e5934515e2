"""Test-table rows for the special family (see specs.py for what every row gets).

The references share nothing with ndgrad's kernels: math.erf, math.erfc and math.lgamma
element by element, bisection on math.erf for erfinv, and the polygamma functions from their
defining series (a shift of 1000 by recurrence, summed exactly with math.fsum, then three
terms of the asymptotic series)."""

from __future__ import annotations

import math

import numpy

from ndgrad.scipy import special

from .table import AXES, OpSpec, normal, per_operand, positive, uniform


# -- references ------------------------------------------------------------------------------
def scipy_float(x):
    """SciPy's operand rule: float dtypes are kept, integers and bools computed in float64."""
    return x if x.dtype.kind == "f" else x.astype(numpy.float64)


def elementwise(scalar_fn):
    """A NumPy reference from a function of one Python float, in the operand's float dtype."""
    vectorised = numpy.vectorize(scalar_fn, otypes=[numpy.float64])
    return lambda x: vectorised(x).astype(scipy_float(x).dtype)


def bisect_erfinv(y):
    if abs(y) >= 1:
        return math.copysign(math.inf, y) if abs(y) == 1 else math.nan
    low, high = -7.0, 7.0
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if math.erf(middle) < y else (low, middle)
    return (low + high) / 2


def series_polygamma(n, x):
    """psi_n(x) = psi_n(x + K) - (-1)^n n! sum_(k<K) (x+k)^-(n+1), K = 1000, with psi_n(z)
    at z = x + K from its asymptotic series (error below z^-(n+6)). At the poles: the limit
    from the right at 0 (-inf for digamma), nan at the negative integers, as SciPy."""
    x = float(x)
    if x == 0:
        return -math.inf if n == 0 else (-1) ** (n + 1) * math.inf
    if x < 0 and x == round(x):
        return math.nan
    shift = 1000
    z = x + shift
    recurrence = math.fsum((x + k) ** -(n + 1) for k in range(shift))
    if n == 0:
        tail = math.log(z) - 1 / (2 * z) - 1 / (12 * z ** 2) + 1 / (120 * z ** 4)
    else:
        tail = (-1) ** (n + 1) * (math.factorial(n - 1) / z ** n
                                  + math.factorial(n) / (2 * z ** (n + 1))
                                  + math.factorial(n + 1) / (12 * z ** (n + 2)))
    return tail - (-1) ** n * math.factorial(n) * recurrence


def numpy_logsumexp(a, b=None, axis=None, keepdims=False):
    a = scipy_float(a)
    terms = numpy.exp(a) if b is None else b * numpy.exp(a)
    return numpy.log(numpy.sum(terms, axis=axis, keepdims=keepdims))


def numpy_log_softmax(x, axis=None):
    """SciPy's: shifted by the maximum, so an empty operand is refused as SciPy does."""
    shifted = scipy_float(x) - numpy.max(x, axis=axis, keepdims=True)
    return shifted - numpy_logsumexp(shifted, axis=axis, keepdims=True)


# -- samplers --------------------------------------------------------------------------------
def gamma_domain(rng, shapes):
    """x > 0.3, or negative and at least 0.1 from the poles -1, -2, -3."""
    values = []
    for shape in shapes:
        positive_part = rng.uniform(0.3, 8.0, shape)
        negative_part = -rng.integers(1, 4, shape) + rng.uniform(0.1, 0.9, shape)
        values.append(numpy.where(rng.random(shape) < 0.7, positive_part, negative_part))
    return values


def with_zeros(rng, shapes):
    """Normal values, some exactly 0 (where xlogy is 0 whatever y is)."""
    values = []
    for shape in shapes:
        x = rng.standard_normal(shape)
        x[rng.random(shape) < 0.3] = 0.0
        values.append(x)
    return values


def negative(rng, shapes):
    """In [-2, -0.5]: weights that make the sum in logsumexp negative."""
    return [-part for part in positive(rng, shapes)]


def row(name, fn, reference, primitives, **kwargs):
    return OpSpec(name, f"scipy.special.{name}", fn, reference, primitives, **kwargs)


def logsumexp_signed(a, b, **variant):
    return special.logsumexp(a, b=b, return_sign=True, **variant)[0]


def numpy_logsumexp_signed(a, b, axis=None, keepdims=False):
    total = numpy.sum(b * numpy.exp(scipy_float(a)), axis=axis, keepdims=keepdims)
    return numpy.log(numpy.abs(total))


ROWS: tuple[OpSpec, ...] = (
    row("erf", special.erf, elementwise(math.erf), ("erf",), sample=uniform(-7, 7)),
    row("erfc", special.erfc, elementwise(math.erfc), ("erfc",), sample=uniform(-7, 7)),
    row("erfinv", special.erfinv, elementwise(bisect_erfinv), ("erfinv",),
        sample=uniform(-0.9, 0.9)),
    row("gammaln", special.gammaln, elementwise(math.lgamma), ("gammaln",),
        sample=gamma_domain),
    row("digamma", special.digamma, elementwise(lambda x: series_polygamma(0, x)),
        ("polygamma",), sample=gamma_domain),
    row("polygamma", lambda x, n: special.polygamma(n, x),
        lambda x, n: elementwise(lambda v: series_polygamma(n, v))(x), ("polygamma",),
        sample=gamma_domain, variants=({"n": 1}, {"n": 2}, {"n": 3})),
    row("logit", special.logit, lambda p: numpy.log(scipy_float(p) / (1 - p)), ("logit",),
        sample=uniform(0.05, 0.95)),
    row("expit", special.expit, lambda x: 1 / (1 + numpy.exp(-scipy_float(x))), ("sigmoid",)),
    row("xlogy", special.xlogy, lambda x, y: numpy.where(x == 0, 0, x * numpy.log(y)),
        ("xlogy",), nargs=2, broadcast=True, sample=per_operand(with_zeros, positive)),
    row("logsumexp", special.logsumexp, numpy_logsumexp, ("subtract", "exp", "sum", "log"),
        variants=AXES),
    OpSpec("logsumexp-weighted", "scipy.special.logsumexp",
           lambda a, b, **v: special.logsumexp(a, b=b, **v),
           lambda a, b, **v: numpy_logsumexp(a, b, **v),
           ("subtract", "exp", "multiply", "sum", "log"), nargs=2,
           sample=per_operand(normal, positive),
           variants=({}, {"axis": -1}, {"axis": (0, 1), "keepdims": True})),
    OpSpec("logsumexp-sign", "scipy.special.logsumexp", logsumexp_signed,
           numpy_logsumexp_signed, ("subtract", "exp", "multiply", "sum", "absolute", "log"),
           nargs=2, sample=per_operand(normal, negative), variants=({}, {"axis": 0})),
    OpSpec("special-softmax", "scipy.special.softmax", special.softmax,
           lambda x, axis=None: numpy.exp(numpy_log_softmax(x, axis)),
           ("subtract", "exp", "sum", "log"), variants=({}, {"axis": -1}, {"axis": (0, 1)})),
    OpSpec("special-log_softmax", "scipy.special.log_softmax", special.log_softmax,
           numpy_log_softmax, ("subtract", "exp", "sum", "log"),
           variants=({}, {"axis": 0}, {"axis": (0, -1)})),
)

# Public names of this family with no row, by reason (their results carry no gradient).
# np.random.normal, uniform and seed are listed with the core rows (specs.py).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "random samples (constants)": {
        "np.random.Generator", "np.random.default_rng", "np.random.rand", "np.random.randn",
        "np.random.random", "np.random.random_sample", "np.random.randint",
        "np.random.choice", "np.random.permutation", "np.random.shuffle"},
    "input/output": {"np.save", "np.load", "np.savez", "np.savez_compressed", "npx.save",
                     "npx.load"},
    "interchange (a constant sharing the producer's memory)": {"np.from_dlpack"},
}
