"""Where ndgrad spends its time per op, and which arrays make the big gradient's peak memory.

    .venv/bin/python bench/profile_ndgrad.py [--size N]

Not part of ``make bench`` (it takes a few seconds more): run it when working on the hot paths.
It reads ndgrad's internals (Node, Primitive, the engine) but changes nothing in them; the
memory timeline wraps a few functions in this process only.

1. cProfile of the chain's forward and backward (see chain_ops.py), per op.
2. The forward cost of one op taken apart with timeit: the NumPy call, ndgrad's call path with
   recording off, and with recording on; Node() and _wrap() alone.
3. The backward cost per op taken apart: the pullback of each node (rules included), counting
   dependents, version checks, release, and what is left for the engine's loop.
4. The big gradient's memory, step by step under tracemalloc (NumPy reports its array memory
   to tracemalloc): live memory after every primitive call and at each backward node.
"""

from __future__ import annotations

import argparse
import cProfile
import heapq
import pstats
import timeit
import tracemalloc

import chain_ops
import numpy

from ndgrad import _engine, autograd, np
from ndgrad._ndarray import _wrap, ndarray
from ndgrad._node import Node
from ndgrad._primitive import Primitive
from ndgrad._state import STATE

N_OPS = 1000


def best_us(function, number: int = 20000, repeat: int = 7) -> float:
    """Best time of one call, in microseconds."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number * 1e6


def record_chain(x0, n_ops: int = N_OPS):
    x = np.array(x0)
    x.attach_grad()
    with autograd.record():
        y = x
        for _ in range(n_ops // chain_ops.OPS_PER_BLOCK):
            y = y + np.tanh(np.sin(y)) * chain_ops.SCALE
            y = y + chain_ops.SHIFT
    return x, y


# -- 1. cProfile ---------------------------------------------------------------------------------

def cprofile_chain(runs: int = 20, top: int = 14) -> None:
    x0 = chain_ops.start_values()
    for _ in range(3):
        chain_ops.ndgrad_chain(x0, N_OPS)
    for phase in ("forward", "backward"):
        heads = [record_chain(x0)[1] for _ in range(runs)] if phase == "backward" else None
        profile = cProfile.Profile()
        profile.enable()
        if phase == "forward":
            for _ in range(runs):
                record_chain(x0)
        else:
            for y in heads:
                y.backward()
        profile.disable()
        stats = pstats.Stats(profile)
        total_ops = runs * N_OPS
        rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
        print(f"\n1. cProfile, {phase}: {runs} chains of {N_OPS} ops; microseconds per op "
              "(cProfile's own overhead inflates small Python functions; NumPy's ufuncs are "
              "invisible to it and count in their caller's 'own' time)")
        print(f"   {'own':>6} {'with callees':>12}  calls/op  function")
        for (filename, line, name), (_, calls, own, cumulative, _) in rows:
            where = filename.split("/src/")[-1].split("/bench/")[-1]
            print(f"   {own / total_ops * 1e6:6.2f} {cumulative / total_ops * 1e6:12.2f}  "
                  f"{calls / total_ops:8.2f}  {name} ({where}:{line})")


# -- 2. forward, taken apart ---------------------------------------------------------------------

def forward_breakdown() -> None:
    raw = chain_ops.start_values()
    plain = np.array(raw)              # no history: recording adds no node
    variable = np.array(raw)
    variable.attach_grad()
    ops = {                            # the chain's five ops: (NumPy, ndgrad on an array)
        "sin": (lambda: numpy.sin(raw), lambda x: np.sin(x)),
        "tanh": (lambda: numpy.tanh(raw), lambda x: np.tanh(x)),
        "* 0.1": (lambda: raw * 0.1, lambda x: x * 0.1),
        "+ array": (lambda: raw + raw, lambda x: x + x),
        "+ 0.2": (lambda: raw + 0.2, lambda x: x + 0.2),
    }
    print("\n2. Forward, one op taken apart (timeit, best of 7; microseconds)")
    print(f"   {'op':8} {'NumPy':>6} {'not recording':>14} {'recording':>10}")
    sums = numpy.zeros(3)
    for name, (numpy_op, ndgrad_op) in ops.items():
        times = [best_us(numpy_op), best_us(lambda op=ndgrad_op: op(plain))]
        with autograd.record():
            times.append(best_us(lambda op=ndgrad_op: op(variable)))
        sums += times
        print(f"   {name:8} {times[0]:6.2f} {times[1]:14.2f} {times[2]:10.2f}")
    mean = sums / len(ops)
    print(f"   {'mean':8} {mean[0]:6.2f} {mean[1]:14.2f} {mean[2]:10.2f}")
    result = _wrap(raw, ndarray)
    node_us = best_us(lambda: Node(Primitive.__call__, (None,), {}, (result,)))
    wrap_us = best_us(lambda: _wrap(raw, ndarray))
    print(f"   per op: NumPy {mean[0]:.2f}; call path without recording (operator dispatch, "
          f"operand unwrapping, _wrap) +{mean[1] - mean[0]:.2f}, of which _wrap {wrap_us:.2f}; "
          f"recording (_record) +{mean[2] - mean[1]:.2f}, of which Node() {node_us:.2f}")


# -- 3. backward, taken apart --------------------------------------------------------------------

def graph_nodes(head) -> list[Node]:
    nodes, stack, seen = [], [head._node], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(node.parents)
    return nodes


def backward_breakdown(runs: int = 30) -> None:
    x0 = chain_ops.start_values()
    backward_us = min(chain_ops.ndgrad_chain(x0, N_OPS)[1] for _ in range(runs)) / N_OPS * 1e6

    _, y = record_chain(x0)
    nodes = graph_nodes(y)
    g = numpy.ones_like(x0)
    one_block = {}                      # primitive name -> one node of the chain
    for node in nodes:
        if node.primitive is not None:
            key = node.primitive.name + ("" if node.primitive.name != "add" else
                                         " array" if all(node.parents) else " constant")
            one_block.setdefault(key, node)
    print(f"\n3. Backward, taken apart (microseconds). Whole backward: {backward_us:.2f} per op "
          f"(best of {runs} chains)")
    print(f"   {'node':14} {'pullback':>8}  (the rule with raw NumPy arrays, through "
          "Primitive.pullback)")
    pullback_total = 0.0
    STATE.raw_rules = True
    try:
        for key, node in sorted(one_block.items()):
            inputs = [v._data if isinstance(v, ndarray) else v for v in node.inputs] \
                if node.inputs is not None else [None] * len(node.parents)
            wanted = [parent is not None for parent in node.parents]
            cost = best_us(lambda node=node, inputs=inputs, wanted=wanted:
                           node.primitive.pullback(g, node.ans, inputs, node.params, wanted))
            pullback_total += cost
            print(f"   {key:14} {cost:8.2f}")
    finally:
        STATE.raw_rules = False
    pullback_per_op = pullback_total / len(one_block)
    sin_node, tanh_node = one_block["sin"], one_block["tanh"]
    # the engine takes nodes from a heap by sequence number: one push and one pop per node
    heap_per_op = best_us(lambda: heapq.heappop([(-1, sin_node)])) + best_us(
        lambda: heapq.heappush([], (-1, sin_node)))
    versions_us = (best_us(sin_node.check_versions) + best_us(tanh_node.check_versions)) / 2
    saving = 3 / chain_ops.OPS_PER_BLOCK     # sin, tanh and multiply save values: checked
    accumulate_per_op = best_us(lambda: _engine._accumulate({sin_node: g}, [], sin_node, 0, g)) \
        / chain_ops.OPS_PER_BLOCK            # one fan-out (y feeds sin and add) per block
    release_us = best_us(Node(None, (), {}, (y,)).release)
    rest = (backward_us - pullback_per_op - heap_per_op - saving * versions_us
            - accumulate_per_op - release_us)
    print(f"   per op: pullbacks {pullback_per_op:.2f}; the heap "
          f"{heap_per_op:.2f}; version checks {saving * versions_us:.2f}; "
          f"accumulating fan-out {accumulate_per_op:.2f}; release {release_us:.2f}; "
          f"the engine loop's own work {rest:.2f}")
    raw_rules = {
        "sin: g * cos(x)": lambda: g * numpy.cos(x0),
        "tanh: g * (1 - ans * ans)": lambda: g * (1 - x0 * x0),
        "multiply: g * 0.1": lambda: g * 0.1,
    }
    print("   the same rules written in NumPy directly: " + "; ".join(
        f"{name} {best_us(rule):.2f}" for name, rule in raw_rules.items()))


# -- 4. big gradient memory ----------------------------------------------------------------------

class MemoryTimeline:
    """Live traced memory after every primitive call and backward node, in arrays of x's size."""

    def __init__(self, unit: int) -> None:
        self.unit = unit
        self.rows: list[tuple[str, float, float]] = []
        self.depth = 0

    def mark(self, label: str) -> None:
        current, peak = tracemalloc.get_traced_memory()
        self.rows.append((label, current / self.unit, peak / self.unit))
        tracemalloc.reset_peak()

    def install(self):
        timeline = self
        call, pullback, deliver = Primitive.__call__, Primitive.pullback, _engine._deliver

        def traced_call(prim, *args, **params):
            out = call(prim, *args, **params)
            timeline.mark(("    rule: " if STATE.raw_rules else "forward: ") + prim.name)
            return out

        def traced_pullback(prim, g, ans, inputs, params, wanted):
            timeline.mark(f"  backward node {prim.name}: start")
            grads = pullback(prim, g, ans, inputs, params, wanted)
            timeline.mark(f"  backward node {prim.name}: rules done")
            return grads

        def traced_deliver(sink, grad, *rest):
            timeline.mark("  deliver to x.grad: start")
            deliver(sink, grad, *rest)
            timeline.mark("  deliver to x.grad: done")

        Primitive.__call__, Primitive.pullback = traced_call, traced_pullback
        _engine._deliver = traced_deliver

        def uninstall():
            Primitive.__call__, Primitive.pullback = call, pullback
            _engine._deliver = deliver
        return uninstall


def big_memory(size: int) -> None:
    x = np.array(numpy.random.default_rng(0).random(size, dtype=numpy.float32) * 6 - 3)
    timeline = MemoryTimeline(x.size * x.dtype.itemsize)
    tracemalloc.start()
    timeline.mark("baseline (x exists)")
    uninstall = timeline.install()
    try:
        x.attach_grad()
        timeline.mark("attach_grad")
        with autograd.record():
            y = np.sum(np.sin(x) * x**2 + np.exp(-x))
        timeline.mark("forward done (y exists)")
        y.backward()
        timeline.mark("backward done")
    finally:
        uninstall()
    base = timeline.rows[0][1]
    print(f"\n4. Big gradient memory under tracemalloc, x = {size:,} float32, in arrays of x's "
          "size above the baseline:\n   live at the row, and the peak since the row before "
          "(a peak marked on a 'start' row happened in\n   the engine's work after the "
          "previous node's rules)")
    print(f"   {'live':>5} {'peak':>5}  step")
    top = max(peak for _, _, peak in timeline.rows)
    for label, current, peak in timeline.rows:
        flag = "  <- overall peak" if peak == top else ""
        print(f"   {current - base:5.1f} {peak - base:5.1f}  {label}{flag}")
    tracemalloc.stop()

    def numpy_by_hand():
        value = numpy.sum(numpy.sin(x._data) * x._data**2 + numpy.exp(-x._data))
        grad = numpy.cos(x._data) * x._data**2 + 2 * x._data * numpy.sin(x._data) \
            - numpy.exp(-x._data)
        return value, grad
    tracemalloc.start()
    numpy_by_hand()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"   NumPy by hand, for comparison: peak {peak / timeline.unit:.1f} arrays of x's size")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    args = parser.parse_args()
    cprofile_chain()
    forward_breakdown()
    backward_breakdown()
    big_memory(args.size)


if __name__ == "__main__":
    main()
