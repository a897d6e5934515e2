"""The shapes of gradients and tangents, and the shape primitives the core itself needs.

A derivative rule returns a gradient in the broadcast shape of its operands; ``fit_gradient``
sums it down to the operand's shape and casts it to the operand's dtype, the only place
broadcasting is undone (MyGrad's rule). Forward mode's side is ``fit_tangent``. A Python list
holding arrays being differentiated becomes one recorded array here (``pack``), as a
concatenation of its reshaped elements. The primitives these need are declared here, below
the op families, which use them as their own: reshape, broadcast_to and its adjoint
sum_to_shape, astype, identity, concatenate and its adjoint split.
"""

from __future__ import annotations

from typing import Any

import numpy

from ._axes import shape_of
from ._ndarray import _wrap, holds_history, ndarray, to_numpy
from ._primitive import COPY_ON_WRITE, LINEAR, NOTHING, SHAPES, Primitive, primitive
from ._registry import REGISTRY
from ._state import STATE


def _sum_to_shape(g, shape):
    """Sum a broadcast array down to ``shape`` (the adjoint of broadcast_to)."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if lead or g.shape != shape else g


def _broadcast_to(x, shape):
    view = numpy.broadcast_to(x, shape)
    # First-order rules only read their arguments, so the read-only view (no memory) serves;
    # an array a user may hold and write into is a copy.
    return view if STATE.raw_rules else numpy.array(view)


reshape_: Primitive = primitive("reshape", numpy.reshape, saves=SHAPES,
                                view=COPY_ON_WRITE, jvp=LINEAR,
                                vjp=lambda g, ans, x, shape: reshape_(g, shape=x.shape))
transpose_: Primitive = primitive(
    "transpose", numpy.transpose, saves=NOTHING, view=COPY_ON_WRITE, jvp=LINEAR,
    vjp=lambda g, ans, x, axes: transpose_(g, axes=tuple(numpy.argsort(axes))))
broadcast_to_ = primitive("broadcast_to", _broadcast_to, saves=SHAPES, jvp=LINEAR,
                          vjp=lambda g, ans, x, shape: sum_to_shape(g, shape=x.shape))
sum_to_shape: Primitive = primitive("sum_to_shape", _sum_to_shape, saves=SHAPES, jvp=LINEAR,
                                    vjp=lambda g, ans, x, shape: broadcast_to_(g, shape=x.shape))
def _astype(x, dtype):
    """A cast; from complex to real it keeps the real part (the public astype warns, as
    NumPy does: rules and tangents reach here with that intent)."""
    if x.dtype.kind == "c" and numpy.dtype(dtype).kind != "c":
        x = x.real
    return x.astype(dtype)


# the engine casts each gradient back to its operand's dtype (fit_gradient), so the rule is g
astype_: Primitive = primitive("astype", _astype, saves=NOTHING, jvp=LINEAR,
                               vjp=lambda g, ans, x, dtype: g)
# np.real: real by definition, so the gradient of Re is g itself (complex for a complex z)
real: Primitive = primitive("real", numpy.real, public="np", saves=NOTHING,
                            view=COPY_ON_WRITE,
                            jvp=LINEAR, vjp=lambda g, ans, x: g)
# the same data as a new point of the graph: where func.grad's inner variables begin
identity = primitive("identity", lambda x: x, saves=NOTHING, view=True,
                     vjp=lambda g, ans, x: g, jvp=LINEAR)


def _concatenate(*arrays, axis, dtype=None, casting="same_kind"):
    return numpy.concatenate(arrays, axis=axis, dtype=dtype, casting=casting)


def _concatenate_pullback(g, ans, inputs, params, wanted):
    axis = params["axis"]
    ends = numpy.cumsum([shape_of(x)[axis] for x in inputs])
    pieces = split_(g, indices=tuple(int(end) for end in ends[:-1]), axis=axis)
    return [piece if want else None for piece, want in zip(pieces, wanted)]


def _split_pullback(g, ans, inputs, params, wanted):
    pieces = g if isinstance(g, tuple) else (g,)    # a split into one piece has one output
    return (concatenate_(*pieces, axis=params["axis"]),)


def _concatenate_pushforward(tangents, ans, inputs, params):
    """The tangents concatenated; an operand without one (a constant, maybe of an integer
    dtype) contributes zeros."""
    return concatenate_(*[_wrap(numpy.zeros(shape_of(x), dtype=ans.dtype), ndarray)
                          if t is None else t for t, x in zip(tangents, inputs)], **params)


concatenate_ = primitive("concatenate", _concatenate, saves=SHAPES, complex=True,
                         pullback=_concatenate_pullback, pushforward=_concatenate_pushforward)
# a tuple of copy-on-write views, as many as the call asks for (n_outputs=None)
split_ = primitive("split", lambda x, indices, axis: tuple(numpy.split(x, indices, axis=axis)),
                   saves=NOTHING, view=COPY_ON_WRITE, n_outputs=None, pullback=_split_pullback,
                   jvp=LINEAR)


def fit_gradient(g: Any, shape: tuple[int, ...], dtype: numpy.dtype) -> Any:
    """Sum a gradient down to the operand's shape (un-broadcasting) and cast it to its dtype.

    The only place broadcasting is undone: rules return gradients in the broadcast shape.
    """
    if g.shape != shape:
        g = sum_to_shape(g, shape=shape)
    if g.dtype != dtype:
        # a real operand of a complex computation gets the real part (docs/autograd.md)
        g = astype_(real(g) if g.dtype.kind == "c" and dtype.kind != "c" else g, dtype=dtype)
    return g


def fit_tangent(tangent: Any, result: Any) -> Any:
    """A rule's tangent in the result's shape and dtype: operands' tangents broadcast in
    elementwise rules (the forward-mode side of un-broadcasting)."""
    if not isinstance(tangent, ndarray):
        tangent = _wrap(numpy.asarray(tangent), ndarray)
    if tangent.shape != result.shape:
        tangent = broadcast_to_(tangent, shape=result.shape)
    if tangent.dtype != result.dtype:
        # a real result's tangent is the real part of a complex rule's (abs, angle)
        if tangent.dtype.kind == "c" and result.dtype.kind != "c":
            tangent = real(tangent)
        tangent = astype_(tangent, dtype=result.dtype)
    return tangent


def pack(value: list | tuple, dtype: Any = None) -> ndarray:
    """A (nested) list or tuple of arrays and numbers as one array, recorded as the stack of
    its elements: ``np.array([a, b])``, ``np.sum([a, b])`` and ``x + [a, a]`` keep the
    gradients of ``a`` and ``b``. The dtype and shape are the ones the raw data would get
    (``to_numpy`` checks them: rows of one length, numbers only)."""
    dtype = to_numpy(value, dtype).dtype

    def packed(items: list | tuple) -> ndarray:
        parts = [packed(item) if isinstance(item, (list, tuple))
                 else (item if item.dtype == dtype else astype_(item, dtype=dtype))
                 if isinstance(item, ndarray)
                 else _wrap(numpy.asarray(item, dtype=dtype), ndarray) for item in items]
        return concatenate_(*[reshape_(part, shape=(1,) + part.shape) for part in parts],
                            axis=0)
    return packed(value)


def as_operand(value: Any, dtype: Any = None) -> Any:
    """A Python list or tuple given where an array is expected: its raw data, or, when it holds
    arrays being differentiated, one recorded array of them (never their data alone, which
    would drop their gradients)."""
    if holds_history(value):
        return pack(value, dtype)
    return to_numpy(value, dtype)


REGISTRY.services["as_operand"] = as_operand
