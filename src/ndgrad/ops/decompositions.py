"""Matrix decompositions and solvers: inv, det, solve, cholesky, qr, eig, eigh, svd and their
kin, with the gradients of the literature.

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

Complex matrices (docs/autograd.md's convention: the gradient of a real L is dL/dx - i dL/dy,
and a holomorphic function's rules are its real ones with plain transposes) are
differentiable through inv, det, slogdet (its sign too), solve, cholesky, qr, eig, eigvals,
eigh, eigvalsh, svd and pinv; lstsq refuses them (TypeError). A Hermitian matrix is read
from one triangle with a real diagonal, so an off-diagonal entry gets G_ij + conj(G_ji) and a
diagonal one Re G_ii. Complex eigen- and singular vectors are unique up to a phase each,
which NumPy fixes by a convention the rules do not follow: their gradients are those of
functions that do not depend on the phases, and reverse mode refuses a cotangent that does
(NoDerivativeError), as PyTorch does; forward mode cannot tell, and gives a phase tangent
of its own (eigh keeps each phase; svd keeps V's and turns U's with the pair; eig's is
arbitrary). qr is unique (LAPACK's R has a real diagonal), so its gradient needs no such
care.
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
from .._shaping import real
from ..errors import NoDerivativeError
from . import reductions
from .creation import asarray
from .elementwise import conjugate, imag, where
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


class EigResult(NamedTuple):
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
def _is_complex(x):
    """Whether x (an array, or an Aval of one) is complex."""
    return numpy.dtype(x.dtype).kind == "c"


def _conj(x):
    """conj(x), with no op recorded for a real x."""
    return conjugate(x) if _is_complex(x) else x


def _adjoint(x):
    """The conjugate transpose of a stack of matrices (the transpose of real ones)."""
    return _conj(_matrix_transpose(x))


def _real_part(x):
    """Re x, with no op recorded for a real x."""
    return real(x) if _is_complex(x) else x


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
    """The gradient for the triangle NumPy reads a symmetric (Hermitian) matrix from, given
    ``grad`` for the whole matrix: an entry off the diagonal stands for itself and for its
    mirror, the conjugate, so it gets G_ij + conj(G_ji); a diagonal entry is read as its real
    part, so it gets Re G_ii."""
    strict_lower, diagonal, strict_upper = _masks(shape_of(grad)[-1], grad.dtype)
    both = grad + _adjoint(grad)
    return both * (strict_lower if lower else strict_upper) + _real_part(grad) * diagonal


def _symmetric_from_triangle(a, lower):
    """The symmetric (Hermitian) matrix NumPy sees when it reads a's lower (upper) triangle,
    mirrored (conjugated), with a real diagonal: the adjoint of _triangle_gradient, so
    forward mode's tangent for such an input."""
    strict_lower, diagonal, strict_upper = _masks(shape_of(a)[-1], a.dtype)
    read, mirrored = (strict_lower, strict_upper) if lower else (strict_upper, strict_lower)
    return a * read + _real_part(a) * diagonal + _adjoint(a) * mirrored


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


def _zero_singular_value(s, m, n, complex_vectors=False):
    """Why the derivative of a non-square (or complex) matrix's singular vectors is
    undefined, if one of its singular values is 0 (it divides by them: the complement's
    basis, or the relative phase of a complex pair); None otherwise."""
    if (m != n or complex_vectors) and numpy.any(numpy.asarray(raw(s)) == 0):
        return ("the gradient of svd through the singular vectors of a non-square or complex "
                "matrix divides by its singular values, and one is 0")
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
    """With τ = tr(A⁻¹ dA): d log|det A| = Re τ and d sign = sign i Im τ, so τ's cotangent is
    logabsdet's plus i Im(sign̄ sign), sign̄ being the sign's cotangent; a real sign is
    piecewise constant (no gradient)."""
    sign, _ = ans
    g_sign, g_logabsdet = g
    if _is_complex(sign) and not _is_constant_zero(g_sign):
        g_logabsdet = g_logabsdet + imag(g_sign * sign) * 1j
    return _as_matrix_stack(g_logabsdet) * _inverse_transpose(a, sign == 0, "slogdet")


def _slogdet_jvp(t, ans, a):
    sign, _ = ans
    change = _trace_with_inverse(t, a, sign == 0, "slogdet")
    if not _is_complex(sign):
        return None, change
    return sign * imag(change) * 1j, real(change)


slogdet_ = primitive("slogdet", numpy.linalg.slogdet, saves={"inputs", "answer"},
                     vjp=_slogdet_vjp, jvp=_slogdet_jvp, n_outputs=2, complex=True)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.slogdet)
def slogdet(a):
    """ndgrad's differentiable numpy.linalg.slogdet: ``(sign, logabsdet)``. The gradient
    flows through logabsdet, and through the sign of a complex matrix (a real sign is
    piecewise constant: no gradient); at a singular matrix it raises NoDerivativeError."""
    return SlogdetResult(*slogdet_(a))


def _pinv_vjp(g, ans, a, rcond, hermitian):
    """Golub & Pereyra (1973), exact where the rank does not change: with X = A⁺,
    dX = -X dA X + X Xᴴ dAᴴ (I - A X) + (I - X A) dAᴴ Xᴴ X; the dAᴴ terms (antilinear)
    transpose to conjugates: Ā = -Xᵀ X̄ Xᵀ + (I - conj(A X)) X̄ᴴ conj(X) Xᵀ
    + Xᵀ conj(X) X̄ᴴ (I - conj(X A))."""
    x_t, x_c, g_h = _matrix_transpose(ans), _conj(ans), _adjoint(g)
    if hermitian:
        a = _symmetric_from_triangle(a, lower=True)
    a_c = _conj(a)
    spread = g_h @ (x_c @ x_t)
    grad = (-(x_t @ g @ x_t) + (spread - a_c @ (x_c @ spread))
            + (x_t @ x_c) @ (g_h - (g_h @ x_c) @ a_c))
    return _triangle_gradient(grad, lower=True) if hermitian else grad


def _pinv_tangent(x, a, t):
    """Golub & Pereyra's dX = -X dA X + X Xᴴ dAᴴ (I - A X) + (I - X A) dAᴴ Xᴴ X."""
    x_h, t_h = _adjoint(x), _adjoint(t)
    return (-(x @ t @ x) + (x @ x_h) @ (t_h - (t_h @ a) @ x)
            + (t_h - x @ (a @ t_h)) @ (x_h @ x))


def _pinv_jvp(t, ans, a, rcond, hermitian):
    if hermitian:
        a, t = _symmetric_from_triangle(a, lower=True), _symmetric_from_triangle(t, lower=True)
    return _pinv_tangent(ans, a, t)


pinv_ = primitive("pinv", lambda a, rcond, hermitian: numpy.linalg.pinv(
    a, rcond=rcond, hermitian=hermitian), saves={"inputs", "answer"}, vjp=_pinv_vjp,
    jvp=_pinv_jvp, complex=True)


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
    gradient for the symmetric (Hermitian) input is S = L⁻ᵀ Φ(Lᵀ L̄) conj(L)⁻¹, given to
    the triangle read (the cotangent of L's constant upper triangle is ignored). U = Lᴴ,
    so U's cotangent is L̄ᴴ."""
    lower = _adjoint(ans) if upper else ans
    g_lower = _adjoint(g) if upper else g
    strict_lower, diagonal, _ = _masks(shape_of(ans)[-1], ans.dtype)
    lower_t = _matrix_transpose(lower)
    phi = _phi(lower_t @ (g_lower * (strict_lower + diagonal)))
    # S = L⁻ᵀ P conj(L)⁻¹ as two triangular solves: (L⁻ᴴ (L⁻ᵀ P)ᵀ)ᵀ
    s = _matrix_transpose(solve_(_conj(lower_t), _matrix_transpose(solve_(lower_t, phi))))
    return _triangle_gradient(s, lower=not upper)


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    strict_lower, diagonal, _ = _masks(shape_of(x)[-1], x.dtype)
    return x * (strict_lower + 0.5 * diagonal)


def _cholesky_jvp(t, ans, a, upper):
    """dL = L Φ(L⁻¹ dA L⁻ᴴ), dA the Hermitian matrix of the triangle NumPy reads (L's
    diagonal stays real: that of L⁻¹ dA L⁻ᴴ is)."""
    lower = _adjoint(ans) if upper else ans
    change = _symmetric_from_triangle(t, lower=not upper)
    # L⁻¹ dA L⁻ᴴ = L⁻¹ (L⁻¹ dA)ᴴ, dA being Hermitian
    inner = solve_(lower, _adjoint(solve_(lower, change)))
    t_lower = lower @ _phi(_real_diagonal(inner))
    return _adjoint(t_lower) if upper else t_lower


def _real_diagonal(x):
    """x with its diagonal's imaginary part (rounding, for a Hermitian x) dropped."""
    if not _is_complex(x):
        return x
    diagonal = numpy.eye(shape_of(x)[-1], dtype=bool)
    return where(diagonal, _real_part(x), x)


cholesky_ = primitive("cholesky", lambda a, upper: numpy.linalg.cholesky(a, upper=upper),
                      saves=ANSWER, vjp=_cholesky_vjp, jvp=_cholesky_jvp, complex=True)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    """ndgrad's differentiable numpy.linalg.cholesky: L with ``L @ L.conj().T == a`` (or
    upper U with ``U.conj().T @ U == a``), reading a's lower (upper) triangle; the gradient
    is given to that triangle (see the module's notes)."""
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
    """For m >= n (Walter & Lehmann; PyTorch's formula), the transpose of _qr_jvp: with
    N = R̄ Rᵀ - Qᵀ Q̄ and K its strict upper triangle, plus Re diag(N), plus the strict lower
    triangle of Nᴴ (for real matrices: N's upper triangle mirrored),
    Ā = (Q̄ + conj(Q) K) R⁻ᵀ."""
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
    middle = g_r @ _matrix_transpose(r) - _matrix_transpose(q) @ g_q
    mirrored = (middle * strict_upper + _real_part(middle) * diagonal
                + _adjoint(middle) * strict_lower)
    # B R⁻ᵀ = (R⁻¹ Bᵀ)ᵀ
    return _matrix_transpose(solve_(r, _matrix_transpose(g_q + _conj(q) @ mirrored)))


def _qr_jvp(t, ans, a, mode):
    """From dA = dQ R + Q dR: C = Qᴴ dA R⁻¹ is Ω = Qᴴ dQ, anti-Hermitian, plus dR R⁻¹,
    upper triangular with a real diagonal (LAPACK's R has one); so Ω is C's strictly lower
    triangle less its conjugate transpose, plus i Im diag(C), dR = (C - Ω) R and
    dQ = Q Ω + (I - QQᴴ) dA R⁻¹."""
    q, r = ans
    m, n = shape_of(a)[-2:]
    _require_qr_derivative(mode, m, n)
    if mode == "complete" and m > n:
        raise NoDerivativeError("qr(mode='complete') of a tall matrix has no forward-mode "
                                "derivative: Q's last m - n columns are an arbitrary basis; "
                                "use mode='reduced'")
    t_r_inverse = _matrix_transpose(solve_(_matrix_transpose(r), _matrix_transpose(t)))
    c = _adjoint(q) @ t_r_inverse
    strict_lower, diagonal, _ = _masks(n, c.dtype)
    omega = c * strict_lower - _adjoint(c * strict_lower)
    if _is_complex(c):
        omega = omega + imag(c) * diagonal * 1j
    return q @ omega + (t_r_inverse - q @ c), (c - omega) @ r


qr_ = primitive("qr", lambda a, mode: tuple(numpy.linalg.qr(a, mode=mode)),
                saves={"answer", "shapes"}, vjp=_qr_vjp, jvp=_qr_jvp, n_outputs=2, complex=True)


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


def _require_phase_invariant(v, g_v, name, what):
    """Complex eigen- or singular vectors are unique up to a phase each (v_j e^(iθ_j)), which
    NumPy picks by a convention of LAPACK's that the rules do not follow: the gradient is
    that of a function that does not depend on the phases. ``g_v`` is the cotangent of the
    vectors ``v`` (for svd, U's and V's together as ``v``, ``g_v``: sequences of two); it
    is refused when a phase moves the loss, which it does by Im diag(vᵀ g_v), summed."""
    pairs = list(zip(v, g_v)) if isinstance(v, tuple) else [(v, g_v)]
    moved = bound = 0
    for vectors, cotangent in pairs:
        vectors, cotangent = numpy.asarray(raw(vectors)), numpy.asarray(raw(cotangent))
        moved = moved + numpy.imag(numpy.sum(vectors * cotangent, axis=-2))
        bound = bound + numpy.sum(numpy.abs(vectors) * numpy.abs(cotangent), axis=-2)
    eps = numpy.finfo(pairs[0][0].dtype).eps
    if numpy.any(numpy.abs(moved) > numpy.sqrt(eps) * (bound + eps)):
        raise NoDerivativeError(
            f"the gradient of {name} through complex {what} is defined only for functions "
            f"that do not depend on their phases (each is unique up to a factor e^(iθ)), and "
            f"this one does (by up to {numpy.max(numpy.abs(moved)):.3g}); use phase-invariant "
            "quantities such as |v|² or v vᴴ")


def _eigh_vjp(g, ans, a, UPLO, values_only):
    """Ā = conj(V) (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ with F_ij = 1 / (w_j - w_i) off the diagonal,
    given to the triangle read; with eigenvector cotangents, coinciding eigenvalues raise
    NoDerivativeError (and, for complex vectors, a loss that depends on their phases)."""
    w, v = ans
    g_w, g_v = g
    middle = _diag_matrix(g_w)
    if not _is_constant_zero(g_v):
        _require_separated(w, "eigh", "eigenvectors")
        if _is_complex(v):
            _require_phase_invariant(v, g_v, "eigh", "eigenvectors")
        middle = middle + _reciprocal_gaps(w) * (_matrix_transpose(v) @ g_v)
    return _triangle_gradient(_conj(v) @ middle @ _matrix_transpose(v),
                              lower=UPLO.upper() == "L")


def _eigh_jvp(t, ans, a, UPLO, values_only):
    """With P = Vᴴ dA V (dA the Hermitian matrix of the triangle NumPy reads) and F as in
    _eigh_vjp: dw = diag(P) (real), dV = V (F ∘ P), which keeps each vector's phase."""
    w, v = ans
    change = _adjoint(v) @ _symmetric_from_triangle(t, lower=UPLO.upper() == "L") @ v
    t_w = _real_part(_diagonal(change))
    if _vectors_undefined(_coincidence(w, "eigh", "eigenvectors"), values_only):
        return t_w, v * numpy.nan
    return t_w, v @ (_reciprocal_gaps(w) * change)


# values_only: the caller keeps the eigenvalues alone (see _vectors_undefined)
eigh_ = primitive("eigh", lambda a, UPLO, values_only: tuple(numpy.linalg.eigh(a, UPLO=UPLO)),
                  saves=ANSWER, vjp=_eigh_vjp, jvp=_eigh_jvp, n_outputs=2, complex=True)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.eigh)
def eigh(a, UPLO="L"):
    """ndgrad's differentiable numpy.linalg.eigh: ``(eigenvalues, eigenvectors)`` of a
    symmetric (Hermitian) matrix read from its ``UPLO`` triangle.

    The gradient through the eigenvectors divides by eigenvalue gaps: where two eigenvalues
    are closer than sqrt(eps) times their scale and a cotangent reaches the eigenvectors,
    it raises NoDerivativeError (in forward mode, whenever the input carries a tangent).
    The eigenvalues' gradient is always defined (eigvalsh). Complex eigenvectors: gradients
    of functions that do not depend on their phases only (see the module's notes).
    """
    return EighResult(*eigh_(a, UPLO=UPLO, values_only=False))


@public(namespaces=("np.linalg",), numpy=numpy.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    """ndgrad's differentiable numpy.linalg.eigvalsh: gradient V diag(w̄) Vᵀ, defined for
    repeated eigenvalues too (their second derivatives are not: NoDerivativeError in
    reverse mode, NaN in forward mode)."""
    return eigh_(a, UPLO=UPLO, values_only=True)[0]


def _require_distinct(values, name):
    """Refuse the derivative of eig where two eigenvalues (in any order, complex) are within
    sqrt(eps) times the largest magnitude: it divides by their gaps, and at a repeated
    eigenvalue neither the eigenvectors nor the eigenvalues, as an ordered list, have one."""
    values = numpy.asarray(raw(values))
    n = values.shape[-1]
    if n < 2 or values.size == 0:
        return
    gaps = numpy.abs(values[..., :, None] - values[..., None, :]) + numpy.where(
        numpy.eye(n, dtype=bool), numpy.inf, 0)
    smallest = numpy.min(gaps, axis=(-2, -1))
    scale = numpy.max(numpy.abs(values), axis=-1)
    if numpy.any(smallest <= numpy.sqrt(numpy.finfo(values.dtype).eps) * scale):
        raise NoDerivativeError(
            f"the gradient of {name} is undefined where two eigenvalues coincide (here they "
            f"differ by {numpy.min(smallest):.3g}): it divides by their gaps. Keep the "
            "eigenvalues apart, or use eigh/eigvalsh for a symmetric (Hermitian) matrix")


def _eig_vjp(g, ans, a):
    """The transpose of _eig_jvp: with V̄' = V̄ - conj(V) diag(Re diag(V̄ᵀ V)) (undoing the
    renormalisation) and M = diag(w̄) + F ∘ (Vᵀ V̄'), Ā = V⁻ᵀ M Vᵀ."""
    w, v = ans
    g_w, g_v = g
    _require_distinct(w, "eig")
    middle = _diag_matrix(g_w)
    if not _is_constant_zero(g_v):
        if _is_complex(v):
            _require_phase_invariant(v, g_v, "eig", "eigenvectors")
        g_v = g_v - _conj(v) * _as_row(_real_part(reductions.sum(g_v * v, axis=-2)))
        middle = middle + _reciprocal_gaps(w) * (_matrix_transpose(v) @ g_v)
    v_t = _matrix_transpose(v)
    return solve_(v_t, middle @ v_t)


def _eig_jvp(t, ans, a):
    """With A = V diag(w) V⁻¹, P = V⁻¹ dA V and F_ij = 1 / (w_j - w_i) off the diagonal:
    dw = diag(P) and dV = V (F ∘ P), less each column's change of length (NumPy's vectors
    have unit norm): dV_j -= V_j Re(V_jᴴ dV_j). A vector's phase is left as it is."""
    w, v = ans
    _require_distinct(w, "eig")
    change = solve_(v, t @ v)
    t_v = v @ (_reciprocal_gaps(w) * change)
    t_v = t_v - v * _as_row(_real_part(reductions.sum(_conj(v) * t_v, axis=-2)))
    return _diagonal(change), t_v


# NumPy's dtypes: complex results, or real ones for a real matrix whose eigenvalues are real
eig_ = primitive("eig", lambda a: tuple(numpy.linalg.eig(a)), saves=ANSWER, vjp=_eig_vjp,
                 jvp=_eig_jvp, n_outputs=2, complex=True)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.eig)
def eig(a):
    """ndgrad's differentiable numpy.linalg.eig: ``(eigenvalues, eigenvectors)``, NumPy's
    (unit-norm eigenvectors; complex, or real for a real matrix with real eigenvalues).

    Each eigenvector is unique up to a factor e^(iθ) (a sign, if real) that NumPy fixes by a
    convention the derivative does not follow: gradients through the eigenvectors are those
    of functions that do not depend on it (|v|², v vᴴ, v diag(w) V⁻¹, ...), and a cotangent
    that does is refused with NoDerivativeError (in reverse mode; forward mode cannot tell,
    and its tangent of a vector's phase is arbitrary). Where two eigenvalues coincide
    (closer than sqrt(eps) times their scale) the gradient raises NoDerivativeError.
    """
    return EigResult(*eig_(a))


@public(namespaces=("np.linalg",), numpy=numpy.linalg.eigvals)
def eigvals(a):
    """ndgrad's differentiable numpy.linalg.eigvals (the eigenvalues eig computes, in its
    order): gradient V⁻ᵀ diag(w̄) Vᵀ, undefined (NoDerivativeError) where two eigenvalues
    coincide."""
    return eig_(a)[0]


def _svd_vjp(g, ans, a, full_matrices, hermitian, values_only):
    """Townsend (2016), with F_ij = 1 / (s_j² - s_i²) off the diagonal, X = UᵀŪ and
    Y = VᵀV̄ (V̄ = V̄hᴴ, the cotangent of V = Vhᴴ):
    Ā = conj(U) [diag(s̄) + (F ∘ (X - Xᴴ)) S + S (F ∘ (Y - Yᴴ)) + i Im diag(X) S⁻¹] Vᵀ
        + (I - conj(U) Uᵀ) Ū S⁻¹ Vᵀ + conj(U) S⁻¹ V̄h (I - conj(V) Vᵀ);
    the Im diag(X) term (complex only) is the transpose of the phase the JVP gives U."""
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
    u_c, v_t = _conj(u), _conj(vh)                   # conj(U) and Vᵀ
    if _is_constant_zero(g_u) and _is_constant_zero(g_vh):
        grad = u_c @ _diag_matrix(g_s) @ v_t
    else:
        _require_separated(s, "svd", "singular vectors")
        complex_vectors = _is_complex(u)
        if complex_vectors:
            _require_phase_invariant((u, _adjoint(vh)), (g_u, _adjoint(g_vh)), "svd",
                                     "singular vectors")
        problem = _zero_singular_value(s, m, n, complex_vectors)
        if problem is not None:
            raise NoDerivativeError(problem)
        u_t = _matrix_transpose(u)
        x, y = u_t @ g_u, v_t @ _adjoint(g_vh)
        gaps = _reciprocal_gaps(s * s)
        middle = (_diag_matrix(g_s) + (gaps * (x - _adjoint(x))) * _as_row(s)
                  + _as_column(s) * (gaps * (y - _adjoint(y))))
        if complex_vectors:
            middle = middle + _diag_matrix(imag(_diagonal(x)) * 1j / s)
        grad = u_c @ middle @ v_t
        if m > k:                                    # + (I - conj(U) Uᵀ) Ū S⁻¹ Vᵀ
            grad = grad + ((g_u - u_c @ (u_t @ g_u)) / _as_row(s)) @ v_t
        elif n > k:                                  # + conj(U) S⁻¹ V̄h (I - conj(V) Vᵀ)
            grad = grad + u_c @ ((g_vh - (g_vh @ _matrix_transpose(vh)) @ v_t)
                                 / _as_column(s))
    return _triangle_gradient(grad, lower=True) if hermitian else grad


def _svd_jvp(t, ans, a, full_matrices, hermitian, values_only):
    """With P = Uᴴ dA V and F as in _svd_vjp: dS = Re diag(P),
    dU = U (F ∘ (P S + S Pᴴ) + i Im diag(P) S⁻¹) + (I - UUᴴ) dA V S⁻¹ and
    dV = V (F ∘ (S P + Pᴴ S)) + (I - VVᴴ) dAᴴ U S⁻¹: the phase a pair of complex singular
    vectors turns by goes to U's vector (V's keeps its phase)."""
    u, s, vh = ans
    m, n = shape_of(a)[-2:]
    if full_matrices and m != n:
        raise NoDerivativeError("svd(full_matrices=True) of a non-square matrix has no "
                                "forward-mode derivative: the singular vectors beyond "
                                "min(M, N) are an arbitrary basis; use full_matrices=False "
                                "(or compute_uv=False for the values alone)")
    if hermitian:
        t = _symmetric_from_triangle(t, lower=True)
    v = _adjoint(vh)
    change = _adjoint(u) @ t @ v
    t_s = _real_part(_diagonal(change))
    complex_vectors = _is_complex(u)
    problem = (_coincidence(s, "svd", "singular vectors")
               or _zero_singular_value(s, m, n, complex_vectors))
    if _vectors_undefined(problem, values_only):
        return u * numpy.nan, t_s, vh * numpy.nan
    gaps, row, column = _reciprocal_gaps(s * s), _as_row(s), _as_column(s)
    change_h = _adjoint(change)
    t_u = u @ (gaps * (change * row + column * change_h))
    t_v = v @ (gaps * (column * change + change_h * row))
    if complex_vectors:
        t_u = t_u + u * _as_row(imag(_diagonal(change)) * 1j / s)
    if m > n:
        t_u = t_u + (t @ v - u @ change) / row
    elif n > m:
        t_v = t_v + (_adjoint(t) @ u - v @ change_h) / row
    return t_u, t_s, _adjoint(t_v)


# values_only: the caller keeps the singular values alone (see _vectors_undefined)
svd_ = primitive("svd", lambda a, full_matrices, hermitian, values_only: tuple(numpy.linalg.svd(
    a, full_matrices=full_matrices, hermitian=hermitian)), saves={"answer", "shapes"},
    vjp=_svd_vjp, jvp=_svd_jvp, n_outputs=3, complex=True)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """ndgrad's differentiable numpy.linalg.svd: ``(U, S, Vh)``, or S for compute_uv=False.

    The singular values' gradient U diag(S̄) Vh is always defined. Through U and Vh:
    repeated singular values (closer than sqrt(eps) times their scale) raise
    NoDerivativeError, as do a zero singular value of a non-square matrix and cotangents on
    the extra columns that full_matrices=True adds to a non-square matrix's U or Vh; in
    forward mode, which cannot tell whether U and Vh are used, each of these raises when
    the input carries a tangent (compute_uv=False never does). hermitian=True reads the
    lower triangle, as NumPy. Complex singular vectors: gradients of functions that do not
    depend on their phases only, and a zero singular value raises NoDerivativeError (see
    the module's notes).
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
