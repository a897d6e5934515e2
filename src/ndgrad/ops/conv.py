"""Convolution and pooling (npx.convolution, npx.pooling), 1-D, 2-D and 3-D, channels first.

Both are built on one linear primitive, ``unfold`` (im2col): for every kernel tap, the input
values under it at every output position, laid out (N, C, *kernel, *out). A convolution is
then a matmul of the filters with the unfolded input, and a pooling a max, sum or mean over
the tap axes. ``unfold``'s adjoint ``fold`` (col2im) adds each tap's values back where they
came from; each is the other's VJP, so convolution and pooling are differentiable to any
order, with the matmul, max and sum rules doing the rest. Both loop over the kernel's taps
(9 for 3x3), each step one strided NumPy copy or add of a whole batch.
"""

from __future__ import annotations

import math

import numpy

from .._axes import shape_of
from .._ndarray import raw
from .._primitive import LINEAR, NOTHING, SHAPES, Primitive, primitive
from .._publish import public
from . import reductions
from .linalg import matmul_
from .shape import reshape_

_LAYOUTS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}


def _tap_slices(kernel, stride, dilate, out):
    """For each kernel tap, the tap's index and the slices of the padded input it reads."""
    for tap in numpy.ndindex(*kernel):
        yield tap, (Ellipsis,) + tuple(
            slice(t * d, t * d + s * (o - 1) + 1, s)
            for t, d, s, o in zip(tap, dilate, stride, out))


def _out_size(size, kernel, stride, dilate, pad):
    return (size + 2 * pad - dilate * (kernel - 1) - 1) // stride + 1


def _out_sizes(spatial, kernel, stride, dilate, pad):
    return tuple(_out_size(*sizes) for sizes in zip(spatial, kernel, stride, dilate, pad))


def _unfold(x, kernel, stride, dilate, pad, fill):
    spatial = x.shape[2:]
    out = _out_sizes(spatial, kernel, stride, dilate, pad)
    if any(pad):
        padded = numpy.full(x.shape[:2] + tuple(n + 2 * p for n, p in zip(spatial, pad)),
                            fill, dtype=x.dtype)
        padded[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(pad, spatial))] = x
    else:
        padded = x
    windows = numpy.empty(x.shape[:2] + tuple(kernel) + out, dtype=x.dtype)
    for tap, region in _tap_slices(kernel, stride, dilate, out):
        windows[(slice(None), slice(None)) + tap] = padded[region]
    return windows


def _fold(windows, shape, kernel, stride, dilate, pad):
    n_taps = len(kernel)
    out = windows.shape[2 + n_taps:]
    padded = numpy.zeros(windows.shape[:2] + tuple(n + 2 * p for n, p in zip(shape, pad)),
                         dtype=windows.dtype)
    for tap, region in _tap_slices(kernel, stride, dilate, out):
        padded[region] += windows[(slice(None), slice(None)) + tap]
    return padded[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(pad, shape))]


# unfold is affine in x (``fill`` pads it, -inf for max pooling); its linear part, unfold
# with zero padding, is its JVP (not LINEAR, which would pad tangents with -inf). That part's
# adjoint is fold, and fold's adjoint is unfold with zero padding.
unfold: Primitive = primitive("unfold", _unfold, saves=SHAPES,
                              vjp=lambda g, ans, x, kernel, stride, dilate, pad, fill: fold(
                                  g, shape=x.shape[2:], kernel=kernel, stride=stride, dilate=dilate,
                                  pad=pad),
                              jvp=lambda t, ans, x, kernel, stride, dilate, pad, fill: unfold(
                                  t, kernel=kernel, stride=stride, dilate=dilate, pad=pad, fill=0))
fold: Primitive = primitive("fold", _fold, saves=NOTHING, jvp=LINEAR,
                            vjp=lambda g, ans, windows, shape, kernel, stride, dilate, pad: unfold(
                                g, kernel=kernel, stride=stride, dilate=dilate, pad=pad, fill=0))


def _spatial_dims(name, data_shape, layout):
    dims = len(data_shape) - 2
    if dims not in _LAYOUTS:
        raise ValueError(f"{name}: data must be (batch, channel, *spatial) with 1 to 3 "
                         f"spatial dimensions, got shape {data_shape}")
    if layout is not None and layout != _LAYOUTS[dims]:
        if layout in ("NWC", "NHWC", "NDHWC"):
            raise NotImplementedError(f"{name}: ndgrad supports channels-first layouts only "
                                      f"({_LAYOUTS[dims]} here), not {layout}")
        raise ValueError(f"{name}: layout {layout!r} does not fit data of shape {data_shape}")
    return dims


def _per_dim(name, label, value, dims, default):
    """A per-dimension parameter as a tuple of ``dims`` ints (an int is repeated)."""
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        return (default,) * dims
    values = (value,) * dims if isinstance(value, (int, numpy.integer)) else tuple(value)
    if len(values) != dims or not all(isinstance(v, (int, numpy.integer)) for v in values):
        raise ValueError(f"{name}: {label} must be {dims} ints, got {value!r}")
    values = tuple(int(v) for v in values)
    smallest = 0 if label == "pad" else 1
    if any(v < smallest for v in values):
        raise ValueError(f"{name}: {label} must be at least {smallest}, got {value!r}")
    return values


def _geometry(name, data_shape, kernel, stride, dilate, pad):
    """The per-dimension stride, dilation and padding, and the output's spatial shape."""
    dims = len(kernel)
    stride = _per_dim(name, "stride", stride, dims, 1)
    dilate = _per_dim(name, "dilate", dilate, dims, 1)
    pad = _per_dim(name, "pad", pad, dims, 0)
    out = _out_sizes(data_shape[2:], kernel, stride, dilate, pad)
    if any(n < 1 for n in out):
        raise ValueError(f"{name}: the kernel {kernel} (dilation {dilate}) does not fit the "
                         f"input of spatial shape {data_shape[2:]} padded by {pad}")
    return stride, dilate, pad, out


@public(namespaces=("npx",))
def convolution(data, weight, bias=None, kernel=None, stride=None, dilate=None, pad=None,
                num_filter=None, num_group=1, no_bias=None, layout=None):
    """MXNet's ``npx.convolution`` (a cross-correlation, as in every DL framework).

    ``data`` is (batch, channel, *spatial) with 1, 2 or 3 spatial dimensions (NCW, NCHW,
    NCDHW), ``weight`` (num_filter, channel // num_group, *kernel), ``bias`` (num_filter,).
    Output size per dimension: floor((n + 2 pad - dilate (kernel - 1) - 1) / stride) + 1.
    ``num_group`` splits the channels and filters into groups convolved separately.

    Differs from MXNet: ``kernel`` and ``num_filter`` may be left out (they are read from
    ``weight``, and checked when given); the bias is used whenever it is given, unless
    ``no_bias=True``; channels-last layouts are not supported."""
    data_shape, w_shape = shape_of(data), shape_of(weight)
    dims = _spatial_dims("convolution", data_shape, layout)
    if len(w_shape) != dims + 2:
        raise ValueError(f"convolution: weight must be (num_filter, channel // num_group, "
                         f"*kernel) with {dims} kernel dimensions, got shape {w_shape}")
    filters, group_channels, kernel_shape = w_shape[0], w_shape[1], w_shape[2:]
    if kernel is not None and _per_dim("convolution", "kernel", kernel, dims, 1) != kernel_shape:
        raise ValueError(f"convolution: kernel={kernel} but weight has shape {w_shape}")
    if num_filter is not None and num_filter != filters:
        raise ValueError(f"convolution: num_filter={num_filter} but weight has shape {w_shape}")
    batch, channels = data_shape[:2]
    groups = int(num_group)
    if groups < 1 or channels % groups or filters % groups or channels // groups != \
            group_channels:
        raise ValueError(f"convolution: data of shape {data_shape} with num_group={num_group} "
                         f"needs a weight of shape (num_filter, {channels // max(groups, 1)}, "
                         f"...), num_filter a multiple of num_group; got {w_shape}")
    if no_bias is None:
        no_bias = bias is None
    elif not no_bias and bias is None:
        raise ValueError("convolution: no_bias=False needs a bias")
    if not no_bias and shape_of(bias) != (filters,):
        raise ValueError(f"convolution: bias must have shape ({filters},), got "
                         f"{shape_of(bias)}")
    stride, dilate, pad, out = _geometry("convolution", data_shape, kernel_shape, stride,
                                         dilate, pad)
    windows = unfold(data, kernel=kernel_shape, stride=stride, dilate=dilate, pad=pad,
                     fill=0)
    # per sample and group: (filters, channels x taps) @ (channels x taps, positions)
    taps = group_channels * math.prod(kernel_shape)
    windows = reshape_(windows, shape=(batch, groups, taps, math.prod(out)))
    filters_matrix = reshape_(weight, shape=(groups, filters // groups, taps))
    result = reshape_(matmul_(filters_matrix, windows), shape=(batch, filters) + out)
    if no_bias:
        return result
    return result + reshape_(bias, shape=(filters,) + (1,) * dims)


def _lowest(dtype):
    """Max pooling's padding: a value no element of ``dtype`` is below."""
    if dtype.kind == "f":
        return -numpy.inf
    return False if dtype.kind == "b" else numpy.iinfo(dtype).min


_REDUCTIONS = {"max": reductions.max, "sum": reductions.sum, "avg": reductions.mean}


@public(namespaces=("npx",))
def pooling(data, kernel=None, stride=None, pad=None, pool_type="max",
            pooling_convention="valid", global_pool=False, count_include_pad=True, layout=None):
    """MXNet's ``npx.pooling``: the max, average or sum of each ``kernel`` window of
    ``data`` (batch, channel, *spatial), 1 to 3 spatial dimensions, with ``stride``
    (default 1) and zero ``pad``. Output size: floor((n + 2 pad - kernel) / stride) + 1.

    Max pooling pads with -inf; its gradient goes to the window's maximum, split evenly
    among tied maxima (as ``np.max``). Average pooling divides by the kernel's size, or,
    with ``count_include_pad=False``, by the number of unpadded values in the window.
    ``global_pool`` pools each channel's whole map to (batch, channel, 1, ...).
    Only ``pooling_convention="valid"`` is provided."""
    data_shape = shape_of(data)
    dims = _spatial_dims("pooling", data_shape, layout)
    if pool_type not in _REDUCTIONS:
        raise ValueError(f"pooling: pool_type must be 'max', 'avg' or 'sum', not "
                         f"{pool_type!r}")
    if pooling_convention != "valid":
        raise NotImplementedError(f"pooling: pooling_convention={pooling_convention!r} is "
                                  "not supported by ndgrad; use 'valid' (with pad)")
    reduce = _REDUCTIONS[pool_type]
    if global_pool:
        return reduce(data, axis=tuple(range(2, 2 + dims)), keepdims=True)
    if kernel is None:
        raise ValueError("pooling: give kernel, or global_pool=True")
    kernel = _per_dim("pooling", "kernel", kernel, dims, 1)
    stride, dilate, pad, _ = _geometry("pooling", data_shape, kernel, stride, None, pad)
    dtype = numpy.asarray(raw(data)).dtype
    fill = _lowest(dtype) if pool_type == "max" else 0
    windows = unfold(data, kernel=kernel, stride=stride, dilate=dilate, pad=pad, fill=fill)
    taps = tuple(range(2, 2 + dims))
    if pool_type != "avg" or count_include_pad or not any(pad):
        return reduce(windows, axis=taps)
    # the number of real (unpadded) values in each window: a constant
    counts = _unfold(numpy.ones((1, 1) + data_shape[2:], dtype=dtype), kernel, stride,
                     dilate, pad, 0).sum(axis=taps)
    return reductions.sum(windows, axis=taps) / counts
