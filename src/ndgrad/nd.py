"""``ndgrad.nd``: the MXNet 1.x ``mx.nd`` style, for code written against ``mxnet.nd``.

Arrays are ``NDArray``, an ndarray that prints as MXNet 1.x printed::

    [20.    2.    0.2   0.02]
    <NDArray 4 @cpu(0)>

Operations on NDArrays return NDArrays (and their ``.grad`` is one), so ``import ndgrad as
mx`` then ``mx.nd.array(...)``, ``mx.autograd.record()`` runs MXNet 1.x snippets.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as _numpy

from . import (
    _methods,  # noqa: F401  (declares the ops, binds the operators)
    _ndarray,
)
from ._axes import ndim_of, normalize_axes
from ._device import require_cpu as _require_cpu
from ._ndarray import _wrap, holds_history, ndarray, to_numpy
from ._registry import REGISTRY as _REGISTRY
from ._shaping import as_operand
from .np.linalg import norm as _np_norm
from .npx import waitall  # noqa: F401  (re-exported: MXNet's nd.waitall)
from .ops import random as _random
from .ops.norms import euclidean_norm_ as _euclidean_norm
from .ops.numpy_extension import ND_CODES, batch_flatten, reshape_with_codes


class NDArray(ndarray):
    """An ndarray that prints like MXNet 1.x's ``NDArray``."""

    __slots__ = ()

    def __repr__(self) -> str:
        shape = "x".join(str(n) for n in self.shape)
        return f"\n{self._data}\n<NDArray {shape} @{self.context}>"

    def __str__(self) -> str:
        # MXNet 1.9.1 prints the same text as repr, leading newline included
        return repr(self)

    def reshape(self, *shape: Any, reverse: bool = False, **kwargs: Any) -> Any:
        """``x.reshape(shape)`` as MXNet 1.x's ``NDArray.reshape``: the shape (a tuple, ints,
        or ``shape=``) may hold the legacy special codes of ``nd.reshape`` (``0`` copies a
        dimension, where NumPy's ``reshape`` reads a size 0)."""
        if "shape" in kwargs:
            if shape:
                raise TypeError("reshape takes the new shape once: positionally or as shape=")
            shape = (kwargs.pop("shape"),)
        if kwargs:
            raise TypeError(f"reshape got unexpected keyword arguments {sorted(kwargs)}")
        if not shape:
            raise TypeError("reshape needs the new shape: x.reshape((2, -1)) or x.reshape(2, -1)")
        codes = shape[0] if len(shape) == 1 else shape
        return reshape_with_codes(self, codes, reverse, ND_CODES, "NDArray.reshape")

    def flatten(self) -> Any:
        """``x.flatten()`` as MXNet 1.x's ``NDArray.flatten``: ``nd.flatten``, which keeps the
        first (batch) axis, unlike NumPy's ``flatten``."""
        return batch_flatten(self)

    def asscalar(self) -> Any:
        """The value of a one-element array as a Python scalar (MXNet 1.x)."""
        if self.size != 1:
            raise ValueError(f"asscalar() needs an array of one element, not shape {self.shape}")
        self._check_leaving("asscalar()")
        return self._data.item()


def _nd(data: Any, ctx: Any = None) -> NDArray:
    _require_cpu(ctx)
    return _wrap(data, NDArray)


def array(source_array: Any, ctx: Any = None, dtype: Any = None) -> NDArray:
    """A new NDArray holding a copy of ``source_array`` (float32 by default)."""
    if isinstance(source_array, (list, tuple)) and holds_history(source_array):
        _require_cpu(ctx)
        return as_operand(source_array, dtype)       # recorded: the elements keep gradients
    return _nd(_numpy.array(to_numpy(source_array, dtype), copy=True), ctx)


def zeros(shape: Any, ctx: Any = None, dtype: Any = "float32") -> NDArray:
    return _nd(_numpy.zeros(shape, dtype=dtype), ctx)


def ones(shape: Any, ctx: Any = None, dtype: Any = "float32") -> NDArray:
    return _nd(_numpy.ones(shape, dtype=dtype), ctx)


def full(shape: Any, val: Any, ctx: Any = None, dtype: Any = "float32") -> NDArray:
    return _nd(_numpy.full(shape, val, dtype=dtype), ctx)


def arange(start: Any, stop: Any = None, step: Any = 1.0, repeat: int = 1, ctx: Any = None,
           dtype: Any = "float32") -> NDArray:
    if start is None:         # (else it would become a stop of None, which NumPy reads as 0)
        raise TypeError("nd.arange needs a start (or, alone, a stop): a number, not None")
    if stop is None:
        start, stop = 0, start
    return _nd(_numpy.repeat(_numpy.arange(start, stop, step, dtype=dtype), repeat), ctx)


def norm(data: Any, ord: int = 2, axis: Any = None, keepdims: bool = False) -> Any:
    """The L2 norm over all elements (or ``axis``), as MXNet 1.x's ``nd.norm``."""
    if ord != 2:
        return _np_norm(data, ord=ord, axis=axis, keepdims=keepdims)

    return _euclidean_norm(data, axis=normalize_axes(axis, ndim_of(data)),
                           keepdims=keepdims)


def reshape(data: Any, shape: Any = None, reverse: bool = False) -> Any:
    """MXNet 1.x's ``nd.reshape``: ``data`` in the new ``shape``, which may hold the legacy
    special codes: ``0`` copies this dimension of ``data``, ``-1`` infers the one size left,
    ``-2`` copies all the remaining dimensions, ``-3`` merges the next two into their
    product, ``-4, p, q`` splits this dimension into ``p`` by ``q`` (either may be -1).
    ``reverse=True`` reads the codes and the dimensions from the right, and the
    ``NDArray.reshape`` method reads the same codes. (``npx.reshape`` numbers the same
    operations differently; ``np.reshape`` and the ``ndarray.reshape`` method keep NumPy's
    meaning, where 0 is a size.)"""
    if shape is None:
        raise TypeError("nd.reshape needs the new shape: nd.reshape(data, shape=(...))")
    return reshape_with_codes(data, shape, reverse, ND_CODES, "nd.reshape")


def flatten(data: Any) -> Any:
    """MXNet 1.x's ``nd.flatten`` (``nd.Flatten``): ``data`` of shape (batch, ...) as a
    matrix (batch, the product of the rest), as ``npx.batch_flatten``."""
    return batch_flatten(data)


Flatten = flatten


def _like(fn: Any) -> Any:
    def create(*args: Any, **kwargs: Any) -> NDArray:
        result = fn(*args, **kwargs)
        return _wrap(result._data, NDArray)
    create.__name__ = fn.__name__
    create.__doc__ = fn.__doc__
    return create


random = types.SimpleNamespace(
    seed=_random.seed,
    normal=_like(_random.normal),
    uniform=_like(_random.uniform),
)

_namespace = {**_REGISTRY.namespace("np"), **_REGISTRY.namespace("npx")}
for _name, _fn in _namespace.items():
    globals().setdefault(_name, _fn)
for _name in ("zeros_like", "ones_like", "full_like"):
    globals()[_name] = _namespace[_name]   # these keep the class of their argument

# ``ndgrad.ndarray.array(...)`` and friends: MXNet's ``from mxnet import ndarray as nd``
_ndarray.MODULE_FALLBACK[:] = [sys.modules[__name__]]
