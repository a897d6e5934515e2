"""The backward pass. Nothing here knows any particular op.

The graph hangs off the arrays (as in MXNet and PyTorch): each recorded array points to the
Node that produced it, each Node to its operands' nodes. Backward walks the nodes reachable
from the heads in reverse topological order, with a loop and a work stack (never recursion),
asks each node's primitive for its operands' gradients, sums gradients that meet, and hands
the totals to the gradient sinks that ``attach_grad`` created.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

import numpy

from ._forward import ANSWER_TANGENTS as answer_tangents
from ._ndarray import (
    _wrap,
    check_current,
    ndarray,
    not_recorded_message,
    prepare_write,
    share_version,
    to_numpy,
)
from ._node import ZERO_DERIVATIVE, GradSink, Node
from ._shaping import fit_gradient
from ._state import STATE, as_flag, flags
from .errors import GraphReleasedError, NotRecordedError


def recorded_at(value: Any, sources: Sequence[tuple[Node, int]]) -> Any:
    """``value`` (an ndarray, or raw data), recorded as depending on the outputs ``sources``
    (``(node, output index)`` pairs) with derivative zero, unless it is recorded already. A
    new array: the given one, perhaps the user's head gradient, is left as it is."""
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
        share_version(linked, value)
        tangents = getattr(value, "_tangents", None)
        if tangents:
            linked._tangents = tangents
    return linked


def _recorded_operands(node: Node) -> tuple[tuple[Node, int], ...]:
    """The recorded operands of ``node``, as ``(node, output index)`` pairs."""
    indices = node.parent_indices
    return tuple((parent, indices[position] if indices else 0)
                 for position, parent in enumerate(node.parents) if parent is not None)


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


def _accumulate(pending: dict, waiting: list, node: Node, index: int, grad: Any) -> None:
    """Add ``grad`` to what has reached output ``index`` of ``node`` so far (None: the node is
    reached with derivative zero, as through sign or floor); a node reached for the first
    time joins the ``waiting`` heap."""
    if node not in pending:
        heapq.heappush(waiting, (-node.seq, node))
        if node.more is None:
            pending[node] = grad
            return
        pending[node] = [None] * node.n_outputs
    if grad is None:
        return
    if node.more is None:
        total = pending[node]
        pending[node] = grad if total is None else total + grad
    else:
        slots = pending[node]
        slots[index] = grad if slots[index] is None else slots[index] + grad


def _full_cotangent(node: Node, slots: list, create_graph: bool) -> tuple:
    """A multi-output node's cotangents, with zeros for outputs nothing flowed into."""
    zeros = [numpy.zeros(node.output(index)[0], node.output(index)[1])
             for index in range(len(slots))]
    return tuple(slot if slot is not None else (_wrap(z, ndarray) if create_graph else z)
                 for slot, z in zip(slots, zeros))


def as_list(value: Any) -> tuple[list, bool]:
    if isinstance(value, (list, tuple)):
        return list(value), False
    return [value], True


def _check_head(head: Any) -> None:
    if not isinstance(head, ndarray):
        raise TypeError(f"backward heads must be ndgrad arrays, not {type(head).__name__}")
    if head._node is None:
        raise NotRecordedError(not_recorded_message(head, "head"))
    check_current(head)


def _head_grads(heads: list, head_grads: Any, single: bool, create_graph: bool) -> list:
    """One cotangent per head, checked against the head's shape (API.md semantics 1 and 2).

    While the backward pass is recorded or forward mode is on, a head gradient that is an
    ndgrad array is passed on as it is: its history and its tangents are part of what is
    differentiated (the pullback is a function of the cotangent, too)."""
    on_arrays = create_graph or STATE.forward_level > 0
    if single:
        given = [head_grads]
    elif head_grads is None:
        given = [None] * len(heads)
    else:
        given, _ = as_list(head_grads)
    if len(given) != len(heads):
        raise ValueError(f"got {len(given)} head gradients for {len(heads)} heads; pass one "
                         "per head (None for ones)")
    result = []
    for head, head_grad in zip(heads, given):
        if head_grad is None:
            if head.dtype.kind == "c":
                raise TypeError(
                    f"backward() of a complex array (shape {head.shape}) needs a head "
                    "gradient: ones would differentiate the real part of its sum without "
                    "saying so; backpropagate a real loss (np.real(y), np.abs(y) ** 2), or "
                    "pass out_grad (with ones it gives f'(z) for a holomorphic f)")
            data = numpy.ones(head.shape, dtype=head.dtype)
            result.append(_wrap(data, type(head)) if on_arrays else data)
            continue
        data = to_numpy(head_grad)
        if data.shape != head.shape:
            raise ValueError(
                f"head gradient has shape {data.shape} but the head has shape {head.shape}; "
                f"pass out_grad with shape {head.shape} or omit it to use ones")
        if on_arrays and isinstance(head_grad, ndarray):
            result.append(head_grad if head_grad.dtype == head.dtype
                          else head_grad.astype(head.dtype))
        else:
            data = data.astype(head.dtype, copy=False)
            result.append(_wrap(data, type(head)) if on_arrays else data)
    return result


def backward_from(heads: Any, head_grads: Any = None, *, retain_graph: bool = False,
                  create_graph: bool = False, train_mode: bool = True,
                  hold: Any = None) -> None:
    """``autograd.backward`` (documented there): the arguments checked, the head gradients
    made, and the pass run."""
    heads, single = as_list(heads)
    retain_graph, create_graph = (as_flag(retain_graph, "retain_graph"),
                                  as_flag(create_graph, "create_graph"))
    for head in heads:
        _check_head(head)
    held = held_nodes(heads, hold)
    cotangents = _head_grads(heads, head_grads, single, create_graph)
    with flags(training=as_flag(train_mode, "train_mode")):
        backward(heads, cotangents, retain_graph=retain_graph or create_graph,
                         create_graph=create_graph, held=held)


def gradients(heads: Any, variables: Any, head_grads: Any = None, *,
              retain_graph: bool | None = None, create_graph: bool = False,
              train_mode: bool = True, hold: Any = None) -> list:
    """``autograd.grad`` (documented there): the gradients reaching ``variables``, returned
    instead of delivered to their sinks."""
    heads, single_head = as_list(heads)
    variables, _ = as_list(variables)
    create_graph = as_flag(create_graph, "create_graph")
    train_mode = as_flag(train_mode, "train_mode")
    if retain_graph is not None:
        retain_graph = as_flag(retain_graph, "retain_graph")
    for head in heads:
        _check_head(head)
    capture: dict = {}
    for variable in variables:
        if not isinstance(variable, ndarray):
            raise TypeError(f"variables must be ndgrad arrays, not {type(variable).__name__}")
        if variable._node is None:
            raise ValueError(
                f"a variable of shape {variable.shape} is not part of any recorded graph; "
                "call attach_grad() on it before computing the heads inside "
                "autograd.record()")
        capture[variable._node, variable._index] = None
    held = held_nodes(heads, hold)
    cotangents = _head_grads(heads, head_grads, single_head, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    with flags(training=train_mode):
        backward(heads, cotangents, retain_graph=retain_graph or create_graph,
                         create_graph=create_graph, capture=capture, held=held)
    results = []
    for variable in variables:
        value = capture[variable._node, variable._index]
        if value is None:
            value = numpy.zeros(variable.shape, dtype=variable.dtype)
            if create_graph:
                value = recorded_at(value, ((variable._node, variable._index),))
        if not isinstance(value, ndarray):
            # copied: one NumPy array may have reached several variables (x + y)
            value = _wrap(numpy.array(value, dtype=variable.dtype), type(variable))
        results.append(value)
    return results


def held_nodes(heads: Sequence[Any], hold: Any) -> dict[Node, frozenset[int]] | None:
    """The values ``hold`` names (an array or a list of them), as ``{node: output indices}``,
    each checked to be an ndgrad array in the graph of ``heads`` (recorded ones); None when
    nothing is held."""
    if hold is None:
        return None
    arrays, _ = as_list(hold)
    held: dict[Node, set[int]] = {}
    for array in arrays:
        if not isinstance(array, ndarray):
            raise TypeError(f"hold= takes the ndgrad arrays to hold constant (recorded "
                            f"intermediates or variables), not {type(array).__name__}")
        if array._node is None:
            raise ValueError(
                f"hold=: an array of shape {array.shape} has no recorded history, so it is not "
                "in the graph of the heads; hold values the heads were computed from inside "
                "autograd.record()")
        held.setdefault(array._node, set()).add(array._index)
    if not held:
        return None
    roots = [head._node for head in heads]
    if not any(root.released for root in roots):        # else backward names the freed graph
        in_graph = _leading_to(roots, set(held))
        for array in arrays:
            if array._node not in in_graph:
                raise ValueError(
                    f"hold=: an array of shape {array.shape} (made by '{array._node.name}') is "
                    "not in the graph of the heads: they were not computed from it, so "
                    "holding it constant means nothing; hold an intermediate the heads "
                    "depend on")
    return {node: frozenset(indices) for node, indices in held.items()}


def _held_back(node: Node, grad: Any, indices: frozenset[int]) -> Any:
    """The gradient ``node`` passes to its operands when hold= holds its outputs ``indices``:
    None when every output is held, else the held outputs' slots emptied."""
    if node.more is None or len(indices) == node.n_outputs:
        return None
    grad = [None if index in indices else slot for index, slot in enumerate(grad)]
    return None if all(slot is None for slot in grad) else grad


def backward(heads: Sequence[Any], head_grads: Sequence[Any], *, retain_graph: bool,
             create_graph: bool, capture: dict[tuple[Node, int], Any] | None = None,
             held: dict[Node, frozenset[int]] | None = None) -> None:
    """Propagate ``head_grads`` from ``heads`` to every gradient sink they reach.

    ``heads`` are recorded arrays; ``head_grads`` their cotangents, already checked and of the
    heads' shapes (raw NumPy, or ndarrays when ``create_graph``). With ``capture`` (a dict
    keyed by ``(node, output index)``), the gradients reaching those nodes are stored in it
    instead of being delivered to sinks: that is ``autograd.grad``. With ``held`` (from
    ``held_nodes``), the gradient reaching those outputs is captured or delivered there but
    passed to no operand: their values are constants to this pass (``hold=``).

    Nodes are taken from a heap in decreasing sequence order: every node that uses a node's
    output was created after it, so when a node is taken, all the gradient it will receive
    has arrived (and nothing is counted beforehand).
    """
    # The rules run on ndarrays when the backward pass is recorded, and in forward mode, whose
    # tangents ride on the saved arrays (forward-over-reverse); otherwise on raw NumPy.
    on_arrays = create_graph or STATE.forward_level > 0
    pending: dict[Node, Any] = {}
    waiting: list = []
    for head, grad in zip(heads, head_grads):
        if head._node.released:
            raise GraphReleasedError(
                f"the graph of this head (shape {head.shape}) was freed by an earlier "
                "backward; pass retain_graph=True to the first backward to differentiate it "
                "again")
        _accumulate(pending, waiting, head._node, head._index, grad)
    # autograd.grad walks only the nodes on a path to a target: it neither computes gradients
    # nobody asked for nor frees graph beyond the targets (a checkpoint's recomputation, or a
    # custom rule's, stops where the caller's graph begins)
    targets = None if capture is None else {node for node, _ in capture}
    on_path = None if targets is None else _leading_to([h._node for h in heads], targets)

    # NumPy's warnings belong to the forward, where the user's values are: a rule meeting the
    # forward's singular point (the slope of sqrt at 0) gives inf or nan silently, as backward's
    # answer, never a warning the user's own code did not cause
    watchers = STATE.watchers
    with flags(recording=create_graph, raw_rules=not on_arrays), \
            numpy.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        while waiting:
            node = heapq.heappop(waiting)[1]
            grad = pending.pop(node)
            if on_path is not None and node not in on_path:
                continue
            if node.more is not None and all(slot is None for slot in grad):
                grad = None
            if grad is None:
                _reached_with_zero(node, pending, waiting, on_path, capture, retain_graph,
                                   targets, on_arrays, create_graph, held)
                continue
            if node.hooks is not None:
                grad = _run_hooks(node, grad, on_arrays)
            if capture is not None:
                # each node is taken once, so its total gradient is final here
                for index in range(node.n_outputs):
                    if (node, index) in capture:
                        value = grad[index] if isinstance(grad, list) else grad
                        if create_graph and value is not None:
                            value = recorded_at(value, ((node, index),))
                        capture[node, index] = value
            elif node.sink is not None:
                _deliver(node.sink, grad, node, on_arrays, create_graph)
            primitive = node.primitive
            if primitive is None:
                continue
            if held is not None and node in held:
                grad = _held_back(node, grad, held[node])
                if grad is None:
                    if not retain_graph and (targets is None or node not in targets):
                        node.release()
                    continue
            if node.released:
                raise GraphReleasedError(
                    f"the graph through '{node.name}' was freed by an earlier backward; pass "
                    "retain_graph=True to the first backward to differentiate it again")
            if node.inputs is not None or node.ans_counter is not None:
                node.check_versions()
            if node.more is not None:
                grad = _full_cotangent(node, grad, on_arrays)
            parents = node.parents
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
            wanted = parents if on_path is None else tuple(
                parent if parent in on_path else None for parent in parents)
            operand_grads = primitive.pullback(grad, ans, inputs, node.params, wanted)
            if watchers:
                for watcher in watchers:
                    watcher.after_rule(node, grad, operand_grads)
            # drop references at once, so dead arrays do not raise the peak memory
            del grad, ans, inputs
            parent_indices = node.parent_indices
            for position, parent in enumerate(wanted):
                if parent is None:
                    continue
                operand_grad = operand_grads[position]
                index = parent_indices[position] if parent_indices else 0
                if operand_grad is None:
                    _accumulate(pending, waiting, parent, index, None)
                    continue
                if index == 0:
                    shape, dtype = parent.shape, parent.dtype
                else:
                    shape, dtype = parent.more[index - 1]
                if operand_grad.shape != shape or (operand_grad.dtype is not dtype
                                                   and operand_grad.dtype != dtype):
                    operand_grad = fit_gradient(operand_grad, shape, dtype)
                if create_graph:
                    operand_grad = recorded_at(operand_grad, _recorded_operands(node))
                _accumulate(pending, waiting, parent, index, operand_grad)
            del operand_grads
            if not retain_graph and (targets is None or node not in targets):
                # a target's own graph is the caller's (a closure checkpoint differentiates)
                node.release()


def _reached_with_zero(node: Node, pending: dict, waiting: list, on_path: set | None,
                       capture: dict | None, retain_graph: bool, targets: set | None,
                       on_arrays: bool, create_graph: bool,
                       held: dict[Node, frozenset[int]] | None) -> None:
    """A node whose gradient is zero (every path to it went through a derivative of zero):
    a "write" sink is overwritten with zeros, and its operands are reached the same way
    (unless hold= holds every output of the node)."""
    if capture is None and node.sink is not None and node.sink.grad_req == "write":
        _deliver(node.sink, numpy.zeros(node.shape, node.dtype), node, on_arrays, create_graph)
    if node.primitive is None:
        return
    if held is None or node not in held or len(held[node]) < node.n_outputs:
        for parent, index in _recorded_operands(node):
            if on_path is None or parent in on_path:
                _accumulate(pending, waiting, parent, index, None)
    if not retain_graph and (targets is None or node not in targets):
        node.release()


def _run_hooks(node: Node, grad: Any, on_arrays: bool) -> Any:
    """The gradient reaching ``node`` after its hooks (per output index) read or replace it."""
    grads = grad if isinstance(grad, list) else [grad]
    assert node.hooks is not None          # called only for a node with hooks
    for index, hooks in node.hooks.items():
        value = grads[index]
        if value is None:
            continue
        for hook in list(hooks.values()):
            array = value if isinstance(value, ndarray) else _wrap(value, ndarray)
            replaced = hook(array)
            if replaced is None:
                continue
            if not isinstance(replaced, ndarray) or replaced.shape != node.output(index)[0]:
                raise ValueError(
                    f"a gradient hook returned {getattr(replaced, 'shape', type(replaced))} "
                    f"for a gradient of shape {node.output(index)[0]}; return an ndgrad array "
                    "of that shape, or None to keep the gradient")
            value = replaced if on_arrays else replaced._data
        grads[index] = value
    return grads if isinstance(grad, list) else grads[0]


def _answer_arrays(node: Node) -> Any:
    """The node's saved answer as ndarrays of its history (with its tangents, in forward
    mode), for rules that run on arrays."""
    single = node.more is None
    answers = (node.ans,) if single else node.ans
    arrays = []
    for index, answer in enumerate(answers):
        array = _wrap(answer, ndarray, node, index)
        tangents = answer_tangents.get(node)
        if tangents is not None and tangents[index]:
            array._tangents = tangents[index]
        arrays.append(array)
    return arrays[0] if single else tuple(arrays)


def _deliver(sink: GradSink, grad: Any, node: Node, on_arrays: bool,
             create_graph: bool) -> None:
    """Write (grad_req "write") or add ("add") a gradient into a variable's buffer."""
    with sink.lock:
        _deliver_locked(sink, grad, node, on_arrays, create_graph)


def _deliver_locked(sink: GradSink, grad: Any, node: Node, on_arrays: bool,
                    create_graph: bool) -> None:
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
    prepare_write(buffer)
    if sink.grad_req == "write":
        numpy.copyto(buffer._data, grad)
    else:
        numpy.add(buffer._data, grad, out=buffer._data)
    buffer._version[0] += 1
