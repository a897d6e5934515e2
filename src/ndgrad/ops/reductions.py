"""Reductions: sum, max/min (ties share the gradient), arg-reductions, cumulative sums,
and the composites built on them (mean, var, std)."""

from __future__ import annotations

import numpy

from .._primitive import INPUTS, SHAPES, primitive
from .._registry import public
from ..errors import NoDerivativeError
from .axes import kept_shape, ndim_of, normalize_axes, normalize_axis, refuse_out, shape_of
from .shape import broadcast_to_, getitem_, reshape_


def spread_over(g, shape, axes, keepdims):
    """A reduction's cotangent broadcast back over the reduced axes."""
    if not keepdims:
        g = reshape_(g, shape=kept_shape(shape, axes))
    return broadcast_to_(g, shape=shape)


sum_ = primitive("sum", lambda x, axis, keepdims: numpy.sum(x, axis=axis, keepdims=keepdims),
                 saves=SHAPES,
                 vjp=lambda g, ans, x, axis, keepdims: spread_over(g, x.shape, axis, keepdims))


def _extremum_vjp(g, ans, x, axis, keepdims):
    """The cotangent goes to the extreme elements, split evenly among ties (API.md 10)."""
    shape = kept_shape(x.shape, axis)
    g = reshape_(g, shape=shape)
    winners = x == reshape_(ans, shape=shape)
    count = winners.sum(axis=axis, keepdims=True).astype(g.dtype)
    return g * winners / count


amax_ = primitive("max", lambda x, axis, keepdims: numpy.amax(x, axis=axis, keepdims=keepdims),
                  saves={"inputs", "answer"}, vjp=_extremum_vjp)
amin_ = primitive("min", lambda x, axis, keepdims: numpy.amin(x, axis=axis, keepdims=keepdims),
                  saves={"inputs", "answer"}, vjp=_extremum_vjp)


def _reverse(g, axis):
    return getitem_(g, key=(slice(None),) * axis + (slice(None, None, -1),))


cumsum_ = primitive("cumsum", lambda x, axis: numpy.cumsum(x, axis=axis), saves=INPUTS,
                    # the adjoint of a running sum is a running sum from the other end
                    vjp=lambda g, ans, x, axis: _reverse(cumsum_(_reverse(g, axis), axis=axis),
                                                         axis))
argmax_ = primitive("argmax", lambda x, axis, keepdims: numpy.argmax(x, axis=axis,
                                                                      keepdims=keepdims),
                    nondiff=True)
argmin_ = primitive("argmin", lambda x, axis, keepdims: numpy.argmin(x, axis=axis,
                                                                      keepdims=keepdims),
                    nondiff=True)


def _reduce(prim, a, axis, keepdims):
    return prim(a, axis=normalize_axes(axis, ndim_of(a)), keepdims=bool(keepdims))


@public(numpy=numpy.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.sum."""
    refuse_out(out, "sum")
    if dtype is not None:
        from .shape import astype
        a = astype(a, dtype)
    return _reduce(sum_, a, axis, keepdims)


@public(numpy=(numpy.max, numpy.amax))
def max(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.max. Differs from MXNet: tied maxima share the gradient
    equally, so it sums to one."""
    refuse_out(out, "max")
    return _reduce(amax_, a, axis, keepdims)


@public(numpy=(numpy.min, numpy.amin))
def min(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.min; tied minima share the gradient equally."""
    refuse_out(out, "min")
    return _reduce(amin_, a, axis, keepdims)


@public(numpy=numpy.argmax)
def argmax(a, axis=None, out=None, keepdims=False):
    """ndgrad's numpy.argmax (integer result, no gradient)."""
    refuse_out(out, "argmax")
    axis = None if axis is None else normalize_axis(axis, ndim_of(a))
    return argmax_(a, axis=axis, keepdims=keepdims)


@public(numpy=numpy.argmin)
def argmin(a, axis=None, out=None, keepdims=False):
    """ndgrad's numpy.argmin (integer result, no gradient)."""
    refuse_out(out, "argmin")
    axis = None if axis is None else normalize_axis(axis, ndim_of(a))
    return argmin_(a, axis=axis, keepdims=keepdims)


@public(numpy=numpy.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    """ndgrad's differentiable numpy.cumsum (axis=None runs over the flattened array)."""
    refuse_out(out, "cumsum")
    if dtype is not None:
        from .shape import astype
        a = astype(a, dtype)
    if axis is None:
        a = reshape_(a, shape=(-1,))
        axis = 0
    return cumsum_(a, axis=normalize_axis(axis, ndim_of(a)))


def _count(a, axis):
    axes = normalize_axes(axis, ndim_of(a))
    shape = shape_of(a)
    return int(numpy.prod([shape[i] for i in (axes if axes is not None else range(len(shape)))]))


@public(numpy=numpy.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.mean."""
    total = sum(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    if total.dtype.kind not in "fc":
        from .shape import astype
        total = astype(total, numpy.float64)
    return total / _count(a, axis)


@public(numpy=numpy.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """ndgrad's differentiable numpy.var."""
    deviation = a - mean(a, axis=axis, dtype=dtype, keepdims=True)
    return (sum(deviation * deviation, axis=axis, out=out, keepdims=keepdims)
            / (_count(a, axis) - ddof))


@public(numpy=numpy.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """ndgrad's differentiable numpy.std (its gradient is infinite where the spread is 0)."""
    from .elementwise import sqrt
    return sqrt(var(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims))


def _prod_vjp(g, ans, x, axis, keepdims):
    """d prod(x) / d x_i = prod(x) / x_i: exact where no factor is zero. With a zero factor
    that quotient is 0/0, so ndgrad refuses rather than return a wrong gradient."""
    if numpy.any(numpy.asarray(x) == 0):
        raise NoDerivativeError(
            "the gradient of prod with a zero factor is not implemented yet (the quotient "
            "rule would give 0/0); compute the product as a composite of the nonzero factors")
    return spread_over(g, x.shape, axis, keepdims) * spread_over(ans, x.shape, axis,
                                                                 keepdims) / x


prod_ = primitive("prod", lambda x, axis, keepdims: numpy.prod(x, axis=axis, keepdims=keepdims),
                  saves={"inputs", "answer"}, vjp=_prod_vjp)


@public(numpy=numpy.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.prod. Its gradient with a zero factor raises
    NoDerivativeError (never a wrong 0/0)."""
    refuse_out(out, "prod")
    if dtype is not None:
        from .shape import astype
        a = astype(a, dtype)
    return _reduce(prod_, a, axis, keepdims)
