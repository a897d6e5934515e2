"""MXNet's imperative autograd API: recording scopes, backward, grad, custom Functions.

>>> from ndgrad import autograd, np
>>> x = np.arange(4.0)
>>> x.attach_grad()
>>> with autograd.record():
...     y = 2 * np.dot(x, x)
>>> y.backward()
>>> x.grad
array([ 0.,  4.,  8., 12.])

All state (recording, training) is per thread; scopes nest and restore on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import _engine
from ._anomaly import ANOMALY, KinkReport, KinkTrace, NanReport, NanTrace
from ._custom import attach, checkpoint
from ._explain import Explanation, explain
from ._ndarray import ndarray
from ._state import OUTSIDE_RECORD, STATE, as_flag, flags, watching
from .errors import (
    AnomalyError,
    GraphReleasedError,
    InPlaceModifiedError,
    NotRecordedError,
)

__all__ = [
    "AnomalyError",
    "Explanation",
    "Function",
    "GraphReleasedError",
    "InPlaceModifiedError",
    "NotRecordedError",
    "backward",
    "checkpoint",
    "detect_anomaly",
    "explain",
    "find_nan",
    "grad",
    "is_recording",
    "is_training",
    "kinks",
    "mark_variables",
    "pause",
    "predict_mode",
    "record",
    "set_recording",
    "set_training",
    "train_mode",
]


@contextmanager
def record(train_mode: bool = True) -> Iterator[None]:
    """Record the operations inside for differentiation; training mode on unless
    ``train_mode=False``."""
    with flags(recording=True, training=as_flag(train_mode, "train_mode"),
               cut_how=OUTSIDE_RECORD):
        yield


@contextmanager
def pause(train_mode: bool = False) -> Iterator[None]:
    """Record nothing inside (values computed here are constants to autograd; they remember
    where their history was cut, for ndgrad.viz.graph and autograd.explain)."""
    with flags(recording=False, training=as_flag(train_mode, "train_mode"), cut_how="pause()"):
        yield


@contextmanager
def train_mode() -> Iterator[None]:
    """Training flag on inside (dropout drops); recording unchanged."""
    with flags(training=True):
        yield


@contextmanager
def predict_mode() -> Iterator[None]:
    """Training flag off inside (dropout is the identity); recording unchanged."""
    with flags(training=False):
        yield


def set_recording(is_recording: bool) -> bool:
    """Turn recording on or off for this thread; returns the previous value."""
    previous = STATE.recording
    STATE.recording = as_flag(is_recording, "is_recording")
    return previous


def set_training(train_mode: bool) -> bool:
    """Turn the training flag on or off for this thread; returns the previous value."""
    previous = STATE.training
    STATE.training = as_flag(train_mode, "train_mode")
    return previous


def is_recording() -> bool:
    return STATE.recording


def is_training() -> bool:
    return STATE.training


def backward(heads: Any, head_grads: Any = None, retain_graph: bool = False,
             create_graph: bool = False, train_mode: bool = True, *,
             hold: Any = None) -> None:
    """Compute the gradients of ``heads`` and store them in each variable's ``.grad``.

    ``head_grads`` (one per head; None for ones) are the head gradients: for every variable
    ``x``, ``x.grad = sum over heads and i of head_grad[i] * d head[i] / d x`` (API.md 1).
    The graph is freed afterwards unless ``retain_graph=True``; ``create_graph=True`` records
    the backward pass itself so the gradients can be differentiated again (and implies
    ``retain_graph``, since the new graph runs through the old one). ``hold`` (arrays the
    heads were computed from) holds those values constant, as in ``grad``.
    """
    _engine.backward_from(heads, head_grads, retain_graph=retain_graph,
                          create_graph=create_graph, train_mode=train_mode, hold=hold)


def grad(heads: Any, variables: Any, head_grads: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, train_mode: bool = True, *, hold: Any = None) -> Any:
    """The gradients of ``heads`` with respect to ``variables``, returned instead of stored.

    ``variables`` are arrays with ``attach_grad()`` or recorded intermediates; their
    ``.grad`` is not touched. A variable the heads do not depend on gets zeros. Returns a
    list with one gradient per variable, whether ``variables`` is one array or a list, as
    MXNet 1.9.1 does (``autograd.grad(y, x)[0]`` is the gradient). With
    ``create_graph=True`` every gradient is recorded as a function of the variables, even one
    that does not depend on them (the derivative of ``relu`` or of ``2 * x``): differentiating
    it again gives zeros. ``retain_graph`` defaults to ``create_graph``.

    ``hold`` (an array or a list: recorded intermediates or variables the heads were computed
    from) gives the partial derivative with those values held constant: the gradient reaching
    a held value goes no further back, exactly as if the value had been ``detach()``-ed when
    it was recorded, without editing the code that recorded it. Without ``hold``, the total
    derivative. A held value still gets its own gradient (``grad(z, [x, y], hold=[y])``).
    With ``create_graph=True`` the held gradient is recorded as usual, through every recorded
    value (the held ones too): differentiating it again gives the total derivative of the
    partial derivative (d/dx of dz/dx with y held), and passing ``hold`` again holds y in that
    derivative as well, which is what ``detach()`` gives at every order. ``hold`` raises
    ``TypeError`` for anything but an ndgrad array, and ``ValueError`` for an array the heads
    were not computed from. ``ndgrad.func`` has no ``hold``: its functions' intermediates are
    not the caller's to name, and the partial derivative is already the function of two
    arguments (``func.grad(f, argnums=0)(x, y)`` holds y; the total derivative is the grad of
    ``lambda x: f(x, g(x))``).

    >>> from ndgrad import autograd, np
    >>> x = np.array([1.0, 2.0])
    >>> x.attach_grad()
    >>> with autograd.record():
    ...     y = x * x
    ...     z = y * x                 # z = x ** 3
    >>> autograd.grad(z, x, retain_graph=True)[0]     # total: 3 x ** 2
    array([ 3., 12.])
    >>> autograd.grad(z, x, hold=[y])[0]              # partial, y held: y
    array([1., 4.])
    """
    return _engine.gradients(heads, variables, head_grads, retain_graph=retain_graph,
                             create_graph=create_graph, train_mode=train_mode, hold=hold)


def mark_variables(variables: Any, gradients: Any, grad_reqs: Any = "write") -> None:
    """Make ``variables`` variables whose gradients backward writes into ``gradients``
    (arrays of the same shapes), with ``grad_reqs`` "write", "add" or "null" (one, or one
    per variable)."""
    variables, _ = _engine.as_list(variables)
    gradients, _ = _engine.as_list(gradients)
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    if not len(variables) == len(gradients) == len(reqs):
        raise ValueError(f"mark_variables got {len(variables)} variables, {len(gradients)} "
                         f"gradients and {len(reqs)} grad_reqs; give one of each per variable")
    for variable, gradient, req in zip(variables, gradients, reqs):
        if not isinstance(variable, ndarray):
            raise TypeError(f"mark_variables: variables must be ndgrad arrays, not "
                            f"{type(variable).__name__}")
        if not isinstance(gradient, ndarray) or gradient.shape != variable.shape:
            raise ValueError(
                f"the gradient buffer for a variable of shape {variable.shape} must be an "
                f"ndgrad array of that shape, got {getattr(gradient, 'shape', gradient)!r}")
        variable.attach_grad(req)
        if req != "null":
            if gradient.dtype != variable.dtype:
                raise TypeError(f"gradient buffer dtype {gradient.dtype} differs from the "
                                f"variable's {variable.dtype}")
            assert variable._sink is not None       # attach_grad made it (grad_req not null)
            variable._sink.grad = gradient


class Function:
    """A custom differentiable operation, as MXNet's ``autograd.Function``.

    Subclass it with ``forward(self, *inputs)`` (ndgrad arrays in, an array or a tuple of
    arrays out) and ``backward(self, *output_grads)`` returning one gradient per input (None
    for none), written with ndgrad operations. ``self.save_for_backward(*arrays)`` keeps
    values for backward, read back as ``self.saved_tensors``. An instance may be called more
    than once: each call's backward sees what that call's forward saved.
    While recording, forward's own operations are recorded too (MXNet did not): the saved
    arrays keep their history, so differentiating backward again (``create_graph=True``)
    gives right higher-order gradients. An optional ``jvp(self, *input_tangents)`` gives
    forward mode.

    >>> class Sigmoid(Function):
    ...     def forward(self, x):
    ...         y = 1 / (1 + np.exp(-x))
    ...         self.save_for_backward(y)
    ...         return y
    ...     def backward(self, dy):
    ...         y, = self.saved_tensors
    ...         return dy * y * (1 - y)
    """

    def __init__(self) -> None:
        self._saved: tuple = ()

    def save_for_backward(self, *arrays: Any) -> None:
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        return self._saved

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError("subclass autograd.Function and define forward()")

    def backward(self, *output_grads: Any) -> Any:
        raise NotImplementedError("subclass autograd.Function and define backward()")

    def __call__(self, *inputs: Any) -> Any:
        # forward is recorded while recording is on, so the saved arrays keep their history
        # and backward, itself differentiated (create_graph=True), gives right higher orders
        outputs = self.forward(*inputs)
        single = not isinstance(outputs, (tuple, list))
        # what this call's forward left on self (saved tensors, attributes), so that an
        # instance called twice runs each backward with its own call's state
        state = dict(self.__dict__)

        def in_call_state(rule: Any) -> Any:
            def run(*args: Any) -> Any:
                current = self.__dict__.copy()
                self.__dict__.update(state)
                try:
                    return rule(*args)
                finally:
                    self.__dict__.clear()
                    self.__dict__.update(current)
            return run

        outputs = attach(type(self).__name__, inputs, (outputs,) if single else tuple(outputs),
                         pullback=in_call_state(self.backward),
                         pushforward=(lambda _operands, tangents: in_call_state(self.jvp)(
                             *tangents)) if type(self).jvp is not Function.jvp else None)
        return outputs[0] if single else outputs

    def jvp(self, *input_tangents: Any) -> Any:
        """Optional: the output tangents (one per output) for the inputs' tangents (zeros where
        an input has none), for forward mode. Without it, forward mode through this Function
        raises NoDerivativeError."""
        raise NotImplementedError


def _variables_for(name: str, fn: Any, args: tuple) -> list:
    """Fresh variables holding ``args``' values, for a call that records ``fn`` afresh."""
    if not callable(fn):
        raise TypeError(f"{name} takes the function to differentiate first, not "
                        f"{type(fn).__name__}: autograd.{name}(f, x)")
    variables = []
    for position, arg in enumerate(args):
        if not isinstance(arg, ndarray):
            raise TypeError(f"{name}: argument {position} must be an ndgrad array, not "
                            f"{type(arg).__name__}")
        variable = arg.detach().copy()
        variable.attach_grad()
        variables.append(variable)
    return variables


def kinks(fn: Any, *args: Any, head_grad: Any = None) -> KinkReport:
    """Every place where the gradient of ``fn(*args)`` crossed a point at which the
    derivative is not unique: ``max``/``min``/``maximum``/``minimum``/``sort`` ties,
    ``abs``/``relu``/``clip`` at their kinks, ``sqrt``/``log`` at 0, and comparisons at
    equality (where ``np.where`` switches branches), each with the op, the source line, how
    many elements, and the convention ndgrad applied. It records ``fn`` afresh (the arrays
    given are not changed); its ``gradients`` are the gradients.

    >>> print(autograd.kinks(lambda x: np.maximum(x, 0).sum(), x))
    """
    variables = _variables_for("kinks", fn, args)
    trace = KinkTrace()
    with watching(trace), record():
        out = fn(*variables)
    gradients = grad(out, variables, head_grads=head_grad)
    return KinkReport(trace.found, gradients)


def find_nan(fn: Any, *args: Any, head_grad: Any = None) -> NanReport:
    """Where the NaN or inf in the gradients of ``fn(*args)`` (with respect to each of
    ``args``) comes from: the op whose derivative first made one in the backward pass, and
    the source line of its forward value; recognises the where trap
    (``np.where(x > 0, np.sqrt(x), 0)`` at ``x <= 0``) and prints its fix. It records ``fn``
    afresh (its own variables: the arrays given are not changed); nothing is watched when it
    is not called.

    >>> report = autograd.find_nan(lambda x: np.where(x > 0, np.sqrt(x), 0.0).sum(), x)
    >>> print(report)   # ... derivative of 'sqrt' ... It is the where trap ...
    """
    variables = _variables_for("find_nan", fn, args)
    trace = NanTrace()
    with watching(trace):
        with record():
            out = fn(*variables)
        gradients = grad(out, variables, head_grads=head_grad)
    if trace.found is None:
        return NanReport(None, None, False, gradients)
    node, trap = trace.found
    line = trace.origins.get(node, "an unknown line")
    return NanReport(node.name, line, trap, gradients)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` (a FloatingPointError) where a NaN or inf first appears: in an
    op's result when its operands were finite, or in a gradient when the gradient flowing in
    was finite. The error names the op and the source line that computed the forward value.
    Slow (every array is checked): for debugging.

    >>> with autograd.detect_anomaly():
    ...     with autograd.record():
    ...         y = np.log(x)          # x holds a 0 -> AnomalyError: 'log' ... at this line
    """
    with watching(ANOMALY):
        yield
