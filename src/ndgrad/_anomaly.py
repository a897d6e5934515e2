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
from collections.abc import Sequence
from typing import Any

import numpy

from .errors import AnomalyError

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def user_line() -> str:
    """``file:line: source`` of the innermost frame outside ndgrad (the user's call)."""
    frame = sys._getframe(1)
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


def check_forward(name: str, args: Sequence[Any], results: Sequence[Any]) -> None:
    if _all_finite(results) or not _all_finite(args):
        return
    raise AnomalyError(f"'{name}' turned finite operands into NaN or inf, at {user_line()}")


def check_backward(node: Any, received: Any, operand_grads: Sequence[Any]) -> None:
    received = received if isinstance(received, (list, tuple)) else [received]
    if _all_finite([g for g in operand_grads if g is not None]) or not _all_finite(
            [g for g in received if g is not None]):
        return
    origin = node.origin or "a line recorded before detect_anomaly() was on"
    raise AnomalyError(f"the gradient of '{node.name}' is NaN or inf although the gradient "
                       f"it received is finite; the forward value was created at {origin}")
