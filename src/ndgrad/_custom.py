"""User-defined derivatives: one-off primitives whose rules are the user's functions.

``autograd.Function``, ``func.custom_vjp``, ``func.custom_jvp`` and ``autograd.checkpoint``
all compute their outputs their own way and then make them the results of a primitive made
for the call, whose pullback and pushforward are closures over what the call needs. The
engine sees an ordinary node.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from ._axes import shape_of
from ._engine import gradients
from ._forward import tangents_of
from ._ndarray import _wrap, ndarray, share_version
from ._node import Node
from ._primitive import NOTHING, Primitive, notify
from ._pytree import flatten
from ._shaping import identity
from ._state import STATE, collecting_operands, flags
from .errors import GradientLostError, NoDerivativeError
from .ops.random import generator_state, replaying


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
        assert pullback is not None         # the primitive takes this rule only when given one
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
        assert pushforward is not None      # the primitive takes this rule only when given one
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
    if STATE.watchers:
        notify(primitive, tuple(inputs), {}, outputs)
    return outputs


def refuse_closure(name: str, log: Any, leaves: Sequence[Any]) -> None:
    """A custom rule's function must get every differentiated array as an argument: one it
    closes over would get no gradient from the rule (JAX refuses it too)."""
    argument_nodes = {id(leaf._node) for leaf in leaves
                      if isinstance(leaf, ndarray) and leaf._node is not None}
    for operand in log.from_outside(leaves):
        if id(operand._node) not in argument_nodes:
            raise TypeError(
                f"{name} uses an array of shape {operand.shape} with recorded history that "
                "is not one of its arguments, so the custom rule would give it no gradient; "
                "pass it as an argument (and return its gradient from the rule), or "
                "detach() it if it is a constant")


def _require_function(fun: Any, decorator: str) -> None:
    if not callable(fun):
        raise TypeError(f"{decorator} decorates a function, not {type(fun).__name__}")


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


def _flat_gradients(name: str, args: Sequence[Any], grads: Any) -> list:
    """A rule's gradients, one pytree per argument (None for zeros), as one flat list that
    lines up with the arguments' leaves."""
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    if len(grads) != len(args):
        raise ValueError(f"{name}: the backward rule returned {len(grads)} gradients for "
                         f"{len(args)} arguments; return one per argument (None for none)")
    flat: list = []
    for arg, grad in zip(args, grads):
        arg_leaves, arg_def = flatten(arg)
        if grad is None:
            flat.extend([None] * len(arg_leaves))
            continue
        grad_leaves, grad_def = flatten(grad)
        if grad_def != arg_def:
            raise ValueError(f"{name}: the backward rule returned a gradient of structure "
                             f"{grad_def!r} for an argument of structure {arg_def!r}; they "
                             "must be the same")
        flat.extend(grad_leaves)
    return flat


def _transpose_of_pullback(name: str, pullback: Callable[..., list], outputs: Sequence[Any],
                           tangents: Sequence[Any]) -> tuple:
    """``J t`` from a pullback ``c -> J^T c`` written with ndgrad operations: the gradient of
    ``<J^T c, t>`` with respect to ``c`` (the pullback is linear in ``c``). This is how a
    ``custom_vjp`` function takes part in forward mode (``hessian``, ``jvp``)."""
    nested = STATE.recording
    # any point will do (the rule is linear in c); a random one, so that a rule that does not
    # compute its gradient from c with ndgrad operations shows as a nonzero constant
    rng = numpy.random.default_rng(0)
    cotangents = [start_variable(_wrap(rng.standard_normal(out.shape).astype(out.dtype),
                                       ndarray), False) for out in outputs]
    with flags(recording=True):
        try:
            grads = pullback(*cotangents)
        except GradientLostError as error:
            raise NoDerivativeError(
                f"{name}: forward mode needs the backward rule written with ndgrad "
                f"operations of the cotangent, but it left ndgrad: {error}") from None
        total = None
        for grad, tangent in zip(grads, tangents):
            if grad is None or tangent is None:
                continue
            if not isinstance(grad, ndarray):
                raise NoDerivativeError(
                    f"{name}: forward mode needs the backward rule written with ndgrad "
                    f"operations, but it returned {type(grad).__name__}; compute it with "
                    "ndgrad.np, or define a custom_jvp for forward mode")
            if grad._node is None:
                if numpy.any(grad._data):
                    raise NoDerivativeError(
                        f"{name}: the backward rule returned a gradient that does not depend "
                        "on the cotangent; forward mode needs it written with ndgrad "
                        "operations of the cotangent (it must be linear in it)")
                continue
            part = (grad * tangent).sum()
            total = part if total is None else total + part
    if total is None:
        return tuple(_zeros_like(out) for out in outputs)
    with flags(recording=nested):
        return tuple(gradients([total], cotangents, create_graph=nested))


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
    ``backward(residuals, *cotangents)`` returns a tuple with one gradient per argument, of
    the argument's structure (arguments may be pytrees: dicts, lists, tuples of arrays), or
    None for zeros. Both are written with ndgrad operations, and ``forward`` is recorded
    while differentiating, so second-order gradients through the residuals are right.
    Numbers among the arguments get no gradient. Forward mode (``jvp``, ``jacfwd``,
    ``hessian``) transposes the backward rule, which is linear in the cotangents: it needs
    the rule written with ndgrad operations and says so otherwise.
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        _require_function(fun, type(self).__name__)
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None
        self._in_forward = threading.local()     # the forward rule calling the function

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        if self.fwd is None or self.bwd is None:
            raise TypeError(f"{self.fun.__name__}: call defvjp(forward, backward) before "
                            "calling a custom_vjp function")
        leaves, _ = flatten(args)
        # the forward rule may call the function itself, as JAX's examples do: the primal
        if not _differentiating(leaves) or getattr(self._in_forward, "active", False):
            return self.fun(*args)
        self._in_forward.active = True
        try:
            with collecting_operands() as log:
                result = self.fwd(*args)
        finally:
            self._in_forward.active = False
        refuse_closure(self.fun.__name__, log, leaves)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(f"{self.fun.__name__}: the forward rule must return a pair "
                            "(output, residuals)")
        out, residuals = result
        outputs, single = _as_tuple(out)
        name = self.fun.__name__

        def pullback(*cotangents: Any) -> list:
            assert self.bwd is not None     # __call__ refused a function with no defvjp
            return _flat_gradients(name, args, self.bwd(residuals, *cotangents))

        outputs = attach(name, leaves, outputs, pullback=pullback,
                         pushforward=lambda _operands, tangents: _transpose_of_pullback(
                             name, pullback, outputs, tangents))
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
    tangents; ``tangents`` has the primals' structure (pytrees: dicts, lists, tuples), with
    zeros where a primal has none. Forward mode (``func.jvp``, ``jacfwd``) calls it once per
    pass. Reverse mode transposes it: one reverse pass through the rule with respect to the
    tangents, so the rule must be written with ndgrad operations (it is then differentiated
    again for higher orders, too).
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        _require_function(fun, type(self).__name__)
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
        leaves, treedef = flatten(args)
        if not _differentiating(leaves):
            return self.fun(*args)
        with flags(recording=False, forward_levels=()), collecting_operands() as log:
            out = self.fun(*args)
        name = self.fun.__name__
        refuse_closure(name, log, leaves)
        outputs, single = _as_tuple(out)

        def pushforward(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
            tangent_leaves = [t if t is not None else _zeros_like(x) if isinstance(x, ndarray)
                              else x for t, x in zip(tangents, primals)]
            assert self.rule is not None    # __call__ refused a function with no defjvp
            result = self.rule(tuple(treedef.unflatten(list(primals))),
                               tuple(treedef.unflatten(tangent_leaves)))
            if not isinstance(result, tuple) or len(result) != 2:
                raise TypeError(f"{name}: the JVP rule must return a pair "
                                "(output, output_tangent)")
            return result[1]

        def pullback(*cotangents: Any) -> list:
            return _pullback_by_transposing(name, leaves, cotangents, pushforward)

        outputs = attach(name, leaves, outputs, pullback=pullback, pushforward=pushforward)
        return outputs[0] if single else outputs


def _pullback_by_transposing(name: str, primals: Sequence[Any], cotangents: Sequence[ndarray],
                             pushforward: Callable[..., Any]) -> list:
    """``J^T c`` from a JVP rule ``t -> J t`` written with ndgrad operations: the gradient of
    ``<c, J t>`` with respect to ``t``, one reverse pass (the rule is linear in ``t``)."""
    nested = STATE.recording
    floats = [isinstance(x, ndarray) and x.dtype.kind in "fc" for x in primals]
    tangents = [start_variable(_zeros_like(x), False) if is_float else None
                for x, is_float in zip(primals, floats)]
    with flags(recording=True):
        out, _ = _as_tuple(pushforward(tuple(primals), tuple(tangents)))
        total = None
        for cotangent, tangent_out in zip(cotangents, out):
            if not isinstance(tangent_out, ndarray):
                raise NoDerivativeError(f"{name}: the JVP rule returned "
                                        f"{type(tangent_out).__name__}; reverse mode needs it "
                                        "written with ndgrad operations")
            if tangent_out._node is None:
                continue
            part = (cotangent * tangent_out).sum()
            total = part if total is None else total + part
    wanted = [t for t in tangents if t is not None]
    if total is None or not wanted:
        return [None] * len(primals)
    with flags(recording=nested):
        grads = iter(gradients([total], wanted, create_graph=nested))
    return [next(grads) if t is not None else None for t in tangents]


def checkpoint(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, saving none of its intermediate values: backward runs ``fn`` again to
    get them. Memory for time: the values inside ``fn`` are never all alive at once.

    ``fn`` takes arrays (and other values, passed as they are; pytrees too) and returns an
    array or a tuple of arrays. Arrays it closes over are differentiated too (``lambda a:
    a @ W`` gives ``W`` its gradient), as in JAX and PyTorch. ndgrad's random numbers
    (``np.random``, dropout) are replayed: the second run draws what the first drew.
    Outside ``record()``, and in forward mode, it is ``fn(*args)``.
    """
    if not STATE.recording or STATE.forward_level:
        return fn(*args)
    leaves, treedef = flatten(args)
    state = generator_state()
    with flags(recording=False), collecting_operands() as log:
        out = fn(*args)
    outputs, single = _as_tuple(out)
    closure = log.from_outside(leaves)     # arrays with history fn used without receiving them

    def pullback(*cotangents: Any) -> list:
        nested = STATE.recording
        with flags(recording=True), replaying(state):
            variables = [_start(a, nested) for a in leaves]
            again, _ = _as_tuple(fn(*treedef.unflatten(variables)))
        inputs = variables + closure
        wanted = [v for v in inputs if isinstance(v, ndarray) and v._node is not None]
        heads = [(h, c) for h, c in zip(again, cotangents) if h._node is not None]
        if not wanted or not heads:
            return [None] * len(inputs)
        with flags(recording=nested):
            grads = iter(gradients([h for h, _ in heads], wanted,
                                       head_grads=[c for _, c in heads], create_graph=nested))
        return [next(grads) if isinstance(v, ndarray) and v._node is not None else None
                for v in inputs]

    name = f"checkpoint({getattr(fn, '__name__', 'fn')})"
    outputs = attach(name, leaves + closure, outputs, pullback=pullback)
    return outputs[0] if single else outputs


def start_variable(array: ndarray, continue_history: bool) -> ndarray:
    """A new point of the graph with ``array``'s data, where a gradient is captured: it
    continues ``array``'s history when that is to be differentiated further (an identity
    node), or is a fresh variable. Forward-mode tangents are kept."""
    if continue_history and array._node is not None:
        with flags(recording=True):
            return identity(array)
    variable = _wrap(array._data, ndarray)
    share_version(variable, array)
    variable._node = Node.leaf(variable, None)
    if tangents_of(array):
        assert array._tangents is not None          # tangents_of(array) found them
        variable._tangents = dict(array._tangents)
    return variable


def _start(arg: Any, nested: bool) -> Any:
    """An argument for checkpoint's second run: a float array becomes a variable; others pass
    as they are."""
    if not isinstance(arg, ndarray) or arg.dtype.kind not in "fc":
        return arg
    return start_variable(arg, nested)
