"""The graph node: one recorded primitive call, the gradient sink of a variable, where a
history was cut, and gradient-hook handles. Below the array, so the array can point to its
node; nothing here knows any op or runs backward (that is the engine, above the ops).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from .errors import InPlaceModifiedError


class GradSink:
    """Where backward leaves a variable's gradient: the buffer, the grad_req, and a lock, so
    that backward passes in several threads add into one buffer without losing updates
    (NumPy releases the GIL inside the addition)."""

    __slots__ = ("grad", "grad_req", "lock")

    def __init__(self, grad: Any, grad_req: str) -> None:
        self.grad = grad
        self.grad_req = grad_req
        self.lock = threading.Lock()


_SEQUENCE = itertools.count()
EMPTY: dict = {}            # the params of a call that has none: one shared, never written
# Data only tools read, kept beside the graph (weakly: it never keeps a node alive):
CUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()       # node -> {position: Cut}
VARIABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # leaf -> weakref(array)


class Node:
    """One recorded primitive call (or a variable's leaf, when ``primitive`` is None).

    Keeps only what backward needs: the primitive, the operands' nodes (and which output of
    each, when not the first), the static parameters, the values the rules declared they need
    with the version each had, the results' shapes and dtypes, the gradient sink and hooks,
    and a sequence number: a node is created after its operands' nodes, so backward takes
    nodes in decreasing sequence order, which is a topological order, with no counting pass.
    Saved values are dropped as soon as backward has used them.

    ``versions`` is None when every saved operand array was at version 0 (the common case,
    so no tuple is made); ``ans_counter``/``ans_version`` hold the saved answers' counters.
    """

    __slots__ = (
        "__weakref__",
        "ans",
        "ans_counter",
        "ans_version",
        "dtype",
        "hooks",
        "inputs",
        "more",
        "params",
        "parent_indices",
        "parents",
        "primitive",
        "released",
        "seq",
        "shape",
        "sink",
        "versions",
    )
    # the slots that start as None (declared here: __init__ sets them in one chained line)
    parent_indices: tuple[int, ...] | None      # which output of each operand, when not all 0
    inputs: tuple[Any, ...] | None
    versions: tuple[int | None, ...] | None
    ans: Any                    # one output's data, or a tuple of them (multi-output ops)
    ans_counter: Any            # the answer's version counter, or a tuple of them
    ans_version: Any            # the counter's value when saved, or a tuple of them
    sink: GradSink | None
    hooks: dict[int, dict[Any, Any]] | None      # output index -> {handle key: hook}

    def __init__(self, primitive: Any, parents: tuple, params: dict, results: Sequence[Any]):
        self.primitive = primitive
        self.parents = parents
        self.params = params
        self.parent_indices = self.inputs = self.versions = self.ans = None
        self.ans_counter = self.ans_version = self.sink = self.hooks = None
        self.released = False
        self.seq = next(_SEQUENCE)
        data = results[0]._data
        self.shape = data.shape
        self.dtype = data.dtype
        # outputs after the first: ((shape, dtype), ...), None for a one-output op
        self.more = None if len(results) == 1 else tuple(
            [(r._data.shape, r._data.dtype) for r in results[1:]])

    @classmethod
    def leaf(cls, array: Any, sink: GradSink | None) -> Node:
        node = cls(None, (), EMPTY, (array,))
        node.sink = sink
        VARIABLES[node] = weakref.ref(array)
        return node

    @property
    def name(self) -> str:
        return "variable" if self.primitive is None else self.primitive.name

    @property
    def shapes(self) -> tuple:
        """Every output's shape."""
        return (self.shape,) + tuple(shape for shape, _ in self.more or ())

    @property
    def dtypes(self) -> tuple:
        """Every output's dtype."""
        return (self.dtype,) + tuple(dtype for _, dtype in self.more or ())

    @property
    def n_outputs(self) -> int:
        return 1 if self.more is None else 1 + len(self.more)

    def output(self, index: int) -> tuple:
        """(shape, dtype) of output ``index``."""
        if index == 0:
            return (self.shape, self.dtype)
        assert self.more is not None        # an index past 0 is of a multi-output node
        return self.more[index - 1]

    @property
    def cuts(self) -> dict | None:
        """{operand position: Cut} for the operands that detach()/pause() cut (tools only)."""
        return CUTS.get(self)

    @property
    def variable(self) -> Any:
        """A leaf's array, held weakly (for pictures of the graph); None for other nodes."""
        return VARIABLES.get(self)

    def release(self) -> None:
        """Drop what the rules needed: the graph below this node can no longer be walked."""
        self.inputs = self.ans = self.versions = self.ans_counter = None
        self.parents = ()
        self.released = True

    def check_versions(self) -> None:
        """Refuse to differentiate with a saved value that was modified in place since."""
        stale = None
        inputs = self.inputs
        if inputs is not None and self.primitive.save_inputs:
            versions = self.versions
            parents = self.parents
            # with reads_others_only, operand i is read only when another operand is recorded
            recorded = (sum(parent is not None for parent in parents)
                        if self.primitive.reads_others_only else None)
            for position, value in enumerate(inputs):
                counter = getattr(value, "_version", None)
                if counter is None or (recorded is not None and
                                       recorded - (parents[position] is not None) == 0):
                    continue
                if counter[0] != (versions[position] if versions is not None else 0):
                    stale = value._data.shape
                    break
        counter = self.ans_counter
        if stale is None and counter is not None:
            if self.more is None:
                if counter[0] != self.ans_version:
                    stale = self.shape
            elif any(c[0] != v for c, v in zip(counter, self.ans_version)):
                stale = self.shape
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


class Cut:
    """Where an array's history was cut: the node and output it was detached from (held
    weakly, so a cut never keeps a graph alive) and how ("detach()" or "pause()")."""

    __slots__ = ("_node", "how", "index")

    def __init__(self, node: Node, index: int, how: str) -> None:
        self._node = weakref.ref(node)
        self.index = index
        self.how = how

    @property
    def node(self) -> Node | None:
        return self._node()


class HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook away."""

    def __init__(self, hooks: dict, hook: Any) -> None:
        self._hooks = hooks
        self._key = object()
        hooks[self._key] = hook

    def remove(self) -> None:
        self._hooks.pop(self._key, None)
