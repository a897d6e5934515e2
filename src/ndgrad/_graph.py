"""Reading a recorded graph back: the nodes behind some heads, the values they hold, where
detach()/pause() cut it, and each operation's local derivatives. Shared by ndgrad.viz (the
picture) and autograd.explain (the chain rule in words); it changes nothing in the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy

from ._ndarray import ndarray, not_recorded_message
from ._node import Node
from ._shaping import fit_gradient
from ._state import flags
from .errors import GraphReleasedError, NotRecordedError


def require_recorded(array: Any, role: str) -> Node:
    if not isinstance(array, ndarray):
        raise TypeError(f"the {role} must be an ndgrad array, not {type(array).__name__}")
    if array._node is None:
        raise NotRecordedError(not_recorded_message(array, role))
    if array._node.released:
        raise GraphReleasedError(
            f"the graph behind the {role} was freed by a backward; pass retain_graph=True to "
            "that backward, or look at the graph before it")
    return array._node


def cut_of(node: Node, position: Any) -> Any:
    """The Cut at operand ``position`` of ``node`` ("self" for a variable made by detach)."""
    return node.cuts.get(position) if node.cuts else None


def walk(heads: Iterable[Node], through_cuts: bool = True) -> list[Node]:
    """Every node the heads depend on, parents before children (iteratively: graphs may be
    deep). With ``through_cuts``, the history behind detach()/pause() cuts too."""
    order: list[Node] = []
    seen: set[int] = set()
    for head in heads:
        stack: list[tuple[Node, bool]] = [(head, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for parent in _sources(node, through_cuts):
                if id(parent) not in seen:
                    stack.append((parent, False))
    return order


def _sources(node: Node, through_cuts: bool) -> list[Node]:
    sources = [parent for parent in node.parents if parent is not None]
    if through_cuts and node.cuts:
        sources += [cut.node for cut in node.cuts.values() if cut.node is not None]
    return sources


def known_values(nodes: Sequence[Node], heads: Sequence[ndarray]) -> dict:
    """(node id, output index) -> the value, where the graph still holds it: the heads, the
    operands that consumers saved, and saved answers."""
    values: dict = {}
    for head in heads:
        values[id(head._node), head._index] = head._data
    for node in nodes:
        if node.primitive is not None and node.ans is not None:
            answers = (node.ans,) if node.primitive.n_outputs == 1 else node.ans
            for index, answer in enumerate(answers):
                values.setdefault((id(node), index), answer)
        for value in node.inputs or ():
            if isinstance(value, ndarray) and value._node is not None:
                values.setdefault((id(value._node), value._index), value._data)
        variable = node.variable() if node.variable is not None else None
        if variable is not None:
            values.setdefault((id(node), 0), variable._data)
    return values


def operand_value(node: Node, position: int) -> Any:
    """A constant operand's value, if the node saved it (None otherwise)."""
    if node.inputs is None or position >= len(node.inputs):
        return None
    value = node.inputs[position]
    value = value._data if isinstance(value, ndarray) else value
    return value if isinstance(value, (numpy.ndarray, numpy.generic, int, float)) else None


def local_jacobian(node: Node, position: int, parent_shape: tuple, out_index: int = 0
                   ) -> numpy.ndarray:
    """d output[out_index] / d operand[position] of ``node`` as a matrix (output size x
    operand size), from the node's own VJP rule applied to each basis cotangent."""
    shapes, dtypes = node.shapes, node.dtypes
    out_size = int(numpy.prod(shapes[out_index], dtype=numpy.int64))
    in_size = int(numpy.prod(parent_shape, dtype=numpy.int64))
    wanted = [i == position for i in range(len(node.parents))]
    inputs = [v._data if isinstance(v, ndarray) else v for v in node.inputs] \
        if node.inputs is not None else [None] * len(node.parents)
    rows = numpy.zeros((out_size, in_size))
    with flags(recording=False, raw_rules=True):
        for k in range(out_size):
            basis = numpy.zeros(out_size, dtypes[out_index])
            basis[k] = 1
            cotangents = [numpy.zeros(s, d) for s, d in zip(shapes, dtypes)]
            cotangents[out_index] = basis.reshape(shapes[out_index])
            g = cotangents[0] if node.primitive.n_outputs == 1 else tuple(cotangents)
            grads = node.primitive.pullback(g, node.ans, inputs, node.params, wanted)
            grad = grads[position]
            if grad is None:
                continue
            grad = getattr(grad, "_data", grad)
            grad = numpy.asarray(fit_gradient(numpy.asarray(grad), tuple(parent_shape),
                                              numpy.dtype(numpy.float64)))
            rows[k] = grad.reshape(-1)
    return rows


def parent_shape(node: Node, position: int) -> tuple:
    parent = node.parents[position]
    index = node.parent_indices[position] if node.parent_indices else 0
    return parent.shapes[index]


def parent_index(node: Node, position: int) -> int:
    return node.parent_indices[position] if node.parent_indices else 0


def small(value: Any, limit: int = 8) -> str | None:
    """A short text of a value with few elements (None for a large one)."""
    data = numpy.asarray(value)
    if data.size > limit:
        return None
    return numpy.array2string(data, precision=4, suppress_small=True, separator=", ")


def names_in_frame(frame: Any) -> tuple[dict, set[str]]:
    """The user's names for arrays in ``frame`` (a caller's frame): ({value_key(array): name},
    every name the frame binds). An array object bound to more than one name, or two objects
    holding one value, get no name (the picture would have to guess); the frame's
    local names come first, its globals name only values the locals do not hold. Names
    starting with "_" (the REPL's _, _1, ...) are left out."""
    local_names, global_names = frame.f_locals, frame.f_globals
    taken = set(local_names) | set(global_names)
    found: dict = {}
    scopes = [local_names] if local_names is global_names else [local_names, global_names]
    for scope in scopes:
        in_scope: dict = {}
        for name, value in list(scope.items()):
            if isinstance(value, ndarray) and name[:1] != "_":
                in_scope.setdefault(value_key(value), set()).add((id(value), name))
        for key, bindings in in_scope.items():
            found.setdefault(key, bindings)
    return {key: next(iter(bindings))[1] for key, bindings in found.items()
            if len(bindings) == 1}, taken


def value_key(array: ndarray) -> tuple:
    """What names an array in a picture: the recorded value (node id, output index) it holds,
    or for an array the graph does not record (a constant operand), the object itself."""
    if array._node is not None:
        return (id(array._node), array._index)
    return ("constant", id(array))


def fresh_name(taken: set[str], prefix: str = "v") -> str:
    """The first of prefix1, prefix2, ... not in ``taken`` (which it joins)."""
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    name = f"{prefix}{number}"
    taken.add(name)
    return name
