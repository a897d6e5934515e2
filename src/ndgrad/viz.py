"""``ndgrad.viz``: a picture of what autograd recorded.

>>> from ndgrad import autograd, np, viz
>>> x = np.array([0.0, 1.0, 2.0, 3.0])
>>> x.attach_grad()
>>> with autograd.record():
...     y = x * 2
>>> picture = viz.graph(y, head_grads=[np.array([10, 1, 0.1, 0.01])], gradients=True)
>>> print(picture.to_dot().splitlines()[0])
digraph ndgrad {

Boxes are values: variables (with their grad_req), intermediate results (shape, dtype, and
the numbers when there are few, or "not saved" when the graph did not keep them), constants;
each value carries the caller's name for it (``names=``, or the caller's variables), others
a generated one that no variable of the caller uses. Ellipses are operations, with their
parameters (the index of ``x[1:, 0]``, the axis of a sum). A dashed red edge is a cut made by
``detach()`` or ``pause()``, from the value it was cut from to the constant that the graph
sees instead (gradients do not cross it). The head is drawn bold, with its head gradient
beside it; with ``gradients=True`` every value also shows its gradient
d(head . head gradient)/d(value), as backward computes it. A legend explains the colours and
edge labels that appear. ``to_dot()`` gives Graphviz DOT text; ``render(path)`` draws SVG (a
vector picture), PNG (at twice Graphviz's resolution) or PDF with Graphviz's ``dot`` program;
in Jupyter the object displays itself as SVG.

An operation is shown by the name of the primitive the graph recorded, which is the function
called for nearly every operation; composites show the primitives they are made of (``mean``
is a ``sum`` and a ``divide``). The graph does not record which public function made a
primitive call, so the one exception is recognised from the call itself: a ``tensordot``
contracting the last axis of ``a`` with the first (vector) or second-to-last axis of ``b`` is
shown as ``dot``, which is what ``dot``, ``a.dot(b)`` and ``tensordot(a, b, 1)`` record.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy

from . import _engine
from ._graph import (
    cut_of,
    fresh_name,
    known_values,
    names_in_frame,
    operand_value,
    parent_index,
    require_recorded,
    small,
    value_key,
    walk,
)
from ._ndarray import ndarray, to_numpy
from ._state import flags

__all__ = ["Graph", "GraphNode", "graph"]


@dataclass(frozen=True)
class GraphNode:
    """One box or ellipse of the picture. ``kind``: "variable", "value", "operation",
    "constant", "cut", "head" or "head_gradient". ``name``: a value's name (the caller's, or
    a generated one); for an operation, the primitive recorded when the label shows the
    function called instead (``tensordot`` for ``dot``)."""

    id: str
    kind: str
    label: str
    name: str = ""


class Graph:
    """The picture of a recorded graph: ``nodes``, ``edges`` (from id, to id, label),
    ``legend``, ``to_dot()``, ``render(path)``, and rich display in Jupyter."""

    def __init__(self, nodes: list[GraphNode], edges: list[tuple[str, str, str]]) -> None:
        self.nodes = nodes
        self.edges = edges

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(node kind or edge label, what it means) for each kind of box and each edge label
        the picture has, plus "not saved" when a value was not kept."""
        kinds = {node.kind for node in self.nodes}
        entries = [(kind, text) for kind, text in _MEANINGS.items() if kind in kinds]
        labels = {_CUT_EDGE if label.startswith("cut by") else label
                  for _, _, label in self.edges}
        entries += [(label, text) for label, text in _EDGE_MEANINGS.items() if label in labels]
        if any(_NOT_SAVED in node.label for node in self.nodes):
            entries.append((_NOT_SAVED, _NOT_SAVED_MEANING))
        return entries

    def to_dot(self, legend: bool = True) -> str:
        """Graphviz DOT text of the picture, with its legend unless ``legend=False``."""
        lines = ["digraph ndgrad {", "  rankdir=LR;",
                 '  node [fontname="Helvetica", fontsize=11];',
                 '  edge [fontname="Helvetica", fontsize=9];']
        for node in self.nodes:
            lines.append(f"  {node.id} [{_STYLES[node.kind]}, label={_quote(node.label)}];")
        for source, target, label in self.edges:
            lines.append(f"  {source} -> {target} [{_edge_attributes(label)}];")
        if legend:
            lines += self._legend_dot()
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _legend_dot(self) -> list[str]:
        """The legend as one table: a sample of each box in its colours, each edge label."""
        rows = []
        for key, text in self.legend:
            colour, border = _SWATCHES.get(key, ("white", "white"))
            style = ' STYLE="dashed"' if key in ("constant", "cut") else ""
            sample = escape(key.replace("_", " "))
            if key in _EDGE_MEANINGS:
                border = "white"
                sample = (f'<FONT COLOR="red">- - {sample} -&gt;</FONT>' if key == _CUT_EDGE else
                          f"&#8212; {sample} &#8594;")
            rows.append(f'<TR><TD BGCOLOR="{colour}" COLOR="{border}"{style}>{sample}</TD>'
                        f'<TD ALIGN="LEFT" BORDER="0">{escape(text)}</TD></TR>')
        table = ('<TABLE BORDER="1" COLOR="gray" CELLBORDER="1" CELLSPACING="2" '
                 'CELLPADDING="3"><TR><TD COLSPAN="2" BORDER="0"><B>legend</B></TD></TR>'
                 + "".join(rows) + "</TABLE>")
        return [f"  legend [shape=plaintext, fontsize=9, label=<{table}>];"]

    def render(self, path: str | Path, scale: float = 2) -> Path:
        """Write the picture to ``path``: .svg (vector), .png (at ``scale`` times Graphviz's
        96 dpi: crisp on high-resolution screens) or .pdf with Graphviz's ``dot``; .dot or .gv
        writes the DOT text (no Graphviz needed)."""
        path = Path(path)
        suffix = path.suffix.lower().lstrip(".")
        if suffix in ("dot", "gv"):
            path.write_text(self.to_dot())
            return path
        if suffix not in ("svg", "png", "pdf"):
            raise ValueError(f"render writes .svg, .png, .pdf or .dot files, not {path.name!r}")
        if not scale > 0:
            raise ValueError(f"render(scale={scale!r}): the scale must be a positive number")
        options = [f"-Gdpi={96 * scale:g}"] if suffix == "png" else []
        path.write_bytes(_run_dot(self.to_dot(), suffix, options))
        return path

    def _repr_svg_(self) -> str:
        return _run_dot(self.to_dot(), "svg").decode()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        bundle = {"text/plain": repr(self)}
        if shutil.which("dot") is not None:
            bundle["image/svg+xml"] = self._repr_svg_()
        return bundle

    def __repr__(self) -> str:
        return f"<ndgrad graph: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def _run_dot(text: str, fmt: str, options: Sequence[str] = ()) -> bytes:
    if shutil.which("dot") is None:
        raise RuntimeError("drawing the graph needs Graphviz's 'dot' program: install the "
                           "Debian/Ubuntu package 'graphviz' (apt-get install graphviz), or "
                           "use to_dot() / render('graph.dot') for the text")
    finished = subprocess.run(["dot", f"-T{fmt}", *options], input=text.encode(), capture_output=True,
                              check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"dot failed: {finished.stderr.decode().strip()}")
    return finished.stdout


_STYLES = {
    "variable": 'shape=box, style="rounded,filled", fillcolor="#d8e8ff"',
    "value": 'shape=box, style=rounded',
    "operation": 'shape=ellipse, style=filled, fillcolor="#f2f2f2"',
    "constant": 'shape=box, style="rounded,dashed"',
    "cut": 'shape=box, style="rounded,dashed,filled", fillcolor="#ffe0e0", color=red',
    "head": 'shape=box, style="rounded,bold,filled", fillcolor="#fff2cc", penwidth=2',
    "head_gradient": 'shape=note, style=filled, fillcolor="#e2f0d9"',
}


_MEANINGS = {
    "variable": "a leaf of the graph (attach_grad(): backward writes its .grad)",
    "value": "a result an operation recorded",
    "operation": "a recorded operation, with its parameters",
    "constant": "an operand autograd does not differentiate",
    "cut": "the constant detach() or pause() made: no gradient flows back",
    "head": "what backward starts from",
    "head_gradient": "what backward multiplies d head by (ones when none is given)",
}
_CUT_EDGE = "cut by detach() / pause()"
_EDGE_MEANINGS = {
    _CUT_EDGE: "from the value that detach() / pause() turned into a constant",
    "multiplies d head": "the head gradient given to backward",
}
_NOT_SAVED = "not saved"
_NOT_SAVED_MEANING = "the graph did not keep this value (backward does not need it)"
_SWATCHES = {       # (fill, border) of each kind's sample in the legend, as _STYLES draws it
    "variable": ("#d8e8ff", "black"), "value": ("white", "black"),
    "operation": ("#f2f2f2", "black"), "constant": ("white", "black"),
    "cut": ("#ffe0e0", "red"), "head": ("#fff2cc", "black"),
    "head_gradient": ("#e2f0d9", "black"),
}


def _edge_attributes(label: str) -> str:
    style = ["style=dashed", "color=red", "fontcolor=red"] if label.startswith("cut") else []
    return ", ".join(style + ([f"label={_quote(label)}"] if label else []))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _describe(shape: tuple, dtype: Any, value: Any) -> str:
    text = f"{shape} {numpy.dtype(dtype).name}"
    shown = small(value) if value is not None else _NOT_SAVED
    return text + (f"\n{shown}" if shown is not None else "")


def _operation(node: Any) -> tuple[str, str]:
    """(the label of an operation, the primitive's name when the label names another)."""
    name, params = node.name, node.params
    if name == "tensordot" and _is_dot(node):
        return "dot", name
    if name == "getitem":
        return f"getitem\n[{_index_text(params.get('key'))}]", ""
    shown = [f"{key}={_short(value)}" for key, value in params.items()
             if value is not None and value is not False and not key.startswith("_")]
    lines, line = [], ""
    for part in shown:          # a few parameters to a line, so the ellipse stays narrow
        if line and len(line) + len(part) > 28:
            lines.append(line)
            line = ""
        line = f"{line}, {part}" if line else part
    return "\n".join([name, *lines, *([line] if line else [])]), ""


def _is_dot(node: Any) -> bool:
    shapes = [_operand_shape(node, position) for position in range(2)]
    if any(shape is None or len(shape) == 0 for shape in shapes):
        return False
    a_ndim, b_ndim = (len(shape) for shape in shapes if shape is not None)
    return bool(node.params.get("axes") == ((a_ndim - 1,), (0 if b_ndim == 1 else b_ndim - 2,)))


def _operand_shape(node: Any, position: int) -> tuple | None:
    if position >= len(node.parents):
        return None
    parent = node.parents[position]
    if parent is not None:
        return tuple(parent.shapes[parent_index(node, position)])
    value = operand_value(node, position)
    return None if value is None else numpy.shape(value)


def _index_text(key: Any) -> str:
    """``key`` as it was written between the brackets: 1:, ::2, ..., None, [0, 2]."""
    if isinstance(key, tuple):
        return ", ".join(_index_text(part) for part in key) if key else "()"
    if isinstance(key, slice):
        parts = ["" if key.start is None else str(key.start),
                 "" if key.stop is None else str(key.stop)]
        if key.step is not None:
            parts.append(str(key.step))
        return ":".join(parts)
    if key is Ellipsis:
        return "..."
    return _short(key)


def _short(value: Any) -> str:
    if isinstance(value, (numpy.ndarray, ndarray)):
        data = to_numpy(value)
        shown = small(data)
        return shown if shown is not None else f"<{data.dtype.name} array {data.shape}>"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "\u2026"


def graph(*heads: ndarray, head_grads: Sequence[Any] | None = None,
          gradients: bool = False, names: dict[str, ndarray] | None = None) -> Graph:
    """The recorded graph behind ``heads`` as a picture (see the module's docstring).

    ``head_grads``: one head gradient per head (None for ones, as backward). With
    ``gradients=True`` a backward pass is run (nothing is written to any ``.grad``; the graph
    is kept) and every value shows its gradient; the graph must not have been freed by an
    earlier backward (use ``retain_graph=True`` there). ``names`` maps names to arrays
    (``{"x": x, "loss": loss}``) to label them; by default the caller's variables name the
    arrays they hold, where one name holds one array. Every other value gets a generated
    name (v1, v2, ...) that none of the caller's variables uses.
    """
    if not heads:
        raise TypeError("graph() needs at least one head array")
    frame = sys._getframe(1)
    try:
        from_frame, taken = names_in_frame(frame)
    finally:
        del frame                   # a frame kept in a local would keep its arrays alive
    if names is None:
        given = from_frame
    elif not isinstance(names, dict):
        raise TypeError(f"graph(names=...) takes a dict from names to arrays "
                        f"({{'x': x, 'y': y}}), not {type(names).__name__}")
    else:
        given = {}
        for name, array in names.items():
            if not isinstance(array, ndarray):
                raise TypeError(f"graph(names=...): {name!r} names a "
                                f"{type(array).__name__}, not an ndgrad array")
            given.setdefault(value_key(array), str(name))
        taken |= {str(name) for name in names}
    nodes_of_heads = [require_recorded(head, "head") for head in heads]
    if head_grads is None:
        head_grads = [None] * len(heads)
    if len(head_grads) != len(heads):
        raise ValueError(f"{len(head_grads)} head gradients for {len(heads)} heads")
    cotangents = []
    for head, head_grad in zip(heads, head_grads):
        data = (numpy.ones(head.shape, head.dtype) if head_grad is None
                else to_numpy(head_grad, head.dtype))
        if data.shape != head.shape:
            raise ValueError(f"a head gradient of shape {data.shape} for a head of shape "
                             f"{head.shape}; they must be equal")
        cotangents.append(data)

    order = walk(nodes_of_heads)
    values = known_values(order, heads)
    for node in order:           # a value cut by detach() is the constant the graph saw
        for position, cut in (node.cuts or {}).items():
            if position != "self" and cut.node is not None:
                value = operand_value(node, position)
                if value is not None:
                    values.setdefault((id(cut.node), cut.index), value)
    grads = _all_gradients(order, heads, cotangents) if gradients else {}
    head_keys = {(id(head._node), head._index) for head in heads}
    picture_nodes: list[GraphNode] = []
    edges: list[tuple[str, str, str]] = []
    ids: dict = {}

    def value_id(node: Any, index: int) -> str:
        key = (id(node), index)
        if key not in ids:
            ids[key] = f"v{len(ids)}"
            name = given[key] if key in given else fresh_name(taken)
            label = _value_label(node, index, values.get(key), grads.get(key))
            kind = ("head" if key in head_keys else
                    "variable" if node.primitive is None else "value")
            if kind == "head":
                label = "head, " + label
            picture_nodes.append(GraphNode(ids[key], kind, f"{name}\n{label}", name))
        return ids[key]

    for node in order:
        if node.primitive is None:
            value_id(node, 0)
            cut = cut_of(node, "self")
            if cut is not None and cut.node is not None:
                edges.append((value_id(cut.node, cut.index), value_id(node, 0),
                              f"cut by {cut.how}"))
            continue
        op_id = f"op{len(picture_nodes)}"
        label, recorded = _operation(node)
        picture_nodes.append(GraphNode(op_id, "operation", label, recorded))
        for position, parent in enumerate(node.parents):
            if parent is not None:
                edges.append((value_id(parent, parent_index(node, position)), op_id, ""))
                continue
            cut = cut_of(node, position)
            constant_id = f"c{len(picture_nodes)}"
            value = operand_value(node, position)
            operand = node.inputs[position] if node.inputs is not None else None
            name = (given.get(("constant", id(operand)), "")
                    if isinstance(operand, ndarray) else "")
            named = f"{name}\n" if name else ""
            if cut is not None:
                picture_nodes.append(GraphNode(constant_id, "cut", f"{named}constant made by "
                                               f"{cut.how}" + _shown(value), name))
                if cut.node is not None:
                    edges.append((value_id(cut.node, cut.index), constant_id,
                                  f"cut by {cut.how}"))
            else:
                picture_nodes.append(GraphNode(constant_id, "constant",
                                               f"{named}constant" + _shown(value), name))
            edges.append((constant_id, op_id, ""))
        for index in range(len(node.shapes)):
            edges.append((op_id, value_id(node, index), ""))
    for number, (head, cotangent) in enumerate(zip(heads, cotangents)):
        grad_id = f"hg{number}"
        text = small(cotangent)
        label = ("head gradient" if head_grads[number] is not None
                 else "head gradient (ones: none given)") + (
            f"\n{text}" if text is not None else f"\n{cotangent.shape}")
        picture_nodes.append(GraphNode(grad_id, "head_gradient", label))
        edges.append((grad_id, value_id(head._node, head._index), "multiplies d head"))
    return Graph(picture_nodes, edges)


def _shown(value: Any) -> str:
    if value is None:
        return f"\n{_NOT_SAVED}"
    text = small(value)
    data = numpy.asarray(value)
    return f"\n{text}" if text is not None else f"\n{data.shape} {data.dtype.name}"


def _value_label(node: Any, index: int, value: Any, grad: Any) -> str:
    label = _describe(node.shapes[index], node.dtypes[index], value)
    if node.primitive is None:
        req = node.sink.grad_req if node.sink is not None else "none (not attached)"
        label = f"variable, grad_req={req}\n" + label
    elif node.sink is not None:     # attach_grad() on an intermediate: it keeps its history
        label = f"attached, grad_req={node.sink.grad_req}\n" + label
    if grad is not None:
        shown = small(grad)
        label += f"\ngrad = {shown}" if shown is not None else "\ngrad: " + str(grad.shape)
    return label


def _all_gradients(order: list, heads: Sequence[ndarray], cotangents: list) -> dict:
    """(node id, output index) -> the gradient reaching that value, by one backward pass that
    captures every value and delivers nothing (the graph is retained)."""
    capture = {(node, index): None for node in order for index in range(len(node.shapes))}
    with flags(recording=False):
        _engine.backward(list(heads), [numpy.array(c) for c in cotangents],
                         retain_graph=True, create_graph=False, capture=capture)
    result: dict[tuple[int, int], numpy.ndarray] = {}
    for (node, index), value in capture.items():
        if value is not None:
            result[id(node), index] = numpy.asarray(getattr(value, "_data", value))
    return result

