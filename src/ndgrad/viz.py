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
the numbers when there are few), constants; ellipses are operations; a dashed red edge is a
cut made by ``detach()`` or ``pause()``, from the value it was cut from to the constant that
the graph sees instead (gradients do not cross it). The head is drawn bold, with its head
gradient beside it; with ``gradients=True`` every value also shows its gradient
d(head . head gradient)/d(value), as backward computes it. ``to_dot()`` gives Graphviz DOT
text; ``render(path)`` draws SVG/PNG/PDF with Graphviz's ``dot`` program; in Jupyter the
object displays itself as SVG.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from . import _engine
from ._graph import (
    cut_of,
    known_values,
    operand_value,
    parent_index,
    require_recorded,
    small,
    walk,
)
from ._ndarray import ndarray, to_numpy
from ._state import flags

__all__ = ["Graph", "GraphNode", "graph"]


@dataclass(frozen=True)
class GraphNode:
    """One box or ellipse of the picture. ``kind``: "variable", "value", "operation",
    "constant", "cut", "head" or "head_gradient"."""

    id: str
    kind: str
    label: str


class Graph:
    """The picture of a recorded graph: ``nodes``, ``edges`` (from id, to id, label),
    ``to_dot()``, ``render(path)``, and rich display in Jupyter."""

    def __init__(self, nodes: list[GraphNode], edges: list[tuple[str, str, str]]) -> None:
        self.nodes = nodes
        self.edges = edges

    def to_dot(self) -> str:
        lines = ["digraph ndgrad {", "  rankdir=LR;",
                 '  node [fontname="Helvetica", fontsize=11];',
                 '  edge [fontname="Helvetica", fontsize=9];']
        for node in self.nodes:
            lines.append(f"  {node.id} [{_STYLES[node.kind]}, label={_quote(node.label)}];")
        for source, target, label in self.edges:
            style = ', style=dashed, color=red, fontcolor=red' if label.startswith("cut") else ""
            text = f", label={_quote(label)}" if label else ""
            lines.append(f"  {source} -> {target} [{style.lstrip(', ')}{text}];"
                         .replace("[, ", "["))
        lines.append("}")
        return "\n".join(lines) + "\n"

    def render(self, path: str | Path) -> Path:
        """Write the picture to ``path``: .svg, .png or .pdf with Graphviz's ``dot``; .dot or
        .gv writes the DOT text (no Graphviz needed)."""
        path = Path(path)
        suffix = path.suffix.lower().lstrip(".")
        if suffix in ("dot", "gv"):
            path.write_text(self.to_dot())
            return path
        if suffix not in ("svg", "png", "pdf"):
            raise ValueError(f"render writes .svg, .png, .pdf or .dot files, not {path.name!r}")
        path.write_bytes(_run_dot(self.to_dot(), suffix))
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


def _run_dot(text: str, fmt: str) -> bytes:
    if shutil.which("dot") is None:
        raise RuntimeError("drawing the graph needs Graphviz's 'dot' program: install the "
                           "Debian/Ubuntu package 'graphviz' (apt-get install graphviz), or "
                           "use to_dot() / render('graph.dot') for the text")
    finished = subprocess.run(["dot", f"-T{fmt}"], input=text.encode(), capture_output=True,
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


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _describe(shape: tuple, dtype: Any, value: Any) -> str:
    text = f"{shape} {numpy.dtype(dtype).name}"
    shown = small(value) if value is not None else None
    return text + (f"\n{shown}" if shown is not None else "")


def graph(*heads: ndarray, head_grads: Sequence[Any] | None = None,
          gradients: bool = False) -> Graph:
    """The recorded graph behind ``heads`` as a picture (see the module's docstring).

    ``head_grads``: one head gradient per head (None for ones, as backward). With
    ``gradients=True`` a backward pass is run (nothing is written to any ``.grad``; the graph
    is kept) and every value shows its gradient; the graph must not have been freed by an
    earlier backward (use ``retain_graph=True`` there).
    """
    if not heads:
        raise TypeError("graph() needs at least one head array")
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
            label = _value_label(node, index, values.get(key), grads.get(key))
            kind = ("head" if key in head_keys else
                    "variable" if node.primitive is None else "value")
            if kind == "head":
                label = "head, " + label
            picture_nodes.append(GraphNode(ids[key], kind, label))
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
        picture_nodes.append(GraphNode(op_id, "operation", node.name))
        for position, parent in enumerate(node.parents):
            if parent is not None:
                edges.append((value_id(parent, parent_index(node, position)), op_id, ""))
                continue
            cut = cut_of(node, position)
            constant_id = f"c{len(picture_nodes)}"
            value = operand_value(node, position)
            if cut is not None:
                picture_nodes.append(GraphNode(constant_id, "cut", f"constant made by "
                                               f"{cut.how}" + _shown(value)))
                if cut.node is not None:
                    edges.append((value_id(cut.node, cut.index), constant_id,
                                  f"cut by {cut.how}"))
            else:
                picture_nodes.append(GraphNode(constant_id, "constant",
                                               "constant" + _shown(value)))
            edges.append((constant_id, op_id, ""))
        for index in range(len(node.shapes)):
            edges.append((op_id, value_id(node, index), ""))
    for number, (head, cotangent) in enumerate(zip(heads, cotangents)):
        grad_id = f"hg{number}"
        given = head_grads[number] is not None
        text = small(cotangent)
        label = ("head gradient" if given else "head gradient (ones: none given)") + (
            f"\n{text}" if text is not None else f"\n{cotangent.shape}")
        picture_nodes.append(GraphNode(grad_id, "head_gradient", label))
        edges.append((grad_id, value_id(head._node, head._index), "multiplies d head"))
    return Graph(picture_nodes, edges)


def _shown(value: Any) -> str:
    text = small(value) if value is not None else None
    return f"\n{text}" if text is not None else ""


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

