"""Products and norms: tensordot (the one contraction primitive), matmul, dot, linalg.norm."""

from __future__ import annotations

import numpy

from .._primitive import primitive
from .._registry import public
from .axes import ndim_of, normalize_axes, normalize_axis, shape_of
from .elementwise import absolute, multiply, where
from .reductions import max, min, spread_over, sum
from .shape import astype, reshape_, swapaxes, transpose_


def _tensordot_vjp_a(g, ans, a, b, axes):
    """Contract g with b over b's free axes, then put a's axes back in order."""
    axes_a, axes_b = axes
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    n_free_a = a.ndim - len(axes_a)
    grad = tensordot_(g, b, axes=(tuple(range(n_free_a, g.ndim)), tuple(free_b)))
    # b's contracted axes come out in b's order, each standing for the a axis paired with it
    matched = [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
    order = [i for i in range(a.ndim) if i not in axes_a] + matched
    return transpose_(grad, axes=tuple(numpy.argsort(order)))


def _tensordot_vjp_b(g, ans, a, b, axes):
    """Contract a with g over a's free axes, then put b's axes back in order."""
    axes_a, axes_b = axes
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    grad = tensordot_(a, g, axes=(tuple(free_a), tuple(range(len(free_a)))))
    # a's contracted axes come out in a's order, each standing for the b axis paired with it
    matched = [axes_b[axes_a.index(i)] for i in sorted(axes_a)]
    order = matched + [i for i in range(b.ndim) if i not in axes_b]
    return transpose_(grad, axes=tuple(numpy.argsort(order)))


tensordot_ = primitive("tensordot", lambda a, b, axes: numpy.tensordot(a, b, axes=axes),
                       vjp=(_tensordot_vjp_a, _tensordot_vjp_b))


def _matrix_transpose(x):
    return swapaxes(x, -1, -2)


def _matmul_vjp_a(g, ans, a, b):
    if b.ndim == 1:                                  # (..., m, k) @ (k,) -> (..., m)
        return multiply(reshape_(g, shape=g.shape + (1,)), b)
    if a.ndim == 1:                                  # (k,) @ (..., k, n) -> (..., n)
        g = reshape_(g, shape=g.shape[:-1] + (1, g.shape[-1]))
        grad = matmul_(g, _matrix_transpose(b))
        return reshape_(grad, shape=grad.shape[:-2] + grad.shape[-1:])
    return matmul_(g, _matrix_transpose(b))


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return multiply(g, a)
    if a.ndim == 1:                                  # outer product of a with each row of g
        return multiply(reshape_(a, shape=a.shape + (1,)),
                        reshape_(g, shape=g.shape[:-1] + (1, g.shape[-1])))
    if b.ndim == 1:
        grad = matmul_(_matrix_transpose(a), reshape_(g, shape=g.shape + (1,)))
        return reshape_(grad, shape=grad.shape[:-1])
    return matmul_(_matrix_transpose(a), g)


matmul_ = primitive("matmul", numpy.matmul, vjp=(_matmul_vjp_a, _matmul_vjp_b))


@public(numpy=numpy.matmul)
def matmul(x1, x2):
    """ndgrad's differentiable numpy.matmul (the ``@`` operator)."""
    if ndim_of(x1) == 0 or ndim_of(x2) == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are "
                         "not allowed; use * to multiply by a scalar)")
    return matmul_(x1, x2)


@public(numpy=numpy.tensordot)
def tensordot(a, b, axes=2):
    """ndgrad's differentiable numpy.tensordot."""
    a_ndim, b_ndim = ndim_of(a), ndim_of(b)
    if isinstance(axes, (int, numpy.integer)):
        axes_a = tuple(range(a_ndim - axes, a_ndim))
        axes_b = tuple(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = (axes_a,) if isinstance(axes_a, int) else tuple(axes_a)
        axes_b = (axes_b,) if isinstance(axes_b, int) else tuple(axes_b)
    axes_a = tuple(normalize_axis(i, a_ndim) for i in axes_a)
    axes_b = tuple(normalize_axis(i, b_ndim) for i in axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: axes {axes_a} and {axes_b} differ in length")
    for i, j in zip(axes_a, axes_b):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise ValueError(f"shape-mismatch for sum: a has shape {shape_of(a)} and b has "
                             f"shape {shape_of(b)}, contracted axes {axes_a} and {axes_b}")
    return tensordot_(a, b, axes=(axes_a, axes_b))


@public(numpy=numpy.dot)
def dot(a, b, out=None):
    """ndgrad's differentiable numpy.dot: inner product of vectors, matrix product of
    matrices, and for N-D a sum product over the last axis of ``a`` and the second-to-last
    of ``b``."""
    if out is not None:
        raise TypeError("dot(out=...) is not supported by ndgrad; use the returned array")
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    b_axis = 0 if ndim_of(b) == 1 else ndim_of(b) - 2
    if shape_of(a)[-1] != shape_of(b)[b_axis]:
        raise ValueError(f"shapes {shape_of(a)} and {shape_of(b)} not aligned: "
                         f"{shape_of(a)[-1]} (dim {ndim_of(a) - 1}) != "
                         f"{shape_of(b)[b_axis]} (dim {b_axis})")
    return tensordot_(a, b, axes=((ndim_of(a) - 1,), (b_axis,)))


def _euclidean_vjp(g, ans, x, axis, keepdims):
    """d |x| = x / |x| dx, taken as 0 where |x| = 0 (the smallest subgradient)."""
    g = spread_over(g, x.shape, axis, keepdims)
    ans = spread_over(ans, x.shape, axis, keepdims)
    return g * x / where(ans == 0, 1, ans)


euclidean_norm_ = primitive(
    "norm", lambda x, axis, keepdims: numpy.sqrt(numpy.sum(x * x, axis=axis, keepdims=keepdims)),
    saves={"inputs", "answer"}, vjp=_euclidean_vjp)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """ndgrad's differentiable numpy.linalg.norm.

    Vector norms of every order, and the Frobenius, 1, -1, inf and -inf matrix norms. The
    gradient of the 2-norm at 0 is taken as 0. The spectral and nuclear norms need the SVD,
    which ndgrad does not provide yet: they raise NotImplementedError.
    """
    ndim = ndim_of(x)
    if axis is None:
        if ord is None or (ord == "fro" and ndim == 2) or (ord == 2 and ndim == 1):
            return euclidean_norm_(x, axis=None, keepdims=bool(keepdims))
        if ndim not in (1, 2):
            raise ValueError("improper number of dimensions to norm: give axis for ord="
                             f"{ord!r} on an array of {ndim} dimensions")
        axis = tuple(range(ndim))
    axes = normalize_axes(axis, ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        # in the order given: the 1-norm sums over axis[0] and maximises over axis[1]
        return _matrix_norm(x, ord, tuple(normalize_axis(a, ndim) for a in axis), keepdims)
    raise ValueError("improper number of dimensions to norm")


def _vector_norm(x, ord, axes, keepdims):
    if ord is None or ord == 2:
        return euclidean_norm_(x, axis=axes, keepdims=bool(keepdims))
    if isinstance(ord, str):
        raise ValueError(f"invalid norm order {ord!r} for vectors")
    magnitude = absolute(x)
    if ord == numpy.inf:
        return max(magnitude, axis=axes, keepdims=keepdims)
    if ord == -numpy.inf:
        return min(magnitude, axis=axes, keepdims=keepdims)
    if ord == 0:                                     # a count: no gradient
        return astype(sum(magnitude != 0, axis=axes, keepdims=keepdims), numpy.result_type(
            x.dtype, numpy.float32))
    if ord == 1:
        return sum(magnitude, axis=axes, keepdims=keepdims)
    total = sum(magnitude ** ord, axis=axes, keepdims=keepdims)
    if ord < 0:
        return total ** (1.0 / ord)
    # the root has an infinite slope at 0, where the chain rule would give 0 * inf = nan;
    # the gradient of the norm at 0 is taken as 0, as for the 2-norm
    zero = total == 0
    return where(zero, 0, where(zero, 1, total) ** (1.0 / ord))


def _matrix_norm(x, ord, axes, keepdims):
    row_axis, col_axis = axes
    if ord in (None, "fro"):
        return euclidean_norm_(x, axis=axes, keepdims=bool(keepdims))
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"norm(ord={ord!r}) of a matrix needs singular values, "
                                  "which ndgrad does not compute yet; use ord='fro', 1 or inf")
    if ord in (1, -1):
        sums = sum(absolute(x), axis=row_axis, keepdims=True)
        pick = max if ord == 1 else min
        result = pick(sums, axis=col_axis, keepdims=True)
    elif ord in (numpy.inf, -numpy.inf):
        sums = sum(absolute(x), axis=col_axis, keepdims=True)
        pick = max if ord == numpy.inf else min
        result = pick(sums, axis=row_axis, keepdims=True)
    else:
        raise ValueError(f"invalid norm order {ord!r} for matrices")
    if keepdims:
        return result
    return reshape_(result, shape=tuple(n for i, n in enumerate(shape_of(x))
                                        if i not in axes))
