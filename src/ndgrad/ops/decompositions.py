"""Matrix decompositions and solvers: inv, det, solve, cholesky, qr, eigh, svd and their kin,
with the gradients of the literature.

Every rule is written with ndgrad ops (matmul, solve, inv, swapaxes, where...), so it can be
differentiated again. Stacks of matrices (..., M, N) work wherever NumPy accepts them.

Functions that read one triangle of a symmetric matrix (cholesky, eigh, eigvalsh, and svd or
pinv with ``hermitian=True``) have the gradient of exactly what NumPy computes: the gradient
``G`` for the symmetric matrix, given to the triangle NumPy reads (an off-diagonal entry
stands for both (i, j) and (j, i), so it receives ``G_ij + G_ji``; the other triangle gets
0). Its symmetric part is the symmetric gradient PyTorch and JAX report, so the gradients of
any variables the matrix is built from symmetrically (``A = X Xᵀ``) are the same either way.
Forward mode reads a tangent for such a matrix as NumPy reads the matrix: its triangle,
mirrored (the adjoint of that gradient, so the two modes agree).

In forward mode a decomposition's vectors get their tangent whenever the input has one, as
nothing tells yet whether they will be used: where their derivative is undefined (repeated
eigen- or singular values, the arbitrary basis that full_matrices=True or mode='complete'
add to a non-square matrix) the call raises NoDerivativeError, except for eigvalsh and
svd(compute_uv=False), whose values' tangent is defined (see _vectors_undefined).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, NamedTuple

import numpy

from .._axes import ndim_of, shape_of
from .._ndarray import ndarray, raw, to_numpy
from .._primitive import ANSWER, primitive
from .._publish import public
from ..errors import NoDerivativeError
from . import reductions
from .creation import asarray
from .elementwise import where
from .linalg import _matrix_transpose, matmul_
from .shape import reshape_

LinAlgError = numpy.linalg.LinAlgError


# The results carry NumPy 2's names (numpy.linalg's SlogdetResult, EighResult, ...).
class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


# -- helpers of the rules --------------------------------------------------------------------
def _as_row(v):
    """(..., k) -> (..., 1, k): multiplying a stack of matrices by it scales their columns."""
    return reshape_(v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1]))


def _as_column(v):
    """(..., k) -> (..., k, 1): multiplying a stack of matrices by it scales their rows."""
    return reshape_(v, shape=shape_of(v) + (1,))


def _diag_matrix(v):
    """(..., n) -> (..., n, n) with ``v`` on the diagonal."""
    return _as_row(v) * numpy.eye(shape_of(v)[-1], dtype=v.dtype)


def _as_matrix_stack(x):
    """(...) -> (..., 1, 1): one factor per matrix of a stack."""
    return reshape_(x, shape=shape_of(x) + (1, 1))


def _diagonal(m):
    """(..., k, k) -> (..., k): the diagonals of a stack of matrices."""
    return reductions.sum(m * numpy.eye(shape_of(m)[-1], dtype=m.dtype), axis=-1)


def _masks(n, dtype):
    """The strictly lower, diagonal and strictly upper parts of an n x n matrix, as 0/1."""
    ones = numpy.ones((n, n), dtype=dtype)
    return numpy.tril(ones, -1), numpy.eye(n, dtype=dtype), numpy.triu(ones, 1)


def _triangle_gradient(grad, lower):
    """The gradient for the triangle NumPy reads a symmetric matrix from, given ``grad`` for
    the whole symmetric matrix (only its symmetric part matters)."""
    strict_lower, diagonal, strict_upper = _masks(shape_of(grad)[-1], grad.dtype)
    both = grad + _matrix_transpose(grad)
    return both * (strict_lower if lower else strict_upper) + grad * diagonal


def _symmetric_from_triangle(a, lower):
    """The symmetric matrix NumPy sees when it reads a's lower (upper) triangle, mirrored:
    the adjoint of _triangle_gradient, so forward mode's tangent for a symmetric input."""
    strict_lower, diagonal, strict_upper = _masks(shape_of(a)[-1], a.dtype)
    read, mirrored = (strict_lower, strict_upper) if lower else (strict_upper, strict_lower)
    return a * (read + diagonal) + _matrix_transpose(a) * mirrored


def _reciprocal_gaps(values):
    """(..., k) -> (..., k, k): 1 / (values_j - values_i) off the diagonal, 0 on it."""
    gaps = _as_row(values) - _as_column(values)
    off = ~numpy.eye(shape_of(values)[-1], dtype=bool)
    return where(off, 1 / where(off, gaps, 1), 0)


def _is_constant_zero(g):
    """A cotangent that is 0 and carries no graph: the terms it multiplies vanish, and so do
    their derivatives, so a rule may leave them out (they may be 0 * inf)."""
    return getattr(g, "_node", None) is None and not numpy.any(numpy.asarray(raw(g)))


def _coincidence(values, name, what):
    """Why the derivative of the vectors is undefined, if two of ``values`` (sorted along
    the last axis) are within sqrt(eps) times the largest magnitude (it divides by their
    gaps); None otherwise."""
    values = numpy.asarray(raw(values))
    if values.shape[-1] < 2 or values.size == 0:
        return None
    scale = numpy.max(numpy.abs(values), axis=-1)
    gaps = numpy.min(numpy.abs(numpy.diff(values, axis=-1)), axis=-1)
    if not numpy.any(gaps <= numpy.sqrt(numpy.finfo(values.dtype).eps) * scale):
        return None
    return (f"the gradient of {name} through its {what} is undefined where two of its values "
            f"coincide (here they differ by {numpy.min(gaps):.3g}): the vectors of a repeated "
            f"value are not unique. Differentiate the values alone (eigvalsh, "
            f"svd(compute_uv=False)), or keep the values apart")


def _require_separated(values, name, what):
    problem = _coincidence(values, name, what)
    if problem is not None:
        raise NoDerivativeError(problem)


def _zero_singular_value(s, m, n):
    """Why the derivative of a non-square matrix's singular vectors is undefined, if one of
    its singular values is 0 (it divides by them); None otherwise."""
    if m != n and numpy.any(numpy.asarray(raw(s)) == 0):
        return ("the gradient of svd through the singular vectors of a non-square matrix "
                "divides by its singular values, and one is 0")
    return None


def _vectors_undefined(problem, values_only):
    """Whether forward mode gives the vectors a NaN tangent: where their derivative is
    undefined (``problem`` says why) and the caller keeps the values alone (eigvalsh,
    svd(compute_uv=False)), whose tangent is defined; anything using the vectors' tangent
    (a second derivative) is then NaN. Where the vectors are kept, NoDerivativeError."""
    if problem is None:
        return False
    if values_only:
        return True
    raise NoDerivativeError(problem)


# -- inverses and determinants ---------------------------------------------------------------
inv_ = primitive("inv", numpy.linalg.inv, saves=ANSWER, complex=True,
                 # d A⁻¹ = -A⁻¹ dA A⁻¹
                 vjp=lambda g, ans, a: -(_matrix_transpose(ans) @ g @ _matrix_transpose(ans)),
                 jvp=lambda t, ans, a: -(ans @ t @ ans))


@public(namespaces=("np.linalg",), numpy=numpy.linalg.inv)
def inv(a):
    """ndgrad's differentiable numpy.linalg.inv (NumPy's LinAlgError for a singular matrix)."""
    return inv_(a)


def _inverse_transpose(a, singular, name):
    """A⁻ᵀ, the gradient of log|det A|; refused where A is singular (the gradient of det is
    then the adjugate, which this formula cannot give)."""
    if numpy.any(numpy.asarray(singular)):
        raise NoDerivativeError(f"the gradient of {name} at a singular matrix is not "
                                "implemented (the formula uses the inverse)")
    return _matrix_transpose(inv_(a))


def _trace_with_inverse(t, a, singular, name):
    """tr(A⁻¹ T) = Σ A⁻ᵀ ∘ T, the tangent of log|det A|."""
    return reductions.sum(_inverse_transpose(a, singular, name) * t, axis=(-2, -1))


det_ = primitive("det", numpy.linalg.det, saves={"inputs", "answer"}, complex=True,
                 # d det A = det A tr(A⁻¹ dA)
                 vjp=lambda g, ans, a: _as_matrix_stack(g * ans) * _inverse_transpose(
                     a, ans == 0, "det"),
                 jvp=lambda t, ans, a: ans * _trace_with_inverse(t, a, ans == 0, "det"))


@public(namespaces=("np.linalg",), numpy=numpy.linalg.det)
def det(a):
    """ndgrad's differentiable numpy.linalg.det. Its gradient at a singular matrix raises
    NoDerivativeError."""
    return det_(a)


def _slogdet_vjp(g, ans, a):
    """d log|det A| = tr(A⁻¹ dA); the sign is piecewise constant and gets no gradient."""
    sign, _ = ans
    return _as_matrix_stack(g[1]) * _inverse_transpose(a, sign == 0, "slogdet")


slogdet_ = primitive("slogdet", numpy.linalg.slogdet, saves={"inputs", "answer"},
                     vjp=_slogdet_vjp, n_outputs=2,
                     jvp=lambda t, ans, a: (None, _trace_with_inverse(t, a, ans[0] == 0,
                                                                      "slogdet")))


@public(namespaces=("np.linalg",), numpy=numpy.linalg.slogdet)
def slogdet(a):
    """ndgrad's differentiable numpy.linalg.slogdet: ``(sign, logabsdet)``. The gradient
    flows through logabsdet (the sign has none); at a singular matrix it raises
    NoDerivativeError."""
    return SlogdetResult(*slogdet_(a))


def _pinv_vjp(g, ans, a, rcond, hermitian):
    """Golub & Pereyra (1973), exact where the rank does not change: with X = A⁺,
    dX = -X dA X + X Xᵀ dAᵀ (I - A X) + (I - X A) dAᵀ Xᵀ X."""
    x, x_t, g_t = ans, _matrix_transpose(ans), _matrix_transpose(g)
    if hermitian:
        a = _symmetric_from_triangle(a, lower=True)
    spread = g_t @ (x @ x_t)
    grad = (-(x_t @ g @ x_t) + (spread - a @ (x @ spread))
            + (x_t @ x) @ (g_t - (g_t @ x) @ a))
    return _triangle_gradient(grad, lower=True) if hermitian else grad


def _pinv_tangent(x, a, t):
    """Golub & Pereyra's dX = -X dA X + X Xᵀ dAᵀ (I - A X) + (I - X A) dAᵀ Xᵀ X."""
    x_t, t_t = _matrix_transpose(x), _matrix_transpose(t)
    return (-(x @ t @ x) + (x @ x_t) @ (t_t - (t_t @ a) @ x)
            + (t_t - x @ (a @ t_t)) @ (x_t @ x))


def _pinv_jvp(t, ans, a, rcond, hermitian):
    if hermitian:
        a, t = _symmetric_from_triangle(a, lower=True), _symmetric_from_triangle(t, lower=True)
    return _pinv_tangent(ans, a, t)


pinv_ = primitive("pinv", lambda a, rcond, hermitian: numpy.linalg.pinv(
    a, rcond=rcond, hermitian=hermitian), saves={"inputs", "answer"}, vjp=_pinv_vjp,
    jvp=_pinv_jvp)


_UNSET = object()


@public(namespaces=("np.linalg",), numpy=numpy.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=_UNSET):
    """ndgrad's differentiable numpy.linalg.pinv (singular values at most ``rcond`` times
    the largest count as 0; NumPy's defaults). The gradient is that of a matrix of constant
    rank: exact where no singular value crosses the cutoff."""
    if rcond is None:
        if rtol is _UNSET:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(shape_of(a)[-2:]) * numpy.finfo(to_numpy(a).dtype).eps
        else:
            rcond = rtol
    elif rtol is not _UNSET:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    return pinv_(a, rcond=rcond, hermitian=bool(hermitian))


# -- solvers ---------------------------------------------------------------------------------
def _solve_pullback(g, ans, inputs, params, wanted):
    """x = A⁻¹ b: b̄ = A⁻ᵀ x̄ and Ā = -b̄ xᵀ."""
    grad_b = solve_(_matrix_transpose(inputs[0]), g)
    grad_a = -(grad_b @ _matrix_transpose(ans)) if wanted[0] else None
    return grad_a, grad_b if wanted[1] else None


def _solve_pushforward(tangents, ans, inputs, params):
    """dx = A⁻¹ (db - dA x)."""
    t_a, t_b = tangents
    if t_a is None:
        return solve_(inputs[0], t_b)
    change = -(t_a @ ans) if t_b is None else t_b - t_a @ ans
    return solve_(inputs[0], change)


# b is a stack of matrices (..., M, K) here; solve() gives vectors an axis
solve_ = primitive("solve", numpy.linalg.solve, saves={"inputs", "answer"}, complex=True,
                   pullback=_solve_pullback, pushforward=_solve_pushforward)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.solve)
def solve(a, b):
    """ndgrad's differentiable numpy.linalg.solve: ``x`` with ``a @ x == b``; ``b`` of shape
    (M,) is one vector, otherwise a stack of (M, K) matrices (NumPy 2's rule)."""
    if ndim_of(b) == 1:
        x = solve_(a, reshape_(b, shape=shape_of(b) + (1,)))
        return reshape_(x, shape=shape_of(x)[:-1])
    return solve_(a, b)


def _lstsq_pullback(g, ans, inputs, params, wanted):
    """x = A⁺ b, with the derivative of A⁺ (Golub & Pereyra) at constant rank:
    b̄ = A⁺ᵀ x̄ and Ā = -b̄ xᵀ + r x̄ᵀ A⁺A⁺ᵀ + A⁺ᵀ x x̄ᵀ (I - A⁺A), with r = b - A x.
    The residuals Σ r² (given at full column rank, where Aᵀ r = 0, so x's change does not
    move them): b̄ = 2 r diag(res̄), Ā = -2 r diag(res̄) xᵀ. The singular values s: U diag(s̄) Vᵀ.
    """
    a, b = inputs
    x, residuals = ans[0], ans[1]
    g_x, g_residuals, _, g_s = g
    grads = []                                       # (Ā, b̄) terms
    if not _is_constant_zero(g_x):
        pseudo = pinv_(a, rcond=params["rcond"], hermitian=False)
        pseudo_t, g_t = _matrix_transpose(pseudo), _matrix_transpose(g_x)
        grad_b = pseudo_t @ g_x
        grad_a = (-(grad_b @ _matrix_transpose(x)) + (b - a @ x) @ (g_t @ (pseudo @ pseudo_t))
                  + (pseudo_t @ x) @ (g_t - (g_t @ pseudo) @ a))
        grads.append((grad_a, grad_b))
    if shape_of(residuals)[0] and not _is_constant_zero(g_residuals):
        spread = 2 * (b - a @ x) * _as_row(g_residuals)
        grads.append((-(spread @ _matrix_transpose(x)), spread))
    if not _is_constant_zero(g_s):
        u, _, vh = svd_(a, full_matrices=False, hermitian=False, values_only=False)
        grads.append((u @ _diag_matrix(g_s) @ vh, None))
    grad_a = grad_b = None
    for term_a, term_b in grads:
        grad_a = term_a if grad_a is None else grad_a + term_a
        if term_b is not None:
            grad_b = term_b if grad_b is None else grad_b + term_b
    return (grad_a if wanted[0] else None), (grad_b if wanted[1] else None)


def _lstsq_pushforward(tangents, ans, inputs, params):
    """x = A⁺ b: dx = dA⁺ b + A⁺ db, with the derivative of A⁺ at constant rank. The
    residuals Σ r² (at full column rank, where Aᵀ r = 0): 2 Σ r ∘ (db - dA x). The singular
    values: diag(Uᵀ dA V)."""
    a, b = inputs
    x, residuals = ans[0], ans[1]
    t_a, t_b = tangents
    pseudo = pinv_(a, rcond=params["rcond"], hermitian=False)
    t_x = t_residuals = t_s = None
    change = t_b                      # of r = b - A x, less A dx (which is orthogonal to r)
    if t_a is not None:
        t_x = _pinv_tangent(pseudo, a, t_a) @ b
        change = -(t_a @ x) if t_b is None else t_b - t_a @ x
        u, _, vh = svd_(a, full_matrices=False, hermitian=False, values_only=False)
        t_s = _diagonal(_matrix_transpose(u) @ t_a @ _matrix_transpose(vh))
    if t_b is not None:
        t_x = pseudo @ t_b if t_x is None else t_x + pseudo @ t_b
    if shape_of(residuals)[0]:
        t_residuals = 2 * reductions.sum((b - a @ x) * change, axis=-2)
    return t_x, t_residuals, None, t_s


# (x, residuals, rank, s), all NumPy's; b is a matrix (M, K) here
lstsq_ = primitive("lstsq", lambda a, b, rcond: tuple(numpy.linalg.lstsq(a, b, rcond=rcond)),
                   saves={"inputs", "answer"}, pullback=_lstsq_pullback,
                   pushforward=_lstsq_pushforward, n_outputs=4)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """ndgrad's differentiable numpy.linalg.lstsq: ``(x, residuals, rank, s)``, NumPy's.

    Gradients flow through ``x`` (at constant rank), ``residuals`` and ``s``; ``rank`` is
    an integer.
    """
    if rcond is None:                                # NumPy's default (it solves in double)
        rcond = numpy.finfo(numpy.float64).eps * max(shape_of(a)[-2:], default=0)
    vector = ndim_of(b) == 1
    x, residuals, rank, values = lstsq_(a, reshape_(b, shape=shape_of(b) + (1,)) if vector
                                       else b, rcond=rcond)
    if vector:
        x = reshape_(x, shape=shape_of(x)[:-1])
    return x, residuals, raw(rank)[()], values


def _cholesky_vjp(g, ans, a, upper):
    """Murray (2016): with Φ(X) the lower triangle of X with its diagonal halved, the
    gradient for the symmetric input is the symmetric part of S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ (the
    cotangent of L's constant upper triangle is ignored)."""
    lower = _matrix_transpose(ans) if upper else ans
    g_lower = _matrix_transpose(g) if upper else g
    strict_lower, diagonal, _ = _masks(shape_of(ans)[-1], ans.dtype)
    lower_t = _matrix_transpose(lower)
    phi = _phi(lower_t @ (g_lower * (strict_lower + diagonal)))
    # S = L⁻ᵀ P L⁻¹ as two triangular solves: (L⁻ᵀ (L⁻ᵀ P)ᵀ)ᵀ
    s = _matrix_transpose(solve_(lower_t, _matrix_transpose(solve_(lower_t, phi))))
    return _triangle_gradient(s, lower=not upper)


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    strict_lower, diagonal, _ = _masks(shape_of(x)[-1], x.dtype)
    return x * (strict_lower + 0.5 * diagonal)


def _cholesky_jvp(t, ans, a, upper):
    """dL = L Φ(L⁻¹ dA L⁻ᵀ), dA the symmetric matrix of the triangle NumPy reads."""
    lower = _matrix_transpose(ans) if upper else ans
    change = _symmetric_from_triangle(t, lower=not upper)
    # L⁻¹ dA L⁻ᵀ = L⁻¹ (L⁻¹ dA)ᵀ, dA being symmetric
    t_lower = lower @ _phi(solve_(lower, _matrix_transpose(solve_(lower, change))))
    return _matrix_transpose(t_lower) if upper else t_lower


cholesky_ = primitive("cholesky", lambda a, upper: numpy.linalg.cholesky(a, upper=upper),
                      saves=ANSWER, vjp=_cholesky_vjp, jvp=_cholesky_jvp)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    """ndgrad's differentiable numpy.linalg.cholesky: L with ``L @ L.T == a`` (or upper U
    with ``U.T @ U == a``), reading a's lower (upper) triangle; the gradient is given to that
    triangle (see the module's notes)."""
    return cholesky_(a, upper=bool(upper))


# -- decompositions --------------------------------------------------------------------------
def _require_qr_derivative(mode, m, n):
    if mode == "raw":
        raise NoDerivativeError("qr(mode='raw') returns Householder reflectors and has no "
                                "gradient; use mode='reduced'")
    if m < n:
        raise NoDerivativeError(f"the gradient of qr is implemented for matrices with at least "
                                f"as many rows as columns, not {m} x {n}")


def _qr_vjp(g, ans, a, mode):
    """For m >= n (Walter & Lehmann; PyTorch's formula): with M = R R̄ᵀ - Q̄ᵀ Q and
    copyltu(M) its lower triangle mirrored, Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ."""
    q, r = ans
    g_q, g_r = g
    m, n = a.shape[-2:]                              # a is an Aval: shapes only
    _require_qr_derivative(mode, m, n)
    if mode == "complete" and m > n:
        # Q's last m - n columns are an arbitrary basis of the complement of A's columns
        if not _is_constant_zero(g_q[..., n:]):
            raise NoDerivativeError("qr(mode='complete') of a tall matrix has no gradient "
                                    "through Q's last m - n columns (an arbitrary basis); use "
                                    "mode='reduced'")
        q, g_q, r, g_r = q[..., :n], g_q[..., :n], r[..., :n, :], g_r[..., :n, :]
    strict_lower, diagonal, strict_upper = _masks(n, q.dtype)
    middle = r @ _matrix_transpose(g_r) - _matrix_transpose(g_q) @ q
    copyltu = middle * (strict_lower + diagonal) + _matrix_transpose(middle) * strict_upper
    # B R⁻ᵀ = (R⁻¹ Bᵀ)ᵀ
    return _matrix_transpose(solve_(r, _matrix_transpose(g_q + q @ copyltu)))


def _qr_jvp(t, ans, a, mode):
    """From dA = dQ R + Q dR: C = Qᵀ dA R⁻¹ is Ω = Qᵀ dQ, antisymmetric, plus dR R⁻¹, upper
    triangular; so Ω is C's strictly lower triangle less its transpose, dR = (C - Ω) R and
    dQ = Q Ω + (I - QQᵀ) dA R⁻¹."""
    q, r = ans
    m, n = shape_of(a)[-2:]
    _require_qr_derivative(mode, m, n)
    if mode == "complete" and m > n:
        raise NoDerivativeError("qr(mode='complete') of a tall matrix has no forward-mode "
                                "derivative: Q's last m - n columns are an arbitrary basis; "
                                "use mode='reduced'")
    t_r_inverse = _matrix_transpose(solve_(_matrix_transpose(r), _matrix_transpose(t)))
    c = _matrix_transpose(q) @ t_r_inverse
    strict_lower = _masks(n, c.dtype)[0]
    omega = c * strict_lower - _matrix_transpose(c * strict_lower)
    return q @ omega + (t_r_inverse - q @ c), (c - omega) @ r


qr_ = primitive("qr", lambda a, mode: tuple(numpy.linalg.qr(a, mode=mode)),
                saves={"answer", "shapes"}, vjp=_qr_vjp, jvp=_qr_jvp, n_outputs=2)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.qr)
def qr(a, mode="reduced"):
    """ndgrad's differentiable numpy.linalg.qr: ``(Q, R)``, or R alone for mode='r'.

    Gradients: for matrices with M >= N in modes 'reduced' and 'r' (and 'complete' when no
    cotangent reaches Q's extra columns; in forward mode, 'complete' needs M == N). Wide
    matrices (M < N) and mode='raw' raise NoDerivativeError when differentiated. NumPy's
    deprecated 'full' is 'reduced' (with NumPy's warning); its deprecated 'economic' is not
    supported.
    """
    if mode in ("full", "f"):
        warnings.warn("The 'full' option is deprecated in favor of 'reduced'.\nFor backward "
                      "compatibility let mode default.", DeprecationWarning, stacklevel=2)
        mode = "reduced"
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'" + (
            " (NumPy's deprecated 'economic' mode is not supported by ndgrad; use 'raw')"
            if mode in ("economic", "e") else ""))
    if mode == "r":
        return qr_(a, mode="reduced")[1]
    return QRResult(*qr_(a, mode=mode))


def _eigh_vjp(g, ans, a, UPLO, values_only):
    """Ā = V (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ with F_ij = 1 / (w_j - w_i) off the diagonal;
    with eigenvector cotangents, coinciding eigenvalues raise NoDerivativeError."""
    w, v = ans
    g_w, g_v = g
    middle = _diag_matrix(g_w)
    if not _is_constant_zero(g_v):
        _require_separated(w, "eigh", "eigenvectors")
        middle = middle + _reciprocal_gaps(w) * (_matrix_transpose(v) @ g_v)
    return _triangle_gradient(v @ middle @ _matrix_transpose(v), lower=UPLO.upper() == "L")


def _eigh_jvp(t, ans, a, UPLO, values_only):
    """With P = Vᵀ dA V (dA the symmetric matrix of the triangle NumPy reads) and F as in
    _eigh_vjp: dw = diag(P), dV = V (F ∘ P)."""
    w, v = ans
    change = _matrix_transpose(v) @ _symmetric_from_triangle(t, lower=UPLO.upper() == "L") @ v
    if _vectors_undefined(_coincidence(w, "eigh", "eigenvectors"), values_only):
        return _diagonal(change), v * numpy.nan
    return _diagonal(change), v @ (_reciprocal_gaps(w) * change)


# values_only: the caller keeps the eigenvalues alone (see _vectors_undefined)
eigh_ = primitive("eigh", lambda a, UPLO, values_only: tuple(numpy.linalg.eigh(a, UPLO=UPLO)),
                  saves=ANSWER, vjp=_eigh_vjp, jvp=_eigh_jvp, n_outputs=2)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.eigh)
def eigh(a, UPLO="L"):
    """ndgrad's differentiable numpy.linalg.eigh: ``(eigenvalues, eigenvectors)`` of a
    symmetric matrix read from its ``UPLO`` triangle.

    The gradient through the eigenvectors divides by eigenvalue gaps: where two eigenvalues
    are closer than sqrt(eps) times their scale and a cotangent reaches the eigenvectors,
    it raises NoDerivativeError (in forward mode, whenever the input carries a tangent).
    The eigenvalues' gradient is always defined (eigvalsh).
    """
    return EighResult(*eigh_(a, UPLO=UPLO, values_only=False))


@public(namespaces=("np.linalg",), numpy=numpy.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    """ndgrad's differentiable numpy.linalg.eigvalsh: gradient V diag(w̄) Vᵀ, defined for
    repeated eigenvalues too (their second derivatives are not: NoDerivativeError in
    reverse mode, NaN in forward mode)."""
    return eigh_(a, UPLO=UPLO, values_only=True)[0]


def _svd_vjp(g, ans, a, full_matrices, hermitian, values_only):
    """Townsend (2016), with F_ij = 1 / (s_j² - s_i²) off the diagonal:
    Ā = U [diag(s̄) + (F ∘ (UᵀŪ - ŪᵀU)) S + S (F ∘ (VᵀV̄ - V̄ᵀV))] Vᵀ
        + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ)."""
    u, s, vh = ans
    g_u, g_s, g_vh = g
    m, n = a.shape[-2:]                              # a is an Aval: shapes only
    k = min(m, n)
    if full_matrices and m != n:
        # the singular vectors beyond k are an arbitrary basis of a complement
        if not (_is_constant_zero(g_u[..., k:]) and _is_constant_zero(g_vh[..., k:, :])):
            raise NoDerivativeError("svd(full_matrices=True) of a non-square matrix has no "
                                    "gradient through the singular vectors beyond min(M, N) "
                                    "(an arbitrary basis); use full_matrices=False")
        u, g_u, vh, g_vh = u[..., :k], g_u[..., :k], vh[..., :k, :], g_vh[..., :k, :]
    if _is_constant_zero(g_u) and _is_constant_zero(g_vh):
        grad = u @ _diag_matrix(g_s) @ vh
    else:
        _require_separated(s, "svd", "singular vectors")
        v, g_v = _matrix_transpose(vh), _matrix_transpose(g_vh)
        u_t = _matrix_transpose(u)
        gaps = _reciprocal_gaps(s * s)
        middle = (_diag_matrix(g_s) + (gaps * (u_t @ g_u - _matrix_transpose(g_u) @ u))
                  * _as_row(s) + _as_column(s) * (gaps * (vh @ g_v - g_vh @ v)))
        grad = u @ middle @ vh
        problem = _zero_singular_value(s, m, n)
        if problem is not None:
            raise NoDerivativeError(problem)
        if m > k:                                    # + (I - UUᵀ) Ū S⁻¹ Vᵀ
            grad = grad + ((g_u - u @ (u_t @ g_u)) / _as_row(s)) @ vh
        elif n > k:                                  # + U S⁻¹ V̄ᵀ (I - VVᵀ)
            grad = grad + u @ ((g_vh - (g_vh @ v) @ vh) / _as_column(s))
    return _triangle_gradient(grad, lower=True) if hermitian else grad


def _svd_jvp(t, ans, a, full_matrices, hermitian, values_only):
    """With P = Uᵀ dA V and F as in _svd_vjp: dS = diag(P),
    dU = U (F ∘ (P S + S Pᵀ)) + (I - UUᵀ) dA V S⁻¹ and dV = V (F ∘ (S P + Pᵀ S))
    + (I - VVᵀ) dAᵀ U S⁻¹."""
    u, s, vh = ans
    m, n = shape_of(a)[-2:]
    if full_matrices and m != n:
        raise NoDerivativeError("svd(full_matrices=True) of a non-square matrix has no "
                                "forward-mode derivative: the singular vectors beyond "
                                "min(M, N) are an arbitrary basis; use full_matrices=False "
                                "(or compute_uv=False for the values alone)")
    if hermitian:
        t = _symmetric_from_triangle(t, lower=True)
    v = _matrix_transpose(vh)
    change = _matrix_transpose(u) @ t @ v
    t_s = _diagonal(change)
    problem = (_coincidence(s, "svd", "singular vectors")
               or _zero_singular_value(s, m, n))
    if _vectors_undefined(problem, values_only):
        return u * numpy.nan, t_s, vh * numpy.nan
    gaps, row, column = _reciprocal_gaps(s * s), _as_row(s), _as_column(s)
    change_t = _matrix_transpose(change)
    t_u = u @ (gaps * (change * row + column * change_t))
    t_v = v @ (gaps * (column * change + change_t * row))
    if m > n:
        t_u = t_u + (t @ v - u @ change) / row
    elif n > m:
        t_v = t_v + (_matrix_transpose(t) @ u - v @ change_t) / row
    return t_u, t_s, _matrix_transpose(t_v)


# values_only: the caller keeps the singular values alone (see _vectors_undefined)
svd_ = primitive("svd", lambda a, full_matrices, hermitian, values_only: tuple(numpy.linalg.svd(
    a, full_matrices=full_matrices, hermitian=hermitian)), saves={"answer", "shapes"},
    vjp=_svd_vjp, jvp=_svd_jvp, n_outputs=3)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """ndgrad's differentiable numpy.linalg.svd: ``(U, S, Vh)``, or S for compute_uv=False.

    The singular values' gradient U diag(S̄) Vh is always defined. Through U and Vh:
    repeated singular values (closer than sqrt(eps) times their scale) raise
    NoDerivativeError, as do a zero singular value of a non-square matrix and cotangents on
    the extra columns that full_matrices=True adds to a non-square matrix's U or Vh; in
    forward mode, which cannot tell whether U and Vh are used, each of these raises when
    the input carries a tangent (compute_uv=False never does). hermitian=True reads the
    lower triangle, as NumPy.
    """
    if not compute_uv:
        return svd_(a, full_matrices=False, hermitian=bool(hermitian), values_only=True)[1]
    return SVDResult(*svd_(a, full_matrices=bool(full_matrices), hermitian=bool(hermitian),
                           values_only=False))


# A^0 = I: recorded (a constant function of A, derivative zero), so higher orders give zeros
identity_power_ = primitive(
    "identity_power",
    lambda a: numpy.broadcast_to(numpy.eye(a.shape[-1], dtype=a.dtype), a.shape).copy(),
    nondiff=True)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.matrix_power)
def matrix_power(a, n):
    """ndgrad's differentiable numpy.linalg.matrix_power: repeated squaring, with the
    inverse for negative ``n``; ``n = 0`` gives identity matrices (constant in ``a``: their
    derivative is zero)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError("exponent must be an integer") from None
    shape = shape_of(a)
    if len(shape) < 2:
        raise LinAlgError(f"{len(shape)}-dimensional array given. Array must be at least "
                          "two-dimensional")
    if shape[-1] != shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    if not isinstance(a, ndarray):
        a = asarray(a)
    if n == 0:
        return identity_power_(a)
    if n < 0:
        a, n = inv_(a), -n
    result, power = None, a
    while n:
        n, bit = divmod(n, 2)
        if bit:
            result = power if result is None else matmul_(result, power)
        if n:
            power = matmul_(power, power)
    return result
