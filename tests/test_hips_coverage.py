"""HIPS autograd's differentiable functions, and which of them ndgrad differentiates.

HIPS_DIFFERENTIABLE is HIPS autograd's list, written out by hand from its sources (the
functions given a derivative with ``defvjp``, and the list-taking composites its wrapper
builds from them):

* autograd/numpy/numpy_vjps.py (commit f684894) and numpy_wrapper.py (its composites:
  concatenate, stack, hstack, vstack, row_stack, column_stack, append, select, array, r_, c_);
  ``_astype`` is listed as astype, ``concatenate_args`` as concatenate, ``array_from_args``
  as array;
* autograd/numpy/linalg.py and autograd/numpy/fft.py;
* autograd/scipy/special.py, linalg.py, signal.py, integrate.py and stats/*.py.

Left out of the list as not user functions: HIPS's internal adjoints (``untake``,
``dot_adjoint_0/1``, ``tensordot_adjoint_0/1``, ``truncate_pad``) and the box's
``__getitem__`` (ndgrad's indexing is its own row). Every listed name must be a function of
ndgrad that is differentiable (it has a row in the op table, or is an alias of one that
has), or be in LEFT_OUT with the reason.
"""

import importlib

import pytest

import ndgrad
from ndgrad._registry import REGISTRY

from ops.specs import NOT_DIFFERENTIABLE, SPECS

HIPS_DIFFERENTIABLE = (
    # numpy_vjps.py: ufuncs and simple functions
    "np.nan_to_num", "np.add", "np.multiply", "np.subtract", "np.divide", "np.maximum",
    "np.minimum", "np.fmax", "np.fmin", "np.logaddexp", "np.logaddexp2", "np.true_divide",
    "np.mod", "np.remainder", "np.power", "np.arctan2", "np.hypot", "np.negative", "np.abs",
    "np.fabs", "np.absolute", "np.reciprocal", "np.exp", "np.exp2", "np.expm1", "np.log",
    "np.log2", "np.log10", "np.log1p", "np.sin", "np.cos", "np.tan", "np.arcsin", "np.arccos",
    "np.arctan", "np.sinh", "np.cosh", "np.tanh", "np.arcsinh", "np.arccosh", "np.arctanh",
    "np.rad2deg", "np.degrees", "np.deg2rad", "np.radians", "np.square", "np.sqrt", "np.sinc",
    "np.reshape", "np.roll", "np.array_split", "np.split", "np.vsplit", "np.hsplit",
    "np.dsplit", "np.ravel", "np.expand_dims", "np.squeeze", "np.diag", "np.flipud",
    "np.fliplr", "np.rot90", "np.trace", "np.full", "np.triu", "np.tril", "np.clip",
    "np.swapaxes", "np.moveaxis", "np.real_if_close", "np.real", "np.imag", "np.conj",
    "np.conjugate", "np.angle", "np.where", "np.cross", "np.linspace", "np.astype",
    # numpy_vjps.py: the trickier gradients
    "np.rollaxis", "np.diff", "np.gradient", "np.repeat", "np.tile", "np.kron",
    "np.transpose", "np.broadcast_to", "np.sum", "np.mean", "np.prod", "np.var", "np.std",
    "np.max", "np.min", "np.amax", "np.amin", "np.cumsum", "np.inner", "np.matmul", "np.dot",
    "np.tensordot", "np.outer", "np.concatenate", "np.sort", "np.msort", "np.partition",
    "np.atleast_1d", "np.atleast_2d", "np.atleast_3d", "np.einsum", "np.diagonal",
    "np.make_diagonal", "np.array", "np.pad",
    # numpy_wrapper.py: composites
    "np.vstack", "np.row_stack", "np.hstack", "np.column_stack", "np.select", "np.stack",
    "np.append", "np.r_", "np.c_",
    # linalg.py
    "np.linalg.det", "np.linalg.slogdet", "np.linalg.inv", "np.linalg.pinv", "np.linalg.solve",
    "np.linalg.norm", "np.linalg.eigh", "np.linalg.eig", "np.linalg.cholesky", "np.linalg.svd",
    # fft.py
    "np.fft.fft", "np.fft.ifft", "np.fft.fft2", "np.fft.ifft2", "np.fft.fftn", "np.fft.ifftn",
    "np.fft.rfft", "np.fft.irfft", "np.fft.rfft2", "np.fft.irfft2", "np.fft.rfftn",
    "np.fft.irfftn", "np.fft.fftshift", "np.fft.ifftshift",
    # scipy/special.py
    "scipy.special.beta", "scipy.special.betainc", "scipy.special.betaln",
    "scipy.special.polygamma", "scipy.special.psi", "scipy.special.digamma",
    "scipy.special.gamma", "scipy.special.gammaln", "scipy.special.gammainc",
    "scipy.special.gammaincc", "scipy.special.gammasgn", "scipy.special.rgamma",
    "scipy.special.multigammaln", "scipy.special.j0", "scipy.special.y0", "scipy.special.j1",
    "scipy.special.y1", "scipy.special.jn", "scipy.special.yn", "scipy.special.i0",
    "scipy.special.i1", "scipy.special.iv", "scipy.special.ive", "scipy.special.erf",
    "scipy.special.erfc", "scipy.special.erfinv", "scipy.special.erfcinv",
    "scipy.special.logit", "scipy.special.expit", "scipy.special.logsumexp",
    # scipy/linalg.py, signal.py, integrate.py
    "scipy.linalg.sqrtm", "scipy.linalg.solve_triangular", "scipy.linalg.solve_banded",
    "scipy.linalg.solve_sylvester", "scipy.signal.convolve", "scipy.integrate.odeint",
    # scipy/stats/*.py
    "scipy.stats.norm.pdf", "scipy.stats.norm.cdf", "scipy.stats.norm.sf",
    "scipy.stats.norm.logpdf", "scipy.stats.norm.logcdf", "scipy.stats.norm.logsf",
    "scipy.stats.t.pdf", "scipy.stats.t.cdf", "scipy.stats.t.logpdf", "scipy.stats.t.logcdf",
    "scipy.stats.multivariate_normal.pdf", "scipy.stats.multivariate_normal.logpdf",
    "scipy.stats.multivariate_normal.entropy", "scipy.stats.beta.cdf",
    "scipy.stats.beta.logpdf", "scipy.stats.beta.pdf", "scipy.stats.chi2.cdf",
    "scipy.stats.chi2.logpdf", "scipy.stats.chi2.pdf", "scipy.stats.dirichlet.pdf",
    "scipy.stats.dirichlet.logpdf", "scipy.stats.gamma.cdf", "scipy.stats.gamma.logpdf",
    "scipy.stats.gamma.pdf", "scipy.stats.poisson.cdf", "scipy.stats.poisson.logpmf",
    "scipy.stats.poisson.pmf",
)

# HIPS names ndgrad does not differentiate, and why
LEFT_OUT = {
    "np.msort": "removed in NumPy 2 (HIPS defines its gradient only for NumPy < 2); "
                "np.sort(a, axis=0) is the same function",
    "np.make_diagonal": "HIPS's own helper, not a NumPy function",
}

# ndgrad names that differ from HIPS's in what is differentiable, though they are covered
COVERED_DIFFERENTLY = {
    # np.array of a list of arrays keeps their history, as HIPS's; of one array it is a
    # copy without history, as MXNet's (use np.copy to keep it)
    "np.array",
    # derivative zero everywhere it exists, as HIPS's defvjp(gammasgn, None)
    "scipy.special.gammasgn",
}


def resolve(name):
    """The ndgrad object a qualified name ("scipy.stats.norm.pdf") names, or None."""
    target = ndgrad
    for part in name.split("."):
        found = getattr(target, part, None)
        if found is None and isinstance(target, type(ndgrad)):
            try:
                found = importlib.import_module(f"{target.__name__}.{part}")
            except ImportError:
                found = None
        if found is None:
            return None
        target = found
    return target


def differentiable_names():
    """The public names with a row in the op table, aliases included."""
    published = {f"{space}.{name}": function for space in REGISTRY.namespaces
                 if space != "ndarray" for name, function in REGISTRY.namespace(space).items()}
    covered = {spec.function for spec in SPECS}
    return covered | {name for name, function in published.items()
                      if any(function is published.get(other) for other in covered)}


def test_the_list_has_no_repeats_and_the_exceptions_are_on_it():
    assert len(set(HIPS_DIFFERENTIABLE)) == len(HIPS_DIFFERENTIABLE)
    assert set(LEFT_OUT) <= set(HIPS_DIFFERENTIABLE)
    assert COVERED_DIFFERENTLY <= set(HIPS_DIFFERENTIABLE) - set(LEFT_OUT)


@pytest.mark.parametrize("name", [n for n in HIPS_DIFFERENTIABLE if n not in LEFT_OUT])
def test_ndgrad_differentiates_each_function_hips_does(name):
    assert resolve(name) is not None, f"ndgrad has no {name}"
    excused = {n for names in NOT_DIFFERENTIABLE.values() for n in names}
    if name in COVERED_DIFFERENTLY:
        return
    assert name in differentiable_names() and name not in excused, (
        f"{name} exists but has no row in the op table")


@pytest.mark.parametrize("name", sorted(LEFT_OUT))
def test_a_left_out_name_is_still_missing_or_not_differentiable(name):
    # once ndgrad differentiates it, it belongs in the covered count: drop it from LEFT_OUT
    assert resolve(name) is None or name not in differentiable_names(), (
        f"{name} is covered now: remove it from LEFT_OUT")


def test_the_coverage_count():
    covered = len(HIPS_DIFFERENTIABLE) - len(LEFT_OUT)
    assert (covered, len(HIPS_DIFFERENTIABLE)) == (208, 210)
