"""The array's operators and methods, bound from the registry once every op is declared.

``x + y`` and ``np.add(x, y)`` are the same function: the tables below name, for each operator
and for the NumPy-style methods, the public function it calls. ``backward``, ``at``,
``reshape`` and ``transpose`` are bound here too, so the array module below never reaches up
to the engine or the ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy

from . import ops  # noqa: F401  (declares every op before the tables are bound)
from ._engine import backward_from
from ._ndarray import ndarray
from ._registry import REGISTRY
from .ops.shape import IndexUpdates, reshape, transpose

# Operators: dunder name -> (public name in the "np" or "ndarray" namespace, operands swapped?).
OPERATORS = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("subtract", False), "__rsub__": ("subtract", True),
    "__mul__": ("multiply", False), "__rmul__": ("multiply", True),
    "__truediv__": ("divide", False), "__rtruediv__": ("divide", True),
    "__pow__": ("power", False), "__rpow__": ("power", True),
    "__floordiv__": ("floor_divide", False), "__rfloordiv__": ("floor_divide", True),
    "__mod__": ("remainder", False), "__rmod__": ("remainder", True),
    "__matmul__": ("matmul", False), "__rmatmul__": ("matmul", True),
    "__lt__": ("less", False), "__le__": ("less_equal", False),
    "__gt__": ("greater", False), "__ge__": ("greater_equal", False),
    "__eq__": ("equal", False), "__ne__": ("not_equal", False),
    "__and__": ("bitwise_and", False), "__rand__": ("bitwise_and", True),
    "__or__": ("bitwise_or", False), "__ror__": ("bitwise_or", True),
    "__xor__": ("bitwise_xor", False), "__rxor__": ("bitwise_xor", True),
    "__invert__": ("invert", False),
    "__neg__": ("negative", False), "__pos__": ("positive", False),
    "__abs__": ("absolute", False), "__getitem__": ("_getitem", False),
}

# Methods with NumPy's method signature, taking the array as the first argument.
METHODS = ("sum", "mean", "prod", "max", "min", "argmax", "argmin", "std", "var", "cumsum",
           "clip", "dot", "flatten", "astype", "copy", "squeeze", "swapaxes", "ravel",
           "repeat", "take", "diagonal", "trace", "nonzero", "argpartition", "searchsorted",
           "cumprod", "all", "any", "argsort", "round")


def bind(namespace: dict[str, Any]) -> None:
    """Bind the operator and method tables above to the registry's public functions, and the
    methods below."""
    for dunder, (name, swapped) in OPERATORS.items():
        unary = dunder in ("__neg__", "__pos__", "__abs__", "__invert__")
        setattr(ndarray, dunder, _operator(namespace[name], swapped, unary))
    for name in METHODS:
        if name in namespace:
            setattr(ndarray, name, _method(namespace[name]))
    ndarray.reshape = _reshape
    ndarray.transpose = _transpose
    ndarray.backward = _backward
    ndarray.at = property(_at)
    ndarray.conj = ndarray.conjugate = _method(namespace["conjugate"])
    ndarray.real = property(namespace["real"], doc="The real part (differentiable).")
    ndarray.imag = property(namespace["imag"], doc="The imaginary part (differentiable).")
    rounded = namespace["round"]
    # round(x) of an array is an array, of any shape, as MXNet's (NumPy: 0-d only, a scalar)
    ndarray.__round__ = lambda self, ndigits=None: rounded(self, 0 if ndigits is None
                                                           else ndigits)
    # NumPy's sort and partition methods work in place (np.sort, np.partition copy)
    ndarray.sort = _in_place(namespace["sort"], namespace["copy"])
    extra = {
        "partition": _in_place(namespace["partition"], namespace["copy"]),
        "fill": _fill, "put": _put,
        "mT": property(namespace["matrix_transpose"],
                       doc="The last two axes swapped, as matrix_transpose (differentiable)."),
        "itemsize": property(lambda self: self._data.itemsize, doc="Bytes per element."),
        "nbytes": property(lambda self: self._data.nbytes, doc="Bytes of all elements."),
    }
    for name, value in extra.items():       # (not yet among the array class's annotations)
        setattr(ndarray, name, value)


def _operator(function: Any, swapped: bool, unary: bool) -> Any:
    operator: Callable[..., Any]            # one of three signatures, by the operator's kind
    if unary:
        def operator(self: ndarray) -> Any:
            return function(self)
    elif swapped:
        def operator(self: ndarray, other: Any) -> Any:
            return function(other, self)
    else:
        def operator(self: ndarray, other: Any) -> Any:
            return function(self, other)
    return operator


def _method(function: Any) -> Any:
    def method(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        return function(self, *args, **kwargs)
    method.__name__ = function.__name__
    method.__doc__ = function.__doc__
    return method


def _reshape(self: ndarray, *shape: Any, **kwargs: Any) -> ndarray:
    """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``, as NumPy."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return reshape(self, shape, **kwargs)


def _transpose(self: ndarray, *axes: Any) -> ndarray:
    """``x.transpose(1, 0)`` or ``x.transpose((1, 0))``, as NumPy."""
    order: Any = axes           # the axes, or the one tuple, list or None they hold
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        order = axes[0]
    return transpose(self, order or None)


def _backward(self: ndarray, out_grad: Any = None, retain_graph: bool = False,
              create_graph: bool = False, train_mode: bool = True, *,
              hold: Any = None) -> None:
    """Backpropagate from this array: fill the ``.grad`` of every variable it depends on.

    ``out_grad`` is the head gradient: for every variable ``x``,
    ``x.grad = sum_i out_grad[i] * d self[i] / d x``. Omitted, it is ones of this array's
    shape (so a non-scalar head gives the gradient of its sum), as MXNet.
    ``hold`` holds those recorded values constant (see ``ndgrad.autograd.grad``).
    See ``ndgrad.autograd.backward``.
    """
    backward_from(self, out_grad, retain_graph=retain_graph, create_graph=create_graph,
                  train_mode=train_mode, hold=hold)


def _fill(self: ndarray, value: Any) -> None:
    """Set every element to ``value``, in place, as ``x[...] = value`` (NumPy's fill)."""
    self[...] = value


def _put(self: ndarray, indices: Any, values: Any,
         mode: Literal["raise", "wrap", "clip"] = "raise") -> None:
    """Set the elements at flat ``indices`` to ``values`` (repeated if shorter), in place, as
    NumPy's put: an ``x[...] = values`` write, so recorded arrays follow its rules. ``mode``
    is NumPy's for indices out of range ('raise', 'wrap' or 'clip')."""
    indices = numpy.asarray(indices)
    values = reshape(values, (-1,))
    if indices.size == 0 or values.size == 0:         # NumPy writes nothing then
        return
    positions = numpy.arange(self.size).take(indices, mode=mode).reshape(-1)
    if self.ndim == 0:                                # the last write wins, as in NumPy
        self[...] = values[(positions.size - 1) % values.size]
        return
    self[numpy.unravel_index(positions, self.shape)] = values[
        numpy.arange(positions.size) % values.size]


def _in_place(function: Any, copy: Any) -> Any:
    def method(self: ndarray, *args: Any, **kwargs: Any) -> None:
        # of a copy: the write would change the operand the gradient of ``function`` needs
        self[...] = function(copy(self), *args, **kwargs)
    method.__name__ = function.__name__
    method.__doc__ = (f"{function.__name__} in place, as NumPy's method: an ``x[...] =`` "
                      "write, so recorded arrays follow its rules.")
    return method


def _at(self: ndarray) -> Any:
    """Functional indexed updates, recorded and differentiable (the in-graph form of
    ``x[index] = values``): ``x.at[index].set(values)``, ``x.at[index].add(values)``."""
    return IndexUpdates(self)


bind({**REGISTRY.namespace("np"), **REGISTRY.namespace("ndarray")})
