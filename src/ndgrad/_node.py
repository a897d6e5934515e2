"""The graph node: one recorded primitive call, the gradient sink of a variable, where a
history was cut, and gradient-hook handles. Below the array, so the array can point to its
node; nothing here knows any op or runs backward (that is the engine, above the ops).
"""

from __future__ import annotations

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
        self.ans_versions = self.ans_tangents = self.sink = self.hooks = None
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
