"""Array creation. Python numbers and lists become the default float dtype (float32, as
MXNet); NumPy arrays keep their dtype; an explicit ``dtype=`` always wins. Created arrays are
constants: they have no history until ``attach_grad``."""

from __future__ import annotations

from typing import Any

import numpy

from .._axes import shape_of
from .._device import require_cpu
from .._ndarray import _wrap, default_dtype, holds_history, ndarray, sharing_numpy_memory, to_numpy
from .._publish import public
from .._shaping import as_operand


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
    if dtype is None:
        dtype = to_numpy(fill_value).dtype
    return _new(numpy.full(shape, to_numpy(fill_value), dtype=dtype, order=order), device, ctx)


def _filled_like(a, fill_value, dtype, device, ctx):
    """An array of ``a``'s shape (and dtype and class, unless told) filled with a value."""
    dtype = to_numpy(a).dtype if dtype is None else dtype
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
    values = numpy.linspace(to_numpy(start), to_numpy(stop), num, endpoint=endpoint,
                            retstep=retstep, dtype=_float_dtype(dtype), axis=axis)
    if retstep:
        return _new(values[0], device, ctx), values[1]
    return _new(values, device, ctx)


@public(numpy=numpy.eye)
def eye(N, M=None, k=0, dtype=None, *, device=None, ctx=None):
    return _new(numpy.eye(N, M, k, dtype=_float_dtype(dtype)), device, ctx)
