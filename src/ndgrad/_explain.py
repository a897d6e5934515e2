"""``autograd.explain``: the chain rule that produced a gradient, in numbers.

For a head y and a variable x of a recorded graph, explain lists the paths from x to y, each
operation's local derivative along it (a Jacobian: written ``diag[...]`` when it acts element
by element), the product along each path and the sum over paths, dy/dx. Then the head
gradient's role: ``x.grad = head_grad . dy/dx``, ones when none is given (the gradient of
sum(y)). Paths that detach() or pause() cut are listed too, with what they would have added:
the difference between the partial derivative autograd computed and the total derivative.
``hold=`` cuts the same way without detach(): the edges into a held value are cut, so explain
prints the partial derivative with those values held and, beside it, the total derivative.

The number of paths grows exponentially with depth (``y = y * y + y`` triples it at every
step), so at most ``MAX_PATHS`` are listed and the rest counted. The sum is never taken over
the listed paths: like backward, explain accumulates each value's derivative once, over the
edges into it, and counts paths the same way, so both cost one pass over the graph.
Meant for small arrays: every Jacobian is built element by element.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple, TextIO

import numpy

from ._engine import held_nodes
from ._graph import local_jacobian, parent_index, require_recorded, walk
from ._ndarray import ndarray, to_numpy
from ._node import Node

MAX_PATHS = 32         # paths listed one by one (and as many cut ones); the rest are counted
MAX_SIZE = 64          # elements of any value on the paths beyond which explain refuses


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


class _Held:
    """The mark on an edge into a value that ``hold=`` holds constant (a Cut marks detach())."""

    how = "hold="


HELD = _Held()


def explain(head: ndarray, variable: ndarray, head_grad: Any = None,
            file: TextIO | None = None, names: dict | None = None, *,
            hold: Any = None) -> Explanation:
    """Print how the chain rule gives the gradient of ``head`` with respect to ``variable``
    (see the module docstring) and return it as an ``Explanation``.

    ``head_grad`` is the head gradient backward would get (ones when None). ``names``
    optionally maps arrays to names ({"x": x, "y": y}) for the printout; the variable is
    called x and the head y otherwise. The graph must still exist (before backward, or
    after ``backward(retain_graph=True)``). ``hold`` (arrays the head was computed from, as
    for ``autograd.grad``) holds those values constant: the gradient is then the partial
    derivative ``grad(head, variable, hold=hold)`` gives, the paths into held values are
    listed as cut, and the total derivative is printed beside it.
    """
    head_node = require_recorded(head, "head")
    variable_node = require_recorded(variable, "variable")
    held = held_nodes([head], hold) or {}
    if file is not None and not callable(getattr(file, "write", None)):
        raise TypeError(f"explain(file=...) takes an open text file (sys.stdout, "
                        f"open(path, 'w'), io.StringIO()), not {type(file).__name__}")
    if names is not None and not isinstance(names, dict):
        raise TypeError(f"explain(names=...) takes a dict from names to arrays "
                        f"({{'x': x, 'y': y}}), not {type(names).__name__}")
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
    graph = _Graph(variable_node, variable._index, head_node, head._index,
                   {(id(node), index) for node, indices in held.items() for index in indices})
    out = []
    x, y = naming.of(variable_node, variable._index), naming.of(head_node, head._index)
    out.append(f"d{y}/d{x}: how {y} {head.shape} changes with {x} {variable.shape}, "
               "by the chain rule")
    count = graph.count(through_cuts=False)
    total = graph.derivative(through_cuts=False)
    if not count:
        out.append(f"\nNo recorded path leads from {x} to {y}: d{y}/d{x} = 0.")
    paths = graph.paths(through_cuts=False)
    for number, path in enumerate(paths, 1):
        _print_path(out, f"path {number}", path, graph, naming)
    _print_left_out(out, count - len(paths), "paths")
    if count > 1:
        every = "all" if count > len(paths) else "the"
        out.append(f"\nsum over {every} {count:,} paths: d{y}/d{x} = {_matrix(total)}")
    elif count:
        out.append(f"\none path: d{y}/d{x} = {_matrix(total)}")
    cut_count = graph.count(through_cuts=True) - count
    cut_paths = graph.paths(through_cuts=True)
    for path in cut_paths:
        product = _print_path(out, f"cut by {_first_cut(path).how} (no gradient flows here)",
                              path, graph, naming)
        out.append(f"  this path would add {_matrix(product)} to the derivative")
    _print_left_out(out, cut_count - len(cut_paths), "paths through cuts")
    gradient = (cotangent.reshape(-1) @ total).reshape(variable.shape)
    if head_grad is None:
        out.append(f"\nhead gradient: none given, so ones {_vector(cotangent)}: "
                   f"{x}.grad = ones . d{y}/d{x} (the gradient of sum({y}))")
    else:
        out.append(f"\nhead gradient {_vector(cotangent)}: it stands for dw/d{y} of some w "
                   f"computed outside autograd, so {x}.grad = head_grad . d{y}/d{x} = dw/d{x}")
    out.append(f"{x}.grad = {_vector(gradient)}")
    whole = (cotangent.reshape(-1) @ graph.derivative(through_cuts=True)).reshape(
        variable.shape)
    if held:
        held_names = ", ".join(naming.of(node, index) for node, indices in held.items()
                               for index in sorted(indices))
        out.append(f"(the partial derivative: {held_names} held constant by hold=; without "
                   f"the cuts, the total derivative gives {x}.grad = {_vector(whole)})")
    elif cut_count:
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


class _Edge(NamedTuple):
    """Output ``index`` of ``source`` feeds operand ``position`` of ``node``, making its output
    ``out_index``; ``cut`` is the Cut when detach()/pause() severed this link (position
    "self": ``node`` is the variable detach() made, the same value as the source)."""
    source: Node
    index: int      # type: ignore[assignment]  # the field hides tuple.index, on purpose
    node: Node
    position: Any
    out_index: int
    cut: Any


class _Graph:
    """The values between a variable and a head (a value is a node's output, keyed
    (id(node), index)), the edges joining them, through cuts too, and per value the number
    of paths from the variable and to the head. Counts are Python ints: they grow
    exponentially with depth, and are summed edge by edge, never by listing paths."""

    def __init__(self, start: Node, start_index: int, end: Node, end_index: int,
                 held: set) -> None:
        self.start, self.end = (id(start), start_index), (id(end), end_index)
        self.held = held            # values hold= holds: the edges into them are cut
        self.start_node = start
        self.nodes: dict = {}
        self.sizes = {self.start: _size(start.shapes[start_index])}
        self.into: dict = {}
        self.out: dict = {}
        nodes = walk([end], through_cuts=True)
        for node in nodes:
            self.nodes[id(node)] = node
            for index, shape in enumerate(node.shapes):
                self.sizes[id(node), index] = _size(shape)
            for position, parent in enumerate(node.parents):
                if parent is not None:
                    self._link(parent, parent_index(node, position), node, position, None)
            for position, cut in (node.cuts or {}).items():
                if cut.node is not None:
                    self._link(cut.node, cut.index, node, position, cut)
        self.order = [(id(node), index) for node in nodes for index in range(len(node.shapes))]
        self._counts = {cuts: self._count(cuts) for cuts in (False, True)}
        self._jacobians: dict = {}
        self._check_sizes()

    def _link(self, source: Node, index: int, node: Node, position: Any, cut: Any) -> None:
        outputs = [0] if position == "self" else range(len(node.shapes))
        for out_index in outputs:
            edge = _Edge(source, index, node, position, out_index,
                         HELD if cut is None and (id(node), out_index) in self.held else cut)
            self.out.setdefault((id(source), index), []).append(edge)
            self.into.setdefault((id(node), out_index), []).append(edge)

    def _edges(self, table: dict, value: tuple, through_cuts: bool) -> list:
        return [edge for edge in table.get(value, ()) if through_cuts or edge.cut is None]

    def _count(self, through_cuts: bool) -> tuple[dict, dict]:
        """Paths from the variable to each value, and from each value to the head."""
        before: dict = {}
        for value in self.order:
            before[value] = 1 if value == self.start else sum(
                before.get((id(e.source), e.index), 0)
                for e in self._edges(self.into, value, through_cuts))
        after: dict = {}
        for value in reversed(self.order):
            after[value] = 1 if value == self.end else sum(
                after.get((id(e.node), e.out_index), 0)
                for e in self._edges(self.out, value, through_cuts))
        return before, after

    def _on_paths(self, value: tuple, through_cuts: bool) -> bool:
        before, after = self._counts[through_cuts]
        return before.get(value, 0) > 0 and after.get(value, 0) > 0

    def _check_sizes(self) -> None:
        for node_id, index in self.order:
            size = self.sizes[node_id, index]
            if size > MAX_SIZE and self._on_paths((node_id, index), True):
                node = self.nodes[node_id]
                raise ValueError(
                    "explain prints every derivative element by element; a value on the way "
                    f"from the variable to the head (made by {node.name}, shape "
                    f"{node.shapes[index]}) has {size} elements (at most {MAX_SIZE}): explain "
                    "a smaller example")

    def count(self, through_cuts: bool) -> int:
        """How many paths lead from the variable to the head (with the cut ones or not)."""
        return self._counts[through_cuts][1].get(self.start, 0)

    def jacobian(self, edge: _Edge) -> numpy.ndarray:
        """d target / d source along ``edge``, built once per edge."""
        key = (id(edge.node), edge.position, edge.out_index)
        if key not in self._jacobians:
            if edge.position == "self":      # detach() made a new variable of the same value
                local = numpy.eye(self.sizes[id(edge.source), edge.index])
            else:
                local = local_jacobian(edge.node, edge.position,
                                       edge.source.shapes[edge.index], edge.out_index)
            self._jacobians[key] = local
        return self._jacobians[key]

    def derivative(self, through_cuts: bool) -> numpy.ndarray:
        """d head / d variable, the sum over every path, by the chain rule as backward applies
        it: each value's derivative is the sum over its incoming edges, computed once."""
        derivatives: dict = {}
        columns = self.sizes[self.start]
        for value in self.order:
            if not self._on_paths(value, through_cuts):
                continue
            if value == self.start:
                derivatives[value] = numpy.eye(columns)
                continue
            total = numpy.zeros((self.sizes[value], columns))
            for edge in self._edges(self.into, value, through_cuts):
                source = derivatives.get((id(edge.source), edge.index))
                if source is not None:
                    total += self.jacobian(edge) @ source
            derivatives[value] = total
        rows = self.sizes[self.end]
        return derivatives.get(self.end, numpy.zeros((rows, columns)))

    def paths(self, through_cuts: bool) -> list:
        """The first MAX_PATHS paths, as lists of edges: without cuts, the paths autograd
        follows; with, only those that pass a cut. Every step is towards the head (the counts
        prune dead ends), so this costs MAX_PATHS times the depth, whatever the count."""
        plain, every = self._counts[False][1], self._counts[True][1]

        def leads_on(edge: _Edge, cut_passed: bool) -> bool:
            target = (id(edge.node), edge.out_index)
            if not through_cuts:
                return edge.cut is None and plain.get(target, 0) > 0
            if cut_passed or edge.cut is not None:
                return every.get(target, 0) > 0
            return every.get(target, 0) - plain.get(target, 0) > 0

        found: list = []
        stack: list = [(self.start, [], False)]
        while stack and len(found) < MAX_PATHS:
            value, edges, cut_passed = stack.pop()
            if value == self.end:
                # the empty path of explain(x, x) passes no cut: listed only without cuts
                if cut_passed or not through_cuts:
                    found.append(edges)
                continue
            steps = [edge for edge in self.out.get(value, ()) if leads_on(edge, cut_passed)]
            for edge in reversed(steps):     # popped in order: path 1 takes the first edges
                stack.append(((id(edge.node), edge.out_index), edges + [edge],
                              cut_passed or edge.cut is not None))
        return found


def _first_cut(path: list) -> Any:
    return next(edge.cut for edge in path if edge.cut is not None)


def _print_path(out: list, title: str, path: list, graph: _Graph, naming: _Names
                ) -> numpy.ndarray:
    """Print one path, edge by edge, and return the product of its local derivatives. A cut
    path's title shows it up to the cut; the cut is a line of its own."""
    names = [naming.of(graph.start_node, graph.start[1])]
    for edge in path:
        # the variable detach() made is the detached value itself: it keeps the value's name
        names.append(names[-1] if edge.position == "self"
                     else naming.of(edge.node, edge.out_index))
    # a held value is reached and shown; a detached one's cut starts at the value itself
    shown = next((number + (edge.cut is HELD) for number, edge in enumerate(path)
                  if edge.cut is not None), len(path))
    chain = names[0] + "".join(f" -> {edge.node.name} -> {name}"
                                for edge, name in zip(path[:shown], names[1:]))
    out.append(f"\n{title}: {chain}")
    product = numpy.eye(graph.sizes[graph.start])
    if not path:
        out.append("  (the variable is the head: the derivative is the identity)")
    for edge, before, after in zip(path, names, names[1:]):
        if edge.cut is HELD:
            out.append(f"  {after} is held constant by hold=: no gradient flows from it to "
                       f"{before}")
        elif edge.cut is not None:
            out.append(f"  {before} is cut by {edge.cut.how}: autograd sees a constant "
                       "beyond this point")
        product = graph.jacobian(edge) @ product
        if edge.position != "self":
            out.append(f"  d{after}/d{before} = {_matrix(graph.jacobian(edge))}   "
                       f"({edge.node.name}, operand {edge.position + 1})")
    if len(path) > 1 and shown == len(path):
        out.append(f"  product along the path = {_matrix(product)}")
    return product


def _print_left_out(out: list, left_out: int, what: str) -> None:
    if left_out:
        what = what.replace("paths", "path") if left_out == 1 else what
        out.append(f"\n... and {left_out:,} more {what} (not shown)")


def _size(shape: tuple) -> int:
    return int(numpy.prod(shape, dtype=numpy.int64))


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
