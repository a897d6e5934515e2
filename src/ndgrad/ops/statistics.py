"""Statistics: median, quantile, percentile, average, ptp and the nan-ignoring reductions,
all composites of the reductions, sort and getitem (so their gradients are those ops')."""

from __future__ import annotations

import warnings

import numpy

from .._axes import kept_shape, normalize_axes, normalize_axis
from .._ndarray import raw
from .._publish import public
from .creation import asarray
from .elementwise import where
from .reductions import max, mean, min, sum
from .shape import astype, broadcast_to_, getitem_, reshape_, transpose_
from .sorting import sort_


@public(numpy=numpy.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.ptp (max - min); tied extremes share the gradient."""
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def _weights_along(weights, a, axis):
    """``weights`` shaped to broadcast against ``a``: NumPy's rules for average (the shape
    of ``a``, or of ``a`` along ``axis`` in the order ``axis`` names them)."""
    if weights.shape == a.shape:
        return weights
    if axis is None:
        raise TypeError("Axis must be specified when shapes of a and weights differ.")
    named = [normalize_axis(i, a.ndim) for i in (axis if isinstance(axis, (tuple, list))
                                                 else (axis,))]
    if weights.shape != tuple(a.shape[i] for i in named):
        raise ValueError("Shape of weights must be consistent with shape of a along "
                         f"specified axis: weights have shape {weights.shape}, a has shape "
                         f"{a.shape} and axis is {axis!r}")
    weights = transpose_(weights, axes=tuple(int(i) for i in numpy.argsort(named)))
    return reshape_(weights, shape=tuple(n if i in named else 1 for i, n in enumerate(a.shape)))


@public(numpy=numpy.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """ndgrad's differentiable numpy.average, differentiable in ``a`` and in ``weights``
    (a list of weights takes ndgrad's default float dtype, as any operand)."""
    a = asarray(a)
    normalize_axes(axis, a.ndim)        # NumPy's AxisError, before the weights are checked
    if weights is None:
        result = mean(a, axis=axis, keepdims=keepdims)
        scale = asarray(numpy.full(result.shape, a.size / result.size, dtype=result.dtype))
    else:
        weights = _weights_along(asarray(weights), a, axis)
        dtype = numpy.result_type(a.dtype, weights.dtype,
                                  *(("f8",) if a.dtype.kind in "biu" else ()))
        scale = sum(weights, axis=axis, dtype=dtype, keepdims=keepdims)
        if numpy.any(scale._data == 0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        products = astype(a, dtype, copy=False) * astype(weights, dtype, copy=False)
        result = sum(products, axis=axis, keepdims=keepdims) / scale
        if scale.shape != result.shape:
            scale = broadcast_to_(scale, shape=result.shape)
    return (result, scale) if returned else result


# -- quantiles -------------------------------------------------------------------------------
# A quantile sits at a virtual index among the n sorted elements (the order statistics): it
# blends the two order statistics around that index, or picks one. Methods as NumPy's.

def _plotting_position(alpha, beta):
    """Hyndman and Fan's continuous methods: virtual index n q + alpha + q (1 - alpha - beta)
    - 1 (0-based)."""
    return lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1


def _first_or_next(virtual, first):
    """The order statistic a discrete method picks: floor(virtual) where ``first(fraction,
    floor)`` holds, else the next one; never below the first."""
    below = numpy.floor(virtual)
    index = numpy.where(first(virtual - below, below), below, below + 1)
    return numpy.maximum(index, 0).astype(numpy.intp)


# Methods whose virtual index moves with q: q (an ndarray with history too) gets a gradient.
_CONTINUOUS = {
    "linear": lambda n, q: (n - 1) * q,     # NumPy's form of alpha = beta = 1: same rounding
    "interpolated_inverted_cdf": _plotting_position(0, 1),
    "hazen": _plotting_position(0.5, 0.5),
    "weibull": _plotting_position(0, 0),
    "median_unbiased": _plotting_position(1 / 3, 1 / 3),
    "normal_unbiased": _plotting_position(3 / 8, 3 / 8),
}
# Methods computed from q's values: an integer index picks one order statistic, a fractional
# one blends two with a fixed weight (_FIXED_WEIGHT). Their gradient in q is zero.
_DISCRETE = {
    "inverted_cdf": lambda n, q: _first_or_next(n * q - 1, lambda fraction, below: fraction == 0),
    "averaged_inverted_cdf": lambda n, q: n * q - 1,
    "closest_observation": lambda n, q: _first_or_next(
        n * q - 1.5, lambda fraction, below: (fraction == 0) & (below % 2 == 1)),
    "lower": lambda n, q: numpy.floor((n - 1) * q).astype(numpy.intp),
    "higher": lambda n, q: numpy.ceil((n - 1) * q).astype(numpy.intp),
    "nearest": lambda n, q: numpy.around((n - 1) * q).astype(numpy.intp),
    "midpoint": lambda n, q: 0.5 * (numpy.floor((n - 1) * q) + numpy.ceil((n - 1) * q)),
}
_FIXED_WEIGHT = {
    "averaged_inverted_cdf": lambda fraction: numpy.where(fraction == 0, 0.5, 1.0),
    "midpoint": lambda fraction: numpy.where(fraction == 0, 0.0, 0.5),
}
QUANTILE_METHODS = tuple(_CONTINUOUS) + tuple(_DISCRETE)


def _order_statistics(n, q, method, weak):
    """The indices of the order statistics below and above each quantile and the weight of
    the one above (None when the method picks one order statistic)."""
    if method in _CONTINUOUS:
        virtual = _CONTINUOUS[method](n, q)
    else:                   # one of _DISCRETE (_quantile checked it)
        virtual = _DISCRETE[method](n, numpy.asarray(raw(q)))
    position = numpy.asarray(raw(virtual))
    integer = position.dtype.kind in "iu"
    if integer and method not in _FIXED_WEIGHT and (method == "linear" or method in _DISCRETE):
        return position, position, None
    # NumPy blends also at an integer index of the other methods, with a weight of its dtype
    below = numpy.floor(position)
    if method in _FIXED_WEIGHT:
        weight = _FIXED_WEIGHT[method](position - below).astype(position.dtype)
    elif integer:
        weight = numpy.zeros_like(position)
    else:
        weight = virtual - below
    # past either end, both order statistics are the extreme one
    lower = numpy.clip(below, 0, n - 1).astype(numpy.intp)
    upper = numpy.clip(below + 1, 0, n - 1).astype(numpy.intp)
    return lower, upper, (float(raw(weight)) if weak else weight)


def _as_lines(a, axes):
    """``a`` with the reduced axes moved last and merged into one (the kept ones first)."""
    kept = tuple(i for i in range(a.ndim) if axes is not None and i not in axes)
    order = kept + tuple(i for i in range(a.ndim) if i not in kept)
    if order != tuple(range(a.ndim)):
        a = transpose_(a, axes=order)
    batch = a.shape[:len(kept)]
    return reshape_(a, shape=batch + (int(numpy.prod(a.shape[len(kept):], dtype=numpy.int64)),))


def _quantile(a, q, axis, method, keepdims, weak):
    """The quantiles ``q`` (in [0, 1]) of ``a`` over ``axis``: the shared path of quantile,
    percentile and median. The blend of two order statistics is linear, so its gradient sends
    the cotangent to them with the weights 1 - w and w, through sort's gradient (tied
    elements share it equally)."""
    if method not in _CONTINUOUS and method not in _DISCRETE:
        # before the axes' lengths, as NumPy: the method is wrong whatever the data
        raise ValueError(f"{method!r} is not a valid quantile method; ndgrad supports all of "
                         f"NumPy's: {', '.join(QUANTILE_METHODS)}")
    if a.dtype.kind == "c":
        raise TypeError("a must be an array of real numbers")
    if numpy.ndim(raw(q)) > 2:
        raise ValueError("q must be a scalar or 1d")
    axes = normalize_axes(axis, a.ndim)
    lines = _as_lines(a, axes)
    batch, n = lines.shape[:-1], lines.shape[-1]
    if n == 0:
        raise IndexError(f"a quantile over axes of length 0 is undefined (a has shape "
                         f"{a.shape}, axis is {axis!r})")
    lower, upper, weight = _order_statistics(n, q, method, weak)
    ordered = sort_(lines, axis=len(batch))
    result = getitem_(ordered, key=(Ellipsis, lower[()] if lower.ndim == 0 else lower))
    if weight is not None:
        above = getitem_(ordered, key=(Ellipsis, upper[()] if upper.ndim == 0 else upper))
        result = result + (above - result) * weight
    q_ndim = lower.ndim
    if ordered.dtype.kind == "f":
        # NumPy's quantile of a line holding NaN is NaN (sort puts NaN last)
        has_nan = numpy.isnan(ordered._data[..., -1])
        if has_nan.any():
            result = where(has_nan.reshape(batch + (1,) * q_ndim), numpy.nan, result)
    if q_ndim and batch:
        result = transpose_(result, axes=tuple(range(len(batch), len(batch) + q_ndim))
                            + tuple(range(len(batch))))
    if keepdims:
        result = reshape_(result, shape=lower.shape + kept_shape(a.shape, axes))
    return result


def _check_probabilities(q, message):
    q = numpy.asarray(q)
    if q.size == 0:                 # NumPy refuses no quantiles, too
        raise ValueError(f"q holds no values: give at least one; {message[0].lower()}"
                         f"{message[1:]}")
    if not numpy.all((q >= 0) & (q <= 1)):
        raise ValueError(message)


def _refuse_weights(weights, name):
    if weights is not None:
        raise NotImplementedError(f"{name}(weights=...) is not supported by ndgrad (NumPy "
                                  "weighs only method='inverted_cdf'); call NumPy on "
                                  ".asnumpy() for weighted quantiles")


@public(numpy=numpy.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """ndgrad's differentiable numpy.quantile, with all of NumPy's methods; ``q`` (an array
    with history too) gets a gradient from the continuous methods. Lists for ``q`` keep
    NumPy's dtype (they are probabilities, not data). ``weights`` is not supported;
    ``overwrite_input`` is accepted and ``a`` is never modified."""
    _refuse_weights(weights, "quantile")
    weak = type(q) in (int, float)
    if not hasattr(q, "_data"):
        q = numpy.asarray(q)
    _check_probabilities(raw(q), "Quantiles must be in the range [0, 1]")
    return _quantile(asarray(a), q, axis, method, keepdims, weak)


@public(numpy=numpy.percentile)
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """ndgrad's differentiable numpy.percentile: quantile(a, q / 100), the same methods."""
    _refuse_weights(weights, "percentile")
    weak = type(q) in (int, float)
    q = q / 100 if hasattr(q, "_data") else numpy.true_divide(q, 100)
    _check_probabilities(raw(q), "Percentiles must be in the range [0, 100]")
    return _quantile(asarray(a), q, axis, method, keepdims, weak)


@public(numpy=numpy.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """ndgrad's differentiable numpy.median: the 0.5 quantile (tied middle elements share the
    gradient, as in sort). Over axes of length 0 it is NaN, as NumPy's (a mean of nothing)."""
    a = asarray(a)
    axes = normalize_axes(axis, a.ndim)
    if 0 in [a.shape[i] for i in (range(a.ndim) if axes is None else axes)]:
        return mean(a, axis=axis, keepdims=keepdims)
    if a.dtype == bool:      # NumPy's median is a mean of the middle elements: float64 here
        a = a.astype(numpy.float64)
    return _quantile(a, 0.5, axis, "linear", keepdims, weak=True)


# -- NaN-ignoring reductions: NaNs are replaced by the reduction's neutral value, so they get
# a zero gradient; arrays that cannot hold NaN go straight to the plain reduction.

def _without_nans(a, fill):
    """``a`` with its NaNs replaced by ``fill``, and where they were (None if it cannot
    hold NaN)."""
    if a.dtype.kind not in "fc":
        return a, None
    holes = numpy.isnan(a._data)
    return where(holes, fill, a), holes


@public(numpy=numpy.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.nansum: NaNs count as 0 and get a zero gradient."""
    return sum(_without_nans(asarray(a), 0)[0], axis=axis, dtype=dtype, keepdims=keepdims)


@public(numpy=numpy.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.nanmean: the mean of the non-NaN elements (NaN where
    there are none); NaNs get a zero gradient."""
    a, holes = _without_nans(asarray(a), 0)
    if holes is None:
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if dtype is not None and numpy.dtype(dtype).kind not in "fc":
        raise TypeError("If a is inexact, then dtype must be inexact")
    total = sum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    count = numpy.sum(~holes, axis=normalize_axes(axis, a.ndim), keepdims=keepdims)
    return total / count.astype(total.dtype)


def _nan_extremum(extremum, fill, a, axis, keepdims):
    a, holes = _without_nans(asarray(a), fill)
    result = extremum(a, axis=axis, keepdims=keepdims)
    if holes is not None:
        only_nans = numpy.all(holes, axis=normalize_axes(axis, a.ndim), keepdims=keepdims)
        if only_nans.any():
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=2)
            result = where(only_nans, numpy.nan, result)
    return result


@public(numpy=numpy.nanmax)
def nanmax(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.nanmax: the max of the non-NaN elements (NaN, with a
    warning, where there are none); tied maxima share the gradient, NaNs get zero."""
    return _nan_extremum(max, -numpy.inf, a, axis, keepdims)


@public(numpy=numpy.nanmin)
def nanmin(a, axis=None, out=None, keepdims=False):
    """ndgrad's differentiable numpy.nanmin: the min of the non-NaN elements (NaN, with a
    warning, where there are none); tied minima share the gradient, NaNs get zero."""
    return _nan_extremum(min, numpy.inf, a, axis, keepdims)
