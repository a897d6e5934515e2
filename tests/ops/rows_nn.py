"""Test-table rows for the nn family (see specs.py for what every row gets).

The NumPy references are written the plain way (a loop over output positions for convolution
and pooling), so that they share nothing with ndgrad's im2col kernels."""

from __future__ import annotations

import math

import numpy
from hypothesis import strategies as st
from numpy.lib.array_utils import normalize_axis_index

from ndgrad import autograd, npx
from ndgrad._registry import REGISTRY

from .table import MAX_DIMS, OpSpec, distinct, nonzero, shapes_of

# -- activations -------------------------------------------------------------------------------
_erf = numpy.vectorize(math.erf, otypes=[numpy.float64])
SELU_SCALE, SELU_ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717


def numpy_gelu(x):
    scaled = x / math.sqrt(2)
    return 0.5 * x * (1 + _erf(scaled).astype(scaled.dtype))


def numpy_elu(x, alpha):
    return numpy.where(x > 0, x, alpha * numpy.expm1(numpy.minimum(x, 0)))


def numpy_softplus(x):
    return numpy.logaddexp(0, x)


def numpy_sigmoid(x):
    return (1 / (1 + numpy.exp(-x))).astype(x.dtype)


NUMPY_LEAKY = {
    "leaky": lambda x, slope: numpy.where(x > 0, x, x * slope),
    "elu": numpy_elu,
    "selu": lambda x, slope: SELU_SCALE * numpy_elu(x, SELU_ALPHA),
    "gelu": lambda x, slope: numpy_gelu(x),
}

NUMPY_ACTIVATIONS = {
    "relu": lambda x: numpy.maximum(x, 0),
    "sigmoid": numpy_sigmoid,
    "tanh": numpy.tanh,
    "softrelu": numpy_softplus,
    "softsign": lambda x: x / (1 + numpy.abs(x)),
    "log_sigmoid": lambda x: -numpy_softplus(-x),
    "mish": lambda x: x * numpy.tanh(numpy_softplus(x)),
}
ACTIVATION_PRIMITIVES = {"relu": ("relu",), "sigmoid": ("sigmoid",), "tanh": ("tanh",),
                         "softrelu": ("softplus",),
                         "softsign": ("absolute", "add", "divide"),
                         "log_sigmoid": ("negative", "softplus"),
                         "mish": ("softplus", "tanh", "multiply")}


def prelu_shapes(variant):
    """Data of 2 or 3 dimensions and one slope per channel (axis 1)."""
    return shapes_of(2, 3).map(lambda s: (s, (s[1],)))


def numpy_prelu(x, gamma):
    slopes = gamma.reshape((-1,) + (1,) * (x.ndim - 2))
    return numpy.where(x > 0, x, slopes * x)


# -- dense layers --------------------------------------------------------------------------------
@st.composite
def dense_shapes(draw, flatten=True, bias=True):
    """x, weight (hidden, in_features) and bias (hidden,) shapes for fully_connected."""
    x = draw(shapes_of(2 if flatten else 1, MAX_DIMS))
    features = math.prod(x[1:]) if flatten else x[-1]
    hidden = draw(st.integers(1, 4))
    shapes = (x, (hidden, features))
    return shapes + ((hidden,),) if bias else shapes


def numpy_fully_connected(x, weight, bias=None, flatten=True):
    rows = x.reshape(x.shape[0], -1) if flatten else x
    out = rows @ weight.T
    return out if bias is None else out + bias


def embedding_indices(input_dim, index_shape):
    """Repeated indices, and one past the end and one negative, which MXNet clips."""
    pattern = numpy.arange(math.prod(index_shape)) % (input_dim + 2) - 1
    return pattern.reshape(index_shape)


def embedding(weight, index_shape):
    return npx.embedding(embedding_indices(weight.shape[0], index_shape), weight)


def numpy_embedding(weight, index_shape):
    indices = embedding_indices(weight.shape[0], index_shape)
    return weight[numpy.clip(indices, 0, weight.shape[0] - 1)]


# -- normalisation -------------------------------------------------------------------------------
def channel_vectors(axis, min_dims=1):
    """Data shape, and gamma and beta shapes of data.shape[axis]."""
    needed = max(min_dims, axis + 1 if axis >= 0 else -axis)
    return shapes_of(needed, MAX_DIMS).map(lambda s: (s, (s[axis],), (s[axis],)))


def numpy_normalize(x, gamma, beta, axes, axis, eps):
    """The same operations in the same order as ndgrad's forward, so float32 agrees."""
    centred = x - x.mean(axis=axes, keepdims=True)
    variance = numpy.mean(centred * centred, axis=axes, keepdims=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    return centred * (1 / numpy.sqrt(variance + eps)) * gamma.reshape(shape) \
        + beta.reshape(shape)


def numpy_layer_norm(x, gamma, beta, axis=-1, eps=1e-5):
    return numpy_normalize(x, gamma, beta, (axis % x.ndim,), axis % x.ndim, eps)


def running_statistics(channels, dtype):
    """Fixed running statistics for the inference rows (constants)."""
    return (numpy.linspace(-0.5, 0.5, channels).astype(dtype),
            numpy.linspace(0.5, 2.0, channels).astype(dtype))


def batch_norm(x, gamma, beta, training, axis=1, eps=1e-3, fix_gamma=False):
    mean, var = running_statistics(x.shape[axis], x.dtype)
    mode = autograd.train_mode if training else autograd.predict_mode
    with mode():
        return npx.batch_norm(x, gamma, beta, mean, var, eps=eps, axis=axis,
                              fix_gamma=fix_gamma)


def numpy_batch_norm(x, gamma, beta, training, axis=1, eps=1e-3, fix_gamma=False):
    axis = axis % x.ndim
    if fix_gamma:
        gamma = numpy.ones_like(gamma)
    if training:
        axes = tuple(i for i in range(x.ndim) if i != axis)
        return numpy_normalize(x, gamma, beta, axes, axis, eps)
    mean, var = running_statistics(x.shape[axis], x.dtype)
    shape = [1] * x.ndim
    shape[axis] = -1
    scale = gamma / numpy.sqrt(var + eps)
    return x * scale.reshape(shape) + (beta - mean * scale).reshape(shape)


# -- sequences -----------------------------------------------------------------------------------
def sequence_lengths(shape, axis):
    """One length per sequence, 0 to the full length (axes taken modulo the rank, so that
    an axis out of range reaches npx.sequence_mask, which must refuse it)."""
    return numpy.arange(shape[(1 - axis) % len(shape)]) % (shape[axis % len(shape)] + 1)


def sequence_mask(x, axis, value=0.0):
    return npx.sequence_mask(x, sequence_lengths(x.shape, axis), axis=axis, value=value)


def numpy_sequence_mask(x, axis, value=0.0):
    axis = normalize_axis_index(axis, x.ndim)
    out = x.copy()
    for sequence, length in enumerate(sequence_lengths(x.shape, axis)):
        if axis == 0:
            out[length:, sequence] = value
        else:
            out[sequence, length:] = value
    return out


# -- convolution and pooling ---------------------------------------------------------------------
def geometry(variant, dims):
    return tuple(tuple(variant.get(name) or (default,) * dims)
                 for name, default in (("stride", 1), ("dilate", 1), ("pad", 0)))


def spatial_sizes(draw, kernel, variant):
    """Input sizes from the smallest the (dilated) kernel fits to 3 more."""
    _, dilate, pad = geometry(variant, len(kernel))
    return tuple(draw(st.integers(low, low + 3)) for low in (
        max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilate, pad)))


@st.composite
def convolution_shapes(draw, variant, bias=True):
    """data (batch, channels, *spatial), weight (filters, channels / groups, *kernel), bias."""
    kernel, groups = variant["kernel"], variant.get("num_group", 1)
    batch, group_channels, group_filters = (draw(st.integers(1, 2)) for _ in range(3))
    data = (batch, groups * group_channels) + spatial_sizes(draw, kernel, variant)
    shapes = (data, (groups * group_filters, group_channels) + tuple(kernel))
    return shapes + ((groups * group_filters,),) if bias else shapes


def numpy_convolution(x, weight, bias=None, kernel=None, stride=None, dilate=None, pad=None,
                      num_group=1):
    """out[n, f, p] = sum over the group's channels c and taps t of
    x_padded[n, c, p * stride + t * dilate] * weight[f, c, t], position by position."""
    dims = x.ndim - 2
    stride, dilate, pad = geometry({"stride": stride, "dilate": dilate, "pad": pad}, dims)
    padded = numpy.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in pad))
    filters, group_channels = weight.shape[:2]
    taps = weight.shape[2:]
    out_shape = tuple((n - d * (k - 1) - 1) // s + 1
                      for n, k, s, d in zip(padded.shape[2:], taps, stride, dilate))
    out = numpy.zeros((x.shape[0], filters) + out_shape, dtype=numpy.result_type(x, weight))
    per_group = filters // num_group
    for n in range(x.shape[0]):
        for f in range(filters):
            first = f // per_group * group_channels
            for position in numpy.ndindex(*out_shape):
                window = padded[(n, slice(first, first + group_channels)) + tuple(
                    slice(o * s, o * s + d * (k - 1) + 1, d)
                    for o, s, d, k in zip(position, stride, dilate, taps))]
                out[(n, f) + position] = numpy.sum(window * weight[f])
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * dims)
    return out


def convolution_no_bias(x, weight, **variant):
    return npx.convolution(x, weight, no_bias=True, **variant)


@st.composite
def pooling_shapes(draw, variant):
    kernel = variant.get("kernel") or (2, 2)
    channels = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    return (channels + spatial_sizes(draw, kernel, variant),)


def numpy_pooling(x, kernel=None, stride=None, pad=None, pool_type="max", global_pool=False,
                  count_include_pad=True):
    dims = x.ndim - 2
    if global_pool:
        kernel, stride, pad = x.shape[2:], None, None
    stride, _, pad = geometry({"stride": stride, "pad": pad}, dims)
    fill = 0
    if pool_type == "max":     # below every value of the dtype
        fill = (-numpy.inf if x.dtype.kind == "f" else False if x.dtype.kind == "b"
                else numpy.iinfo(x.dtype).min)
    padding = ((0, 0), (0, 0)) + tuple((p, p) for p in pad)
    padded = numpy.pad(x, padding, constant_values=fill)
    real = numpy.pad(numpy.ones(x.shape), padding)       # 1 where a value is not padding
    out_shape = tuple((n - k) // s + 1 for n, k, s in zip(padded.shape[2:], kernel, stride))
    # NumPy's result dtype for the reduction (float64 for the mean of integers, for instance)
    reduction = {"max": numpy.max, "sum": numpy.sum, "avg": numpy.mean}[pool_type]
    out = numpy.zeros(x.shape[:2] + out_shape, dtype=reduction(numpy.ones(1, x.dtype)).dtype)
    for index in numpy.ndindex(*x.shape[:2]):
        for position in numpy.ndindex(*out_shape):
            window = index + tuple(slice(o * s, o * s + k)
                                   for o, s, k in zip(position, stride, kernel))
            values = padded[window]
            if pool_type == "max":
                out[index + position] = values.max()
            elif pool_type == "sum":
                out[index + position] = values.sum()
            else:
                count = math.prod(kernel) if count_include_pad else real[window].sum()
                out[index + position] = values.sum() / count
    return out


@st.composite
def fold_operand_shapes(draw, variant):
    """Windows (N, C, *kernel, *out) for the fold row's geometry."""
    kernel, shape = variant["kernel"], variant["shape"]
    stride, dilate, pad = geometry(variant, len(kernel))
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                for n, k, s, d, p in zip(shape, kernel, stride, dilate, pad))
    return ((draw(st.integers(1, 2)), draw(st.integers(1, 2))) + tuple(kernel) + out,)


def fold(windows, shape, kernel, stride, dilate, pad):
    return REGISTRY.primitives["fold"](windows, shape=shape, kernel=kernel, stride=stride,
                                       dilate=dilate, pad=pad)


def numpy_fold(windows, shape, kernel, stride, dilate, pad):
    """Each window value added back at the padded input position it was read from."""
    dims = len(kernel)
    padded = numpy.zeros(windows.shape[:2] + tuple(n + 2 * p for n, p in zip(shape, pad)),
                         dtype=windows.dtype)
    for index in numpy.ndindex(*windows.shape):
        tap, position = index[2:2 + dims], index[2 + dims:]
        target = index[:2] + tuple(o * s + t * d
                                   for o, s, t, d in zip(position, stride, tap, dilate))
        padded[target] += windows[index]
    return padded[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(pad, shape))]


CONVOLUTION_VARIANTS = (
    {"kernel": (3,)},                                      # 1-D
    {"kernel": (2, 3)},                                    # 2-D
    {"kernel": (3, 3), "stride": (2, 2)},
    {"kernel": (3, 2), "pad": (1, 1)},
    {"kernel": (2, 2), "dilate": (2, 2)},
    {"kernel": (2, 2), "num_group": 2},
    {"kernel": (2,), "stride": (2,), "pad": (1,), "dilate": (2,), "num_group": 2},
)
CONVOLUTION_PRIMITIVES = ("unfold", "reshape", "matmul")

ROWS: tuple[OpSpec, ...] = (
    # activations
    OpSpec("npx.tanh", "npx.tanh", npx.tanh, numpy.tanh, ("tanh",)),
    OpSpec("softplus", "npx.softplus", npx.softplus, numpy_softplus, ("softplus",)),
    OpSpec("gelu", "npx.gelu", npx.gelu, numpy_gelu, ("gelu",)),
    OpSpec("leaky_relu", "npx.leaky_relu",
           lambda x, act_type, slope=0.25: npx.leaky_relu(x, act_type=act_type, slope=slope),
           lambda x, act_type, slope=0.25: NUMPY_LEAKY[act_type](x, slope),
           ("leaky_relu", "elu", "multiply", "gelu"), sample=nonzero,
           variants=({"act_type": "leaky"}, {"act_type": "leaky", "slope": 0.1},
                     {"act_type": "elu", "slope": 0.7}, {"act_type": "selu"},
                     {"act_type": "gelu"})),
    OpSpec("leaky_relu-prelu", "npx.leaky_relu",
           lambda x, gamma: npx.leaky_relu(x, gamma, act_type="prelu"), numpy_prelu,
           ("where", "multiply"), nargs=2, sample=nonzero, shapes=prelu_shapes),
    OpSpec("activation", "npx.activation", npx.activation,
           lambda x, act_type: NUMPY_ACTIVATIONS[act_type](x),
           tuple(sorted({p for ps in ACTIVATION_PRIMITIVES.values() for p in ps})),
           sample=nonzero, variants=tuple({"act_type": a} for a in NUMPY_ACTIVATIONS)),
    # dense layers
    OpSpec("fully_connected", "npx.fully_connected", npx.fully_connected,
           numpy_fully_connected, ("fully_connected", "reshape"), nargs=3,
           variants=({}, {"flatten": False}),
           shapes=lambda v: dense_shapes(flatten=v.get("flatten", True))),
    OpSpec("fully_connected-no_bias", "npx.fully_connected",
           lambda x, w, **v: npx.fully_connected(x, w, no_bias=True, **v),
           numpy_fully_connected, ("fully_connected",), nargs=2,
           variants=({}, {"flatten": False}),
           shapes=lambda v: dense_shapes(flatten=v.get("flatten", True), bias=False)),
    OpSpec("embedding", "npx.embedding", embedding, numpy_embedding, ("getitem",),
           variants=({"index_shape": (5,)}, {"index_shape": (2, 3)}),
           shapes=lambda v: shapes_of(2, 2).map(lambda s: (s,))),
    # normalisation
    OpSpec("layer_norm", "npx.layer_norm", npx.layer_norm, numpy_layer_norm,
           ("normalization",), nargs=3,
           variants=({}, {"axis": 0}, {"axis": 1, "eps": 1e-3}),
           shapes=lambda v: channel_vectors(v.get("axis", -1))),
    OpSpec("batch_norm-training", "npx.batch_norm", batch_norm, numpy_batch_norm,
           ("normalization",), nargs=3,
           variants=({"training": True}, {"training": True, "axis": -1, "eps": 1e-5},
                     {"training": True, "fix_gamma": True}),
           shapes=lambda v: channel_vectors(v.get("axis", 1), min_dims=2)),
    OpSpec("batch_norm-inference", "npx.batch_norm", batch_norm, numpy_batch_norm,
           ("divide", "multiply", "subtract", "reshape", "add"), nargs=3,
           variants=({"training": False}, {"training": False, "axis": 0}),
           shapes=lambda v: channel_vectors(v.get("axis", 1), min_dims=2)),
    # sequences
    OpSpec("sequence_mask", "npx.sequence_mask", sequence_mask, numpy_sequence_mask,
           ("where",), variants=({"axis": 0}, {"axis": 1}, {"axis": 0, "value": -1.5}),
           ndim=(2, MAX_DIMS)),
    # convolution and pooling
    OpSpec("convolution", "npx.convolution", npx.convolution, numpy_convolution,
           CONVOLUTION_PRIMITIVES + ("add",), nargs=3, variants=CONVOLUTION_VARIANTS,
           shapes=lambda v: convolution_shapes(v)),
    OpSpec("convolution-no_bias", "npx.convolution", convolution_no_bias, numpy_convolution,
           CONVOLUTION_PRIMITIVES, nargs=2, variants=CONVOLUTION_VARIANTS[1:4],
           shapes=lambda v: convolution_shapes(v, bias=False)),
    OpSpec("pooling-max", "npx.pooling", npx.pooling, numpy_pooling, ("unfold", "max"),
           sample=distinct,      # no ties inside a window
           variants=({"kernel": (2, 2), "stride": (2, 2)},
                     {"kernel": (3, 3), "pad": (1, 1)},
                     {"kernel": (2, 3), "stride": (2, 1), "pad": (1, 1)},
                     {"kernel": (2,), "stride": (1,)},
                     {"global_pool": True}),
           shapes=lambda v: pooling_shapes(v)),
    OpSpec("pooling-avg", "npx.pooling", npx.pooling, numpy_pooling,
           ("unfold", "sum", "divide"),
           variants=({"kernel": (2, 2), "stride": (2, 2), "pool_type": "avg"},
                     {"kernel": (3, 2), "stride": (2, 1), "pad": (1, 1), "pool_type": "avg"},
                     {"kernel": (3, 3), "pad": (1, 1), "pool_type": "avg",
                      "count_include_pad": False},
                     {"kernel": (2, 2), "pad": (1, 0), "pool_type": "sum"},
                     {"pool_type": "avg", "global_pool": True}),
           shapes=lambda v: pooling_shapes(v)),
    OpSpec("fold", "primitive.fold", fold, numpy_fold, ("fold",),
           variants=({"shape": (5,), "kernel": (2,), "stride": (1,), "dilate": (1,),
                      "pad": (0,)},
                     {"shape": (4, 5), "kernel": (2, 3), "stride": (2, 1), "dilate": (1, 2),
                      "pad": (1, 1)}),
           shapes=lambda v: fold_operand_shapes(v)),
)

# Public names of this family with no row, by reason (their results carry no gradient).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
