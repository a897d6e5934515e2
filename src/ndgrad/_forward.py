"""Forward mode: tangents carried beside values, pushed through each primitive by its JVP rule.

An array that is differentiated in forward mode carries ``_tangents``, a dict from a level
to its tangent (an ndarray of its shape). ``func.jvp`` opens a level with a fresh id, larger
than every id before it, so an inner level's id is larger than its outer levels' (JAX's
nested dual numbers and trace tags: the tangents of nested calls stay apart, and a tangent
kept from a ``jvp`` that has ended is ignored, never confused with a later one's). A tangent
of level L may itself carry tangents of lower levels; a value carries every level.

When a primitive's operands carry tangents, ``push_tangents`` computes the result's tangent at
each level, lowest first, by the primitive's JVP rule, called with the operands and the answer
seen at the lower levels only (the ε_L² terms vanish). The rules are written with ndgrad's
primitives, so their own computation carries the lower levels' tangents and, while
recording, is recorded: reverse mode differentiates forward mode and the other way round.
Neither the engine nor the primitive knows this module: it follows the primitive calls as a
watcher (``_state.Watcher``) while a level is open.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy

from ._ndarray import _wrap, check_current, ndarray, share_version
from ._shaping import fit_tangent
from ._state import STATE, Watcher, flags, rules_watchers
from .errors import NoDerivativeError


def tangents_of(value: Any) -> dict | None:
    return getattr(value, "_tangents", None) if isinstance(value, ndarray) else None


def seen_below(value: Any, level: int) -> Any:
    """``value`` as the rules of ``level`` see it: with its tangents of lower levels only
    (the same data, history and version counter)."""
    tangents = tangents_of(value)
    if not tangents or max(tangents) < level:
        return value
    view = _wrap(value._data, type(value), value._node, value._index)
    share_version(view, value)
    lower = {lv: t for lv, t in tangents.items() if lv < level}
    if lower:
        view._tangents = lower
    return view


def with_tangent(value: Any, level: int, tangent: Any) -> Any:
    """A new array with ``value``'s data, history and lower tangents, and ``tangent`` at
    ``level`` (nothing is attached for a None tangent)."""
    dual = _wrap(value._data, type(value), value._node, value._index)
    share_version(dual, value)
    tangents = dict(tangents_of(value) or {})
    tangents.pop(level, None)
    if tangent is not None:
        tangents[level] = tangent
    if tangents:
        dual._tangents = tangents
    return dual


def push_tangents(primitive: Any, args: Sequence[Any], params: dict, results: tuple) -> None:
    """Give ``results`` the tangents of ``primitive(*args, **params)`` at every level its
    operands carry."""
    levels: set[int] = set()
    for arg in args:
        tangents = tangents_of(arg)
        if tangents:
            check_current(arg)
            levels.update(tangents)
    # (tangents of a level that has ended, on an array kept from inside it, are ignored)
    levels = levels.intersection(STATE.forward_levels)
    if not levels or primitive.nondiff:
        return
    if not primitive.has_jvp:
        raise NoDerivativeError(
            f"'{primitive.name}' has no forward-mode (JVP) rule; differentiate this function "
            "in reverse mode (func.grad, func.jacrev) instead")
    with numpy.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for level in sorted(levels):       # (the rules' warnings: see _engine.backward)
            _push_level(primitive, args, params, results, level)


def _push_level(primitive: Any, args: Sequence[Any], params: dict, results: tuple,
                level: int) -> None:
    """The results' tangents at one level, by the primitive's JVP rule."""
    operands = [seen_below(arg, level) for arg in args]
    tangents = [(tangents_of(arg) or {}).get(level) for arg in args]
    answers = tuple(seen_below(result, level) for result in results)
    ans = answers[0] if primitive.n_outputs == 1 else answers
    out = primitive.pushforward(tangents, ans, operands, params)
    if len(results) == 1 and primitive.n_outputs == 1:
        out = (out,)
    for result, tangent in zip(results, out):
        if tangent is None or result._data.dtype.kind not in "fc":
            continue
        tangent = fit_tangent(tangent, result)
        if getattr(result, "_tangents", None) is None:
            result._tangents = {}
        result._tangents[level] = tangent


class TangentWatcher(Watcher):
    """Forward mode as a watcher: the tangents of each primitive call's results, and, on a
    node that saved its answers, their tangents (reverse-over-forward differentiates them)."""

    __slots__ = ()

    def after_call(self, primitive: Any, args: Sequence[Any], params: dict,
                   results: tuple) -> None:
        if not STATE.forward_level:
            return
        # after recording: the tangent rules see the results' history, so reverse mode
        # differentiates them
        with flags(watchers=rules_watchers()):
            push_tangents(primitive, args, params, results)
        node = results[0]._node if results else None
        if node is not None and node.ans is not None:
            ANSWER_TANGENTS[node] = tuple([getattr(r, "_tangents", None) for r in results])


TANGENTS = TangentWatcher()
# node -> the tangents of its saved answers, for reverse-over-forward (weakly held)
ANSWER_TANGENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def at_levels(levels: tuple[int, ...]) -> Any:
    """A ``with`` block in which the forward-mode levels are ``levels``."""
    watchers = STATE.watchers if TANGENTS in STATE.watchers else STATE.watchers + (TANGENTS,)
    return flags(forward_levels=levels, watchers=watchers)

