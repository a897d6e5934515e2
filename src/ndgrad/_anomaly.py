"""Anomaly mode: find the first operation that turns finite numbers into NaN or inf.

While ``autograd.detect_anomaly()`` is on, every primitive's result is checked when its
operands were finite, every recorded node remembers the user's source line that created it,
and backward checks every gradient a rule returns when the gradient it received was finite.
The error names the primitive and that line. The checks cost a pass over each array, so the
mode is for debugging, as PyTorch's.
"""

from __future__ import annotations

import linecache
import os
import sys
import weakref
from collections.abc import Sequence
from types import FrameType
from typing import Any

import numpy

from ._state import Watcher
from .errors import AnomalyError

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def user_line() -> str:
    """``file:line: source`` of the innermost frame outside ndgrad (the user's call)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    filename, line = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(filename, line).strip()
    return f"{filename}:{line}" + (f": {source}" if source else "")


def _finite(value: Any) -> bool:
    data = getattr(value, "_data", value)
    if isinstance(data, (numpy.ndarray, numpy.generic)):
        return data.dtype.kind not in "fc" or bool(numpy.isfinite(data).all())
    if isinstance(data, (float, complex)):
        return bool(numpy.isfinite(data))
    return True


def _all_finite(values: Sequence[Any]) -> bool:
    return all(_finite(value) for value in values)


class AnomalyWatcher(Watcher):
    """The checks, as a watcher of primitive calls and derivative rules; ``origins`` holds
    each node recorded while it is on, with the user's line (weakly: it keeps no graph)."""

    __slots__ = ("origins",)

    def __init__(self) -> None:
        self.origins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def after_call(self, primitive: Any, args: Sequence[Any], params: dict,
                   results: tuple) -> None:
        node = results[0]._node if results else None
        if node is not None and node.primitive is primitive and node not in self.origins:
            self.origins[node] = user_line()
        if _all_finite(results) or not _all_finite(args):
            return
        raise AnomalyError(f"'{primitive.name}' turned finite operands into NaN or inf, at "
                           f"{user_line()}")

    def after_rule(self, node: Any, received: Any, operand_grads: Sequence[Any]) -> None:
        received = received if isinstance(received, (list, tuple)) else [received]
        if _all_finite([g for g in operand_grads if g is not None]) or not _all_finite(
                [g for g in received if g is not None]):
            return
        origin = self.origins.get(node, "a line recorded before detect_anomaly() was on")
        raise AnomalyError(f"the gradient of '{node.name}' is NaN or inf although the "
                           f"gradient it received is finite; the forward value was created "
                           f"at {origin}")


ANOMALY = AnomalyWatcher()


# -- where a gradient's NaN comes from -------------------------------------------------------
class NanTrace(Watcher):
    """``autograd.find_nan``'s watcher: the user's line of each node recorded, and, in the
    backward pass, the first derivative rule that returns NaN or inf from a finite gradient;
    the branches of ``where`` nodes, to recognise the where trap."""

    __slots__ = ("branches", "found", "origins")

    def __init__(self) -> None:
        self.origins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.branches: weakref.WeakSet = weakref.WeakSet()
        self.found: tuple[Any, bool] | None = None

    def after_call(self, primitive: Any, args: Sequence[Any], params: dict,
                   results: tuple) -> None:
        node = results[0]._node if results else None
        if node is not None and node.primitive is primitive and node not in self.origins:
            self.origins[node] = user_line()

    def after_rule(self, node: Any, received: Any, operand_grads: Sequence[Any]) -> None:
        if self.found is not None:
            return
        if node.name == "where":            # where(condition, x, y): x's and y's nodes
            self.branches.update(parent for parent in node.parents[1:] if parent is not None)
        received = received if isinstance(received, (list, tuple)) else [received]
        received = [g for g in received if g is not None]
        bad = [g for g in operand_grads if g is not None and not _finite(g)]
        if bad and _all_finite(received):
            self.found = (node, node in self.branches and _zero_where_bad(received, bad))


def _zero_where_bad(received: list, bad: list) -> bool:
    """Whether the gradient received is 0 where the rule's answer is not finite: 0 times an
    infinite slope, the signature of a branch that np.where did not take."""
    incoming = numpy.asarray(getattr(received[0], "_data", received[0]))
    outgoing = numpy.asarray(getattr(bad[0], "_data", bad[0]))
    if incoming.shape == outgoing.shape:
        return bool(numpy.all(incoming[~numpy.isfinite(outgoing)] == 0))
    return bool(numpy.any(incoming == 0))


class NanReport:
    """What ``autograd.find_nan`` found: ``op`` (the primitive whose derivative made the
    first NaN or inf of the backward pass, or None), ``line`` (where its forward value was
    computed), ``where_trap`` (whether it is the where trap), ``gradients`` (one per
    argument). ``str()`` explains it, with the fix for the where trap."""

    def __init__(self, op: str | None, line: str | None, where_trap: bool,
                 gradients: list) -> None:
        self.op, self.line, self.where_trap, self.gradients = op, line, where_trap, gradients

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if self.op is None:
            return "no NaN or inf: every gradient of the backward pass is finite"
        text = (f"the first NaN or inf of the backward pass comes from the derivative of "
                f"'{self.op}', computed at {self.line}: the gradient it received was finite")
        if self.where_trap:
            text += (f". It is the where trap: '{self.op}' feeds np.where, whose branch not "
                     f"taken receives a gradient of 0; there '{self.op}' has an infinite or "
                     "undefined slope, and 0 times it is NaN. Make the branch not taken "
                     "safe as well, with a second where on its input: "
                     f"np.where(cond, np.{self.op}(np.where(cond, x, 1.0)), 0.0), where 1.0 "
                     f"is any value at which '{self.op}' is smooth")
        return text


# -- where the derivative is not unique ---------------------------------------------------------
class KinkTrace(Watcher):
    """``autograd.kinks``'s watcher: each primitive call that declares ``kinks`` and meets
    one (a tie, a kink, a singular slope), with the user's line, the count of elements and
    the convention its rules apply there."""

    __slots__ = ("found",)
    sees_rules = False           # the user's computation, not forward mode's tangent rules

    def __init__(self) -> None:
        self.found: list[tuple[str, str, int, str]] = []

    def after_call(self, primitive: Any, args: Sequence[Any], params: dict,
                   results: tuple) -> None:
        if primitive.kinks is None:
            return
        datas = [getattr(arg, "_data", arg) for arg in args]
        answer = results[0]._data if results else None
        count, convention = primitive.kinks(answer, *datas, **params)
        if count:
            self.found.append((primitive.name, user_line(), count, convention))


class KinkReport:
    """What ``autograd.kinks`` found: ``entries``, one ``(op, line, count, convention)`` per
    call that met points where its derivative is not unique; ``gradients``, one per
    argument. ``str()`` lists them."""

    def __init__(self, entries: list, gradients: list) -> None:
        self.entries, self.gradients = entries, gradients

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if not self.entries:
            return "no kinks or ties: every derivative on the way is the unique one"
        lines = [f"{len(self.entries)} place(s) where the derivative is not unique:"]
        for op, line, count, convention in self.entries:
            lines.append(f"- '{op}' at {line}: {count} element(s); {convention}")
        return "\n".join(lines)
