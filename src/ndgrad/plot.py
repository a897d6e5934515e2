"""Plots for learners: a function beside the derivative autograd computes for it.

Needs matplotlib, the ``plot`` extra: ``pip install ndgrad[plot]``.

>>> from ndgrad import np, plot
>>> fig = plot.function_and_derivative(np.sin, np.linspace(-6.3, 6.3, 100))
>>> [line.get_label() for line in fig.axes[0].get_lines()]
['sin(x)', "sin'(x) by autograd"]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import autograd, np

__all__ = ["function_and_derivative"]


def _matplotlib() -> tuple[Any, Any]:
    """matplotlib's Figure and its Agg canvas, imported on first use: the extra is optional."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("ndgrad.plot needs matplotlib: pip install ndgrad[plot]") from error
    return Figure, FigureCanvasAgg


def function_and_derivative(f: Callable[[Any], Any], x: Any, path: str | Path | None = None,
                            ax: Any = None, label: str | None = None) -> Any:
    """Draw ``f(x)`` and its derivative ``f'(x)``, computed by autograd, against ``x``; return
    the matplotlib Figure, also written to ``path`` (.png, .svg, .pdf...) when given.

    ``x`` is a 1-d array of points (a copy in float64 is differentiated; ``x`` is untouched).
    The derivative is one backward of ``f(x)`` with ones as the head gradient, so ``f`` must
    be elementwise: ``f(x)[i]`` may depend on ``x[i]`` only, as ``np.sin`` or
    ``lambda x: x ** 3 - x``. For a scalar function that is not, pass ``ndgrad.func.vmap(f)``,
    which applies ``f`` point by point. An ``f(x)`` whose shape differs from ``x`` is refused;
    one that mixes elements with the same shape (``x * x.sum()``) cannot be detected and plots
    the gradient of ``f(x).sum()`` instead.

    ``ax``: matplotlib axes to draw into (from ``pyplot.subplots()`` to see it in a notebook);
    by default a new Figure on the Agg canvas, which needs no display and leaves pyplot's
    state alone. ``label``: f's legend entry, as "g(t)" (default: "NAME(x)" from f's name); the
    derivative's entry adds a prime: "g'(t) by autograd".
    """
    Figure, FigureCanvasAgg = _matplotlib()
    points = np.array(x, dtype="float64")
    if points.ndim != 1:
        raise ValueError(f"x must be a 1-d array of points, not shape {points.shape}")
    points.attach_grad()
    with autograd.record():
        values = f(points)
    if not isinstance(values, np.ndarray):
        kind = f"{type(values).__module__}.{type(values).__name__}"
        raise TypeError(f"f(x) must be an ndgrad array, not {kind}: compute f with ndgrad "
                        "operations (ndgrad.np.sin, not math.sin) to differentiate it")
    if values.shape != points.shape:
        raise ValueError(f"f must be elementwise: f(x) has shape {values.shape} but x has shape "
                         f"{points.shape}; for a scalar function that is not elementwise, pass "
                         "ndgrad.func.vmap(f)")
    values.backward()
    name = getattr(f, "__name__", None) or getattr(f, "name", None)   # a Primitive has .name
    label = label or (f"{name}(x)" if isinstance(name, str) and name.isidentifier() else "f(x)")
    prime = label.replace("(", "'(", 1) if "(" in label else f"{label}'"

    if ax is not None and not callable(getattr(ax, "plot", None)):
        raise TypeError(f"ax must be matplotlib axes (fig, ax = pyplot.subplots()), not "
                        f"{type(ax).__name__}")
    if ax is None:
        fig = Figure(figsize=(6, 3.5))
        FigureCanvasAgg(fig)
        ax = fig.subplots()
    ax.plot(points.asnumpy(), values.asnumpy(), label=label)
    ax.plot(points.asnumpy(), points.grad.asnumpy(), "--", label=f"{prime} by autograd")
    variable = label[label.index("(") + 1:label.rindex(")")] if "(" in label else "x"
    ax.set_xlabel(variable or "x")
    ax.set_ylabel(f"{label} and {prime}")
    ticks = _pi_ticks(float(points.asnumpy().min()), float(points.asnumpy().max()))
    if ticks is not None:
        ax.set_xticks(ticks[0], ticks[1])
    # above the axes, where it hides no curve whatever f looks like
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.grid(alpha=0.3)
    if path is not None:         # 200 dpi: crisp on high-density screens; SVG is vector
        ax.figure.savefig(path, dpi=200, bbox_inches="tight")
    return ax.figure


def _pi_ticks(low: float, high: float) -> tuple[list[float], list[str]] | None:
    """Ticks at multiples of pi/2 (of pi beyond 4 pi), labelled "pi/2", "-pi", "3pi/2" ...,
    when the range is trigonometric: at least pi wide, from and to multiples of pi/2."""
    quarter_turns = (low / (math.pi / 2), high / (math.pi / 2))
    whole = all(abs(t - round(t)) < 1e-6 for t in quarter_turns)
    if high - low < math.pi - 1e-9 or not whole:
        return None
    step = 2 if high - low > 4 * math.pi else 1            # in half-pi units
    first, last = round(quarter_turns[0]), round(quarter_turns[1])
    halves = [k for k in range(first, last + 1) if k % step == 0]
    return [k * math.pi / 2 for k in halves], [_pi_label(k) for k in halves]


def _pi_label(halves: int) -> str:
    """k pi/2 as text: "0", "π/2", "−π", "3π/2"."""
    if halves == 0:
        return "0"
    sign = "\u2212" if halves < 0 else ""         # the minus sign, as matplotlib writes it
    count = abs(halves)
    if count % 2 == 0:
        whole = count // 2
        return f"{sign}{'' if whole == 1 else whole}π"
    return f"{sign}{'' if count == 1 else count}π/2"
