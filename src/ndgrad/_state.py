"""Thread-local autograd state: the recording and training flags and the watchers of
primitive calls, restored by scopes.

Every thread starts with recording and training off, so two threads recording at once never
see each other's flags (API.md semantic 15).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy


class Watcher:
    """Something that follows every primitive call (forward mode's tangents, anomaly mode's
    checks, the operand log of custom rules) while it is on the thread's watcher stack.

    ``after_call`` runs after each primitive call (and its recording); ``after_rule`` after
    each derivative rule that backward runs. ``sees_rules``: whether it also follows the calls
    that forward mode's tangent rules make."""

    __slots__ = ()
    sees_rules = True

    def after_call(self, primitive: Any, args: Any, params: dict, results: tuple) -> None:
        pass

    def after_rule(self, node: Any, received: Any, operand_grads: Any) -> None:
        pass


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
        # how a result computed from recorded arrays while nothing records was cut off from
        # their history, for the messages and pictures that show it ("pause()" inside pause)
        self.cut_how = OUTSIDE_RECORD
        # the Watchers on, outermost first; empty (falsy) on the primitives' hot path
        self.watchers: tuple[Watcher, ...] = ()


def as_flag(value: Any, name: str) -> bool:
    """A switch given as True or False; anything else (1, "yes", None) is refused rather than
    guessed at."""
    if not isinstance(value, (bool, numpy.bool_)):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__} {value!r}")
    return bool(value)


OUTSIDE_RECORD = "computing outside record()"
STATE = _ThreadState()
_LEVEL_IDS = itertools.count(1)


def new_forward_level() -> int:
    """A fresh forward-mode level id, larger than every id given before (so an inner level's
    id is larger than its outer levels')."""
    return next(_LEVEL_IDS)


@contextmanager
def flags(*, recording: bool | None = None, training: bool | None = None,
          raw_rules: bool | None = None, forward_levels: tuple[int, ...] | None = None,
          cut_how: str | None = None,
          watchers: tuple[Watcher, ...] | None = None) -> Iterator[None]:
    """Set some flags for the duration of a ``with`` block and restore them afterwards."""
    saved = (STATE.recording, STATE.training, STATE.raw_rules, STATE.forward_levels,
             STATE.forward_level, STATE.cut_how, STATE.watchers)
    if recording is not None:
        STATE.recording = recording
    if training is not None:
        STATE.training = training
    if raw_rules is not None:
        STATE.raw_rules = raw_rules
    if forward_levels is not None:
        STATE.forward_levels = forward_levels
        STATE.forward_level = forward_levels[-1] if forward_levels else 0
    if cut_how is not None:
        STATE.cut_how = cut_how
    if watchers is not None:
        STATE.watchers = watchers
    try:
        yield
    finally:
        (STATE.recording, STATE.training, STATE.raw_rules, STATE.forward_levels,
         STATE.forward_level, STATE.cut_how, STATE.watchers) = saved


def watching(watcher: Watcher) -> Any:
    """A ``with`` block during which ``watcher`` follows the primitive calls (once, however
    deeply such blocks nest)."""
    if watcher in STATE.watchers:
        return flags()
    return flags(watchers=STATE.watchers + (watcher,))


def rules_watchers() -> tuple[Watcher, ...]:
    """The watchers that follow the calls forward mode's tangent rules make."""
    return tuple(watcher for watcher in STATE.watchers if watcher.sees_rules)


class OperandLog(Watcher):
    """What the primitives called inside ``collecting_operands()`` saw: their operands with
    recorded history, and the nodes they made (ids), so that the operands made outside the
    block, a function's closure, can be told from its intermediates. Tangent rules' operands
    are not the function's: it does not see them."""

    __slots__ = ("made", "operands")
    sees_rules = False

    def __init__(self) -> None:
        self.operands: list = []
        self.made: set[int] = set()

    def after_call(self, primitive: Any, args: Any, params: dict, results: tuple) -> None:
        self.operands.extend(arg for arg in args if getattr(arg, "_node", None) is not None)
        self.made.update(id(result._node) for result in results if result._node is not None)

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
    log = OperandLog()
    with flags(watchers=STATE.watchers + (log,)):
        yield log
