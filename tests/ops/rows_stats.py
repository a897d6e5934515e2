"""Test-table rows for the stats family (see specs.py for what every row gets).

SciPy is the forward reference (a row's forward check is skipped where SciPy is missing);
its results, computed in float64, are rounded to the operands' float dtype, which ndgrad
keeps. The samplers stay well inside each distribution's domain: positive scales, df above
2, shape parameters above 1 (densities smooth at every point drawn), x inside the support
(0 < z < 1 for beta, z > 0 for gamma), SPD covariances and points on the simplex."""

from __future__ import annotations

import numpy
import pytest
from hypothesis import strategies as st

from ndgrad.scipy.stats import (
    beta,
    chi2,
    dirichlet,
    gamma,
    multivariate_normal,
    norm,
    poisson,
    t,
)

from .table import MAX_SIDE, OpSpec, normal, per_operand, shapes_of, uniform


def scipy_reference(distribution, method, prepare=None):
    """``scipy.stats.<distribution>.<method>`` on the operands (after ``prepare``), in the
    operands' float dtype; skips the test where SciPy is missing. Booleans are given as
    0.0 and 1.0, as ndgrad reads them (SciPy's stats trip over ``x - loc`` of booleans,
    where scipy.special computes them in float64)."""
    def reference(*operands, **variant):
        stats = pytest.importorskip("scipy.stats")
        operands = tuple(a.astype(numpy.float64) if a.dtype == bool else a for a in operands)
        dtype = numpy.result_type(*operands)
        arguments = prepare(*operands) if prepare is not None else operands
        value = getattr(getattr(stats, distribution), method)(*arguments, **variant)
        return numpy.asarray(value).astype(dtype if dtype.kind == "f" else numpy.float64)
    return reference


def row(distribution, method, fn, primitives, nargs, sample, **kwargs):
    return OpSpec(f"{distribution}.{method}", f"scipy.stats.{distribution}.{method}", fn,
                  kwargs.pop("reference", scipy_reference(distribution, method)), primitives,
                  nargs=nargs, sample=sample, broadcast=kwargs.pop("broadcast", True), **kwargs)


CONTINUOUS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")
# the primitives each method records beyond the location-scale arithmetic
NORM = {"pdf": ("exp",), "logpdf": ("log",), "cdf": ("ndtr",), "logcdf": ("log_ndtr",),
        "sf": ("ndtr",), "logsf": ("log_ndtr",)}
T = {"pdf": ("gammaln", "log1p", "exp"), "logpdf": ("gammaln", "log1p"),
     "cdf": ("incomplete_beta",), "logcdf": ("incomplete_beta",),
     "sf": ("incomplete_beta",), "logsf": ("incomplete_beta",)}
GAMMA = {"pdf": ("xlogy", "gammaln", "exp"), "logpdf": ("xlogy", "gammaln"),
         "cdf": ("incomplete_gamma",), "logcdf": ("incomplete_gamma",),
         "sf": ("incomplete_gamma",), "logsf": ("incomplete_gamma",)}
BETA = {"pdf": ("xlogy", "xlog1py", "betaln", "exp"), "logpdf": ("xlogy", "xlog1py", "betaln"),
        "cdf": ("incomplete_beta",), "logcdf": ("incomplete_beta",),
        "sf": ("incomplete_beta",), "logsf": ("incomplete_beta",)}
LOCATION_SCALE = ("subtract", "divide")

scales = uniform(0.5, 2.0)
shape_parameters = uniform(1.5, 4.0)


# -- samplers --------------------------------------------------------------------------------
def counts(shape):
    """Fixed counts 0, 1, ..., 5 (wrapped) for poisson's k: a constant, not an operand."""
    return (numpy.arange(int(numpy.prod(shape))) % 6).reshape(shape).astype(numpy.float64)


def covariance(rng, shape):
    """A well-conditioned SPD matrix: A A^T / n + I."""
    n = shape[-1]
    a = rng.standard_normal(shape)
    return a @ a.T / n + numpy.eye(n)


@st.composite
def gaussian_shapes(draw):
    """x (batch..., n), mean (n,), cov (n, n)."""
    n = draw(st.integers(1, 3))
    batch = draw(shapes_of(0, 2))
    return batch + (n,), (n,), (n, n)


def gaussian(rng, shapes):
    x_shape, mean_shape, cov_shape = shapes
    return [rng.standard_normal(x_shape), rng.standard_normal(mean_shape),
            covariance(rng, cov_shape)]


@st.composite
def simplex_shapes(draw):
    """x with k - 1 components along its first axis (k = 2..4), alpha (k,)."""
    k = draw(st.integers(2, 4))
    rest = draw(st.sampled_from([(), (1,), (3,)]))
    return (k - 1,) + rest, (k,)


def simplex(rng, shapes):
    """The first k - 1 components of points drawn from Dirichlet(2, ..., 2) (each component
    then about 1/k, away from 0), and alpha in [1.5, 3]."""
    x_shape, (k,) = shapes
    points = rng.dirichlet(numpy.full(k, 2.0), size=x_shape[1:] or None)
    points = numpy.clip(points, 0.05, None)
    points = points / points.sum(axis=-1, keepdims=True)
    return [numpy.moveaxis(points, -1, 0)[:k - 1], rng.uniform(1.5, 3.0, k)]


def completed(x, alpha):
    """SciPy's own input rule for dirichlet, kept explicit: the last component 1 - sum."""
    return numpy.concatenate([x, 1 - x.sum(axis=0, keepdims=True)], axis=0), alpha


# -- the rows --------------------------------------------------------------------------------
NORM_ROWS = tuple(
    row("norm", method, getattr(norm, method), LOCATION_SCALE + NORM[method], 3,
        per_operand(normal, normal, scales)) for method in CONTINUOUS) + (
    row("norm", "ppf", norm.ppf, ("ndtri", "multiply", "add"), 3,
        per_operand(uniform(0.05, 0.95), normal, scales)),
    row("norm", "isf", norm.isf, ("ndtri", "multiply", "subtract"), 3,
        per_operand(uniform(0.05, 0.95), normal, scales)),
    OpSpec("norm.logpdf-defaults", "scipy.stats.norm.logpdf", norm.logpdf,
           scipy_reference("norm", "logpdf"), ("multiply", "subtract")),
)

T_ROWS = tuple(
    row("t", method, getattr(t, method), LOCATION_SCALE + T[method], 4,
        per_operand(normal, uniform(2.5, 8.0), normal, scales)) for method in CONTINUOUS)

GAMMA_ROWS = tuple(
    row(name, method, getattr(module, method), LOCATION_SCALE + GAMMA[method], 4,
        # x in [0.5, 3], loc in [-0.3, 0.2], scale in [0.5, 2]: z = (x - loc)/scale > 0.15
        per_operand(uniform(0.5, 3.0), shape_parameters if name == "gamma" else
                    uniform(3.0, 8.0), uniform(-0.3, 0.2), scales))
    for name, module in (("gamma", gamma), ("chi2", chi2)) for method in CONTINUOUS)

BETA_ROWS = tuple(
    row("beta", method, getattr(beta, method), LOCATION_SCALE + BETA[method], 5,
        # z = (x - loc)/scale in [0.13, 0.85]
        per_operand(uniform(0.2, 0.8), shape_parameters, shape_parameters,
                    uniform(-0.05, 0.05), uniform(1.0, 1.1))) for method in CONTINUOUS)

POISSON_ROWS = tuple(
    OpSpec(f"poisson.{method}", f"scipy.stats.poisson.{method}",
           lambda mu, method=method: getattr(poisson, method)(counts(mu.shape), mu),
           scipy_reference("poisson", method, lambda mu: (counts(mu.shape), mu)),
           primitives, sample=uniform(0.5, 5.0))
    for method, primitives in (("pmf", ("xlogy", "exp")), ("logpmf", ("xlogy",)),
                               ("cdf", ("incomplete_gamma",)), ("logcdf", ("incomplete_gamma",)),
                               ("sf", ("incomplete_gamma",)), ("logsf", ("incomplete_gamma",))))

MULTIVARIATE_ROWS = (
    OpSpec("multivariate_normal.logpdf", "scipy.stats.multivariate_normal.logpdf",
           multivariate_normal.logpdf, scipy_reference("multivariate_normal", "logpdf"),
           ("cholesky", "solve", "log", "sum"), nargs=3, sample=gaussian,
           shapes=lambda variant: gaussian_shapes()),
    OpSpec("multivariate_normal.pdf", "scipy.stats.multivariate_normal.pdf",
           multivariate_normal.pdf, scipy_reference("multivariate_normal", "pdf"),
           ("cholesky", "solve", "exp"), nargs=3, sample=gaussian,
           shapes=lambda variant: gaussian_shapes()),
    OpSpec("multivariate_normal.entropy", "scipy.stats.multivariate_normal.entropy",
           lambda cov: multivariate_normal.entropy(cov=cov),
           scipy_reference("multivariate_normal", "entropy", lambda cov: (None, cov)),
           ("cholesky", "log"), sample=lambda rng, shapes: [covariance(rng, shapes[0])],
           shapes=lambda variant: st.integers(1, MAX_SIDE).map(lambda n: ((n, n),))),
    OpSpec("dirichlet.logpdf", "scipy.stats.dirichlet.logpdf", dirichlet.logpdf,
           scipy_reference("dirichlet", "logpdf", completed), ("xlogy", "gammaln", "sum"),
           nargs=2, sample=simplex, shapes=lambda variant: simplex_shapes()),
    OpSpec("dirichlet.pdf", "scipy.stats.dirichlet.pdf", dirichlet.pdf,
           scipy_reference("dirichlet", "pdf", completed), ("xlogy", "gammaln", "exp"),
           nargs=2, sample=simplex, shapes=lambda variant: simplex_shapes()),
)

ROWS: tuple[OpSpec, ...] = (NORM_ROWS + T_ROWS + GAMMA_ROWS + BETA_ROWS + POISSON_ROWS
                            + MULTIVARIATE_ROWS)
# public functions of this family with no row, by the reason they have none
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
