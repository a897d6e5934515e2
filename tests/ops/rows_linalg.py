"""Test-table rows for the linalg family (see specs.py for what every row gets): products
(vdot inner outer kron cross einsum multi_dot matrix_power), solvers and decompositions, and
the spectral norms.

Samplers keep every matrix well away from where its function has no derivative: invertible
matrices are a random matrix plus n I (rows sign-flipped at random, so determinants take
both signs); SPD matrices are B Bᵀ + n I; matrices for svd, eigh and pinv are built from
random orthonormal bases and singular values or eigenvalues at least 0.3 apart (and 1 or
more in magnitude where the gradient divides by them). Decompositions whose factors have a
sign or basis freedom (qr, eigh, svd) are checked through functions of the factors that do
not depend on it: a sign flip of a column of Q and the matching row of R, of an eigenvector,
or of a pair of singular vectors leaves them unchanged.

Complex rows (name-complex) draw complex matrices of the same kinds, and check complex
eigen- and singular vectors, which are unique up to a phase each, through functions that do
not depend on it (v vᴴ, |v|²). eig's samplers build V diag(w) V⁻¹ from a well conditioned
V and eigenvalues at least 0.3 apart: real ones, conjugate pairs of a real matrix, or
complex ones. The scipy.linalg rows (expm, sqrtm, solve_triangular, ...) have NumPy
references: a Taylor series, an eigendecomposition, numpy.linalg.solve of the triangle.
scipy.integrate.odeint's row (here for want of a family of its own) solves a linear ODE with
a closed-form solution, at tolerances that make it exact to the table's 1e-12."""

from __future__ import annotations

import warnings

import numpy
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from ndgrad import np
from ndgrad.scipy import integrate
from ndgrad.scipy import linalg as scipy_linalg

from .table import MAX_SIDE, OpSpec, normal, per_operand, shapes_of, signature_shapes


# -- samplers --------------------------------------------------------------------------------
def _stack_shape(shape):
    return tuple(shape[:-2]), shape[-2], shape[-1]


def _orthonormal(rng, batch, n, k):
    """Random (..., n, k) matrices with orthonormal columns."""
    return numpy.linalg.qr(rng.standard_normal(batch + (n, k)))[0]


def _spread(rng, batch, k, start):
    """(..., k) values start, start + 0.4, ... in random order, jittered by under 0.05."""
    values = start + 0.4 * numpy.argsort(rng.random(batch + (k,)), axis=-1)
    return values + rng.uniform(-0.05, 0.05, batch + (k,))


def invertible(rng, shapes):
    """Uniform(-0.5, 0.5) matrices plus n I, each row's sign flipped at random: strictly
    diagonally dominant, so well conditioned (a normal draw plus I can be near singular in
    1x1), with determinants of both signs."""
    out = []
    for shape in shapes:
        batch, n, _ = _stack_shape(shape)
        matrix = rng.uniform(-0.5, 0.5, shape) + n * numpy.eye(n)
        out.append(matrix * rng.choice([-1.0, 1.0], batch + (n, 1)))
    return out


def contractive(rng, shapes):
    """Invertible matrices scaled to norm about 1, so that powers neither blow up nor vanish."""
    return [m / (1 + shape[-1]) for m, shape in zip(invertible(rng, shapes), shapes)]


def spd(rng, shapes):
    """Symmetric positive definite: B Bᵀ + n I, exactly symmetric."""
    out = []
    for shape in shapes:
        b = rng.standard_normal(shape)
        a = b @ numpy.swapaxes(b, -1, -2) + shape[-1] * numpy.eye(shape[-1])
        out.append((a + numpy.swapaxes(a, -1, -2)) / 2)
    return out


def well_separated(rng, shapes):
    """U diag(s) Vᵀ with singular values 1, 1.4, 1.8, 2.2 (jittered, in random order)."""
    out = []
    for shape in shapes:
        batch, m, n = _stack_shape(shape)
        k = min(m, n)
        u, v = _orthonormal(rng, batch, m, k), _orthonormal(rng, batch, n, k)
        out.append((u * _spread(rng, batch, k, 1.0)[..., None, :]) @ numpy.swapaxes(v, -1, -2))
    return out


def symmetric_separated(rng, shapes):
    """V diag(w) Vᵀ with eigenvalues of either sign, magnitudes 1, 1.4, ... (so that the
    singular values are also distinct), exactly symmetric."""
    out = []
    for shape in shapes:
        batch, n, _ = _stack_shape(shape)
        v = _orthonormal(rng, batch, n, n)
        w = _spread(rng, batch, n, 1.0) * rng.choice([-1.0, 1.0], batch + (n,))
        a = (v * w[..., None, :]) @ numpy.swapaxes(v, -1, -2)
        out.append((a + numpy.swapaxes(a, -1, -2)) / 2)
    return out


def _complexified(sampler):
    """A sampler of complex matrices of the same kind: ``sampler``'s draw for the real part
    and i times a second draw, Hermitian-ized alike where the first is Hermitian."""
    def sample(rng, shapes):
        return [x + 1j * y for x, y in zip(sampler(rng, shapes), sampler(rng, shapes))]
    return sample


def hermitian_separated(rng, shapes):
    """V diag(w) Vᴴ with V a random unitary matrix and w as in symmetric_separated."""
    out = []
    for shape in shapes:
        batch, n, _ = _stack_shape(shape)
        v = numpy.linalg.qr(rng.standard_normal(batch + (n, n))
                            + 1j * rng.standard_normal(batch + (n, n)))[0]
        w = _spread(rng, batch, n, 1.0) * rng.choice([-1.0, 1.0], batch + (n,))
        a = (v * w[..., None, :]) @ numpy.conj(numpy.swapaxes(v, -1, -2))
        out.append((a + numpy.conj(numpy.swapaxes(a, -1, -2))) / 2)
    return out


def well_separated_complex(rng, shapes):
    """U diag(s) Vᴴ with random unitary U, V and s as in well_separated."""
    out = []
    for shape in shapes:
        batch, m, n = _stack_shape(shape)
        k = min(m, n)
        u = numpy.linalg.qr(rng.standard_normal(batch + (m, k))
                            + 1j * rng.standard_normal(batch + (m, k)))[0]
        v = numpy.linalg.qr(rng.standard_normal(batch + (n, k))
                            + 1j * rng.standard_normal(batch + (n, k)))[0]
        s = _spread(rng, batch, k, 1.0)
        out.append((u * s[..., None, :]) @ numpy.conj(numpy.swapaxes(v, -1, -2)))
    return out


def hpd(rng, shapes):
    """Hermitian positive definite: B Bᴴ + n I, exactly Hermitian."""
    out = []
    for shape in shapes:
        b = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        a = b @ numpy.conj(numpy.swapaxes(b, -1, -2)) + shape[-1] * numpy.eye(shape[-1])
        out.append((a + numpy.conj(numpy.swapaxes(a, -1, -2))) / 2)
    return out


def _similar(rng, batch, blocks, complex_basis):
    """V D V⁻¹ with V = I + a uniform(-0.5, 0.5) / n perturbation (well conditioned)."""
    n = blocks.shape[-1]
    v = numpy.eye(n) + rng.uniform(-0.5, 0.5, batch + (n, n)) / n
    if complex_basis:
        v = v + 1j * rng.uniform(-0.5, 0.5, batch + (n, n)) / n
    return v @ blocks @ numpy.linalg.inv(v)


def eig_real(rng, shapes):
    """Real matrices with real eigenvalues of either sign, at least 0.3 apart."""
    out = []
    for shape in shapes:
        batch, n, _ = _stack_shape(shape)
        w = _spread(rng, batch, n, -0.2 * n)
        out.append(_similar(rng, batch, w[..., None, :] * numpy.eye(n), False))
    return out


def eig_pairs(rng, shapes):
    """Real matrices with conjugate pairs of eigenvalues a ± ib (b in [0.3, 0.6], the a
    at least 0.3 apart), and one real eigenvalue for an odd size."""
    out = []
    for shape in shapes:
        batch, n, _ = _stack_shape(shape)
        centres = _spread(rng, batch, n, -0.2 * n)
        blocks = centres[..., None, :] * numpy.eye(n)
        for i in range(0, n - 1, 2):
            b = rng.uniform(0.3, 0.6, batch)
            blocks[..., i, i + 1], blocks[..., i + 1, i] = b, -b
            blocks[..., i + 1, i + 1] = blocks[..., i, i]
        out.append(_similar(rng, batch, blocks, False))
    return out


def eig_complex(rng, shapes):
    """Complex matrices with complex eigenvalues at least 0.3 apart."""
    out = []
    for shape in shapes:
        batch, n, _ = _stack_shape(shape)
        w = _spread(rng, batch, n, -0.2 * n) + 1j * rng.uniform(-1, 1, batch + (n,))
        out.append(_similar(rng, batch, w[..., None, :] * numpy.eye(n), True))
    return out


def small_norm(rng, shapes):
    """Normal entries over the side, so that the matrix's norm is about 1 (for expm)."""
    return [rng.standard_normal(shape) / shape[-1] for shape in shapes]


def right_half_plane(rng, shapes):
    """Strictly diagonally dominant with a positive diagonal: eigenvalues in Re z > n/2,
    away from sqrtm's branch cut."""
    return [rng.uniform(-0.5, 0.5, shape) + shape[-1] * numpy.eye(shape[-1])
            for shape in shapes]


def separated_on_axes(rng, shapes):
    """well_separated matrices over axes 0 and 2 of a 3-D array."""
    return [numpy.moveaxis(well_separated(rng, [(shape[1], shape[0], shape[2])])[0], 0, 1)
            for shape in shapes]


# -- shape strategies ------------------------------------------------------------------------
@st.composite
def square_stacks(draw, max_batch=1):
    """One (..., n, n) shape."""
    batch = draw(shapes_of(0, max_batch))
    n = draw(st.integers(1, MAX_SIDE))
    return (batch + (n, n),)


@st.composite
def matrix_stacks(draw, max_batch=1, tall=False):
    """One (..., m, n) shape; m >= n if ``tall``."""
    batch = draw(shapes_of(0, max_batch))
    m = draw(st.integers(1, MAX_SIDE))
    n = draw(st.integers(1, m if tall else MAX_SIDE))
    return (batch + (m, n),)


@st.composite
def square_and_vector(draw):
    (a,) = draw(square_stacks(2))
    return a, a[-1:]


@st.composite
def square_and_vector_or_matrix(draw):
    """a (n, n) and b (n,) or (n, k), as SciPy's solvers take them."""
    n = draw(st.integers(1, MAX_SIDE))
    k = draw(st.integers(0, 3))
    return (n, n), (n,) if k == 0 else (n, k)


@st.composite
def least_squares_shapes(draw, vector, overdetermined=False):
    """a (m, n) and b (m,) or (m, k); m > n if ``overdetermined``."""
    n = draw(st.integers(1, MAX_SIDE - 1 if overdetermined else MAX_SIDE))
    m = draw(st.integers(n + 1 if overdetermined else 1, MAX_SIDE))
    return (m, n), (m,) if vector else (m, draw(st.integers(1, 3)))


@st.composite
def last_axes_agree(draw):
    """Two shapes of 1 to 3 dimensions with the same last length (for inner)."""
    a = draw(shapes_of(1, 3))
    b = draw(shapes_of(0, 2))
    return a, b + a[-1:]


def two_shapes(variant):
    return st.tuples(shapes_of(0, 2), shapes_of(0, 2))


@st.composite
def cross_shapes(draw, variant):
    """Broadcastable stacks of vectors, of the variant's lengths, along its axes (with at
    least one stacking axis when the variant moves an axis)."""
    at_front_a = variant.get("axisa", variant.get("axis", -1)) == 0
    at_front_b = variant.get("axisb", variant.get("axis", -1)) == 0
    batch_a, batch_b = draw(mutually_broadcastable_shapes(
        num_shapes=2, min_dims=int(at_front_a or at_front_b), max_dims=2,
        max_side=3)).input_shapes
    size_a, size_b = variant["sizes"]
    return ((size_a,) + batch_a if at_front_a else batch_a + (size_a,),
            (size_b,) + batch_b if at_front_b else batch_b + (size_b,))


@st.composite
def einsum_shapes(draw, subscripts):
    """Operand shapes for ``subscripts``: sizes 1 to 3 per letter, and one batch shape for
    every '...'."""
    terms = subscripts.split("->")[0].split(",")
    letters = sorted(set("".join(terms).replace(".", "")))
    sizes = {letter: draw(st.integers(1, 3)) for letter in letters}
    batch = draw(shapes_of(0, 2))
    shapes = []
    for term in terms:
        head, ellipsis, tail = term.partition("...")
        shapes.append(tuple(sizes[c] for c in head) + (batch if ellipsis else ())
                      + tuple(sizes[c] for c in tail))
    return tuple(shapes)


@st.composite
def chain_shapes(draw, count, vector_ends=False):
    """Shapes of a chain of matrices that multiply (the ends vectors if ``vector_ends``)."""
    dims = [draw(st.integers(1, MAX_SIDE)) for _ in range(count + 1)]
    shapes = [(dims[i], dims[i + 1]) for i in range(count)]
    if vector_ends:
        shapes[0], shapes[-1] = (dims[1],), (dims[-2],)
    return tuple(shapes)


# -- functions of the factors that do not depend on their sign freedom -----------------------
def qr_invariants(qr, a, **kwargs):
    q, r = qr(a, **kwargs)
    return q @ r ** 3 + (q * q) @ (r * r)


def eigh_invariants(eigh, a, **kwargs):
    w, v = eigh(a, **kwargs)
    return v @ (w[..., :, None] ** 3 * v.swapaxes(-1, -2)) + (v * v) * w[..., None, :]


def svd_invariants(svd, a, **kwargs):
    u, s, vh = svd(a, **kwargs)
    k = s.shape[-1]   # full_matrices=True: only the first k singular vectors have partners
    u, vh = u[..., :k], vh[..., :k, :]
    return u @ (s[..., :, None] ** 2 * vh) + (u * u) @ (s[..., :, None] * (vh * vh))


def eig_invariants(xp, a):
    """V diag(w) Vᴴ and |V|², which no eigenvector's phase changes."""
    w, v = xp.linalg.eig(a)
    return (v * w[..., None, :]) @ xp.conj(v).swapaxes(-1, -2) + v * xp.conj(v)


def hermitian_eigh_invariants(xp, a, **kwargs):
    w, v = xp.linalg.eigh(a, **kwargs)
    return ((v * w[..., None, :] ** 3) @ xp.conj(v).swapaxes(-1, -2)
            + (v * xp.conj(v)) * w[..., None, :])


def complex_svd_invariants(xp, a, **kwargs):
    u, s, vh = xp.linalg.svd(a, **kwargs)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return u @ (s[..., :, None] ** 2 * vh) + (u * xp.conj(u)) @ (s[..., :, None]
                                                               * (vh * xp.conj(vh)))


def complex_qr_invariants(xp, a, **kwargs):
    """Q R³ and |Q|² |R|²: LAPACK's R has a real diagonal, so the factors are unique up to
    signs, and these ignore them."""
    q, r = xp.linalg.qr(a, **kwargs)
    return q @ r ** 3 + (q * xp.conj(q)) @ (r * xp.conj(r))


def slogdet_parts(slogdet, a):
    """sign * logabsdet: a complex sign has a gradient."""
    sign, logabsdet = slogdet(a)
    return sign * logabsdet


def expm_taylor(a):
    """exp(A) by its Taylor series (the rows' matrices have norms about 1: 40 terms are
    exact in double precision)."""
    term = numpy.broadcast_to(numpy.eye(a.shape[-1], dtype=a.dtype), a.shape)
    total = term
    for k in range(1, 40):
        term = term @ a / k
        total = total + term
    return total


def _float(a):
    """Integers and booleans in float64, as SciPy computes them."""
    return a.astype(numpy.float64) if a.dtype.kind in "biu" else a


def sqrtm_eig(a):
    """V diag(sqrt(w)) V⁻¹, real for a real matrix (its eigenvalues have Re w > 0)."""
    a = _float(a)
    w, v = numpy.linalg.eig(a)
    root = (v * numpy.sqrt(w.astype(numpy.result_type(w.dtype, numpy.complex64)))[..., None, :]
            ) @ numpy.linalg.inv(v)
    return root.real.astype(a.dtype) if a.dtype.kind == "f" else root.astype(a.dtype)


def triangle_of(a, lower=False, trans=0, unit_diagonal=False):
    """The matrix solve_triangular solves with, by NumPy."""
    a = _float(a)
    t = numpy.tril(a) if lower else numpy.triu(a)
    if unit_diagonal:
        eye = numpy.eye(a.shape[-1], dtype=a.dtype)
        t = t - t * eye + eye
    if trans in (1, "T"):
        return t.swapaxes(-1, -2)
    if trans in (2, "C"):
        return numpy.conj(t).swapaxes(-1, -2)
    return t


def banded_dense(ab, lower, upper):
    """The matrix LAPACK's band storage ``ab`` holds, one diagonal at a time."""
    n = ab.shape[1]
    a = numpy.zeros((n, n), dtype=ab.dtype)
    for offset in range(-lower, upper + 1):        # diagonal j - i = offset
        row = upper - offset
        for j in range(max(offset, 0), min(n, n + offset)):
            a[j - offset, j] = ab[row, j]
    return a


def solve_banded_reference(ab, b, l_and_u):
    return numpy.linalg.solve(banded_dense(ab, *l_and_u), b)


@st.composite
def banded_shapes(draw, variant):
    lower, upper = variant["l_and_u"]
    n = draw(st.integers(1, MAX_SIDE))
    k = draw(st.integers(0, 2))
    return (lower + upper + 1, n), (n,) if k == 0 else (n, k)


def banded(rng, shapes):
    """Band storage with entries in [-0.5, 0.5] and a right-hand side; the rows add
    ``diagonal_row`` to the main diagonal, making the matrix strictly diagonally dominant."""
    ab_shape, b_shape = shapes
    return [rng.uniform(-0.5, 0.5, ab_shape), rng.standard_normal(b_shape)]


def diagonal_row(ab, l_and_u):
    """A constant adding l + u + 1 to the main diagonal's row (index u) of band storage."""
    shift = numpy.zeros(ab.shape)
    shift[l_and_u[1]] = sum(l_and_u) + 1
    return shift


def sylvester_reference(a, b, q):
    m, n = q.shape
    dtype = numpy.result_type(a, b, q)
    dtype = dtype if dtype.kind in "fc" else numpy.float64     # float32 stays float32
    eye_m, eye_n = numpy.eye(m, dtype=dtype), numpy.eye(n, dtype=dtype)
    operator = numpy.kron(a, eye_n) + numpy.kron(eye_m, b.T)
    return numpy.linalg.solve(operator, q.reshape(-1)).reshape(m, n)


@st.composite
def sylvester_shapes(draw):
    m, n = draw(st.integers(1, MAX_SIDE)), draw(st.integers(1, MAX_SIDE))
    return (m, m), (n, n), (m, n)


def sylvester_operands(rng, shapes):
    """A near 2 I and B near I: the eigenvalues of A + B (as a Kronecker sum) near 3."""
    (m, _), (n, _), q_shape = shapes
    return [rng.uniform(-0.3, 0.3, (m, m)) + 2 * numpy.eye(m),
            rng.uniform(-0.3, 0.3, (n, n)) + numpy.eye(n), rng.standard_normal(q_shape)]


def solve_triangular_reference(a, b, **kwargs):
    t = triangle_of(a, **kwargs)
    if b.ndim == 1:
        return numpy.linalg.solve(t, b[:, None])[:, 0]
    return numpy.linalg.solve(t, b)


def scipy_solve_reference(a, b, assume_a=None, lower=False, transposed=False):
    """scipy.linalg.solve by its definition: the symmetric (Hermitian) matrix of the
    triangle read, transposed if asked."""
    a = _float(a)
    if assume_a in ("sym", "her", "pos"):
        t = numpy.tril(a) if lower else numpy.triu(a)
        other = t.swapaxes(-1, -2)
        if assume_a != "sym":
            other = numpy.conj(other)
        diagonal = t * numpy.eye(a.shape[-1], dtype=a.dtype)
        a = t + other - (diagonal if assume_a == "sym" else numpy.real(diagonal))
    if transposed:
        a = a.swapaxes(-1, -2)
    return numpy.linalg.solve(a, b)


def linear_ode(y, t, a, b):
    """dy/dt = a y + b (1 + t / 10), elementwise."""
    return a * y + b * (1 + 0.1 * t)


def linear_ode_solution(y0, t, a, b):
    """The closed form: a particular solution p + q t plus c e^(a (t - t0))."""
    y0, t, a, b = (x.astype(numpy.float64) for x in (y0, t, a, b))
    q = -0.1 * b / a
    p = (q - b) / a
    return (y0 - p - q * t[0]) * numpy.exp(a * (t[:, None] - t[0])) + p + q * t[:, None]


def ode_problem(rng, shapes):
    """y0, increasing times (gaps 0.1 to 0.4), rates 0.3 to 1 of either sign, and b."""
    (n,), (m,) = shapes[0], shapes[1]
    rates = rng.uniform(0.3, 1.0, n) * rng.choice([-1.0, 1.0], n)
    times = rng.uniform(-0.5, 0.5) + numpy.cumsum(rng.uniform(0.1, 0.4, m))
    return [rng.standard_normal(n), times, rates, rng.standard_normal(n)]


@st.composite
def ode_shapes(draw):
    n, m = draw(st.integers(1, 2)), draw(st.integers(2, 3))
    return (n,), (m,), (n,), (n,)


def signed_logdet(slogdet, a):
    sign, logabsdet = slogdet(a)
    return sign * logabsdet


def without_vector_warning(cross):
    """NumPy 2 deprecates 2-vectors in cross (ndgrad warns as NumPy does); quiet here."""
    def call(a, b, sizes, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return cross(a, b, **kwargs)
    return call


def lstsq_part(lstsq, part):
    """One of lstsq's results (``vector`` only picks the shape of b)."""
    return lambda a, b, vector=None: lstsq(a, b)[part]


EINSUM_SUBSCRIPTS = ("ij,jk->ik", "ii->", "ii->i", "ij->", "ij->j", "...ij,...jk->...ik",
                     "i,i", "bij,bjk->bik", "ijk,ikl,ilm->jm", "ijk,ikl,ilm", "iij->j",
                     "ij,kl->ijkl", "ii,i->i", "ji")

ROWS: tuple[OpSpec, ...] = (
    # products
    OpSpec("vdot", "np.vdot", np.vdot, numpy.vdot, ("reshape", "tensordot"), nargs=2),
    OpSpec("inner", "np.inner", np.inner, numpy.inner, ("tensordot",), nargs=2,
           shapes=lambda v: last_axes_agree()),
    OpSpec("outer", "np.outer", np.outer, numpy.outer, ("reshape", "multiply"), nargs=2,
           shapes=two_shapes),
    OpSpec("kron", "np.kron", np.kron, numpy.kron, ("reshape", "multiply"), nargs=2,
           shapes=two_shapes),
    OpSpec("cross", "np.cross", without_vector_warning(np.cross),
           without_vector_warning(numpy.cross), ("einsum",), nargs=2,
           variants=({"sizes": (3, 3)}, {"sizes": (2, 3)}, {"sizes": (3, 2)},
                     {"sizes": (2, 2)}),
           shapes=cross_shapes),
    OpSpec("cross-axes", "np.cross", without_vector_warning(np.cross),
           without_vector_warning(numpy.cross), ("einsum", "transpose"), nargs=2,
           variants=({"sizes": (3, 3), "axis": 0}, {"sizes": (3, 2), "axisa": 0},
                     {"sizes": (3, 3), "axisb": 0, "axisc": 0},
                     {"sizes": (2, 2), "axisa": 0, "axisb": 0}),
           shapes=cross_shapes),
    OpSpec("einsum", "np.einsum", lambda *xs, subscripts: np.einsum(subscripts, *xs),
           lambda *xs, subscripts: numpy.einsum(subscripts, *xs), ("einsum",),
           variants=tuple({"subscripts": s} for s in EINSUM_SUBSCRIPTS),
           shapes=lambda v: einsum_shapes(v["subscripts"])),
    OpSpec("multi_dot", "np.linalg.multi_dot", lambda *xs: np.linalg.multi_dot(xs),
           lambda *xs: numpy.linalg.multi_dot(xs), ("matmul",), nargs=4,
           shapes=lambda v: chain_shapes(4)),
    OpSpec("multi_dot-three", "np.linalg.multi_dot", lambda *xs: np.linalg.multi_dot(xs),
           lambda *xs: numpy.linalg.multi_dot(xs), ("matmul",), nargs=3,
           shapes=lambda v: chain_shapes(3)),
    OpSpec("multi_dot-vector-ends", "np.linalg.multi_dot",
           lambda *xs: np.linalg.multi_dot(xs), lambda *xs: numpy.linalg.multi_dot(xs),
           ("matmul", "reshape"), nargs=4, shapes=lambda v: chain_shapes(4, vector_ends=True)),
    OpSpec("matrix_power", "np.linalg.matrix_power", np.linalg.matrix_power,
           numpy.linalg.matrix_power, ("matmul", "inv"), sample=contractive,
           variants=tuple({"n": n} for n in (0, 1, 2, 3, 5, -1, -3)),
           shapes=lambda v: square_stacks(2)),
    # inverses, determinants and solvers
    OpSpec("inv", "np.linalg.inv", np.linalg.inv, numpy.linalg.inv, ("inv",),
           sample=invertible, shapes=lambda v: square_stacks(2)),
    OpSpec("det", "np.linalg.det", np.linalg.det, numpy.linalg.det, ("det",),
           sample=invertible, shapes=lambda v: square_stacks(2)),
    OpSpec("slogdet", "np.linalg.slogdet", lambda a: signed_logdet(np.linalg.slogdet, a),
           lambda a: signed_logdet(numpy.linalg.slogdet, a), ("slogdet", "multiply"),
           sample=invertible, shapes=lambda v: square_stacks(2)),
    OpSpec("pinv", "np.linalg.pinv", np.linalg.pinv, numpy.linalg.pinv, ("pinv",),
           sample=well_separated, variants=({}, {"rtol": None}, {"rcond": 1e-10}),
           shapes=lambda v: matrix_stacks()),
    OpSpec("pinv-hermitian", "np.linalg.pinv", np.linalg.pinv, numpy.linalg.pinv, ("pinv",),
           sample=symmetric_separated, variants=({"hermitian": True},),
           shapes=lambda v: square_stacks()),
    OpSpec("solve", "np.linalg.solve", np.linalg.solve, numpy.linalg.solve, ("solve",),
           nargs=2, sample=per_operand(invertible, normal),
           shapes=lambda v: signature_shapes("(m,m),(m,k)->(m,k)", max_batch_dims=2)),
    OpSpec("solve-vector", "np.linalg.solve", np.linalg.solve, numpy.linalg.solve,
           ("solve", "reshape"), nargs=2, sample=per_operand(invertible, normal),
           shapes=lambda v: square_and_vector()),
    OpSpec("lstsq", "np.linalg.lstsq", lstsq_part(np.linalg.lstsq, 0),
           lstsq_part(numpy.linalg.lstsq, 0), ("lstsq",), nargs=2,
           sample=per_operand(well_separated, normal),
           variants=({"vector": False}, {"vector": True}),
           shapes=lambda v: least_squares_shapes(v["vector"])),
    OpSpec("lstsq-residuals", "np.linalg.lstsq", lstsq_part(np.linalg.lstsq, 1),
           lstsq_part(numpy.linalg.lstsq, 1), ("lstsq",), nargs=2,
           sample=per_operand(well_separated, normal),
           shapes=lambda v: least_squares_shapes(False, overdetermined=True)),
    OpSpec("lstsq-singular-values", "np.linalg.lstsq", lstsq_part(np.linalg.lstsq, 3),
           lstsq_part(numpy.linalg.lstsq, 3), ("lstsq",), nargs=2,
           sample=per_operand(well_separated, normal),
           shapes=lambda v: least_squares_shapes(True)),
    # decompositions
    OpSpec("cholesky", "np.linalg.cholesky", np.linalg.cholesky, numpy.linalg.cholesky,
           ("cholesky",), sample=spd, variants=({}, {"upper": True}),
           shapes=lambda v: square_stacks(2)),
    OpSpec("qr", "np.linalg.qr", lambda a, **kw: qr_invariants(np.linalg.qr, a, **kw),
           lambda a, **kw: qr_invariants(numpy.linalg.qr, a, **kw), ("qr",),
           sample=well_separated, shapes=lambda v: matrix_stacks(tall=True)),
    OpSpec("qr-square-complete", "np.linalg.qr",
           lambda a, **kw: qr_invariants(np.linalg.qr, a, **kw),
           lambda a, **kw: qr_invariants(numpy.linalg.qr, a, **kw), ("qr",),
           sample=well_separated, variants=({"mode": "complete"},),
           shapes=lambda v: square_stacks()),
    OpSpec("qr-r", "np.linalg.qr", lambda a: np.linalg.qr(a, mode="r") ** 3,
           lambda a: numpy.linalg.qr(a, mode="r") ** 3, ("qr", "power"),
           sample=well_separated, shapes=lambda v: matrix_stacks(tall=True)),
    OpSpec("eigh", "np.linalg.eigh", lambda a, **kw: eigh_invariants(np.linalg.eigh, a, **kw),
           lambda a, **kw: eigh_invariants(numpy.linalg.eigh, a, **kw), ("eigh",),
           sample=symmetric_separated, variants=({}, {"UPLO": "U"}),
           shapes=lambda v: square_stacks()),
    OpSpec("eigvalsh", "np.linalg.eigvalsh", np.linalg.eigvalsh, numpy.linalg.eigvalsh,
           ("eigh",), sample=symmetric_separated, variants=({}, {"UPLO": "U"}),
           shapes=lambda v: square_stacks(2)),
    OpSpec("svd", "np.linalg.svd", lambda a, **kw: svd_invariants(np.linalg.svd, a, **kw),
           lambda a, **kw: svd_invariants(numpy.linalg.svd, a, **kw), ("svd",),
           sample=well_separated, variants=({"full_matrices": False},),
           shapes=lambda v: matrix_stacks()),
    OpSpec("svd-square-full", "np.linalg.svd",
           lambda a, **kw: svd_invariants(np.linalg.svd, a, **kw),
           lambda a, **kw: svd_invariants(numpy.linalg.svd, a, **kw), ("svd",),
           sample=well_separated, shapes=lambda v: square_stacks()),
    OpSpec("svd-hermitian", "np.linalg.svd",
           lambda a, **kw: svd_invariants(np.linalg.svd, a, **kw),
           lambda a, **kw: svd_invariants(numpy.linalg.svd, a, **kw), ("svd",),
           sample=symmetric_separated, variants=({"hermitian": True},),
           shapes=lambda v: square_stacks()),
    OpSpec("svd-values", "np.linalg.svd", np.linalg.svd, numpy.linalg.svd, ("svd",),
           sample=well_separated, variants=({"compute_uv": False},),
           shapes=lambda v: matrix_stacks(2)),
    # complex matrices
    OpSpec("vdot-complex", "np.vdot", np.vdot, numpy.vdot, ("conjugate", "tensordot"), nargs=2,
           sample=_complexified(normal)),
    OpSpec("einsum-complex", "np.einsum", lambda *xs: np.einsum("ij,jk->ik", *xs),
           lambda *xs: numpy.einsum("ij,jk->ik", *xs), ("einsum",), nargs=2,
           sample=_complexified(normal), shapes=lambda v: einsum_shapes("ij,jk->ik")),
    OpSpec("inv-complex", "np.linalg.inv", np.linalg.inv, numpy.linalg.inv, ("inv",),
           sample=_complexified(invertible), shapes=lambda v: square_stacks(2)),
    OpSpec("det-complex", "np.linalg.det", np.linalg.det, numpy.linalg.det, ("det",),
           sample=_complexified(invertible), shapes=lambda v: square_stacks(2)),
    OpSpec("slogdet-complex", "np.linalg.slogdet", lambda a: slogdet_parts(np.linalg.slogdet, a),
           lambda a: slogdet_parts(numpy.linalg.slogdet, a), ("slogdet", "multiply"),
           sample=_complexified(invertible), shapes=lambda v: square_stacks(2)),
    OpSpec("solve-complex", "np.linalg.solve", np.linalg.solve, numpy.linalg.solve, ("solve",),
           nargs=2, sample=per_operand(_complexified(invertible), _complexified(normal)),
           shapes=lambda v: signature_shapes("(m,m),(m,k)->(m,k)", max_batch_dims=1)),
    OpSpec("matrix_power-complex", "np.linalg.matrix_power", np.linalg.matrix_power,
           numpy.linalg.matrix_power, ("matmul", "inv"), sample=_complexified(contractive),
           variants=({"n": 3}, {"n": -2}), shapes=lambda v: square_stacks()),
    OpSpec("pinv-complex", "np.linalg.pinv", np.linalg.pinv, numpy.linalg.pinv, ("pinv",),
           sample=well_separated_complex, shapes=lambda v: matrix_stacks()),
    OpSpec("pinv-hermitian-complex", "np.linalg.pinv", np.linalg.pinv, numpy.linalg.pinv,
           ("pinv",), sample=hermitian_separated, variants=({"hermitian": True},),
           shapes=lambda v: square_stacks()),
    OpSpec("cholesky-complex", "np.linalg.cholesky", np.linalg.cholesky,
           numpy.linalg.cholesky, ("cholesky",), sample=hpd, variants=({}, {"upper": True}),
           shapes=lambda v: square_stacks()),
    OpSpec("qr-complex", "np.linalg.qr", lambda a, **kw: complex_qr_invariants(np, a, **kw),
           lambda a, **kw: complex_qr_invariants(numpy, a, **kw), ("qr",),
           sample=_complexified(well_separated), shapes=lambda v: matrix_stacks(tall=True)),
    OpSpec("qr-square-complete-complex", "np.linalg.qr",
           lambda a, **kw: complex_qr_invariants(np, a, **kw),
           lambda a, **kw: complex_qr_invariants(numpy, a, **kw), ("qr",),
           sample=_complexified(well_separated), variants=({"mode": "complete"},),
           shapes=lambda v: square_stacks()),
    OpSpec("eigh-complex", "np.linalg.eigh",
           lambda a, **kw: hermitian_eigh_invariants(np, a, **kw),
           lambda a, **kw: hermitian_eigh_invariants(numpy, a, **kw), ("eigh",),
           sample=hermitian_separated, variants=({}, {"UPLO": "U"}),
           shapes=lambda v: square_stacks()),
    OpSpec("eigvalsh-complex", "np.linalg.eigvalsh", np.linalg.eigvalsh,
           numpy.linalg.eigvalsh, ("eigh",), sample=hermitian_separated,
           variants=({}, {"UPLO": "U"}), shapes=lambda v: square_stacks()),
    OpSpec("svd-complex", "np.linalg.svd", lambda a, **kw: complex_svd_invariants(np, a, **kw),
           lambda a, **kw: complex_svd_invariants(numpy, a, **kw), ("svd",),
           sample=well_separated_complex, variants=({"full_matrices": False},),
           shapes=lambda v: matrix_stacks()),
    OpSpec("svd-square-full-complex", "np.linalg.svd",
           lambda a, **kw: complex_svd_invariants(np, a, **kw),
           lambda a, **kw: complex_svd_invariants(numpy, a, **kw), ("svd",),
           sample=well_separated_complex, shapes=lambda v: square_stacks()),
    OpSpec("svd-hermitian-complex", "np.linalg.svd",
           lambda a, **kw: complex_svd_invariants(np, a, **kw),
           lambda a, **kw: complex_svd_invariants(numpy, a, **kw), ("svd",),
           sample=hermitian_separated, variants=({"hermitian": True},),
           shapes=lambda v: square_stacks()),
    OpSpec("svd-values-complex", "np.linalg.svd", np.linalg.svd, numpy.linalg.svd, ("svd",),
           sample=well_separated_complex, variants=({"compute_uv": False},),
           shapes=lambda v: matrix_stacks()),
    # eig: real eigenvalues, conjugate pairs of a real matrix, complex matrices
    *(OpSpec(f"eig-{kind}", "np.linalg.eig", lambda a: eig_invariants(np, a),
             lambda a: eig_invariants(numpy, a), ("eig",), sample=sampler,
             shapes=lambda v: square_stacks())
      for kind, sampler in (("real", eig_real), ("pairs", eig_pairs),
                            ("complex", eig_complex))),
    *(OpSpec(f"eigvals-{kind}", "np.linalg.eigvals", np.linalg.eigvals, numpy.linalg.eigvals,
             ("eig",), sample=sampler, shapes=lambda v: square_stacks())
      for kind, sampler in (("real", eig_real), ("pairs", eig_pairs),
                            ("complex", eig_complex))),
    # scipy.linalg
    OpSpec("expm", "scipy.linalg.expm", scipy_linalg.expm, expm_taylor, ("expm",),
           sample=small_norm, shapes=lambda v: square_stacks()),
    OpSpec("expm-complex", "scipy.linalg.expm", scipy_linalg.expm, expm_taylor, ("expm",),
           sample=_complexified(small_norm), shapes=lambda v: square_stacks()),
    OpSpec("sqrtm", "scipy.linalg.sqrtm", scipy_linalg.sqrtm, sqrtm_eig, ("sqrtm",),
           sample=right_half_plane, shapes=lambda v: square_stacks()),
    OpSpec("sqrtm-complex", "scipy.linalg.sqrtm", scipy_linalg.sqrtm, sqrtm_eig, ("sqrtm",),
           sample=_complexified(right_half_plane), shapes=lambda v: square_stacks()),
    OpSpec("solve_triangular", "scipy.linalg.solve_triangular", scipy_linalg.solve_triangular,
           solve_triangular_reference, ("solve", "multiply"), nargs=2,
           sample=per_operand(invertible, normal),
           variants=({}, {"lower": True}, {"trans": 1}, {"trans": "C", "unit_diagonal": True},
                     {"lower": True, "trans": 2, "unit_diagonal": True}),
           shapes=lambda v: square_and_vector_or_matrix()),
    OpSpec("solve_triangular-complex", "scipy.linalg.solve_triangular",
           scipy_linalg.solve_triangular, solve_triangular_reference, ("solve", "multiply"),
           nargs=2, sample=per_operand(_complexified(invertible), _complexified(normal)),
           variants=({}, {"lower": True, "trans": "C"}, {"trans": 1, "unit_diagonal": True}),
           shapes=lambda v: square_and_vector_or_matrix()),
    OpSpec("solve_banded", "scipy.linalg.solve_banded",
           lambda ab, b, l_and_u: scipy_linalg.solve_banded(
               l_and_u, ab + diagonal_row(ab, l_and_u), b),
           lambda ab, b, l_and_u: solve_banded_reference(
               ab + diagonal_row(ab, l_and_u), b, l_and_u),
           ("solve", "getitem", "where"), nargs=2, sample=banded,
           variants=({"l_and_u": (0, 0)}, {"l_and_u": (1, 1)}, {"l_and_u": (2, 0)},
                     {"l_and_u": (0, 2)}), shapes=banded_shapes),
    OpSpec("solve_sylvester", "scipy.linalg.solve_sylvester", scipy_linalg.solve_sylvester,
           sylvester_reference, ("solve",), nargs=3, sample=sylvester_operands,
           shapes=lambda v: sylvester_shapes()),
    OpSpec("scipy-solve", "scipy.linalg.solve", scipy_linalg.solve, scipy_solve_reference,
           ("solve",), nargs=2, sample=per_operand(invertible, normal),
           variants=({}, {"transposed": True}, {"assume_a": "sym"},
                     {"assume_a": "pos", "lower": True}),
           shapes=lambda v: square_and_vector_or_matrix()),
    OpSpec("scipy-solve-complex", "scipy.linalg.solve", scipy_linalg.solve,
           scipy_solve_reference, ("solve",), nargs=2,
           sample=per_operand(_complexified(invertible), _complexified(normal)),
           variants=({}, {"assume_a": "her"}, {"assume_a": "sym", "lower": True}),
           shapes=lambda v: square_and_vector_or_matrix()),
    OpSpec("scipy-inv", "scipy.linalg.inv", scipy_linalg.inv, numpy.linalg.inv, ("inv",),
           sample=invertible, shapes=lambda v: square_stacks()),
    OpSpec("scipy-det", "scipy.linalg.det", scipy_linalg.det, numpy.linalg.det, ("det",),
           sample=_complexified(invertible), shapes=lambda v: square_stacks()),
    OpSpec("scipy-cholesky", "scipy.linalg.cholesky", scipy_linalg.cholesky,
           lambda a, lower=False: numpy.linalg.cholesky(a, upper=not lower), ("cholesky",),
           sample=hpd, variants=({}, {"lower": True}), shapes=lambda v: square_stacks()),
    # scipy.integrate
    OpSpec("odeint", "scipy.integrate.odeint",
           lambda y0, t, a, b: integrate.odeint(linear_ode, y0, t, args=(a, b), rtol=1e-12,
                                                atol=1e-12),
           linear_ode_solution, ("multiply", "add", "concatenate"), nargs=4, sample=ode_problem,
           shapes=lambda v: ode_shapes()),
    # the spectral and nuclear norms
    OpSpec("norm-spectral", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm,
           ("svd", "sum", "max", "min", "reshape"), sample=well_separated,
           variants=({"ord": "nuc"}, {"ord": 2}, {"ord": -2}, {"ord": 2, "keepdims": True}),
           shapes=lambda v: matrix_stacks(0)),
    OpSpec("norm-spectral-axes", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm,
           ("svd", "sum", "max", "transpose", "reshape"), sample=separated_on_axes,
           variants=({"ord": "nuc", "axis": (0, 2)},
                     {"ord": 2, "axis": (2, 0), "keepdims": True}),
           shapes=lambda v: shapes_of(3, 3).map(lambda s: (s,))),
)

# Public names of this family with no row, by reason (their results carry no gradient).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
