"""Thread-local autograd state: the recording and training flags, restored by scopes.

Every thread starts with recording and training off, so two threads recording at once never
see each other's flags (API.md semantic 15).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.recording = False
        self.training = False
        # True while the backward engine runs first-order rules on raw NumPy arrays: a
        # primitive called with no ndarray argument then returns a NumPy array, not an ndarray.
        self.raw_rules = False
        # The active forward-mode levels, outermost first: one id per open func.jvp, unique
        # for the thread's lifetime (JAX's trace tags), so a tangent kept from a jvp that has
        # ended is never mistaken for one of a later jvp. forward_level is the innermost, 0
        # when none is open.
        self.forward_levels: tuple[int, ...] = ()
        self.forward_level = 0
        # autograd.detect_anomaly(): check every value and gradient for NaN and inf.
        self.anomaly = False
        # inside autograd.pause(): results computed from recorded arrays are marked as cut
        self.paused = False
        # inside collecting_operands(): what the primitives called there saw (an OperandLog)
        self.collected: Any = None
        # forward_level, anomaly, paused or collected: one test on the primitives' hot path.
        self.watching = False


STATE = _ThreadState()
_LEVEL_IDS = itertools.count(1)


def new_forward_level() -> int:
    """A fresh forward-mode level id, larger than every id given before (so an inner level's
    id is larger than its outer levels')."""
    return next(_LEVEL_IDS)


@contextmanager
def flags(*, recording: bool | None = None, training: bool | None = None,
          raw_rules: bool | None = None, forward_levels: tuple[int, ...] | None = None,
          anomaly: bool | None = None, paused: bool | None = None) -> Iterator[None]:
    """Set some flags for the duration of a ``with`` block and restore them afterwards."""
    saved = (STATE.recording, STATE.training, STATE.raw_rules, STATE.forward_levels,
             STATE.forward_level, STATE.anomaly, STATE.paused, STATE.watching)
    if recording is not None:
        STATE.recording = recording
    if training is not None:
        STATE.training = training
    if raw_rules is not None:
        STATE.raw_rules = raw_rules
    if forward_levels is not None:
        STATE.forward_levels = forward_levels
        STATE.forward_level = forward_levels[-1] if forward_levels else 0
    if anomaly is not None:
        STATE.anomaly = anomaly
    if paused is not None:
        STATE.paused = paused
    _update_watching()
    try:
        yield
    finally:
        (STATE.recording, STATE.training, STATE.raw_rules, STATE.forward_levels,
         STATE.forward_level, STATE.anomaly, STATE.paused, STATE.watching) = saved


def _update_watching() -> None:
    STATE.watching = (STATE.forward_level > 0 or STATE.anomaly or STATE.paused
                      or STATE.collected is not None)


class OperandLog:
    """What the primitives called inside ``collecting_operands()`` saw: their operands with
    recorded history, and the nodes they made (ids), so that the operands made outside the
    block, a function's closure, can be told from its intermediates."""

    __slots__ = ("made", "operands")

    def __init__(self) -> None:
        self.operands: list = []
        self.made: set[int] = set()

    def from_outside(self, arguments: Any) -> list:
        """The recorded operands, each once, that are neither ``arguments`` nor made inside
        the block."""
        known = {id(argument) for argument in arguments}
        outside = []
        for operand in self.operands:
            if id(operand) not in known and id(operand._node) not in self.made:
                known.add(id(operand))
                outside.append(operand)
        return outside


@contextmanager
def collecting_operands() -> Iterator[OperandLog]:
    """Log the recorded operands of the primitives called inside the block (not those of
    forward-mode tangent rules) and the nodes they make: how ``checkpoint`` finds the arrays
    a function closes over, and ``custom_vjp`` refuses them."""
    saved = STATE.collected
    STATE.collected = OperandLog()
    _update_watching()
    try:
        yield STATE.collected
    finally:
        STATE.collected = saved
        _update_watching()
