"""Test-table rows for the special family (see specs.py for what every row gets).

The references share nothing with ndgrad's kernels: math.erf, math.erfc and math.lgamma
element by element, bisection on math.erf for erfinv, the polygamma functions from their
defining series (a shift of 1000 by recurrence, summed exactly with math.fsum, then three
terms of the asymptotic series), and SciPy for the rest (those rows skip without SciPy).
Samplers keep each function inside its well-conditioned domain (away from poles, zeros of
the denominators and the kink of ive at 0), so that float64 finite differences hold."""

from __future__ import annotations

import math

import numpy
import pytest

from ndgrad.ops import special as special_ops
from ndgrad.scipy import special

from .table import AXES, OpSpec, nonzero, normal, per_operand, positive, uniform


# -- references ------------------------------------------------------------------------------
def scipy_float(x):
    """SciPy's operand rule: float dtypes are kept, integers and bools computed in float64."""
    return x if x.dtype.kind == "f" else x.astype(numpy.float64)


def elementwise(scalar_fn):
    """A NumPy reference from a function of one Python float, in the operand's float dtype."""
    vectorised = numpy.vectorize(scalar_fn, otypes=[numpy.float64])
    return lambda x: vectorised(x).astype(scipy_float(x).dtype)


def scipy_special(name, *arguments, **keywords):
    """SciPy's scipy.special.<name> as a reference: computed in float64 and returned in the
    dtype ndgrad gives (the array operands' float dtype, float64 for integers); the test is
    skipped where SciPy is not installed."""
    function = getattr(pytest.importorskip("scipy.special"), name)
    arrays = [numpy.asarray(a) for a in arguments if isinstance(a, (numpy.ndarray,
                                                                      numpy.generic))]
    dtype = numpy.result_type(*[scipy_float(a) for a in arrays])
    values = function(*[numpy.asarray(a, numpy.float64)
                        if isinstance(a, (numpy.ndarray, numpy.generic)) else a
                        for a in arguments], **keywords)
    return numpy.asarray(values).astype(dtype)


def scipy_row(name, primitives, nargs=1, **kwargs):
    """A row for scipy.special.<name> with operands in SciPy's order and SciPy as reference."""
    return row(name, getattr(special, name),
               lambda *operands: scipy_special(name, *operands), primitives, nargs=nargs,
               broadcast=nargs > 1, **kwargs)


def ordered_row(name, primitives, order, sample, values):
    """A row for scipy.special.<name>(order, x), one variant per value of the order."""
    return row(name, lambda x, **v: getattr(special, name)(v[order], x),
               lambda x, **v: scipy_special(name, v[order], x), primitives, sample=sample,
               variants=tuple({order: value} for value in values))


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


def parameters_and_argument(rng, shapes):
    """(a, x) or (a, b, x) for the incomplete gamma and beta functions: parameters in
    [0.5, 4], x inside (0, 5) or (0.05, 0.95), where the functions vary smoothly."""
    *parameters, argument = shapes
    top = 5.0 if len(shapes) == 2 else 0.95
    return ([rng.uniform(0.5, 4.0, shape) for shape in parameters]
            + [rng.uniform(0.05, top, argument)])


def spread(rng, shapes):
    """|x| in [0.2, 6], either sign: J_n and I_n of integer order over a few oscillations,
    away from the kink of exp(-|x|) in ive at 0."""
    return [part * 3 for part in nonzero(rng, shapes)]


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
    scipy_row("xlogy", ("xlogy",), nargs=2, sample=per_operand(with_zeros, positive)),
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
    scipy_row("erfcinv", ("erfcinv",), sample=uniform(0.1, 1.9)),
    scipy_row("gamma", ("gamma",), sample=gamma_domain),
    scipy_row("rgamma", ("rgamma",), sample=gamma_domain),
    scipy_row("betaln", ("betaln",), nargs=2, sample=uniform(0.3, 6.0)),
    scipy_row("beta", ("betaln", "exp", "multiply"), nargs=2, sample=uniform(0.3, 6.0)),
    row("multigammaln", lambda a, d: special.multigammaln(a, d),
        lambda a, d: scipy_special("multigammaln", a, d), ("gammaln",),
        sample=uniform(1.2, 6.0), variants=({"d": 1}, {"d": 2}, {"d": 3})),
    scipy_row("gammainc", ("incomplete_gamma",), nargs=2, sample=parameters_and_argument),
    scipy_row("gammaincc", ("incomplete_gamma",), nargs=2, sample=parameters_and_argument),
    scipy_row("betainc", ("incomplete_beta",), nargs=3, sample=parameters_and_argument),
    scipy_row("ndtr", ("ndtr",), sample=uniform(-6.0, 6.0)),
    scipy_row("log_ndtr", ("log_ndtr",), sample=uniform(-30.0, 6.0)),
    # pdf(x) / ndtr(x) = sqrt(2/pi) / erfcx(-x/sqrt(2)), log_ndtr's derivative, recorded
    # only by log_ndtr's backward
    OpSpec("ndtr_ratio", "primitive.ndtr_ratio", special_ops.ndtr_ratio_,
           lambda x: math.sqrt(2 / math.pi) / scipy_special("erfcx", x * -math.sqrt(0.5)),
           # its second derivative cancels as x + ratio -> 0 in the far tail, where finite
           # differences of the first would amplify its rounding: the row stays above -6
           ("ndtr_ratio",), sample=uniform(-6.0, 6.0)),
    scipy_row("ndtri", ("ndtri",), sample=uniform(0.02, 0.98)),
    scipy_row("xlog1py", ("xlog1py",), nargs=2, sample=per_operand(with_zeros,
                                                                    uniform(-0.5, 2.0))),
    scipy_row("entr", ("entr",), sample=positive),
    scipy_row("j0", ("j0",), sample=uniform(-30.0, 30.0)),
    scipy_row("j1", ("j1",), sample=uniform(-30.0, 30.0)),
    scipy_row("y0", ("y0",), sample=uniform(0.3, 30.0)),
    scipy_row("y1", ("y1",), sample=uniform(0.3, 30.0)),
    scipy_row("i0", ("i0",), sample=uniform(-8.0, 8.0)),
    scipy_row("i1", ("i1",), sample=uniform(-8.0, 8.0)),
    scipy_row("k0", ("k0",), sample=uniform(0.3, 30.0)),
    scipy_row("k1", ("k1",), sample=uniform(0.3, 30.0)),
    ordered_row("jn", ("jn",), "n", uniform(-30.0, 30.0), (0, 2, 5, -3)),
    ordered_row("yn", ("yn",), "n", uniform(0.5, 30.0), (0, 2, 5, -3)),
    ordered_row("iv", ("iv",), "v", uniform(0.2, 8.0), (0.5, 2.3, -1.5, -0.5)),
    ordered_row("ive", ("ive",), "v", uniform(0.2, 30.0), (0.5, 2.3, -1.5, -0.5)),
    # integer orders: real on the whole line, I_n(-x) = (-1)^n I_n(x)
    OpSpec("iv-integer", "scipy.special.iv", lambda x, v: special.iv(v, x),
           lambda x, v: scipy_special("iv", v, x), ("iv",), sample=spread,
           variants=({"v": 0}, {"v": 3}, {"v": -2})),
    OpSpec("ive-integer", "scipy.special.ive", lambda x, v: special.ive(v, x),
           lambda x, v: scipy_special("ive", v, x), ("ive",), sample=spread,
           variants=({"v": 0}, {"v": 3}, {"v": -2})),
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
    "piecewise constant (the sign of Gamma: derivative 0, undefined at the poles)": {
        "scipy.special.gammasgn"},
    "random samples (constants)": {
        "np.random.Generator", "np.random.default_rng", "np.random.rand", "np.random.randn",
        "np.random.random", "np.random.random_sample", "np.random.randint",
        "np.random.choice", "np.random.permutation", "np.random.shuffle"},
    "input/output": {"np.save", "np.load", "np.savez", "np.savez_compressed", "npx.save",
                     "npx.load"},
    "interchange (a constant sharing the producer's memory)": {"np.from_dlpack"},
}
