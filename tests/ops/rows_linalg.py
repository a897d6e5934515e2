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
or of a pair of singular vectors leaves them unchanged."""

from __future__ import annotations

import warnings

import numpy
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from ndgrad import np

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
