"""User-defined derivatives: one-off primitives whose rules are the user's functions.

``autograd.Function``, ``func.custom_vjp``, ``func.custom_jvp`` and ``autograd.checkpoint``
all compute their outputs their own way and then make them the results of a primitive made
for the call, whose pullback and pushforward are closures over what the call needs. The
engine sees an ordinary node.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy

from ._forward import push_tangents, tangents_of
from ._ndarray import _wrap, ndarray
from ._primitive import NOTHING, Primitive
from ._state import STATE, flags
from .errors import NoDerivativeError
from .ops.axes import shape_of


def attach(name: str, inputs: Sequence[Any], outputs: Sequence[ndarray],
           pullback: Callable[..., Sequence[Any]] | None = None,
           pushforward: Callable[..., Any] | None = None) -> tuple:
    """Fresh arrays with ``outputs``' data, made the results of a one-off primitive ``name``
    of ``inputs``. ``pullback(cotangents)`` takes one ndgrad array per output and returns one
    gradient per input (None for none); ``pushforward(operands, tangents)`` takes the inputs
    as the tangent's level sees them and one tangent per input (zeros where an input has
    none) and returns one tangent per output."""
    for output in outputs:
        if not isinstance(output, ndarray):
            raise TypeError(f"{name} must return ndgrad arrays, not {type(output).__name__}")
    # fresh arrays, so the node never attaches to an input returned unchanged
    outputs = tuple(_wrap(output._data, type(output)) for output in outputs)
    shapes = [shape_of(x) for x in inputs]
    n_outputs = len(outputs)

    def engine_pullback(g: Any, ans: Any, _inputs: Any, _params: Any, wanted: Any) -> tuple:
        cotangents = tuple(g) if n_outputs > 1 else (g,)
        cotangents = tuple(c if isinstance(c, ndarray) else _wrap(c, ndarray) for c in cotangents)
        grads = pullback(*cotangents)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(shapes):
            raise ValueError(f"{name}: the backward rule returned {len(grads)} gradients for "
                             f"{len(shapes)} inputs; return one per input (None for none)")
        result = []
        for value, shape in zip(grads, shapes):
            if value is not None and shape_of(value) != shape:
                raise ValueError(f"{name}: the backward rule returned a gradient of shape "
                                 f"{shape_of(value)} for an input of shape {shape}")
            raw = STATE.raw_rules and isinstance(value, ndarray)
            result.append(value._data if raw else value)
        return tuple(result)

    def engine_pushforward(tangents: Sequence[Any], ans: Any, operands: Sequence[Any],
                           params: Any) -> Any:
        filled = [t if t is not None else _zeros_like(x) if isinstance(x, ndarray) else None
                  for t, x in zip(tangents, operands)]
        out = pushforward(tuple(operands), tuple(filled))
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != n_outputs:
            raise ValueError(f"{name}: the JVP rule returned {len(out)} tangents for "
                             f"{n_outputs} outputs")
        return out if n_outputs > 1 else out[0]

    primitive = Primitive(name, _not_called, saves=NOTHING, n_outputs=n_outputs,
                          pullback=engine_pullback if pullback is not None else _no_pullback(name),
                          pushforward=engine_pushforward if pushforward is not None else None)
    if STATE.recording:
        primitive._record(tuple(inputs), {}, outputs)
    if STATE.forward_level:
        push_tangents(primitive, inputs, {}, outputs)
    return outputs


def _not_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a one-off primitive's forward is never called")


def _no_pullback(name: str) -> Callable[..., Any]:
    def pullback(*args: Any) -> Any:
        raise NoDerivativeError(f"{name} has no reverse-mode rule")
    return pullback


def _zeros_like(x: ndarray) -> ndarray:
    return _wrap(numpy.zeros(x.shape, x.dtype), ndarray)


def _as_tuple(value: Any) -> tuple[tuple, bool]:
    single = not isinstance(value, (tuple, list))
    return ((value,) if single else tuple(value)), single


def _differentiating(args: Sequence[Any]) -> bool:
    return STATE.recording or any(tangents_of(a) for a in args)


class custom_vjp:
    """A function with a reverse-mode rule of your own, as JAX's ``custom_vjp``.

    >>> from ndgrad import func, np
    >>> @func.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def forward(x):
    ...     return x, None                      # output, residuals for backward
    >>> def backward(residuals, g):
    ...     return (np.clip(g, -1.0, 1.0),)     # one gradient per argument
    >>> clip_gradient.defvjp(forward, backward)

    ``forward(*args)`` returns the output (an array or a tuple of arrays) and residuals;
    ``backward(residuals, *cotangents)`` returns a tuple with one gradient per argument. Both
    are written with ndgrad operations, and ``forward`` is recorded while differentiating,
    so second-order gradients through the residuals are right. Arguments are arrays or
    numbers (numbers get no gradient). Forward mode is refused (NoDerivativeError): define a
    ``custom_jvp`` for it.
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        if self.fwd is None or self.bwd is None:
            raise TypeError(f"{self.fun.__name__}: call defvjp(forward, backward) before "
                            "calling a custom_vjp function")
        if not _differentiating(args):
            return self.fun(*args)
        result = self.fwd(*args)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(f"{self.fun.__name__}: the forward rule must return a pair "
                            "(output, residuals)")
        out, residuals = result
        outputs, single = _as_tuple(out)
        outputs = attach(self.fun.__name__, args, outputs,
                         pullback=lambda *cts: self.bwd(residuals, *cts))
        return outputs[0] if single else outputs


class custom_jvp:
    """A function with a forward-mode rule of your own, as JAX's ``custom_jvp``.

    >>> from ndgrad import func, np
    >>> @func.custom_jvp
    ... def log1pexp(x):
    ...     return np.log1p(np.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     x, = primals
    ...     t, = tangents
    ...     return log1pexp(x), t / (1 + np.exp(-x))    # stable where exp(x) overflows

    ``rule(primals, tangents)`` returns ``(output, output_tangent)`` and must be linear in the
    tangents. Forward mode (``func.jvp``, ``jacfwd``) calls it once per pass. Reverse mode
    uses it too: the gradient is assembled from one call per element of each argument (the
    Jacobian, row by row), exact but costly for large arguments: give such a function a
    ``custom_vjp`` instead. The rule is written with ndgrad operations, so it is
    differentiated again for higher orders.
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.rule: Callable[..., Any] | None = None

    def defjvp(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        self.rule = rule
        return rule

    def __call__(self, *args: Any) -> Any:
        if self.rule is None:
            raise TypeError(f"{self.fun.__name__}: decorate a rule with "
                            f"@{self.fun.__name__}.defjvp before calling it")
        if not _differentiating(args):
            return self.fun(*args)
        with flags(recording=False, forward_levels=()):
            out = self.fun(*args)
        outputs, single = _as_tuple(out)

        def pushforward(primals: tuple, tangents: tuple) -> Any:
            result = self.rule(primals, tangents)
            if not isinstance(result, tuple) or len(result) != 2:
                raise TypeError(f"{self.fun.__name__}: the JVP rule must return a pair "
                                "(output, output_tangent)")
            return result[1]

        def pullback(*cotangents: Any) -> tuple:
            return _pullback_from_jvp(args, cotangents, pushforward)

        outputs = attach(self.fun.__name__, args, outputs, pullback=pullback,
                         pushforward=pushforward)
        return outputs[0] if single else outputs


def _pullback_from_jvp(args: Sequence[Any], cotangents: Sequence[ndarray],
                       pushforward: Callable[..., Any]) -> tuple:
    """The gradients <g, J e_j> for every element j of every float argument, one JVP each."""
    from .np import reshape, stack
    grads = []
    for k, arg in enumerate(args):
        if not isinstance(arg, ndarray) or arg.dtype.kind not in "fc":
            grads.append(None)
            continue
        entries = []
        for index in range(arg.size):
            basis = numpy.zeros(arg.size, arg.dtype)
            basis[index] = 1
            tangents = [_wrap(basis.reshape(arg.shape), ndarray) if j == k
                        else _zeros_like(a) if isinstance(a, ndarray) else None
                        for j, a in enumerate(args)]
            out, _ = _as_tuple(pushforward(tuple(args), tuple(tangents)))
            entries.append(sum((c * t).sum() for c, t in zip(cotangents, out)))
        grads.append(reshape(stack(entries), arg.shape) if entries else _zeros_like(arg))
    return tuple(grads)


def checkpoint(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, saving none of its intermediate values: backward runs ``fn`` again to
    get them. Memory for time: the values inside ``fn`` are never all alive at once.

    ``fn`` takes arrays (and other values, passed as they are) and returns an array or a tuple
    of arrays. ndgrad's random numbers (``np.random``, dropout) are replayed: the second run
    draws what the first drew. Outside ``record()``, and in forward mode, it is ``fn(*args)``.
    """
    if not STATE.recording or any(tangents_of(a) for a in args):
        return fn(*args)
    from .ops.random import generator_state, replaying
    state = generator_state()
    with flags(recording=False):
        out = fn(*args)
    outputs, single = _as_tuple(out)

    def pullback(*cotangents: Any) -> tuple:
        from . import autograd
        nested = STATE.recording
        with flags(recording=True), replaying(state):
            variables = [_start(a, nested) for a in args]
            again, _ = _as_tuple(fn(*variables))
        wanted = [v for v in variables if isinstance(v, ndarray) and v._node is not None]
        heads = [(h, c) for h, c in zip(again, cotangents) if h._node is not None]
        if not wanted or not heads:
            return tuple(None for _ in args)
        with flags(recording=nested):
            grads = iter(autograd.grad([h for h, _ in heads], wanted,
                                       head_grads=[c for _, c in heads], create_graph=nested))
        return tuple(next(grads) if isinstance(v, ndarray) and v._node is not None else None
                     for v in variables)

    name = f"checkpoint({getattr(fn, '__name__', 'fn')})"
    outputs = attach(name, args, outputs, pullback=pullback)
    return outputs[0] if single else outputs


def start_variable(array: ndarray, continue_history: bool) -> ndarray:
    """A new point of the graph with ``array``'s data, where a gradient is captured: it
    continues ``array``'s history when that is to be differentiated further (an identity
    node), or is a fresh variable. Forward-mode tangents are kept."""
    if continue_history and array._node is not None:
        from .ops.shape import identity
        with flags(recording=True):
            return identity(array)
    from ._engine import Node
    variable = _wrap(array._data, ndarray)
    variable._version = array._version
    variable._node = Node.leaf(variable, None)
    if tangents_of(array):
        variable._tangents = dict(array._tangents)
    return variable


def _start(arg: Any, nested: bool) -> Any:
    """An argument for checkpoint's second run: a float array becomes a variable; others pass
    as they are."""
    if not isinstance(arg, ndarray) or arg.dtype.kind not in "fc":
        return arg
    return start_variable(arg, nested)
