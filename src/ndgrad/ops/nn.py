"""Neural-network primitives and composites for ``npx``: activations, softmax, dropout,
one_hot, pick, fully_connected, embedding, layer_norm, batch_norm, sequence_mask.
(Convolution and pooling are in conv.py.)"""

from __future__ import annotations

import math
import operator

import numpy

from .._axes import ndim_of, normalize_axes, normalize_axis, shape_of
from .._ndarray import _wrap, default_dtype, integral_index, ndarray, prepare_write, raw
from .._primitive import ANSWER, ELEMENTWISE, INPUTS, primitive
from .._publish import public
from .._state import STATE
from .creation import asarray
from .elementwise import absolute, exp, log, sqrt, tanh, where
from .linalg import matmul_
from .random import _GENERATOR, _LOCK
from .reductions import max, mean, sum, sum_
from .shape import astype, expand_dims, getitem, getitem_, reshape_, transpose_
from .special import as_float, erf

# -- activations -------------------------------------------------------------------------------
# Elementwise: each VJP rule is g times a slope, and serves as the JVP rule (ELEMENTWISE).
relu = primitive("relu", lambda x: numpy.maximum(x, 0), public="npx", saves=ANSWER,
                 jvp=ELEMENTWISE, vjp=lambda g, ans, x: g * (ans > 0),   # subgradient 0 at 0
                 kinks=lambda ans, x: (int(numpy.count_nonzero(numpy.asarray(x) == 0)),
                                       "at 0 the gradient is 0 (a subgradient)"))


def _sigmoid(x):
    # exp(-log(1 + exp(-x))) never overflows, for large |x| of either sign; the answer has
    # the operand's dtype, a Python number's (as an array) too
    x = numpy.asarray(x)
    with numpy.errstate(invalid="ignore"):      # nan in, nan out, silently (as SciPy's expit)
        return numpy.exp(-numpy.logaddexp(0, -x)).astype(x.dtype, copy=False)


sigmoid = primitive("sigmoid", _sigmoid, public="npx", saves=ANSWER, jvp=ELEMENTWISE,
                    vjp=lambda g, ans, x: g * ans * (1 - ans))
# log(1 + exp(x)) as logaddexp(0, x): no overflow for large x, no cancellation for small
softplus = primitive("softplus", lambda x: numpy.logaddexp(0, x), public="npx", jvp=ELEMENTWISE,
                     vjp=lambda g, ans, x: g * sigmoid(x))
leaky_relu_ = primitive("leaky_relu", lambda x, slope: numpy.where(x > 0, x, x * slope),
                        jvp=ELEMENTWISE,
                        vjp=lambda g, ans, x, slope: where(x > 0, g, g * slope))  # slope at 0
# alpha (e^x - 1) for x <= 0; its slope there is alpha e^x = ans + alpha (the left one at 0)
elu_ = primitive("elu",
                 lambda x, alpha: numpy.where(x > 0, x, alpha * numpy.expm1(numpy.minimum(x, 0))),
                 saves={"inputs", "answer"}, jvp=ELEMENTWISE,
                 vjp=lambda g, ans, x, alpha: where(x > 0, g, g * (ans + alpha)))

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _gelu(x):
    return 0.5 * x * (1 + numpy.asarray(erf(x * _SQRT_HALF)))


# x Phi(x), Phi the normal CDF: d = Phi(x) + x phi(x), with phi the normal density
gelu = primitive("gelu", _gelu, public="npx", jvp=ELEMENTWISE,
                 vjp=lambda g, ans, x: g * (0.5 * (1 + erf(x * _SQRT_HALF))
                                            + x * exp(-0.5 * x * x) * _INV_SQRT_2PI))

# SELU's constants (Klambauer et al. 2017), as MXNet's
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


@public(namespaces=("npx",))
def leaky_relu(data, gamma=None, act_type="leaky", slope=0.25):
    """MXNet's ``npx.leaky_relu``: ``act_type`` "leaky" (x, or slope x below 0), "prelu"
    (the slope is the learnable ``gamma``, of shape (channels,) along axis 1, or (1,)),
    "elu" (slope (e^x - 1) below 0), "selu" (scaled ELU with fixed constants) or "gelu"
    (x Phi(x), erf-based). At 0 the gradient is the slope of the negative side. "rrelu"
    (random slopes) is not provided."""
    slope = float(slope)      # a NumPy float64 scalar would promote float32 data
    if act_type == "leaky":
        return leaky_relu_(data, slope=slope)
    if act_type == "elu":
        return elu_(data, alpha=slope)
    if act_type == "selu":
        return _SELU_SCALE * elu_(data, alpha=_SELU_ALPHA)
    if act_type == "gelu":
        return gelu(data)
    if act_type == "prelu":
        if gamma is None:
            raise ValueError("leaky_relu(act_type='prelu') needs the slopes as gamma")
        if ndim_of(data) >= 2 and shape_of(gamma)[0] > 1:     # one slope per channel
            gamma = reshape_(gamma, shape=_channel_shape(shape_of(data), 1))
        return where(numpy.asarray(raw(data)) > 0, data, gamma * data)
    raise ValueError(f"leaky_relu: act_type must be 'leaky', 'prelu', 'elu', 'selu' or "
                     f"'gelu', not {act_type!r}")


def _softsign(x):
    return x / (1 + absolute(x))


def _log_sigmoid(x):
    return -softplus(-x)


def _mish(x):
    return x * tanh(softplus(x))


_ACTIVATIONS = {"relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softrelu": softplus,
                "softsign": _softsign, "log_sigmoid": _log_sigmoid, "mish": _mish}


@public(namespaces=("npx",))
def activation(data, act_type="relu"):
    """MXNet's ``npx.activation``: ``act_type`` is one of "relu", "sigmoid", "tanh",
    "softrelu" (softplus), "softsign" (x / (1 + |x|)), "log_sigmoid" or "mish"."""
    try:
        function = _ACTIVATIONS[act_type]
    except KeyError:
        raise ValueError(f"activation: act_type must be one of {sorted(_ACTIVATIONS)}, not "
                         f"{act_type!r}") from None
    return function(data)


# -- softmax, dropout, one_hot, pick -------------------------------------------------------------
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
    data = asarray(data)
    shared = normalize_axes(axes, data.ndim) or ()     # AxisError out of range, as NumPy
    if p == 0 or (mode == "training" and not STATE.training):
        return data
    shape = list(data.shape)
    for axis in shared:
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
    encoded = numpy.arange(operator.index(depth)) == indices[..., None]   # an int, as MXNet
    values = numpy.where(encoded, on_value, off_value).astype(
        dtype if dtype is not None else default_dtype())
    return _wrap(values, ndarray)


@public(namespaces=("npx",))
def pick(data, index, axis=-1, keepdims=False, mode="clip"):
    """``data`` picked at ``index`` along ``axis`` (``out[i] = data[i, index[i]]`` for 2-D),
    differentiable in ``data``. ``mode`` "clip" clamps out-of-range indices, "wrap" wraps."""
    shape = shape_of(data)
    axis = normalize_axis(axis, len(shape))
    positions = integral_index(numpy.asarray(raw(index)))
    if positions.dtype.kind not in "iub":
        raise TypeError(f"pick: index must hold integers (or whole floats), not "
                         f"{positions.dtype}")
    positions = positions.astype(numpy.int64)
    expected = shape[:axis] + shape[axis + 1:]
    if positions.shape == shape[:axis] + (1,) + shape[axis + 1:]:
        positions = positions.reshape(expected)      # MXNet takes the axis kept, as 1
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


# -- dense layers --------------------------------------------------------------------------------
def _fully_connected(x, weight, bias=None):
    out = numpy.matmul(x, weight.T)
    if bias is not None:
        if numpy.result_type(out, bias) == out.dtype:
            numpy.add(out, bias, out=out)      # in place: no second output-sized array
        else:
            out = out + bias
    return out


def _fully_connected_pullback(g, ans, inputs, params, wanted):
    """y = x W^T + b: dx = g W, dW = g^T x, db = the sum of g over the batch."""
    x, weight = inputs[0], inputs[1]
    grads = [matmul_(g, weight) if wanted[0] else None,
             matmul_(transpose_(g, axes=(1, 0)), x) if wanted[1] else None]
    if len(inputs) == 3:
        grads.append(sum_(g, axis=(0,), keepdims=False) if wanted[2] else None)
    return grads


def _fully_connected_pushforward(tangents, ans, inputs, params):
    """d(x W^T + b) = dx W^T + x dW^T + db (db broadcast over the batch)."""
    x, weight = inputs[0], inputs[1]
    t_x, t_weight = tangents[0], tangents[1]
    parts = [tangents[2]] if len(tangents) == 3 and tangents[2] is not None else []
    if t_x is not None:
        parts.append(fully_connected_(t_x, weight))
    if t_weight is not None:
        parts.append(fully_connected_(x, t_weight))
    return _total(parts)


def _total(parts):
    """The sum of a pushforward's contributions (one per operand with a tangent; >= 1)."""
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


# One node instead of transpose, matmul and add: a dense layer is the hot spot of an MLP.
fully_connected_ = primitive("fully_connected", _fully_connected, saves=INPUTS,
                             pullback=_fully_connected_pullback,
                             pushforward=_fully_connected_pushforward)


@public(namespaces=("npx",))
def fully_connected(x, weight, bias=None, num_hidden=None, no_bias=None, flatten=True):
    """MXNet's ``npx.fully_connected``: ``x @ weight.T + bias``, with ``weight`` of shape
    (num_hidden, in_features). With ``flatten`` (the default) ``x`` is (batch, ...) and all
    but its first axis are collapsed into in_features; otherwise ``x`` is (..., in_features).

    Differs from MXNet: the bias is used whenever it is given (MXNet's ``npx`` ignores it
    unless ``no_bias=False`` is also passed); ``no_bias=True`` ignores it. ``num_hidden`` is
    optional and, when given, checked against ``weight``."""
    w_shape, x_shape = shape_of(weight), shape_of(x)
    if len(w_shape) != 2:
        raise ValueError(f"fully_connected: weight must be (num_hidden, in_features), got "
                         f"shape {w_shape}")
    if num_hidden is not None and num_hidden != w_shape[0]:
        raise ValueError(f"fully_connected: num_hidden={num_hidden} but weight has shape "
                         f"{w_shape}")
    if no_bias is None:
        no_bias = bias is None
    elif not no_bias and bias is None:
        raise ValueError("fully_connected: no_bias=False needs a bias")
    if not no_bias and shape_of(bias) != (w_shape[0],):
        raise ValueError(f"fully_connected: bias must have shape ({w_shape[0]},), got "
                         f"{shape_of(bias)}")
    if len(x_shape) == 0:
        raise ValueError("fully_connected: x must have at least one dimension")
    if flatten:        # (batch, ...) -> (batch, everything else)
        rows, features = x_shape[0], math.prod(x_shape[1:])
        out_shape = (x_shape[0], w_shape[0])
    else:              # (..., in_features) -> (everything else, in_features)
        rows, features = math.prod(x_shape[:-1]), x_shape[-1]
        out_shape = x_shape[:-1] + w_shape[:1]
    if features != w_shape[1]:
        raise ValueError(f"fully_connected: x of shape {x_shape} has {features} input "
                         f"features but weight of shape {w_shape} takes {w_shape[1]}")
    if x_shape != (rows, features):
        x = reshape_(x, shape=(rows, features))
    out = fully_connected_(x, weight) if no_bias else fully_connected_(x, weight, bias)
    return out if out_shape == (rows, w_shape[0]) else reshape_(out, shape=out_shape)


@public(namespaces=("npx",))
def embedding(data, weight, input_dim=None, output_dim=None, dtype=None, sparse_grad=False):
    """MXNet's ``npx.embedding``: the rows of ``weight`` (input_dim, output_dim) at the
    integer indices ``data``, of shape ``data.shape + (output_dim,)``. The gradient adds
    into the rows looked up (repeated indices accumulate); ``data`` gets none. Indices are
    clipped into [0, input_dim), as MXNet; float indices are truncated. ``input_dim`` and
    ``output_dim``, when given, are checked against ``weight``; ``dtype`` casts the result.
    ``sparse_grad`` is accepted, but the gradient is always dense."""
    w_shape = shape_of(weight)
    if len(w_shape) != 2:
        raise ValueError(f"embedding: weight must be (input_dim, output_dim), got shape "
                         f"{w_shape}")
    for name, given, actual in (("input_dim", input_dim, w_shape[0]),
                                ("output_dim", output_dim, w_shape[1])):
        if given is not None and given != actual:
            raise ValueError(f"embedding: {name}={given} but weight has shape {w_shape}")
    indices = numpy.asarray(data)
    if indices.dtype.kind not in "biuf":
        raise TypeError(f"embedding: indices must be numbers, not {indices.dtype}")
    if w_shape[0] == 0 and indices.size:
        raise IndexError("embedding: cannot look up rows of an empty weight")
    indices = numpy.clip(indices.astype(numpy.intp), 0, w_shape[0] - 1)
    rows = getitem_(weight, key=indices)
    return rows if dtype is None else astype(rows, dtype)


# -- normalisation -------------------------------------------------------------------------------
def _channel_shape(shape, channel):
    """gamma and beta, of shape (shape[channel],), reshaped to broadcast along ``channel``."""
    return tuple(n if i == channel else 1 for i, n in enumerate(shape))


def _normalize(x, gamma, beta, axes, channel, eps):
    centred = x - x.mean(axis=axes, keepdims=True)
    variance = numpy.mean(centred * centred, axis=axes, keepdims=True)
    out = centred * (1 / numpy.sqrt(variance + eps))
    out = out.astype(numpy.result_type(out, gamma, beta), copy=False)
    shape = _channel_shape(x.shape, channel)
    out *= gamma.reshape(shape)
    out += beta.reshape(shape)
    return out


def _standardized(x, axes, eps):
    """x^ = (x - mean) / std over ``axes``, and 1 / std, recomputed with ndgrad ops so that
    the rules using them are differentiated again (create_graph, forward over reverse)."""
    centred = x - mean(x, axis=axes, keepdims=True)
    inv_std = 1 / sqrt(mean(centred * centred, axis=axes, keepdims=True) + eps)
    return centred * inv_std, inv_std


def _standardizing_slope(v, normalized, inv_std, axes):
    """The derivative of x -> x^ applied to v: (v - mean(v) - x^ mean(x^ v)) / std. The map
    is symmetric (a projection scaled by 1/std), so it serves the VJP and the JVP alike."""
    return inv_std * (v - mean(v, axis=axes, keepdims=True)
                      - normalized * mean(v * normalized, axis=axes, keepdims=True))


def _normalize_pullback(g, ans, inputs, params, wanted):
    """With x^ = (x - mean) / std over ``axes`` and y = gamma x^ + beta, the closed form:
    dbeta = sum g, dgamma = sum g x^ (over all axes but the channel's), and with
    h = gamma g, dx = (h - mean(h) - x^ mean(h x^)) / std."""
    x, gamma, _ = inputs
    axes, channel = params["axes"], params["channel"]
    others = tuple(i for i in range(ndim_of(x)) if i != channel)
    normalized, inv_std = _standardized(x, axes, params["eps"])
    grads = [None, None, sum(g, axis=others) if wanted[2] else None]
    if wanted[1]:
        grads[1] = sum(g * normalized, axis=others)
    if wanted[0]:
        h = g * reshape_(gamma, shape=_channel_shape(shape_of(x), channel))
        grads[0] = _standardizing_slope(h, normalized, inv_std, axes)
    return grads


def _normalize_pushforward(tangents, ans, inputs, params):
    """dy = gamma dx^ + dgamma x^ + dbeta, with dx^ = (dx - mean(dx) - x^ mean(x^ dx)) / std;
    gamma's and beta's tangents broadcast along the channel."""
    x, gamma, _ = inputs
    t_x, t_gamma, t_beta = tangents
    axes, shape = params["axes"], _channel_shape(shape_of(x), params["channel"])
    normalized, inv_std = _standardized(x, axes, params["eps"])
    parts = []
    if t_x is not None:
        parts.append(reshape_(gamma, shape=shape)
                     * _standardizing_slope(t_x, normalized, inv_std, axes))
    if t_gamma is not None:
        parts.append(reshape_(t_gamma, shape=shape) * normalized)
    if t_beta is not None:
        parts.append(reshape_(t_beta, shape=shape))
    return _total(parts)


# One node with the closed-form backward: 1.5 times as fast as the composite of a dozen.
normalization = primitive("normalization", _normalize, saves=INPUTS,
                          pullback=_normalize_pullback, pushforward=_normalize_pushforward)


def _check_eps(name, eps):
    """eps keeps the variance away from 0: a negative one could take the root of a negative
    number (NaN)."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float, numpy.floating, numpy.integer)):
        raise TypeError(f"{name}: eps must be a number, not {type(eps).__name__}")
    if not eps >= 0:
        raise ValueError(f"{name}: eps must be >= 0 (it is added to the variance), not {eps}")


def _check_channel_vectors(name, shape, axis, **vectors):
    for label, vector in vectors.items():
        if shape_of(vector) != (shape[axis],):
            raise ValueError(f"{name}: {label} must have shape ({shape[axis]},) for data of "
                             f"shape {shape} along axis {axis}, got {shape_of(vector)}")


@public(namespaces=("npx",))
def layer_norm(data, gamma, beta, axis=-1, eps=1e-5):
    """MXNet's ``npx.layer_norm``: ``data`` normalised to mean 0 and variance 1 along
    ``axis`` (the biased variance, plus ``eps``), then scaled by ``gamma`` and shifted by
    ``beta``, both of shape (data.shape[axis],)."""
    shape = shape_of(data)
    axis = normalize_axis(axis, len(shape))
    _check_channel_vectors("layer_norm", shape, axis, gamma=gamma, beta=beta)
    _check_eps("layer_norm", eps)
    return normalization(data, gamma, beta, axes=(axis,), channel=axis, eps=eps)


@public(namespaces=("npx",))
def batch_norm(x, gamma, beta, running_mean, running_var, eps=1e-3, momentum=0.9,
               fix_gamma=False, use_global_stats=False, axis=1):
    """MXNet's ``npx.batch_norm``: ``x`` normalised per channel (``axis``), then scaled by
    ``gamma`` and shifted by ``beta``.

    While training (``autograd.is_training()``, which ``record()`` turns on) and unless
    ``use_global_stats``, the statistics are the batch's: the mean and biased variance over
    all axes but ``axis``, and the gradient flows through them. ``running_mean`` and
    ``running_var`` are then updated in place, ``r = momentum r + (1 - momentum) batch``, as
    constants outside the graph. Otherwise the running statistics normalise.

    ``fix_gamma=True`` uses 1 for gamma (and gives it no gradient). Differs from MXNet:
    ``fix_gamma`` defaults to False (as Gluon's ``BatchNorm(scale=True)``), where MXNet's
    ``npx.batch_norm`` defaults to True and silently ignores ``gamma``."""
    shape = shape_of(x)
    axis = normalize_axis(axis, len(shape))
    _check_channel_vectors("batch_norm", shape, axis, gamma=gamma, beta=beta,
                           running_mean=running_mean, running_var=running_var)
    _check_eps("batch_norm", eps)
    if not 0 <= momentum <= 1:
        raise ValueError(f"batch_norm: momentum must be in [0, 1], not {momentum}")
    if fix_gamma:
        gamma = numpy.ones(shape[axis], dtype=raw(beta).dtype)
    axes = tuple(i for i in range(len(shape)) if i != axis)
    if STATE.training and not use_global_stats:
        _update_running_statistics(raw(x), axes, running_mean, running_var,
                                   momentum)
        return normalization(x, gamma, beta, axes=axes, channel=axis, eps=eps)
    # fixed statistics: an affine map of x, as two channel-sized vectors
    channel = _channel_shape(shape, axis)
    scale = gamma / numpy.sqrt(raw(running_var) + eps)
    shift = beta - raw(running_mean) * scale
    return x * reshape_(scale, shape=channel) + reshape_(shift, shape=channel)


def _update_running_statistics(x, axes, running_mean, running_var, momentum):
    batch_mean = x.mean(axis=axes)
    batch_var = x.var(axis=axes)
    for running, batch in ((running_mean, batch_mean), (running_var, batch_var)):
        data = running._data if isinstance(running, ndarray) else running
        if not isinstance(data, numpy.ndarray):
            raise TypeError("batch_norm: running_mean and running_var must be arrays, "
                            "updated in place while training")
        if isinstance(running, ndarray):
            prepare_write(running)
            data = running._data
        data[...] = momentum * data + (1 - momentum) * batch
        if isinstance(running, ndarray):
            running._version[0] += 1


# -- sequences -----------------------------------------------------------------------------------
@public(namespaces=("npx",))
def sequence_mask(data, sequence_length=None, use_sequence_length=None, value=0.0, axis=0):
    """MXNet's ``npx.sequence_mask``: in ``data`` of shape (max_length, batch, ...)
    (``axis=0``) or (batch, max_length, ...) (``axis=1``), the steps at and after each
    sequence's length are set to ``value``. The gradient flows to the steps kept.

    Differs from MXNet: ``use_sequence_length`` defaults to "whether ``sequence_length`` is
    given" (MXNet's default, False, ignores a given ``sequence_length``)."""
    if use_sequence_length is None:
        use_sequence_length = sequence_length is not None
    if not use_sequence_length:
        return data
    if sequence_length is None:
        raise ValueError("sequence_mask: use_sequence_length=True needs sequence_length")
    shape = shape_of(data)
    axis = normalize_axis(axis, len(shape))
    if axis > 1 or len(shape) < 2:
        raise ValueError(f"sequence_mask: the sequence axis must be 0 or 1 on data of at "
                         f"least 2 dimensions, got axis={axis} for shape {shape}")
    batch_axis = 1 - axis
    lengths = numpy.asarray(sequence_length)
    if lengths.shape != (shape[batch_axis],):
        raise ValueError(f"sequence_mask: sequence_length must have shape "
                         f"({shape[batch_axis]},) for data of shape {shape} and axis={axis}, "
                         f"got {lengths.shape}")
    steps = numpy.arange(shape[axis])
    keep = steps[:, None] < lengths.astype(numpy.int64)[None, :]      # (step, batch)
    if axis == 1:
        keep = keep.T
    keep = keep.reshape(keep.shape + (1,) * (len(shape) - 2))
    # the fill takes data's dtype, as an assignment would
    return where(keep, data, numpy.asarray(value, dtype=numpy.asarray(raw(data)).dtype))


# -- scipy.special's functions of this family ----------------------------------------
@public(namespaces=("scipy.special",))
def expit(x):
    """ndgrad's differentiable scipy.special.expit: the logistic sigmoid 1/(1 + exp(-x)),
    stable for large |x|; the same primitive as npx.sigmoid."""
    return sigmoid(as_float(x))


@public("softmax", namespaces=("scipy.special",))
def scipy_softmax(x, axis=None):
    """ndgrad's differentiable scipy.special.softmax: exp(x) normalised over ``axis`` (all
    elements when None, SciPy's default); npx.softmax's computation."""
    return softmax(as_float(x), axis=axis)


@public("log_softmax", namespaces=("scipy.special",))
def scipy_log_softmax(x, axis=None):
    """ndgrad's differentiable scipy.special.log_softmax: x minus logsumexp(x) over ``axis``
    (all elements when None, SciPy's default); npx.log_softmax's computation."""
    return log_softmax(as_float(x), axis=axis)
