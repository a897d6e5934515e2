"""Array creation. Python numbers and lists become the default float dtype (float32, as
MXNet); NumPy arrays keep their dtype; an explicit ``dtype=`` always wins. Created arrays are
constants: they have no history until ``attach_grad``."""

from __future__ import annotations

from typing import Any

import numpy

from .._axes import normalize_axis, shape_of
from .._device import require_cpu
from .._ndarray import _wrap, default_dtype, holds_history, ndarray, sharing_numpy_memory, to_numpy
from .._publish import public
from .._shaping import (
    as_operand,
    astype_,
    broadcast_to_,
    concatenate_,
    reshape_,
    transpose_,
)


def _new(data: numpy.ndarray, device: Any = None, ctx: Any = None, cls: type = ndarray):
    require_cpu(device if device is not None else ctx)
    return _wrap(data, cls)


def _float_dtype(dtype: Any) -> Any:
    return default_dtype() if dtype is None else dtype


@public(numpy=numpy.array)
def array(object, dtype=None, copy=True, *, device=None, ctx=None):
    """A new array holding a copy of ``object`` (an ndarray, NumPy array, list or number)."""
    if isinstance(object, (list, tuple)) and holds_history(object):
        require_cpu(device if device is not None else ctx)
        return as_operand(object, dtype)            # a new, recorded array
    data = to_numpy(object, dtype)
    return _new(numpy.array(data, copy=True) if copy or data is object else data, device, ctx)


@public(numpy=numpy.asarray)
def asarray(a, dtype=None, *, device=None, ctx=None):
    """``a`` itself if it is already an ndarray of that dtype, else a new array."""
    if isinstance(a, ndarray) and (dtype is None or a.dtype == numpy.dtype(dtype)):
        require_cpu(device if device is not None else ctx)
        return a
    if isinstance(a, (list, tuple)) and holds_history(a):
        require_cpu(device if device is not None else ctx)
        return as_operand(a, dtype)
    data = to_numpy(a, dtype)
    if data is a or (isinstance(a, numpy.ndarray) and numpy.shares_memory(data, a)):
        return sharing_numpy_memory(_new(data, device, ctx))
    return _new(data, device, ctx)


@public(numpy=numpy.zeros)
def zeros(shape, dtype=None, order="C", *, device=None, ctx=None):
    return _new(numpy.zeros(shape, dtype=_float_dtype(dtype), order=order), device, ctx)


@public(numpy=numpy.ones)
def ones(shape, dtype=None, order="C", *, device=None, ctx=None):
    return _new(numpy.ones(shape, dtype=_float_dtype(dtype), order=order), device, ctx)


@public(numpy=numpy.empty)
def empty(shape, dtype=None, order="C", *, device=None, ctx=None):
    """Like zeros: ndgrad never hands out uninitialised memory."""
    return zeros(shape, dtype, order, device=device, ctx=ctx)


@public(numpy=numpy.full)
def full(shape, fill_value, dtype=None, order="C", *, device=None, ctx=None):
    """ndgrad's numpy.full, differentiable in ``fill_value``: an array being differentiated
    is broadcast to ``shape``, so its gradient sums over the copies."""
    if _differentiated(fill_value):
        return _broadcast_fill(_shape_tuple(shape), fill_value, dtype, device, ctx)
    if dtype is None:
        dtype = to_numpy(fill_value).dtype
    return _new(numpy.full(shape, to_numpy(fill_value), dtype=dtype, order=order), device, ctx)


def _differentiated(*values):
    """Whether a value is an array being differentiated (recorded, or with tangents)."""
    return holds_history(values)


def _shape_tuple(shape):
    return tuple(int(n) for n in shape) if numpy.ndim(shape) else (int(shape),)


def _broadcast_fill(shape, fill_value, dtype, device, ctx):
    """``fill_value`` (being differentiated) broadcast to ``shape``: a new array, recorded."""
    require_cpu(device if device is not None else ctx)
    value = fill_value if dtype is None else astype_(fill_value, dtype=numpy.dtype(dtype))
    return broadcast_to_(value, shape=shape)


def _filled_like(a, fill_value, dtype, device, ctx):
    """An array of ``a``'s shape (and dtype and class, unless told) filled with a value;
    differentiable in ``fill_value`` (``a`` gives only its shape and dtype)."""
    dtype = to_numpy(a).dtype if dtype is None else dtype
    if _differentiated(fill_value):
        return _broadcast_fill(shape_of(a), fill_value, dtype, device, ctx)
    cls = type(a) if isinstance(a, ndarray) else ndarray
    return _new(numpy.full(shape_of(a), to_numpy(fill_value), dtype=dtype), device, ctx, cls)


@public(numpy=numpy.zeros_like)
def zeros_like(a, dtype=None, *, device=None, ctx=None):
    return _filled_like(a, 0, dtype, device, ctx)


@public(numpy=numpy.ones_like)
def ones_like(a, dtype=None, *, device=None, ctx=None):
    return _filled_like(a, 1, dtype, device, ctx)


@public(numpy=numpy.full_like)
def full_like(a, fill_value, dtype=None, *, device=None, ctx=None):
    return _filled_like(a, fill_value, dtype, device, ctx)


@public(numpy=numpy.arange)
def arange(start, stop=None, step=None, dtype=None, *, device=None, ctx=None):
    """Evenly spaced values in [start, stop); float32 unless ``dtype`` says otherwise (as
    MXNet: ``np.arange(4)`` is ``array([0., 1., 2., 3.])``)."""
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    return _new(numpy.arange(start, stop, step, dtype=_float_dtype(dtype)), device, ctx)


@public(numpy=numpy.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None, ctx=None):
    """ndgrad's numpy.linspace (float32 unless ``dtype`` says otherwise, as MXNet),
    differentiable in ``start`` and ``stop``."""
    if _differentiated(start, stop):
        require_cpu(device if device is not None else ctx)
        return _linspace_recorded(start, stop, num, endpoint, retstep, dtype, axis)
    values = numpy.linspace(to_numpy(start), to_numpy(stop), num, endpoint=endpoint,
                            retstep=retstep, dtype=_float_dtype(dtype), axis=axis)
    if retstep:
        return _new(values[0], device, ctx), values[1]
    return _new(values, device, ctx)


def _linspace_recorded(start, stop, num, endpoint, retstep, dtype, axis):
    """NumPy's formula with ndgrad's ops: start + i * step for i < num, step = (stop -
    start) / (num - 1) (num without the endpoint), the last value stop itself."""
    if int(num) != num or num < 0:
        raise ValueError(f"linspace: num must be a non-negative integer, not {num!r}")
    num = int(num)
    start, stop = asarray(start), asarray(stop)
    divisions = num - 1 if endpoint else num
    delta = stop - start
    step = delta / divisions if divisions > 0 else delta * numpy.nan
    index = numpy.arange(num, dtype=numpy.result_type(start.dtype, stop.dtype, numpy.float32))
    index = index.reshape((-1,) + (1,) * delta.ndim)
    values = start + index * step if divisions > 0 else start + index * delta
    if endpoint and num > 1:
        last = broadcast_to_(reshape_(stop, shape=(1,) + stop.shape),
                             shape=(1,) + delta.shape)
        values = concatenate_(values[:-1], last, axis=0)
    order = list(range(1, values.ndim))
    order.insert(normalize_axis(axis, values.ndim), 0)      # the samples' axis to ``axis``
    values = transpose_(values, axes=tuple(order))
    values = astype_(values, dtype=numpy.dtype(_float_dtype(dtype)))
    return (values, step) if retstep else values


@public(numpy=numpy.eye)
def eye(N, M=None, k=0, dtype=None, *, device=None, ctx=None):
    return _new(numpy.eye(N, M, k, dtype=_float_dtype(dtype)), device, ctx)
