"""``autograd.explain``: the chain rule that produced a gradient, in numbers.

For a head y and a variable x of a recorded graph, explain lists every path from x to y, each
operation's local derivative along it (a Jacobian: written ``diag[...]`` when it acts element
by element), the product along each path and the sum over paths, dy/dx. Then the head
gradient's role: ``x.grad = head_grad . dy/dx``, ones when none is given (the gradient of
sum(y)). Paths that detach() or pause() cut are listed too, with what they would have added:
the difference between the partial derivative autograd computed and the total derivative.
Meant for small arrays: every Jacobian is built element by element.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import numpy

from ._engine import Node
from ._graph import (
    local_jacobian,
    parent_index,
    parent_shape,
    require_recorded,
    walk,
)
from ._ndarray import ndarray, to_numpy

MAX_PATHS = 32
MAX_SIZE = 64          # elements of the variable or head beyond which explain refuses


class Explanation:
    """What ``explain`` printed (``str()``), the gradient it arrived at (``.gradient``, a
    float64 NumPy array: what backward writes into the variable's ``.grad``, up to the
    variable's dtype) and the Jacobian d head / d variable (``.derivative``, head.size rows by
    variable.size columns)."""

    def __init__(self, text: str, gradient: numpy.ndarray, derivative: numpy.ndarray) -> None:
        self.text = text
        self.gradient = gradient
        self.derivative = derivative

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        # short: in a REPL, explain() has already printed the text
        return f"<Explanation: gradient {_vector(self.gradient)}>"


def explain(head: ndarray, variable: ndarray, head_grad: Any = None,
            file: TextIO | None = None, names: dict | None = None) -> Explanation:
    """Print how the chain rule gives the gradient of ``head`` with respect to ``variable``
    (see the module docstring) and return it as an ``Explanation``.

    ``head_grad`` is the head gradient backward would get (ones when None). ``names``
    optionally maps arrays to names ({"x": x, "y": y}) for the printout; the variable is
    called x and the head y otherwise. The graph must still exist (before backward, or
    after ``backward(retain_graph=True)``).
    """
    head_node = require_recorded(head, "head")
    variable_node = require_recorded(variable, "variable")
    for array, role in ((head, "head"), (variable, "variable")):
        if array.size > MAX_SIZE:
            raise ValueError(f"explain prints every derivative element by element; the {role} "
                             f"has {array.size} elements (at most {MAX_SIZE}): explain a "
                             "smaller example")
    naming = _Names(names or {}, variable, head)
    cotangent = (numpy.ones(head.shape) if head_grad is None
                 else to_numpy(head_grad, numpy.float64))
    if cotangent.shape != head.shape:
        raise ValueError(f"a head gradient of shape {cotangent.shape} for a head of shape "
                         f"{head.shape}; they must be equal")
    out = []
    x, y = naming.of(variable_node, variable._index), naming.of(head_node, head._index)
    out.append(f"d{y}/d{x}: how {y} {head.shape} changes with {x} {variable.shape}, "
               "by the chain rule")
    live = walk([head_node], through_cuts=False)
    consumers = _consumers(live)
    paths = _paths(variable_node, variable._index, head_node, head._index, consumers)
    total = numpy.zeros((head.size, variable.size))
    if not paths:
        out.append(f"\nNo recorded path leads from {x} to {y}: d{y}/d{x} = 0.")
    for number, path in enumerate(paths, 1):
        product = _print_path(out, f"path {number}", path, variable.size, naming,
                              variable_node, variable._index)
        total += product
    if len(paths) > 1:
        out.append(f"\nsum over the {len(paths)} paths: d{y}/d{x} = {_matrix(total)}")
    elif paths:
        out.append(f"\none path: d{y}/d{x} = {_matrix(total)}")
    missed = _print_cuts(out, live, consumers, variable_node, variable._index, head_node,
                         head._index, variable.size, naming)
    gradient = (cotangent.reshape(-1) @ total).reshape(variable.shape)
    if head_grad is None:
        out.append(f"\nhead gradient: none given, so ones {_vector(cotangent)}: "
                   f"{x}.grad = ones . d{y}/d{x} (the gradient of sum({y}))")
    else:
        out.append(f"\nhead gradient {_vector(cotangent)}: it stands for dw/d{y} of some w "
                   f"computed outside autograd, so {x}.grad = head_grad . d{y}/d{x} = dw/d{x}")
    out.append(f"{x}.grad = {_vector(gradient)}")
    if missed is not None:
        whole = (cotangent.reshape(-1) @ (total + missed)).reshape(variable.shape)
        out.append(f"(without the cuts, the total derivative would give {_vector(whole)})")
    # a matrix printed on lines of its own leaves "= " at the end of the line before it
    text = "\n".join(line.rstrip() for line in "\n".join(out).split("\n")) + "\n"
    print(text, end="", file=file if file is not None else sys.stdout)
    return Explanation(text, gradient, total)


class _Names:
    """Names for the values on the paths: the given ones, x and y, then v1, v2, ..."""

    def __init__(self, names: dict, variable: ndarray, head: ndarray) -> None:
        self.table: dict = {}
        for name, array in names.items():
            if isinstance(array, ndarray) and array._node is not None:
                self.table.setdefault((id(array._node), array._index), name)
        self.table.setdefault((id(variable._node), variable._index), "x")
        self.table.setdefault((id(head._node), head._index), "y")

    def of(self, node: Node, index: int) -> str:
        key = (id(node), index)
        if key not in self.table:
            self.table[key] = f"v{sum(n.startswith('v') for n in self.table.values()) + 1}"
        return self.table[key]


def _consumers(nodes: list[Node]) -> dict:
    """id(node) -> [(consumer node, operand position)] within the live graph."""
    consumers: dict = {}
    for node in nodes:
        for position, parent in enumerate(node.parents):
            if parent is not None:
                consumers.setdefault(id(parent), []).append((node, position))
    return consumers


def _paths(start: Node, start_index: int, end: Node, end_index: int, consumers: dict) -> list:
    """Every path of (node, operand position) edges from output ``start_index`` of ``start``
    to output ``end_index`` of ``end``."""
    found: list = []
    stack = [(start, start_index, [])]
    while stack and len(found) < MAX_PATHS:
        node, index, edges = stack.pop()
        if node is end and index == end_index:
            found.append(edges)
            continue
        for consumer, position in consumers.get(id(node), []):
            if parent_index(consumer, position) == index:
                for out_index in range(len(consumer.shapes)):
                    stack.append((consumer, out_index, edges + [(consumer, position,
                                                                  out_index)]))
    return found[::-1]


def _print_path(out: list, title: str, path: list, size: int, naming: _Names, start: Node,
                start_index: int) -> numpy.ndarray:
    names = [naming.of(start, start_index)] + [naming.of(node, out_index)
                                                for node, _, out_index in path]
    chain = names[0] + "".join(f" -> {node.name} -> {name}"
                                for (node, _, _), name in zip(path, names[1:]))
    out.append(f"\n{title}: {chain}")
    product = numpy.eye(size)
    if not path:
        out.append("  (the variable is the head: the derivative is the identity)")
    for (node, position, out_index), before, after in zip(path, names, names[1:]):
        local = local_jacobian(node, position, parent_shape(node, position), out_index)
        out.append(f"  d{after}/d{before} = {_matrix(local)}   ({node.name}, operand "
                   f"{position + 1})")
        product = local @ product
    if len(path) > 1:
        out.append(f"  product along the path = {_matrix(product)}")
    return product


def _print_cuts(out: list, live: list, consumers: dict, variable_node: Node,
                variable_index: int, head_node: Node, head_index: int, size: int,
                naming: _Names) -> numpy.ndarray | None:
    """The paths detach()/pause() cut, with what each would have added; returns their sum
    (None when no cut path leads from the variable)."""
    missed = None
    for node in live:
        for position, cut in (node.cuts or {}).items():
            source = cut.node
            if source is None:
                continue
            before = walk([source], through_cuts=False)
            if not any(n is variable_node for n in before):
                continue
            upstream = _paths(variable_node, variable_index, source, cut.index,
                              _consumers(before))
            if position == "self":      # a variable made by detach(): the graph goes on from it
                downstream = _paths(node, 0, head_node, head_index, consumers)
                seam = None
            else:
                downstream = [[(node, position, o)] + rest for o in range(len(node.shapes))
                              for rest in _paths(node, o, head_node, head_index, consumers)]
                seam = (node, position)
            shown = naming.of(source, cut.index)
            for up in upstream:
                for down in downstream:
                    product = _print_path(out, f"cut by {cut.how} (no gradient flows here)",
                                          up, size, naming, variable_node, variable_index)
                    out.append(f"  {shown} is cut by {cut.how}: autograd sees a constant "
                               "beyond this point")
                    product = _continue(out, product, down, seam, source, cut.index, naming)
                    out.append(f"  this path would add {_matrix(product)} to the derivative")
                    missed = product if missed is None else missed + product
    return missed


def _continue(out: list, product: numpy.ndarray, path: list, seam: Any, source: Node,
              source_index: int, naming: _Names) -> numpy.ndarray:
    before = naming.of(source, source_index)
    for node, position, out_index in path:
        after = naming.of(node, out_index)
        shape = (source.shapes[source_index] if seam == (node, position)
                 else parent_shape(node, position))
        local = local_jacobian(node, position, shape, out_index)
        out.append(f"  d{after}/d{before} = {_matrix(local)}   ({node.name}, operand "
                   f"{position + 1})")
        product = local @ product
        before = after
    return product


def _vector(values: numpy.ndarray) -> str:
    return numpy.array2string(numpy.asarray(values, dtype=numpy.float64).reshape(-1)
                              if numpy.ndim(values) else numpy.asarray(values),
                              precision=4, suppress_small=True, separator=", ")


def _matrix(jacobian: numpy.ndarray) -> str:
    """A Jacobian as text: diag[...] when it is square and diagonal (element by element)."""
    rows, columns = jacobian.shape
    if rows == columns and numpy.count_nonzero(jacobian - numpy.diag(numpy.diag(jacobian))) == 0:
        return "diag" + _vector(numpy.diag(jacobian)) if rows > 1 else _vector(jacobian[0, 0])
    text = numpy.array2string(jacobian, precision=4, suppress_small=True, separator=", ")
    # a matrix starts on a line of its own, so its rows line up
    return "\n      " + text.replace("\n", "\n      ") if "\n" in text else text

