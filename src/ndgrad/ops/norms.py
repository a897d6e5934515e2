"""Norms: the Euclidean norm primitive and numpy.linalg.norm's vector and matrix norms, some
of which (nuclear, 2, -2) go through the singular values of the decompositions.
"""

from __future__ import annotations

import numpy

from .._axes import kept_shape, ndim_of, normalize_axes, normalize_axis, shape_of
from .._ndarray import to_numpy
from .._primitive import primitive
from .._publish import public
from .._shaping import real
from . import reductions
from .decompositions import svd
from .elementwise import absolute, conjugate, where
from .reductions import spread_over
from .shape import astype, reshape_, transpose_


def _nonzero_norm(ans):
    """|x| where it is not 0, 1 where it is: d |x| = x / |x| dx is then 0 at x = 0 (the
    smallest subgradient), since x is."""
    return where(ans == 0, 1, ans)


def _euclidean_norm(x, axis, keepdims):
    squares = (x * numpy.conj(x)).real if x.dtype.kind == "c" else x * x
    return numpy.sqrt(numpy.sum(squares, axis=axis, keepdims=keepdims))


def _conjugated(x):
    return conjugate(x) if x.dtype.kind == "c" else x


# ||z|| of complex z: d||z|| = Re(sum conj(z) dz) / ||z||, so the gradient is conj(z) / ||z||
def _euclidean_vjp(g, ans, x, axis, keepdims):
    g = spread_over(g, x.shape, axis, keepdims)
    return g * _conjugated(x) / spread_over(_nonzero_norm(ans), x.shape, axis, keepdims)


def _euclidean_jvp(t, ans, x, axis, keepdims):
    change = reductions.sum_(_conjugated(x) * t, axis=axis, keepdims=keepdims)
    return (real(change) if x.dtype.kind == "c" else change) / _nonzero_norm(ans)


euclidean_norm_ = primitive("norm", _euclidean_norm, saves={"inputs", "answer"}, complex=True,
                            vjp=_euclidean_vjp, jvp=_euclidean_jvp)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """ndgrad's differentiable numpy.linalg.norm.

    Vector norms of every order; the Frobenius, nuclear, 1, -1, 2, -2, inf and -inf matrix
    norms. The gradient of the 2-norm at 0 is taken as 0. The nuclear and +-2 norms go
    through the singular values (``svd(compute_uv=False)``, whose gradient needs no singular
    vectors' cotangents, so it is defined for repeated singular values); for ord=2 or -2
    with the extreme singular value repeated, the tied values share the gradient, as max.
    """
    ndim = ndim_of(x)
    if to_numpy(x).dtype.kind not in "fc":           # NumPy's norms of integers are floats
        x = astype(x, numpy.float64)
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
        # a matrix order ('fro', 'nuc') is a wrong value for a vector: NumPy raises ValueError
        raise ValueError(f"invalid norm order {ord!r} for vectors")  # noqa: TRY004  (as NumPy)
    magnitude = absolute(x)
    if ord == numpy.inf:
        return _largest(magnitude, axes, keepdims)
    if ord == -numpy.inf:
        return reductions.min(magnitude, axis=axes, keepdims=keepdims)
    if ord == 0:
        # a count, with derivative zero; the zeros are magnitude's own (abs has slope 0 at 0),
        # so the count stays recorded and backward through it gives zeros, not "not recorded"
        return reductions.sum(where(magnitude != 0, 1.0, magnitude), axis=axes,
                              keepdims=keepdims)
    if ord == 1:
        return reductions.sum(magnitude, axis=axes, keepdims=keepdims)
    total = reductions.sum(magnitude ** ord, axis=axes, keepdims=keepdims)
    if ord < 0:
        return total ** (1.0 / ord)
    # the root has an infinite slope at 0, where the chain rule would give 0 * inf = nan;
    # the gradient of the norm at 0 is taken as 0, as for the 2-norm
    zero = total == 0
    return where(zero, 0, where(zero, 1, total) ** (1.0 / ord))


def _largest(x, axis, keepdims):
    """The max along ``axis``, and 0 where that axis is empty: NumPy's norms take the max with
    initial=0. (Over nothing, the sum is that 0, and differentiable.)"""
    axes = normalize_axes(axis, ndim_of(x))
    if 0 in [shape_of(x)[i] for i in axes]:
        return reductions.sum(x, axis=axes, keepdims=keepdims)
    return reductions.max(x, axis=axes, keepdims=keepdims)


def _matrix_norm(x, ord, axes, keepdims):
    row_axis, col_axis = axes
    if ord in (None, "fro"):
        return euclidean_norm_(x, axis=axes, keepdims=bool(keepdims))
    if ord in ("nuc", 2, -2):
        ndim = ndim_of(x)
        order = tuple(i for i in range(ndim) if i not in axes) + axes
        stacked = x if order == tuple(range(ndim)) else transpose_(x, axes=order)
        values = svd(stacked, compute_uv=False)
        pick = {"nuc": reductions.sum, 2: _largest, -2: reductions.min}[ord]
        result = pick(values, axis=-1, keepdims=False)
        return reshape_(result, shape=kept_shape(shape_of(x), axes)) if keepdims else result
    if ord in (1, -1):
        sums = reductions.sum(absolute(x), axis=row_axis, keepdims=True)
        pick = _largest if ord == 1 else reductions.min
        result = pick(sums, axis=col_axis, keepdims=True)
    elif ord in (numpy.inf, -numpy.inf):
        sums = reductions.sum(absolute(x), axis=col_axis, keepdims=True)
        pick = _largest if ord == numpy.inf else reductions.min
        result = pick(sums, axis=row_axis, keepdims=True)
    else:
        raise ValueError(f"invalid norm order {ord!r} for matrices")
    if keepdims:
        return result
    return reshape_(result, shape=tuple(n for i, n in enumerate(shape_of(x))
                                        if i not in axes))
