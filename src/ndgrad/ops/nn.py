"""Neural-network primitives and composites for ``npx``: relu, sigmoid, softmax, dropout,
one_hot, pick."""

from __future__ import annotations

import numpy

from .._ndarray import _wrap, default_dtype, ndarray
from .._primitive import ANSWER, primitive
from .._registry import public
from .._state import STATE
from .axes import normalize_axis, shape_of
from .elementwise import exp, log
from .random import _GENERATOR, _LOCK
from .reductions import max, sum
from .shape import expand_dims, getitem

relu = primitive("relu", lambda x: numpy.maximum(x, 0),
                 vjp=lambda g, ans, x: g * (x > 0))            # subgradient 0 at 0


def _sigmoid(x):
    # exp(-log(1 + exp(-x))) never overflows, for large |x| of either sign
    return numpy.exp(-numpy.logaddexp(0, -x)).astype(x.dtype, copy=False)


sigmoid = primitive("sigmoid", _sigmoid, saves=ANSWER,
                    vjp=lambda g, ans, x: g * ans * (1 - ans))
public("relu", namespaces=("npx",))(relu)
public("sigmoid", namespaces=("npx",))(sigmoid)


@public(namespaces=("npx",))
def log_softmax(data, axis=-1):
    """log(softmax(data)), computed stably: the maximum is subtracted first. The maximum is
    a constant shift, so it is taken outside the graph; the result does not depend on it."""
    shift = max(data, axis=axis, keepdims=True).detach()
    shifted = data - shift
    return shifted - log(sum(exp(shifted), axis=axis, keepdims=True))


@public(namespaces=("npx",))
def softmax(data, axis=-1):
    """exp(data) normalised along ``axis``, computed stably."""
    return exp(log_softmax(data, axis=axis))


@public(namespaces=("npx",))
def dropout(data, p=0.5, axes=(), mode="training"):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), only while
    training (``autograd.is_training()``, which ``record()`` turns on); otherwise identity.

    ``axes`` lists axes along which one mask is shared, as MXNet; ``mode="always"`` drops
    also outside training."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability p must be in [0, 1), got {p}")
    if mode not in ("training", "always"):
        raise ValueError(f"mode must be 'training' or 'always', not {mode!r}")
    if p == 0 or (mode == "training" and not STATE.training):
        return data
    shape = list(shape_of(data))
    for axis in axes:
        shape[axis] = 1
    with _LOCK:
        keep = _GENERATOR[0].uniform(size=shape) >= p
    scale = numpy.asarray(keep / (1 - p), dtype=data.dtype)
    return data * scale


@public(namespaces=("npx",))
def one_hot(data, depth, on_value=1.0, off_value=0.0, dtype=None):
    """Rows of ``depth`` values: ``on_value`` at each index of ``data``, ``off_value``
    elsewhere; indices outside [0, depth) give all ``off_value`` (as MXNet). A constant."""
    indices = numpy.asarray(data).astype(numpy.int64)
    encoded = numpy.arange(depth) == indices[..., None]
    values = numpy.where(encoded, on_value, off_value).astype(
        dtype if dtype is not None else default_dtype())
    return _wrap(values, ndarray)


@public(namespaces=("npx",))
def pick(data, index, axis=-1, keepdims=False, mode="clip"):
    """``data`` picked at ``index`` along ``axis`` (``out[i] = data[i, index[i]]`` for 2-D),
    differentiable in ``data``. ``mode`` "clip" clamps out-of-range indices, "wrap" wraps."""
    shape = shape_of(data)
    axis = normalize_axis(axis, len(shape))
    positions = numpy.asarray(index).astype(numpy.int64)
    expected = shape[:axis] + shape[axis + 1:]
    if positions.shape != expected:
        raise ValueError(f"pick: index has shape {positions.shape} but data of shape {shape} "
                         f"along axis {axis} needs {expected}")
    if mode == "clip":
        positions = numpy.clip(positions, 0, shape[axis] - 1)
    elif mode == "wrap":
        positions = positions % shape[axis]
    else:
        raise ValueError(f"mode must be 'clip' or 'wrap', not {mode!r}")
    key = list(numpy.indices(positions.shape, sparse=True))
    key.insert(axis, positions)
    picked = getitem(data, tuple(key))
    if keepdims:
        picked = expand_dims(picked, axis)
    return picked
