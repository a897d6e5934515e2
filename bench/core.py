"""``make bench``, part 4: the core-redesign workloads W1-W6, ndgrad against PyTorch eager
(CPU) and, for W3, against the best hand-written NumPy, at 1 and 2 threads.

W1  1,000 elementwise ops cycling ``y*w, y+x, sin, exp, tanh`` (from y = x) on float32 x and w
    of shape (4,), both needing gradients; forward, then backward of the last y (head
    gradient ones) to x and w. Microseconds per op.
W2  One SGD step of a 784-256-256-10 ReLU MLP, batch 128, softmax cross-entropy, float32
    (bench/mlp.py's workers, with its NumPy-by-hand step as a third column). ms per step.
W3  Value and gradient of ``sum(sin(x)*x**2 + exp(-x))`` over 10,000,000 float32 values
    (bench/big_gradient.py's input, ndgrad and PyTorch versions and peak-RSS measurement),
    against the best hand-written NumPy: ``cos(x)*x**2 + 2*x*sin(x) - exp(-x)`` and the value
    computed in place with ``out=`` buffers, two arrays of x's size in all (the gradient and
    one scratch buffer). ms and peak MB.
W4  W1's cycle, 100,000 ops on 0-d float32 x and w, forward and backward: microseconds per op
    with the garbage collector on (as shipped) and off (gc.disable()), the collections per
    1,000 ops of each generation (gc.get_stats() deltas over forward + backward), and for
    ndgrad the tracemalloc peak during the recorded forward, less the baseline, per node.
W5  Hessian-vector product of the Rosenbrock function on 1,000 float64 values by double
    backward (ndgrad: autograd.grad(create_graph=True), then backward of (g*v).sum();
    PyTorch: torch.autograd.grad twice). ms per HVP.
W6  The D2L autograd chapter's control-flow function (doubling while the norm is under 1,000,
    then a branch on the sign) on a 0-d float32 normal ``a``: record, d = f(a), d.backward().
    Microseconds per call, over 16 values of ``a`` (both signs, so both branches).

Every implementation runs in a fresh process per workload, thread count and round
(``python bench/core.py worker W IMPL ...`` prints one JSON line; bench/mlp.py's worker for
W2), the rounds interleaved so that a noisy spell on the machine is unlikely to hit one
implementation only. The thread count is set through OMP_NUM_THREADS, MKL_NUM_THREADS and
OPENBLAS_NUM_THREADS and torch.set_num_threads. Times are medians of every timed run of every
round (the JSON also has the best, and the load average at the start and the end: other work
on this 2-core machine shows in the times). The answers are cross-checked before anything is reported: values and gradients agree
between the implementations to float rounding (W2: the losses step by step; W5: also with
the closed-form Hessian; W6: also a.grad == d / a).

The targets are reported, never asserted. Without PyTorch its rows and targets are skipped.

    python bench/core.py [--quick] [--json PATH] [--rounds N] [--threads 1,2] [--only W1,W3]

About 2 minutes on an idle 2-core machine (--quick: about 30 s, on smaller W3 and W4); the
results go to build/bench_core.json unless --json says where, for before/after comparisons.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import os
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

import big_gradient
import numpy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1e6
HAVE_TORCH = importlib.util.find_spec("torch") is not None
NAMES = {"ndgrad": "ndgrad", "torch": "PyTorch eager", "numpy": "NumPy by hand",
         "numpy_inplace": "NumPy in place"}


def harness():
    """bench/run.py (run_worker, table, environment, the checks), for the parent process
    only: it imports PyTorch, which a worker that measures ndgrad must not load."""
    import run
    return run


def import_blocking(module: str, blocked: tuple[str, ...]):
    """Import a bench/ module with ``blocked`` libraries unimportable, so that its optional
    ``try: import torch`` finds none and a worker loads only the library it measures."""
    for name in blocked:
        sys.modules.setdefault(name, None)
    try:
        return importlib.import_module(module)
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


# == the workloads =================================================================================

CYCLE = 5          # ops per block of the cycle


def cycle(x, w, lib, n_ops: int):
    """W1 and W4: ``n_ops`` ops cycling y*w, y+x, sin, exp, tanh from y = x (``lib`` is
    ndgrad.np or torch). tanh keeps y in (-1, 1), so nothing overflows."""
    y = x
    for _ in range(n_ops // CYCLE):
        y = y * w
        y = y + x
        y = lib.sin(y)
        y = lib.exp(y)
        y = lib.tanh(y)
    return y


def cycle_inputs(shape: tuple[int, ...]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """x uniform in [-0.5, 0.5], w uniform in [0.5, 0.9], float32."""
    rng = numpy.random.default_rng(0)
    x = rng.uniform(-0.5, 0.5, shape).astype(numpy.float32)
    w = rng.uniform(0.5, 0.9, shape).astype(numpy.float32)
    return x, w


def ndgrad_cycle(x0, w0, n_ops: int) -> tuple:
    """(forward s, backward s, y, dy/dx, dy/dw); the backward's head gradient is ones."""
    from ndgrad import autograd, np

    x, w = np.array(x0), np.array(w0)
    x.attach_grad()
    w.attach_grad()
    start = perf_counter()
    with autograd.record():
        y = cycle(x, w, np, n_ops)
    middle = perf_counter()
    y.backward()
    end = perf_counter()
    return middle - start, end - middle, y.asnumpy(), x.grad.asnumpy(), w.grad.asnumpy()


def torch_cycle(x0, w0, n_ops: int) -> tuple:
    import torch

    x = torch.tensor(x0, requires_grad=True)
    w = torch.tensor(w0, requires_grad=True)
    start = perf_counter()
    y = cycle(x, w, torch, n_ops)
    middle = perf_counter()
    y.backward(torch.ones_like(y))
    end = perf_counter()
    return (middle - start, end - middle, y.detach().numpy(), x.grad.numpy(),
            w.grad.numpy())


CYCLES = {"ndgrad": ndgrad_cycle, "torch": torch_cycle}


def ndgrad_forward_memory(x0, w0, n_ops: int) -> dict:
    """W4: tracemalloc's peak during the recorded forward over the baseline just before it
    (x and w exist), and what is still held at its end (the graph), in bytes."""
    from ndgrad import autograd, np

    x, w = np.array(x0), np.array(w0)
    x.attach_grad()
    w.attach_grad()
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    with autograd.record():
        y = cycle(x, w, np, n_ops)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del y
    return {"peak_bytes": peak - baseline, "held_bytes": current - baseline}


def numpy_inplace_value_and_grad(x):
    """W3 by hand, as fast and lean as NumPy allows: every step in place, with ``out=``, in
    two arrays of x's size (the gradient and one scratch buffer)."""
    grad = numpy.cos(x)
    grad *= x
    grad *= x                                 # cos(x) x^2
    scratch = numpy.sin(x)
    scratch *= x                              # x sin(x)
    grad += scratch
    grad += scratch                           # + 2 x sin(x)
    scratch *= x                              # sin(x) x^2
    value = scratch.sum()
    numpy.negative(x, out=scratch)
    numpy.exp(scratch, out=scratch)           # exp(-x)
    value += scratch.sum()
    grad -= scratch                           # - exp(-x)
    return value, grad


def hvp_inputs(n: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """x and v, float64 standard normal (bench/transforms.py's)."""
    rng = numpy.random.default_rng(0)
    return rng.standard_normal(n), rng.standard_normal(n)


def control_flow(a, lib):
    """W6: the seed's function (D2L, 'Automatic Differentiation'); ``lib`` is ndgrad.np or
    torch."""
    b = a * 2
    while lib.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def control_flow_inputs(count: int = 16) -> numpy.ndarray:
    return numpy.random.default_rng(0).standard_normal(count).astype(numpy.float32)


# == the workers: one implementation of one workload in this process, one JSON line ===============

def gc_collections() -> list[int]:
    return [generation["collections"] for generation in gc.get_stats()]


def timed(run: Callable[[], Any], warmup: int, repeats: int) -> tuple[list[float], Any]:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = perf_counter()
        answer = run()
        times.append(perf_counter() - start)
    return times, answer


def worker_w1(impl: str, args) -> dict:
    x0, w0 = cycle_inputs((4,))
    chain = CYCLES[impl]
    runs = []
    for index in range(args.warmup + args.repeats):
        forward, backward, value, gx, gw = chain(x0, w0, args.n_ops)
        if index >= args.warmup:
            runs.append((forward, backward))
    return {"forward_s": [f for f, _ in runs], "backward_s": [b for _, b in runs],
            "value": value.tolist(), "grad_x": gx.tolist(), "grad_w": gw.tolist()}


def worker_w4(impl: str, args) -> dict:
    x0, w0 = cycle_inputs(())
    chain = CYCLES[impl]
    chain(x0, w0, 1000)                               # warm-up
    result: dict[str, Any] = {"total_s": [], "gc_off_total_s": [], "gc_collections": []}
    for _ in range(args.repeats):
        gc.collect()
        before = gc_collections()
        forward, backward, value, gx, gw = chain(x0, w0, args.n_ops)
        result["gc_collections"].append([b - a for a, b in zip(before, gc_collections())])
        result["total_s"].append(forward + backward)
        del value, gx, gw
    gc.collect()
    gc.disable()
    try:
        for _ in range(args.repeats):
            gc.collect()
            forward, backward, value, gx, gw = chain(x0, w0, args.n_ops)
            result["gc_off_total_s"].append(forward + backward)
    finally:
        gc.enable()
    if impl == "ndgrad":
        result.update(ndgrad_forward_memory(x0, w0, args.n_ops))
    result.update(value=float(value), grad_x=float(gx), grad_w=float(gw))
    return result


def worker_w3(impl: str, args) -> dict:
    """bench/big_gradient.py's measurement (first run: time and peak RSS; then timed runs),
    with NumPy in place as the reference."""
    if impl == "numpy_inplace":
        function, x, to_numpy = (numpy_inplace_value_and_grad,
                                 big_gradient.input_values(args.size), numpy.asarray)
    else:
        function, x, to_numpy = big_gradient.prepare(impl, args.size, args.threads)
    times, value, grad, increase, baseline, method = big_gradient.timed_runs(
        function, x, args.repeats)
    numpy.save(args.grad_file, to_numpy(grad))
    return {"times_s": times, "peak_increase_bytes": increase, "baseline_rss_bytes": baseline,
            "memory_method": method, "value": float(value)}


def worker_w5(impl: str, args) -> dict:
    x0, v0 = hvp_inputs(args.n)
    if impl == "ndgrad":
        rosenbrock = import_blocking("transforms", ("torch", "jax")).rosenbrock
        from ndgrad import autograd, np

        x, v = np.array(x0), np.array(v0)
        x.attach_grad()

        def hvp():
            with autograd.record():
                g = autograd.grad(rosenbrock(x, np), x, create_graph=True)[0]
                s = (g * v).sum()
            s.backward()
            return x.grad

        def to_numpy(a):
            return a.asnumpy()
    else:
        import torch

        rosenbrock = import_blocking("transforms", ("jax",)).rosenbrock
        x, v = torch.tensor(x0, requires_grad=True), torch.tensor(v0)

        def hvp():
            (g,) = torch.autograd.grad(rosenbrock(x, torch), x, create_graph=True)
            (hv,) = torch.autograd.grad((g * v).sum(), x)
            return hv

        def to_numpy(a):
            return a.numpy()
    times, answer = timed(hvp, args.warmup, args.repeats)
    return {"times_s": times, "hvp": to_numpy(answer).tolist()}


def worker_w6(impl: str, args) -> dict:
    values = control_flow_inputs()
    if impl == "ndgrad":
        from ndgrad import autograd, np

        arrays = [np.array(value) for value in values]
        for a in arrays:
            a.attach_grad()

        def call(a):
            with autograd.record():
                d = control_flow(a, np)
            d.backward()
            return d

        def answers(a, d):
            return d.asnumpy(), a.grad.asnumpy()
    else:
        import torch

        arrays = [torch.tensor(value, requires_grad=True) for value in values]

        def call(a):
            d = control_flow(a, torch)
            d.backward()
            return d

        def answers(a, d):
            return d.detach().numpy(), a.grad.numpy()
    times = []
    for index in range(args.warmup + args.repeats):
        for a in arrays:
            if impl == "torch":
                a.grad = None                # PyTorch accumulates; ndgrad overwrites
            start = perf_counter()
            call(a)
            if index >= args.warmup:
                times.append(perf_counter() - start)
    found = []
    for a in arrays:
        if impl == "torch":
            a.grad = None
        found.append(answers(a, call(a)))
    return {"call_s": times, "d": [float(d) for d, _ in found],
            "grad": [float(g) for _, g in found]}


WORKERS = {"W1": worker_w1, "W3": worker_w3, "W4": worker_w4, "W5": worker_w5,
           "W6": worker_w6}


def worker_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="time one implementation of one workload")
    parser.add_argument("workload", choices=sorted(WORKERS))
    parser.add_argument("impl", choices=["ndgrad", "torch", "numpy_inplace"])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--n-ops", type=int, default=1000)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--grad-file")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"workload": args.workload, "impl": args.impl}
    if args.impl == "torch":
        import torch
        torch.set_num_threads(args.threads)
        result["torch_threads"] = torch.get_num_threads()
    result.update(WORKERS[args.workload](args.impl, args))
    print(json.dumps(result))


# == the parent: run the workers, check, summarise, report ==========================================

def thread_env(threads: int) -> dict[str, str]:
    return dict(os.environ, **{name: str(threads) for name in harness().BLAS_THREAD_VARIABLES})


def measure(command: Callable[[str, int], list[str]], impls: list[str], threads_list: list[int],
            rounds: int) -> dict[int, dict[str, list[dict]]]:
    """Every implementation at every thread count in a fresh process, ``rounds`` times, the
    rounds outermost; returns {threads: {impl: [the worker's JSON, one per round]}}."""
    run_worker = harness().run_worker
    found: dict[int, dict[str, list[dict]]] = {t: {i: [] for i in impls} for t in threads_list}
    for _ in range(rounds):
        for threads in threads_list:
            for impl in impls:
                found[threads][impl].append(run_worker(command(impl, threads),
                                                       env=thread_env(threads)))
    return found


def core_command(workload: str, *options: Any) -> Callable[[str, int], list[str]]:
    def command(impl: str, threads: int) -> list[str]:
        return [str(HERE / "core.py"), "worker", workload, impl, "--threads", str(threads),
                *map(str, options)]
    return command


def pooled(runs: list[dict], key: str) -> list[float]:
    return [value for run in runs for value in run[key]]


def median(values: list[float]) -> float:
    return float(numpy.median(values))


def check_close(found: dict, reference: str, keys: tuple[str, ...], rtol: float,
                atol: float, what: str) -> None:
    for impl, answer in found.items():
        for key in keys:
            numpy.testing.assert_allclose(answer[key], found[reference][key], rtol=rtol,
                                          atol=atol, err_msg=f"{what}: {impl} {key}")


def check_cycle_answers(found: dict, what: str) -> None:
    """Same value and gradients (float32 rounding over the chain aside); the gradients a real
    test: finite, not vanished."""
    for key in ("grad_x", "grad_w"):
        grad = numpy.asarray(found["ndgrad"][key])
        assert numpy.all(numpy.isfinite(grad)) and numpy.all(numpy.abs(grad) > 1e-3), (what, grad)
    check_close(found, "ndgrad", ("value", "grad_x", "grad_w"), 1e-4, 1e-6, what)


def w1(impls, threads_list, rounds, n_ops, repeats) -> dict:
    found = measure(core_command("W1", "--n-ops", n_ops, "--repeats", repeats), impls,
                    threads_list, rounds)
    results = {}
    for threads, by_impl in found.items():
        check_cycle_answers({i: runs[-1] for i, runs in by_impl.items()}, f"W1 {threads}t")
        results[threads] = {}
        for impl, runs in by_impl.items():
            forward, backward = pooled(runs, "forward_s"), pooled(runs, "backward_s")
            results[threads][impl] = {
                "forward_us_per_op": median(forward) / n_ops * 1e6,
                "backward_us_per_op": median(backward) / n_ops * 1e6,
                "us_per_op": median([f + b for f, b in zip(forward, backward)]) / n_ops * 1e6,
                "best_us_per_op": min(f + b for f, b in zip(forward, backward)) / n_ops * 1e6,
                "runs": len(forward)}
    return {"n_ops": n_ops, "shape": [4], "dtype": "float32", "rounds": rounds,
            "results": results}


def w2(impls, threads_list, rounds, steps) -> dict:
    impls = impls + ["numpy"]
    found = measure(lambda impl, threads: [str(HERE / "mlp.py"), impl, str(steps),
                                           "--threads", str(threads)],
                    impls, threads_list, rounds)
    results = {}
    for threads, by_impl in found.items():
        harness().check_losses({i: runs[-1]["losses"] for i, runs in by_impl.items()}, "W2")
        results[threads] = {impl: {"ms": median(pooled(runs, "step_s")) * 1e3,
                                   "best_ms": min(pooled(runs, "step_s")) * 1e3,
                                   "steps": len(pooled(runs, "step_s"))}
                            for impl, runs in by_impl.items()}
    import mlp
    return {"sizes": list(mlp.SIZES), "batch": mlp.BATCH, "rounds": rounds, "results": results}


def w3(impls, threads_list, rounds, size, repeats) -> dict:
    impls = ["numpy_inplace"] + impls
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        def command(impl, threads):
            return core_command("W3", "--size", size, "--repeats", repeats, "--grad-file",
                                os.path.join(scratch, f"{impl}_{threads}.npy"))(impl, threads)
        found = measure(command, impls, threads_list, rounds)
        for threads, by_impl in found.items():
            last = {("numpy" if i == "numpy_inplace" else i): runs[-1]
                    for i, runs in by_impl.items()}
            grads = {label: numpy.load(os.path.join(scratch, f"{impl}_{threads}.npy"),
                                       mmap_mode="r")
                     for label, impl in zip(last, by_impl)}
            harness().check_big_answers(last, grads)
            del grads
            results[threads] = {}
            for impl, runs in by_impl.items():
                later = [t for run in runs for t in (run["times_s"][1:] or run["times_s"])]
                results[threads][impl] = {
                    "ms": median(later) * 1e3, "best_ms": min(later) * 1e3,
                    "peak_mb": median([r["peak_increase_bytes"] for r in runs]) / MB,
                    "memory_method": runs[0]["memory_method"], "runs": len(later)}
    return {"size": size, "dtype": "float32", "rounds": rounds, "results": results,
            "peak": "peak RSS of the first run of each process minus RSS just before it "
                    "(bench/big_gradient.py); median over processes",
            "time": "median over the runs after the first of each process"}


def w4(impls, threads_list, rounds, n_ops, repeats) -> dict:
    found = measure(core_command("W4", "--n-ops", n_ops, "--repeats", repeats), impls,
                    threads_list, rounds)
    results = {}
    for threads, by_impl in found.items():
        check_cycle_answers({i: runs[-1] for i, runs in by_impl.items()}, f"W4 {threads}t")
        results[threads] = {}
        for impl, runs in by_impl.items():
            counts = numpy.array([c for run in runs for c in run["gc_collections"]])
            entry = {"us_per_op": median(pooled(runs, "total_s")) / n_ops * 1e6,
                     "best_us_per_op": min(pooled(runs, "total_s")) / n_ops * 1e6,
                     "gc_off_us_per_op": median(pooled(runs, "gc_off_total_s")) / n_ops * 1e6,
                     "gc_per_1000_ops": (counts.mean(axis=0) / (n_ops / 1000)).tolist(),
                     "runs": len(counts)}
            if impl == "ndgrad":
                entry["forward_peak_bytes_per_node"] = median(
                    [r["peak_bytes"] for r in runs]) / n_ops
                entry["graph_held_bytes_per_node"] = median(
                    [r["held_bytes"] for r in runs]) / n_ops
            results[threads][impl] = entry
    return {"n_ops": n_ops, "shape": [], "dtype": "float32", "rounds": rounds,
            "results": results}


def w5(impls, threads_list, rounds, n, repeats) -> dict:
    found = measure(core_command("W5", "--n", n, "--repeats", repeats), impls,
                    threads_list, rounds)
    reference = import_blocking("transforms", ("jax",)).rosenbrock_hvp_reference
    expected = reference(*hvp_inputs(n))
    results = {}
    for threads, by_impl in found.items():
        for impl, runs in by_impl.items():
            numpy.testing.assert_allclose(runs[-1]["hvp"], expected, rtol=1e-9, atol=1e-9,
                                          err_msg=f"W5 {impl} against the closed form")
        check_close({i: runs[-1] for i, runs in by_impl.items()}, "ndgrad", ("hvp",), 1e-10,
                    1e-10, "W5")
        results[threads] = {impl: {"ms": median(pooled(runs, "times_s")) * 1e3,
                                   "best_ms": min(pooled(runs, "times_s")) * 1e3,
                                   "runs": len(pooled(runs, "times_s"))}
                            for impl, runs in by_impl.items()}
    return {"n": n, "dtype": "float64", "rounds": rounds, "results": results}


def w6(impls, threads_list, rounds, repeats) -> dict:
    found = measure(core_command("W6", "--repeats", repeats), impls, threads_list, rounds)
    a = control_flow_inputs()
    results = {}
    for threads, by_impl in found.items():
        last = {i: runs[-1] for i, runs in by_impl.items()}
        for impl, answer in last.items():      # a.grad == d / a, float32 rounding aside
            numpy.testing.assert_allclose(answer["grad"], numpy.array(answer["d"]) / a,
                                          rtol=1e-6, err_msg=f"W6 {impl}: a.grad != d / a")
        check_close(last, "ndgrad", ("d", "grad"), 1e-6, 0, "W6")
        results[threads] = {impl: {"us_per_call": median(pooled(runs, "call_s")) * 1e6,
                                   "best_us_per_call": min(pooled(runs, "call_s")) * 1e6,
                                   "calls": len(pooled(runs, "call_s"))}
                            for impl, runs in by_impl.items()}
    return {"a": a.tolist(), "dtype": "float32", "rounds": rounds, "results": results}


# -- report ------------------------------------------------------------------------------------------

def label(impl: str, threads: int) -> str:
    return f"{NAMES[impl]}, {threads} thread{'s' if threads > 1 else ''}"


def rows_of(workload: dict, cells: Callable[[str, dict, dict], list[str]]) -> list[list[str]]:
    rows = []
    for threads, by_impl in workload["results"].items():
        for impl, result in by_impl.items():
            rows.append([label(impl, threads), *cells(impl, result, by_impl)])
    return rows


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}"


def report(name: str, title: str, workload: dict, header: list[str],
           cells: Callable[[str, dict, dict], list[str]]) -> str:
    table = harness().table([""] + header, rows_of(workload, cells))
    return f"{name}  {title}\n\n{table}\n"


def reports(found: dict) -> list[str]:
    out = []
    if "W1" in found:
        r = found["W1"]
        out.append(report(
            "W1", f"{r['n_ops']:,} ops cycling y*w, y+x, sin, exp, tanh on float32(4,), "
            "forward + backward to x and w\n    microseconds per op, medians of "
            f"{_runs(r)} runs", r,
            ["forward", "backward", "total", "ndgrad / this"],
            lambda i, e, b: [f"{e['forward_us_per_op']:.2f}", f"{e['backward_us_per_op']:.2f}",
                             f"{e['us_per_op']:.2f}",
                             ratio(b["ndgrad"]["us_per_op"], e["us_per_op"])]))
    if "W2" in found:
        r = found["W2"]
        out.append(report(
            "W2", "SGD step, MLP 784-256-256-10, ReLU, softmax cross-entropy, batch 128, "
            "float32\n    milliseconds per step (forward + backward + update), median "
            f"(and best) of {_runs(r, 'steps')} steps", r,
            ["median ms", "best ms", "ndgrad / this"],
            lambda i, e, b: [f"{e['ms']:.2f}", f"{e['best_ms']:.2f}",
                             ratio(b["ndgrad"]["ms"], e["ms"])]))
    if "W3" in found:
        r = found["W3"]
        nbytes = r["size"] * 4
        out.append(report(
            "W3", f"value and gradient of sum(sin(x)*x**2 + exp(-x)), x = {r['size']:,} "
            f"float32 ({nbytes / MB:.0f} MB)\n    time: {r['time']}; peak: {r['peak']}", r,
            ["time ms", "peak MB", "peak / x", "ndgrad/this time", "ndgrad/this peak"],
            lambda i, e, b: [f"{e['ms']:.0f}", f"{e['peak_mb']:.0f}",
                             f"{e['peak_mb'] * MB / nbytes:.1f}",
                             ratio(b["ndgrad"]["ms"], e["ms"]),
                             ratio(b["ndgrad"]["peak_mb"], e["peak_mb"])]))
    if "W4" in found:
        r = found["W4"]
        out.append(report(
            "W4", f"{r['n_ops']:,} ops of W1's cycle on 0-d float32, forward + backward\n"
            f"    microseconds per op (medians of {_runs(r)} runs) with gc on and off; "
            "gc collections per 1,000 ops (generations 0/1/2);\n    bytes per node: "
            "tracemalloc peak during the recorded forward, less the baseline, / ops", r,
            ["us/op", "us/op gc off", "gc per 1k ops", "bytes/node", "ndgrad / this"],
            lambda i, e, b: [f"{e['us_per_op']:.2f}", f"{e['gc_off_us_per_op']:.2f}",
                             "/".join(f"{c:.2f}" for c in e["gc_per_1000_ops"]),
                             f"{e['forward_peak_bytes_per_node']:.0f}"
                             if "forward_peak_bytes_per_node" in e else "n/a",
                             ratio(b["ndgrad"]["us_per_op"], e["us_per_op"])]))
    if "W5" in found:
        r = found["W5"]
        out.append(report(
            "W5", f"Hessian-vector product by double backward, Rosenbrock on {r['n']:,} "
            f"float64 (checked against the closed form)\n    milliseconds per HVP, medians "
            f"of {_runs(r)} HVPs", r, ["ms", "ndgrad / this"],
            lambda i, e, b: [f"{e['ms']:.3f}", ratio(b["ndgrad"]["ms"], e["ms"])]))
    if "W6" in found:
        r = found["W6"]
        out.append(report(
            "W6", "control flow (doubling while norm < 1000, branch on the sign), 0-d "
            f"float32, record + f + backward\n    microseconds per call, medians of "
            f"{_runs(r, 'calls')} calls over {len(r['a'])} values of a", r,
            ["us/call", "ndgrad / this"],
            lambda i, e, b: [f"{e['us_per_call']:.1f}",
                             ratio(b["ndgrad"]["us_per_call"], e["us_per_call"])]))
    return out


def _runs(workload: dict, key: str = "runs") -> str:
    counts = {e[key] for by_impl in workload["results"].values() for e in by_impl.values()}
    return "/".join(str(c) for c in sorted(counts))


# (workload, what, key in ndgrad's entry, the other implementation or None, limit)
TARGETS = [
    ("W1", "time <= 0.5x PyTorch", "us_per_op", "torch", 0.5),
    ("W2", "time <= 0.9x PyTorch", "ms", "torch", 0.9),
    ("W3", "time <= 1.3x NumPy in place", "ms", "numpy_inplace", 1.3),
    ("W3", "peak memory <= 1.3x NumPy in place", "peak_mb", "numpy_inplace", 1.3),
    ("W4", "time <= 0.5x PyTorch", "us_per_op", "torch", 0.5),
    ("W4", "<= 500 bytes per node", "forward_peak_bytes_per_node", None, 500),
    ("W5", "time <= 1.0x PyTorch", "ms", "torch", 1.0),
    ("W6", "time <= 0.5x PyTorch", "us_per_call", "torch", 0.5),
]


def targets(found: dict) -> list[dict]:
    """Each target at each thread count: the ratio (or the value, for bytes per node) and
    whether it is met; None where the other implementation is missing (no PyTorch)."""
    out = []
    for workload, what, key, other, limit in TARGETS:
        if workload not in found:
            continue
        for threads, by_impl in found[workload]["results"].items():
            best = f"best_{key}" if f"best_{key}" in by_impl["ndgrad"] else key
            if other is not None and other not in by_impl:
                value = from_best = None
            elif other is None:
                value = from_best = by_impl["ndgrad"][key]
            else:
                value = by_impl["ndgrad"][key] / by_impl[other][key]
                from_best = by_impl["ndgrad"][best] / by_impl[other][best]
            out.append({"workload": workload, "target": what, "threads": threads,
                        "value": value, "value_from_best": from_best, "limit": limit,
                        "met": None if value is None else bool(value <= limit)})
    return out


def report_targets(found_targets: list[dict]) -> str:
    rows = []
    for t in found_targets:
        if t["value"] is None:
            status, value, from_best = "skipped (no PyTorch)", "-", "-"
        elif "bytes" in t["target"]:
            status = "met" if t["met"] else "not met"
            value = from_best = f"{t['value']:.0f} B"
        else:
            status = "met" if t["met"] else "not met"
            value, from_best = f"{t['value']:.2f}x", f"{t['value_from_best']:.2f}x"
        rows.append([f"{t['workload']}  {t['target']}", str(t["threads"]), value, from_best,
                     status])
    return ("Targets (reported, never asserted): ndgrad / the other, from the medians (the "
            "status) and,\nto show the noise, from the best runs; bytes per node as "
            "measured\n\n" + harness().table(
                ["target", "threads", "ndgrad", "(from best)", "status"], rows))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="core-redesign workloads W1-W6: ndgrad "
                                     "against PyTorch eager and NumPy, at 1 and 2 threads")
    parser.add_argument("--quick", action="store_true",
                        help="about 30 s: one round, fewer runs, W3 on 2M values, W4 on 20k ops")
    parser.add_argument("--json", default=str(ROOT / "build" / "bench_core.json"),
                        help="where the results go (default build/bench_core.json)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="processes per implementation and thread count, for every "
                             "workload (default: W1, W5, W6 3; W2 2; W3, W4 1; --quick 1)")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    parser.add_argument("--only", default="W1,W2,W3,W4,W5,W6", help="workloads to run")
    args = parser.parse_args(argv)
    threads_list = [int(t) for t in args.threads.split(",")]
    only = set(args.only.upper().split(","))
    small_rounds = args.rounds or (1 if args.quick else 3)
    rounds = args.rounds or (1 if args.quick else 2)
    heavy_rounds = args.rounds or 1
    impls = ["ndgrad"] + (["torch"] if HAVE_TORCH else [])
    env = harness().environment()
    env["load_average_at_start"] = os.getloadavg()
    print(f"ndgrad core workloads: Python {env['python']}, NumPy {env['numpy']}, "
          f"PyTorch {env['torch'] or 'not installed (its rows and targets are skipped)'}, "
          f"{env['cpu_count']} CPUs; ndgrad at {env['ndgrad_revision'] or 'unknown revision'}"
          f"{'; --quick' if args.quick else ''}\nload average at the start "
          f"{'/'.join(f'{v:.2f}' for v in env['load_average_at_start'])} "
          "(other work on the machine shows in the times)\n")
    q = args.quick
    plan = {
        "W1": lambda: w1(impls, threads_list, small_rounds, 1000, 10 if q else 40),
        "W2": lambda: w2(impls, threads_list, rounds, 20 if q else 60),
        "W3": lambda: w3(impls, threads_list, heavy_rounds, 2_000_000 if q else 10_000_000,
                         2 if q else 3),
        "W4": lambda: w4(impls, threads_list, heavy_rounds, 20_000 if q else 100_000,
                         1 if q else 2),
        "W5": lambda: w5(impls, threads_list, small_rounds, 1000, 20 if q else 100),
        "W6": lambda: w6(impls, threads_list, small_rounds, 5 if q else 30),
    }
    found = {}
    start = perf_counter()
    for name, measure_workload in plan.items():
        if name in only:
            began = perf_counter()
            found[name] = measure_workload()
            found[name]["seconds"] = perf_counter() - began
            print(reports({name: found[name]})[0], flush=True)
    print("Answers checked: values and gradients agree between the implementations to float "
          "rounding on every workload\n(W2: losses step by step; W5: and the closed-form "
          "Hessian; W6: and a.grad == d / a).\n")
    found_targets = targets(found)
    print(report_targets(found_targets))
    env["load_average_at_end"] = os.getloadavg()
    print(f"\n{perf_counter() - start:.0f} s; load average at the end "
          f"{'/'.join(f'{v:.2f}' for v in env['load_average_at_end'])}")
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"environment": env, "quick": args.quick, "workloads": found,
                                "targets": found_targets}, indent=2) + "\n")
    print(f"Results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker_main(sys.argv[2:])
    else:
        main(sys.argv[1:])
