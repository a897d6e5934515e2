"""Matrix functions and structured solves (ndgrad.scipy.linalg): expm, sqrtm,
solve_triangular, solve_banded and solve_sylvester, and SciPy's spellings of inv, det, solve
and cholesky.

The forwards are NumPy only (SciPy is never imported): expm by scaling and squaring with
Higham's degree-13 Padé approximant, sqrtm by the scaled Denman-Beavers iteration. Their
rules are written with ndgrad ops, so they differentiate again; both functions are
holomorphic, so for complex matrices the rules are the real ones with plain transposes
(the convention of docs/autograd.md, "Complex numbers").
"""

from __future__ import annotations

import math

import numpy

from .._axes import ndim_of, shape_of
from .._ndarray import to_numpy
from .._primitive import ANSWER, primitive
from .._publish import public
from .._shaping import concatenate_, real, reshape_
from . import decompositions
from .decompositions import LinAlgError, _conj, solve_
from .elementwise import where
from .linalg import _matrix_transpose


def _batched(function, a):
    """``function`` of one matrix, applied to each matrix of the stack ``a``."""
    matrices = a.reshape((-1,) + a.shape[-2:])
    return numpy.stack([function(m) for m in matrices]).reshape(a.shape) if len(
        matrices) else numpy.empty(a.shape, a.dtype)


def _check_square(a, name):
    shape = shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a stack of them), not an "
                         f"array of shape {shape}")


def _float_operand(a):
    """A NumPy copy of ``a`` in a float or complex dtype (integers and bools as float64)."""
    data = numpy.asarray(a)
    return data if data.dtype.kind in "fc" else data.astype(numpy.float64)


# -- expm ------------------------------------------------------------------------------------
# Higham (2005), "The scaling and squaring method for the matrix exponential revisited":
# the degree-13 Padé approximant is accurate to double precision for ||A||_1 <= theta_13.
_PADE_13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
            129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
            40840800., 960960., 16380., 182., 1.)
_THETA_13 = 5.371920351148152


def _expm_matrix(a):
    norm = numpy.max(numpy.sum(numpy.abs(a), axis=0), initial=0.0)
    squarings = max(0, math.ceil(math.log2(norm / _THETA_13))) if norm > _THETA_13 else 0
    a = a / 2.0 ** squarings
    b = _PADE_13
    eye = numpy.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    result = numpy.linalg.solve(v - u, v + u)
    for _ in range(squarings):
        result = result @ result
    return result


def _expm_forward(a):
    return _batched(_expm_matrix, _float_operand(a))


def _expm_frechet(a, e):
    """L(A, E), the derivative of expm at A in the direction E: the upper right block of
    expm([[A, E], [0, A]]) (Mathias 1996)."""
    n = shape_of(a)[-1]
    zeros = numpy.zeros(shape_of(a), dtype=numpy.result_type(a.dtype, e.dtype))
    block = concatenate_(concatenate_(a, e, axis=-1), concatenate_(zeros, a, axis=-1), axis=-2)
    return expm_(block)[..., :n, n:]


# d expm(A) = L(A, dA); L(A, .)'s transpose under sum(G * L(A, E)) is L(Aᵀ, .)
expm_ = primitive("expm", _expm_forward, complex=True,
                  vjp=lambda g, ans, a: _expm_frechet(_matrix_transpose(a), g),
                  jvp=lambda t, ans, a: _expm_frechet(a, t))


@public(namespaces=("scipy.linalg",))
def expm(A):
    """ndgrad's differentiable scipy.linalg.expm: the matrix exponential of a square matrix
    or a stack of them (scaling and squaring with a degree-13 Padé approximant, in NumPy).
    Gradients use the Fréchet derivative, the upper right block of
    expm([[A, E], [0, A]]): each order of derivative doubles the matrix size."""
    _check_square(A, "expm")
    return expm_(A)


# -- sqrtm -----------------------------------------------------------------------------------
def _sqrtm_matrix(a):
    """The principal square root by the Denman-Beavers iteration with determinant scaling
    (Higham, Functions of Matrices, 6.3): Y -> sqrt(A) and Z -> sqrt(A)⁻¹, quadratically."""
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    values = numpy.linalg.eigvals(a)
    eps = numpy.finfo(a.dtype).eps
    scale = numpy.max(numpy.abs(values))
    on_cut = (values.real <= 0) & (numpy.abs(values.imag) <= 100 * eps * scale)
    if scale == 0 or numpy.any(on_cut):
        raise LinAlgError("sqrtm: the matrix has an eigenvalue on the closed negative real "
                          "axis (0 included), where the principal square root is not "
                          "defined (or not differentiable); ndgrad does not compute another "
                          "branch")
    y, z = a, numpy.eye(n, dtype=a.dtype)
    scaling = True
    for _ in range(100):
        if scaling:
            log_det = numpy.linalg.slogdet(y)[1] + numpy.linalg.slogdet(z)[1]
            mu = numpy.exp(-log_det / (2 * n)).astype(a.dtype)
        else:
            mu = 1
        y_next = (mu * y + numpy.linalg.inv(z) / mu) / 2
        z = (mu * z + numpy.linalg.inv(y) / mu) / 2
        change = numpy.linalg.norm(y_next - y) / numpy.linalg.norm(y_next)
        y = y_next
        if change < 0.01:               # near the root, scaling only slows the last steps
            scaling = False
        if change <= 10 * n * eps:
            return y
    raise LinAlgError("sqrtm: the Denman-Beavers iteration did not converge (the matrix is "
                      "too close to singular or to having an eigenvalue on the negative real "
                      "axis)")


def _sylvester_solve(x, c, transpose):
    """The D with X D + D X = C (or, with ``transpose``, Xᵀ D + D Xᵀ = C): a linear system in
    vec(D) of n² unknowns, (X ⊗ I + I ⊗ Xᵀ) vec(D) = vec(C), row-major vec."""
    batch, n = shape_of(x)[:-2], shape_of(x)[-1]
    if transpose:
        x = _matrix_transpose(x)
    eye = numpy.eye(n, dtype=x.dtype)
    operator = (reshape_(x, shape=batch + (n, 1, n, 1)) * eye.reshape(1, n, 1, n)
                + eye.reshape(n, 1, n, 1) * reshape_(_matrix_transpose(x),
                                                     shape=batch + (1, n, 1, n)))
    operator = reshape_(operator, shape=batch + (n * n, n * n))
    d = solve_(operator, reshape_(c, shape=shape_of(c)[:-2] + (n * n, 1)))
    return reshape_(d, shape=shape_of(c))


# X² = A, so X dX + dX X = dA; the transpose: Xᵀ Ā + Ā Xᵀ = G
sqrtm_ = primitive("sqrtm", lambda a: _batched(_sqrtm_matrix, _float_operand(a)),
                   saves=ANSWER, complex=True,
                   vjp=lambda g, ans, a: _sylvester_solve(ans, g, transpose=True),
                   jvp=lambda t, ans, a: _sylvester_solve(ans, t, transpose=False))


@public(namespaces=("scipy.linalg",))
def sqrtm(A, disp=True, blocksize=64):
    """ndgrad's differentiable scipy.linalg.sqrtm: the principal square root of a square
    matrix or a stack of them (real for a real matrix), by the Denman-Beavers iteration in
    NumPy.

    Differs from SciPy: a matrix with an eigenvalue on the closed negative real axis raises
    LinAlgError (SciPy returns a non-principal or inexact root); ``disp`` and ``blocksize``
    are accepted and ignored. The gradient solves the Sylvester equation X dX + dX X = dA as
    a linear system of n² unknowns: meant for small matrices.
    """
    _check_square(A, "sqrtm")
    return sqrtm_(A)


# -- triangular and general solves -----------------------------------------------------------
def _require_finite(name, *arrays):
    """SciPy's check_finite=True."""
    for array in arrays:
        if not numpy.all(numpy.isfinite(to_numpy(array))):
            raise ValueError(f"{name}: array must not contain infs or NaNs (SciPy's "
                             "check_finite=True; pass check_finite=False to skip the check)")


def _triangle(a, lower, unit_diagonal=False):
    """The triangular matrix SciPy reads from ``a``: its lower (upper) triangle, with ones on
    the diagonal if ``unit_diagonal``; the other entries take no part (no gradient)."""
    n = shape_of(a)[-1]
    dtype = to_numpy(a).dtype
    strict = numpy.tril(numpy.ones((n, n), dtype), -1) if lower else numpy.triu(
        numpy.ones((n, n), dtype), 1)
    if unit_diagonal:
        return a * strict + numpy.eye(n, dtype=dtype)
    return a * (strict + numpy.eye(n, dtype=dtype))


_TRANS = {0: "N", 1: "T", 2: "C", "N": "N", "T": "T", "C": "C"}


@public(namespaces=("scipy.linalg",))
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """ndgrad's differentiable scipy.linalg.solve_triangular: x with ``a x = b`` (trans 0 or
    'N'), ``aᵀ x = b`` (1, 'T') or ``aᴴ x = b`` (2, 'C'), reading only a's lower (upper)
    triangle, and ones for its diagonal if ``unit_diagonal``; ``b`` of shape (M,) or (M, K).
    The entries not read get no gradient. Differs from SciPy: stacks of matrices are
    accepted, and the solve is a general one (same result, no triangular speed-up)."""
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', not "
                         f"{trans!r}")
    _check_square(a, "solve_triangular")
    if check_finite:
        _require_finite("solve_triangular", a, b)
    if ndim_of(b) == 0 or shape_of(b)[-2 if ndim_of(b) > 1 else 0] != shape_of(a)[-1]:
        raise ValueError(f"solve_triangular: shapes of a {shape_of(a)} and b {shape_of(b)} "
                         "are incompatible")
    matrix = _triangle(a, lower, unit_diagonal)
    mode = _TRANS[trans]
    if mode != "N":
        matrix = _matrix_transpose(matrix)
        if mode == "C" and to_numpy(a).dtype.kind == "c":
            matrix = _conj(matrix)
    return decompositions.solve(matrix, b)


@public(namespaces=("scipy.linalg",))
def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """ndgrad's differentiable scipy.linalg.solve_banded: x with ``a x = b`` for the banded
    matrix ``a`` that ``ab`` holds in LAPACK's band storage, ``a[i, j] = ab[u + i - j, j]``
    for the ``l`` diagonals below and ``u`` above. Differentiable in ``ab`` (the entries
    outside the band storage's matrix get no gradient) and ``b``. Differs from SciPy: the
    band matrix is solved as a dense one (same result, no banded speed-up)."""
    try:
        lower, upper = (int(count) for count in l_and_u)
    except (TypeError, ValueError):
        raise ValueError(f"solve_banded: l_and_u must be a pair of counts (l, u), not "
                         f"{l_and_u!r}") from None
    ab_shape = shape_of(ab)
    if len(ab_shape) != 2 or ab_shape[0] != lower + upper + 1:
        raise ValueError(f"solve_banded: ab of shape {ab_shape} does not hold the "
                         f"{lower + upper + 1} = l + u + 1 diagonals of (l, u) = "
                         f"({lower}, {upper}); ab has one row per diagonal")
    n = ab_shape[1]
    if ndim_of(b) not in (1, 2) or shape_of(b)[0] != n:
        raise ValueError(f"solve_banded: b of shape {shape_of(b)} does not fit a matrix of "
                         f"order {n}")
    if check_finite:
        _require_finite("solve_banded", ab, b)
    rows, columns = numpy.indices((n, n))
    diagonal = upper + rows - columns                  # ab's row holding a[i, j]
    band = (diagonal >= 0) & (diagonal <= lower + upper)
    dense = where(band, ab[numpy.clip(diagonal, 0, lower + upper), columns], 0)
    return decompositions.solve(dense, b)


@public(namespaces=("scipy.linalg",))
def solve_sylvester(a, b, q):
    """ndgrad's differentiable scipy.linalg.solve_sylvester: X with ``A X + X B = Q``, for
    A (m, m), B (n, n), Q (m, n), differentiable in all three. Solved as the linear system
    (A ⊗ I + I ⊗ Bᵀ) vec(X) = vec(Q) in m n unknowns (SciPy uses Bartels-Stewart), so meant
    for small matrices; a singular system (A and -B sharing an eigenvalue) raises
    LinAlgError."""
    a_shape, b_shape, q_shape = shape_of(a), shape_of(b), shape_of(q)
    m, n = (a_shape[-1] if a_shape else 0), (b_shape[-1] if b_shape else 0)
    if a_shape != (m, m) or b_shape != (n, n) or q_shape != (m, n):
        raise ValueError(f"solve_sylvester: a must be (m, m), b (n, n) and q (m, n), not "
                         f"{a_shape}, {b_shape} and {q_shape}")
    # operator[i, j, k, l] = a[i, k] δ(j, l) + δ(i, k) b[l, j], so that
    # sum over (k, l) of operator[i, j, k, l] X[k, l] = (A X + X B)[i, j]
    dtype = numpy.result_type(to_numpy(a), to_numpy(b), to_numpy(q))
    dtype = dtype if dtype.kind in "fc" else numpy.dtype(numpy.float64)   # as SciPy
    operator = (reshape_(a, shape=(m, 1, m, 1)) * numpy.eye(n, dtype=dtype).reshape(1, n, 1, n)
                + numpy.eye(m, dtype=dtype).reshape(m, 1, m, 1)
                * reshape_(_matrix_transpose(b), shape=(1, n, 1, n)))
    x = solve_(reshape_(operator, shape=(m * n, m * n)), reshape_(q, shape=(m * n, 1)))
    return reshape_(x, shape=(m, n))


def _hermitian_from_triangle(a, lower, conjugate):
    """The symmetric (Hermitian, if ``conjugate``) matrix of a's lower (upper) triangle."""
    n = shape_of(a)[-1]
    dtype = to_numpy(a).dtype
    ones = numpy.ones((n, n), dtype)
    read = numpy.tril(ones) if lower else numpy.triu(ones)
    mirrored = numpy.triu(ones, 1) if lower else numpy.tril(ones, -1)
    other = _matrix_transpose(a)
    if conjugate and dtype.kind == "c":
        other = _conj(other)
        diagonal = numpy.eye(n, dtype=bool)
        return where(diagonal, real(a), a * read) + other * mirrored
    return a * read + other * mirrored


@public(namespaces=("scipy.linalg",))
def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """ndgrad's differentiable scipy.linalg.solve: x with ``a x = b`` (``aᵀ x = b`` if
    ``transposed``). ``assume_a``: None or 'general' (LU), 'symmetric', 'hermitian' or
    'positive definite' (only the upper triangle is read, the lower if ``lower``), 'upper
    triangular' or 'lower triangular' (SciPy's short forms 'gen', 'sym', 'her', 'pos' too).
    Differs from SciPy: the banded, tridiagonal and diagonal structures are not supported."""
    if check_finite:
        _require_finite("solve", a, b)
    _check_square(a, "solve")
    kind = {None: "gen", "general": "gen", "gen": "gen", "symmetric": "sym", "sym": "sym",
            "hermitian": "her", "her": "her", "positive definite": "pos", "pos": "pos",
            "upper triangular": "upper", "lower triangular": "lower"}.get(assume_a)
    if kind is None:
        raise NotImplementedError(f"solve: assume_a={assume_a!r} is not supported by ndgrad; "
                                  "use None, 'symmetric', 'hermitian', 'positive definite' or "
                                  "'upper triangular'/'lower triangular'")
    if transposed and to_numpy(a).dtype.kind == "c":
        raise NotImplementedError("solve: transposed=True is not supported for complex "
                                  "matrices (as in SciPy)")
    if kind in ("upper", "lower"):
        return solve_triangular(a, b, trans=1 if transposed else 0, lower=kind == "lower",
                                check_finite=False)
    matrix = a if kind == "gen" else _hermitian_from_triangle(a, lower, kind != "sym")
    if transposed:
        matrix = _matrix_transpose(matrix)
    return decompositions.solve(matrix, b)


@public(namespaces=("scipy.linalg",))
def inv(a, overwrite_a=False, check_finite=True):
    """ndgrad's differentiable scipy.linalg.inv (numpy.linalg.inv's gradient)."""
    if check_finite:
        _require_finite("inv", a)
    return decompositions.inv(a)


@public(namespaces=("scipy.linalg",))
def det(a, overwrite_a=False, check_finite=True):
    """ndgrad's differentiable scipy.linalg.det (numpy.linalg.det's gradient)."""
    if check_finite:
        _require_finite("det", a)
    return decompositions.det(a)


@public(namespaces=("scipy.linalg",))
def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """ndgrad's differentiable scipy.linalg.cholesky: upper U with ``Uᴴ U = a`` by default
    (SciPy's), lower L with ``L Lᴴ = a`` if ``lower``; only that triangle of ``a`` is read
    and gets the gradient (numpy.linalg.cholesky's)."""
    if check_finite:
        _require_finite("cholesky", a)
    return decompositions.cholesky(a, upper=not lower)
