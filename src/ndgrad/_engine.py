"""The graph node and the backward pass. Nothing here knows any particular op.

The graph hangs off the arrays (as in MXNet and PyTorch): each recorded array points to the
Node that produced it, each Node to its operands' nodes. Backward walks the nodes reachable
from the heads in reverse topological order, with a loop and a work stack (never recursion),
asks each node's primitive for its operands' gradients, sums gradients that meet, and hands
the totals to the gradient sinks that ``attach_grad`` created.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy

from ._anomaly import check_backward
from ._state import STATE, flags
from .errors import GraphReleasedError, InPlaceModifiedError


class GradSink:
    """Where backward leaves a variable's gradient: the buffer, the grad_req, and a lock, so
    that backward passes in several threads add into one buffer without losing updates
    (NumPy releases the GIL inside the addition)."""

    __slots__ = ("grad", "grad_req", "lock")

    def __init__(self, grad: Any, grad_req: str) -> None:
        self.grad = grad
        self.grad_req = grad_req
        self.lock = threading.Lock()


class Node:
    """One recorded primitive call (or a variable's leaf, when ``primitive`` is None).

    Keeps the primitive, the operands' nodes, the values the rules declared they need, the
    static parameters and the output's shape and dtype; saved values are dropped as soon as
    backward has used them.
    """

    __slots__ = (
        "__weakref__",
        "ans",
        "ans_tangents",
        "ans_versions",
        "cuts",
        "dtypes",
        "hooks",
        "inputs",
        "origin",
        "params",
        "parent_indices",
        "parents",
        "primitive",
        "released",
        "shapes",
        "sink",
        "variable",
        "versions",
    )

    def __init__(self, primitive: Any, parents: tuple, params: dict, results: Sequence[Any]):
        self.primitive = primitive
        self.parents = parents
        self.params = params
        self.parent_indices = self.inputs = self.versions = self.ans = None
        self.ans_versions = self.ans_tangents = self.sink = self.hooks = self.origin = None
        self.cuts = None          # {operand position: Cut} for operands cut by detach/pause
        self.variable = None      # a leaf's array, held weakly (for pictures of the graph)
        self.released = False
        if len(results) == 1:
            data = results[0]._data
            self.shapes = (data.shape,)
            self.dtypes = (data.dtype,)
        else:
            self.shapes = tuple([r._data.shape for r in results])
            self.dtypes = tuple([r._data.dtype for r in results])

    @classmethod
    def leaf(cls, array: Any, sink: GradSink | None) -> Node:
        node = cls(None, (), {}, (array,))
        node.sink = sink
        node.variable = weakref.ref(array)
        return node

    @property
    def name(self) -> str:
        return "variable" if self.primitive is None else self.primitive.name

    def release(self) -> None:
        """Drop what the rules needed: the graph below this node can no longer be walked."""
        self.inputs = self.ans = self.versions = self.ans_versions = self.ans_tangents = None
        self.parents = ()
        self.released = True

    def check_versions(self) -> None:
        """Refuse to differentiate with a saved value that was modified in place since."""
        stale = None
        if self.versions is not None:
            for value, version in zip(self.inputs, self.versions):
                if version is not None and value._version[0] != version:
                    stale = value._data.shape
                    break
        if stale is None and self.ans_versions is not None:
            for counter, version in self.ans_versions:
                if counter[0] != version:
                    stale = self.shapes[0]
                    break
        if stale is not None:
            raise InPlaceModifiedError(
                f"an array of shape {stale} that the gradient of '{self.name}' needs was "
                "modified in place after it was recorded; compute with a copy (x = x + 1 "
                "instead of x += 1) or run backward before modifying it")


class _ZeroDerivative:
    """The primitive of a value that depends on recorded values with derivative zero.

    Under ``create_graph=True`` a rule may return a gradient computed from constants only
    (``g * (x > 0)`` for relu, ``2 * g`` for ``2 * x``). It is still a function of the
    node's operands, one whose derivative is zero, so it is recorded as one: the next
    derivative is zeros, never "not recorded" (MXNet, JAX and HIPS agree).
    """

    name = "zero_derivative"
    n_outputs = 1
    nondiff = True
    has_jvp = True

    @staticmethod
    def pullback(g: Any, ans: Any, inputs: Any, params: Any, wanted: Sequence[Any]) -> tuple:
        return (None,) * len(wanted)

    @staticmethod
    def pushforward(tangents: Any, ans: Any, inputs: Any, params: Any) -> None:
        return None


ZERO_DERIVATIVE = _ZeroDerivative()


def recorded_at(value: Any, sources: Sequence[tuple[Node, int]]) -> Any:
    """``value`` (an ndarray, or raw data), recorded as depending on the outputs ``sources``
    (``(node, output index)`` pairs) with derivative zero, unless it is recorded already. A
    new array: the given one, perhaps the user's head gradient, is left as it is."""
    from ._ndarray import _wrap, ndarray
    if isinstance(value, ndarray):
        if value._node is not None:
            return value
        data = value._data
    else:
        data = numpy.asarray(value)
    parents = tuple(node for node, _ in sources)
    if not parents:
        return value
    linked = _wrap(data, ndarray)
    node = Node(ZERO_DERIVATIVE, parents, {}, (linked,))
    if any(index for _, index in sources):
        node.parent_indices = tuple(index for _, index in sources)
    linked._node = node
    if isinstance(value, ndarray):
        linked._version = value._version
        tangents = getattr(value, "_tangents", None)
        if tangents:
            linked._tangents = tangents
    return linked


def _recorded_operands(node: Node) -> tuple[tuple[Node, int], ...]:
    """The recorded operands of ``node``, as ``(node, output index)`` pairs."""
    indices = node.parent_indices
    return tuple((parent, indices[position] if indices else 0)
                 for position, parent in enumerate(node.parents) if parent is not None)


def _count_dependents(roots: Sequence[Node], targets: set | None = None) -> dict[Node, int]:
    """For each node reachable from the roots, how many reachable nodes use its output.

    With ``targets`` (the nodes whose gradients ``autograd.grad`` captures), only the nodes on
    a path from a root to a target are counted: backward walks no further, so it neither
    computes gradients nobody asked for nor frees graph beyond the targets (a checkpoint's
    recomputation, or a custom rule's, stops where the caller's graph begins).
    """
    if targets is not None:
        on_path = _leading_to(roots, targets)
        roots = [root for root in roots if root in on_path]
    dependents: dict[Node, int] = {}
    stack = []
    for root in roots:
        if root not in dependents:
            dependents[root] = 0
            stack.append(root)
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent is None or (targets is not None and parent not in on_path):
                continue
            if parent in dependents:
                dependents[parent] += 1
            else:
                dependents[parent] = 1
                stack.append(parent)
    return dependents


def _leading_to(roots: Sequence[Node], targets: set) -> set:
    """The nodes reachable from ``roots`` from which some node of ``targets`` is reachable
    (targets included): an iterative depth-first walk, deciding each node after its parents."""
    leads: dict[Node, bool] = {}
    stack = [(root, False) for root in roots]
    while stack:
        node, expanded = stack.pop()
        if node in leads and not expanded:
            continue
        if not expanded:
            leads[node] = False            # in progress: a graph has no cycles
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents
                         if parent is not None and parent not in leads)
            continue
        leads[node] = node in targets or any(leads.get(parent, False)
                                             for parent in node.parents if parent is not None)
    return {node for node, lead in leads.items() if lead}


def _accumulate(pending: dict, node: Node, index: int, grad: Any) -> None:
    """Add ``grad`` to what has reached output ``index`` of ``node`` so far."""
    if len(node.shapes) > 1:
        slots = pending.get(node)
        if slots is None:
            slots = pending[node] = [None] * len(node.shapes)
        slots[index] = grad if slots[index] is None else slots[index] + grad
    elif node in pending:
        pending[node] = pending[node] + grad
    else:
        pending[node] = grad


def _full_cotangent(node: Node, slots: list, create_graph: bool) -> tuple:
    """A multi-output node's cotangents, with zeros for outputs nothing flowed into."""
    from ._ndarray import _wrap, ndarray
    zeros = [numpy.zeros(shape, dtype) for shape, dtype in zip(node.shapes, node.dtypes)]
    return tuple(slot if slot is not None else (_wrap(z, ndarray) if create_graph else z)
                 for slot, z in zip(slots, zeros))


def backward(heads: Sequence[Any], head_grads: Sequence[Any], *, retain_graph: bool,
             create_graph: bool, capture: dict[tuple[Node, int], Any] | None = None) -> None:
    """Propagate ``head_grads`` from ``heads`` to every gradient sink they reach.

    ``heads`` are recorded arrays; ``head_grads`` their cotangents, already checked and of the
    heads' shapes (raw NumPy, or ndarrays when ``create_graph``). With ``capture`` (a dict
    keyed by ``(node, output index)``), the gradients reaching those nodes are stored in it
    instead of being delivered to sinks: that is ``autograd.grad``.
    """
    from ._ndarray import ndarray
    from ._primitive import fit_gradient

    # The rules run on ndarrays when the backward pass is recorded, and in forward mode, whose
    # tangents ride on the saved arrays (forward-over-reverse); otherwise on raw NumPy.
    on_arrays = create_graph or STATE.forward_level > 0
    pending: dict[Node, Any] = {}
    for head, grad in zip(heads, head_grads):
        if head._node.released:
            raise GraphReleasedError(
                f"the graph of this head (shape {head.shape}) was freed by an earlier "
                "backward; pass retain_graph=True to the first backward to differentiate it "
                "again")
        _accumulate(pending, head._node, head._index, grad)
    targets = None if capture is None else {node for node, _ in capture}
    dependents = _count_dependents([head._node for head in heads], targets)
    ready = [node for node in pending if dependents.get(node) == 0]

    # NumPy's warnings belong to the forward, where the user's values are: a rule meeting the
    # forward's singular point (the slope of sqrt at 0) gives inf or nan silently, as backward's
    # answer, never a warning the user's own code did not cause
    with flags(recording=create_graph, raw_rules=not on_arrays), \
            numpy.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        while ready:
            node = ready.pop()
            grad = pending.pop(node, None)
            if grad is not None and node.hooks is not None:
                grad = _run_hooks(node, grad, on_arrays)
            if grad is None:
                if capture is None and node.sink is not None and node.sink.grad_req == "write":
                    # reached, with derivative zero (sign, floor): "write" overwrites with zeros
                    _deliver(node.sink, numpy.zeros(node.shapes[0], node.dtypes[0]), node,
                             on_arrays, create_graph)
            else:
                if capture is not None:
                    # each node is passed once, so its total gradient is final here
                    for index in range(len(node.shapes)):
                        if (node, index) in capture:
                            value = grad[index] if isinstance(grad, list) else grad
                            if create_graph and value is not None:
                                value = recorded_at(value, ((node, index),))
                            capture[node, index] = value
                elif node.sink is not None:
                    _deliver(node.sink, grad, node, on_arrays, create_graph)
            if node.primitive is None:
                continue
            if node.released:
                raise GraphReleasedError(
                    f"the graph through '{node.name}' was freed by an earlier backward; pass "
                    "retain_graph=True to the first backward to differentiate it again")
            parents = node.parents
            if grad is not None:
                if node.versions is not None or node.ans_versions is not None:
                    node.check_versions()
                if isinstance(grad, list):
                    grad = _full_cotangent(node, grad, on_arrays)
                inputs, ans = node.inputs, node.ans
                if on_arrays:
                    if ans is not None:
                        ans = _answer_arrays(node)
                elif inputs is not None:
                    inputs = [value._data if isinstance(value, ndarray) else value
                              for value in inputs]
                if inputs is None:
                    inputs = (None,) * len(parents)
                # a parent node is truthy, a constant operand (None) is not
                wanted = parents if capture is None else tuple(
                    parent if parent in dependents else None for parent in parents)
                operand_grads = node.primitive.pullback(grad, ans, inputs, node.params, wanted)
                if STATE.anomaly:
                    check_backward(node, grad, operand_grads)
                # drop references at once, so dead arrays do not raise the peak memory
                del grad, ans, inputs
            else:
                operand_grads = (None,) * len(parents)
            parent_indices = node.parent_indices
            for position, parent in enumerate(parents):
                if parent is None or parent not in dependents:
                    continue
                operand_grad = operand_grads[position]
                if operand_grad is not None:
                    index = parent_indices[position] if parent_indices else 0
                    shape, dtype = parent.shapes[index], parent.dtypes[index]
                    if operand_grad.shape != shape or (operand_grad.dtype is not dtype
                                                       and operand_grad.dtype != dtype):
                        operand_grad = fit_gradient(operand_grad, shape, dtype)
                    if create_graph:
                        operand_grad = recorded_at(operand_grad, _recorded_operands(node))
                    if parent in pending or len(parent.shapes) > 1:
                        _accumulate(pending, parent, index, operand_grad)
                    else:
                        pending[parent] = operand_grad
                dependents[parent] -= 1
                if dependents[parent] == 0:
                    ready.append(parent)
            del operand_grads
            if not retain_graph and (targets is None or node not in targets):
                # a target's own graph is the caller's (a closure checkpoint differentiates)
                node.release()


def _run_hooks(node: Node, grad: Any, on_arrays: bool) -> Any:
    """The gradient reaching ``node`` after its hooks (per output index) read or replace it."""
    from ._ndarray import _wrap, ndarray
    grads = grad if isinstance(grad, list) else [grad]
    for index, hooks in node.hooks.items():
        value = grads[index]
        if value is None:
            continue
        for hook in list(hooks.values()):
            array = value if isinstance(value, ndarray) else _wrap(value, ndarray)
            replaced = hook(array)
            if replaced is None:
                continue
            if not isinstance(replaced, ndarray) or replaced.shape != node.shapes[index]:
                raise ValueError(
                    f"a gradient hook returned {getattr(replaced, 'shape', type(replaced))} "
                    f"for a gradient of shape {node.shapes[index]}; return an ndgrad array "
                    "of that shape, or None to keep the gradient")
            value = replaced if on_arrays else replaced._data
        grads[index] = value
    return grads if isinstance(grad, list) else grads[0]


def _answer_arrays(node: Node) -> Any:
    """The node's saved answer as ndarrays of its history (with its tangents, in forward
    mode), for rules that run on arrays."""
    from ._ndarray import _wrap, ndarray
    single = node.primitive.n_outputs == 1
    answers = (node.ans,) if single else node.ans
    arrays = []
    for index, answer in enumerate(answers):
        array = _wrap(answer, ndarray, node, index)
        if node.ans_tangents is not None and node.ans_tangents[index]:
            array._tangents = node.ans_tangents[index]
        arrays.append(array)
    return arrays[0] if single else tuple(arrays)


def _deliver(sink: GradSink, grad: Any, node: Node, on_arrays: bool,
             create_graph: bool) -> None:
    """Write (grad_req "write") or add ("add") a gradient into a variable's buffer."""
    with sink.lock:
        _deliver_locked(sink, grad, node, on_arrays, create_graph)


def _deliver_locked(sink: GradSink, grad: Any, node: Node, on_arrays: bool,
                    create_graph: bool) -> None:
    from ._ndarray import _wrap, ndarray
    buffer = sink.grad
    if on_arrays or buffer._node is not None:
        # The gradient is an array of its own (recorded, or carrying tangents): the buffer
        # takes its values and its history, and stays the buffer the user may have given
        # (mark_variables), as without create_graph.
        grad = grad if isinstance(grad, ndarray) else _wrap(numpy.asarray(grad), type(buffer))
        if create_graph:
            grad = recorded_at(grad, ((node, 0),))
        with flags(recording=create_graph or STATE.recording):
            buffer._take(grad if sink.grad_req == "write" else buffer + grad)
        return
    if isinstance(grad, ndarray):
        grad = grad._data
    if sink.grad_req == "write":
        numpy.copyto(buffer._data, grad)
    else:
        numpy.add(buffer._data, grad, out=buffer._data)
    buffer._version[0] += 1
