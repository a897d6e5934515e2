"""``make bench``: ndgrad against hand-written NumPy and PyTorch eager, on four workloads.

1. Per-op overhead: a chain of elementwise ops on a float32 array of 4 values, forward and
   backward (see chain_ops.py), in microseconds per op. At this size the arithmetic is free,
   so this measures what each library spends per op in Python and C++ bookkeeping.
2. Big gradient: the value and gradient of ``sum(sin(x) * x**2 + exp(-x))`` for 10 million
   float32 values: wall time and peak memory, each implementation in a fresh process
   (see big_gradient.py for how peak memory is measured).
3. MLP training step: one SGD step of a 784-256-256-10 ReLU network, softmax cross-entropy,
   batch 128, in milliseconds (see mlp.py).
4. CNN training step: one SGD step of a two-convolution, two-max-pool network on 32 images
   of 28x28, in milliseconds (see cnn.py).

The training steps run at one thread and at every CPU: NumPy's BLAS (OPENBLAS_NUM_THREADS and
friends) and PyTorch (set_num_threads) get the same count, in fresh processes.

The gradients of the three implementations are checked against each other before anything
is reported (for the training steps: their losses, step by step). Times are the best
(minimum) of several runs: the machine is shared and noisy, and the minimum is the run least
disturbed by other work. Results go to build/bench.json.

PyTorch is optional: without ``import torch`` its rows are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import chain_ops
import numpy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1e6

try:
    import torch  # only to know whether the PyTorch rows can run, and its version
except ImportError:       # the PyTorch rows are skipped
    torch = None


# -- 1. per-op overhead ------------------------------------------------------------------------

def run_worker(command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a measurement script in a fresh Python process; its last stdout line is JSON."""
    finished = subprocess.run([sys.executable, *command], capture_output=True, text=True,
                              check=False, env=env)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def per_op_overhead(n_ops: int, repeats: int, rounds: int) -> dict:
    """Time the chain with each implementation in its own fresh process (so no library's
    imports or caches weigh on another's times), ``rounds`` times in turn, so that a noisy
    spell on the machine is unlikely to hit one implementation only; keep the best times."""
    implementations = ["ndgrad", "numpy"] + (["torch"] if torch is not None else [])
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in implementations}
    answers, threads = {}, None
    for _ in range(rounds):
        for name in implementations:
            command = [str(HERE / "chain_ops.py"), name, str(n_ops), str(repeats)]
            if name == "torch":
                command += ["--threads", "1"]   # one thread: a 4-value op has nothing to split
            result = run_worker(command)
            runs[name] += list(zip(result["forward_s"], result["backward_s"]))
            answers[name] = (numpy.array(result["value"]), numpy.array(result["grad"]))
            threads = result.get("threads", threads)
    check_chain_answers(answers)

    results = {}
    for name, times in runs.items():
        totals = [f + b for f, b in times]
        results[name] = {
            "forward_us_per_op": min(f for f, _ in times) / n_ops * 1e6,
            "backward_us_per_op": min(b for _, b in times) / n_ops * 1e6,
            "total_us_per_op": min(totals) / n_ops * 1e6,
            "median_total_us_per_op": float(numpy.median(totals)) / n_ops * 1e6,
        }
    if "torch" in results:
        results["torch"]["threads"] = threads
    x0 = chain_ops.start_values()
    return {"n_ops": n_ops, "shape": list(x0.shape), "dtype": str(x0.dtype),
            "runs": rounds * repeats, "processes_per_implementation": rounds,
            "results": results}


def check_chain_answers(answers: dict) -> None:
    """The three chains must compute the same value and gradient (float32 rounding aside),
    and the gradient must be a real test: finite, neither vanished nor exploded."""
    value, grad = answers["numpy"]
    assert numpy.all(numpy.isfinite(grad)) and numpy.all(numpy.abs(grad) > 1e-2), grad
    assert numpy.all(numpy.abs(grad) < 1e2), grad
    for name, (other_value, other_grad) in answers.items():
        numpy.testing.assert_allclose(other_value, value, rtol=1e-5, err_msg=f"{name} value")
        numpy.testing.assert_allclose(other_grad, grad, rtol=1e-4, err_msg=f"{name} gradient")


# -- 2. big gradient ---------------------------------------------------------------------------

def big_gradient(size: int, repeats: int) -> dict:
    """Each implementation in a fresh process; gradients compared afterwards."""
    configurations = [("numpy", "numpy", None), ("ndgrad", "ndgrad", None)]
    if torch is not None:
        configurations.append(("torch", "torch", 1))     # single-threaded, as NumPy is
        if (os.cpu_count() or 1) > 1:
            configurations.append((f"torch_{os.cpu_count()}_threads", "torch", os.cpu_count()))
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        grads = {}
        for label, impl, threads in configurations:
            grad_file = os.path.join(scratch, f"{label}.npy")
            command = [str(HERE / "big_gradient.py"), impl, str(size), str(repeats), grad_file]
            if threads:
                command += ["--threads", str(threads)]
            result = run_worker(command)
            result["best_time_s"] = min(result["times_s"])
            results[label] = result
            grads[label] = numpy.load(grad_file, mmap_mode="r")
        check_big_answers(results, grads)
    return {"size": size, "dtype": "float32", "repeats": repeats, "results": results}


def check_big_answers(results: dict, grads: dict) -> None:
    reference = grads["numpy"]
    scale = float(numpy.max(numpy.abs(reference)))
    for label, grad in grads.items():
        numpy.testing.assert_allclose(grad, reference, rtol=1e-5, atol=1e-5 * scale,
                                      err_msg=f"{label} gradient")
        numpy.testing.assert_allclose(results[label]["value"], results["numpy"]["value"],
                                      rtol=1e-5, err_msg=f"{label} value")


# -- 3 and 4. training steps -------------------------------------------------------------------

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def thread_counts() -> list[int]:
    """One thread, and every CPU the machine has."""
    return sorted({1, os.cpu_count() or 1})


def training_step(script: str, steps: int, rounds: int, threads_list: list[int]) -> dict:
    """Time ``steps`` steps of each implementation in fresh processes, ``rounds`` times in
    turn, at each thread count (BLAS and PyTorch alike); keep the best and median step."""
    implementations = ["ndgrad", "numpy"] + (["torch"] if torch is not None else [])
    by_threads = {}
    for threads in threads_list:
        env = dict(os.environ, **{name: str(threads) for name in BLAS_THREAD_VARIABLES})
        times: dict[str, list[float]] = {name: [] for name in implementations}
        losses = {}
        for _ in range(rounds):
            for name in implementations:
                result = run_worker([str(HERE / script), name, str(steps), "--threads",
                                     str(threads)], env=env)
                times[name] += result["step_s"]
                losses[name] = result["losses"]
        check_losses(losses, script)
        by_threads[str(threads)] = {
            name: {"best_ms": min(t) * 1e3, "median_ms": float(numpy.median(t)) * 1e3,
                   "threads": threads} for name, t in times.items()}
    return {"steps": steps, "processes_per_implementation": rounds, "results": by_threads}


def check_losses(losses: dict, script: str) -> None:
    """The implementations train the same network from the same start: their losses agree
    step by step (float32 rounding aside), and fall, so the gradients are real ones."""
    reference = numpy.array(losses["numpy"][:10])
    assert reference[-1] < reference[0], f"{script}: the loss does not fall: {reference}"
    for name, values in losses.items():
        numpy.testing.assert_allclose(values[:10], reference, rtol=1e-4,
                                      err_msg=f"{script}: {name} losses")


# -- report ------------------------------------------------------------------------------------

NAMES = {"ndgrad": "ndgrad", "numpy": "NumPy by hand", "torch": "PyTorch eager"}


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    def line(cells):
        return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def report_per_op(per_op: dict) -> str:
    results = per_op["results"]
    ours = results["ndgrad"]["total_us_per_op"]
    rows = []
    for name, r in results.items():
        rows.append([_label(name, r), f"{r['forward_us_per_op']:.2f}",
                     f"{r['backward_us_per_op']:.2f}",
                     f"{r['total_us_per_op']:.2f}", f"{r['median_total_us_per_op']:.2f}",
                     f"{ours / r['total_us_per_op']:.2f}"])
    title = (f"1. Per-op overhead: chain of {per_op['n_ops']} elementwise ops on "
             f"{per_op['dtype']}{tuple(per_op['shape'])}, forward + backward\n"
             f"   microseconds per op; best (minimum) of {per_op['runs']} runs, from "
             f"{per_op['processes_per_implementation']} fresh process(es) per implementation;\n"
             "   forward, backward and total minimised separately; the median of the totals "
             "shows the spread")
    return title + "\n\n" + table(
        ["", "forward", "backward", "total", "(median)", "ndgrad / this"], rows)


def _label(impl: str, result: dict) -> str:
    """An implementation's row label, with its thread count where it has one."""
    threads = result.get("threads")
    if threads is None:
        return NAMES[impl]
    return f"{NAMES[impl]} ({threads} thread{'s' if threads > 1 else ''})"


def report_big(big: dict) -> str:
    results = big["results"]
    ours = results["ndgrad"]
    nbytes = big["size"] * 4
    rows = []
    for r in results.values():
        rows.append([_label(r["impl"], r), f"{r['best_time_s'] * 1e3:.0f}",
                     f"{r['peak_increase_bytes'] / MB:.0f}",
                     f"{r['peak_increase_bytes'] / nbytes:.1f}",
                     f"{ours['best_time_s'] / r['best_time_s']:.2f}",
                     f"{ours['peak_increase_bytes'] / r['peak_increase_bytes']:.2f}"])
    method = results["numpy"]["memory_method"]
    how = ("peak RSS (VmHWM, reset just before) minus RSS just before"
           if method == "VmHWM" else "peak RSS (getrusage ru_maxrss) minus RSS just before")
    title = (f"2. Big gradient: value and gradient of sum(sin(x) * x**2 + exp(-x)), "
             f"x = {big['size']:,} float32 ({nbytes / MB:.0f} MB)\n"
             f"   each implementation in a fresh process; time: best (minimum) of "
             f"{big['repeats']} runs;\n   peak memory: {how} the first run, "
             "after the imports and the input exist\n   (x.grad and the NumPy result count; "
             "'peak / x' is in arrays of x's size)")
    return title + "\n\n" + table(
        ["", "time ms", "peak MB", "peak / x", "ndgrad/this time", "ndgrad/this peak"], rows)


def report_step(title: str, step: dict) -> str:
    rows = []
    for results in step["results"].values():
        ours = results["ndgrad"]["best_ms"]
        for name, r in results.items():
            rows.append([_label(name, r), f"{r['best_ms']:.2f}", f"{r['median_ms']:.2f}",
                         f"{ours / r['best_ms']:.2f}"])
    title += (f"\n   milliseconds per step (forward + backward + update); best (minimum) and "
              f"median of {step['steps']} steps\n   in each of "
              f"{step['processes_per_implementation']} fresh process(es) per implementation; "
              "NumPy's BLAS and PyTorch\n   use the same thread count")
    return title + "\n\n" + table(["", "best ms", "median ms", "ndgrad / this"], rows)


def targets(per_op: dict, big: dict, mlp: dict) -> dict:
    """The goals, for the report (never asserted): name -> (met, how far)."""
    ops, bigs = per_op["results"], big["results"]
    time_ratio = bigs["ndgrad"]["best_time_s"] / bigs["numpy"]["best_time_s"]
    memory_ratio = bigs["ndgrad"]["peak_increase_bytes"] / bigs["numpy"]["peak_increase_bytes"]
    found = {}
    if "torch" in ops:
        ours, theirs = ops["ndgrad"]["total_us_per_op"], ops["torch"]["total_us_per_op"]
        found["per-op overhead below PyTorch eager's"] = (
            ours < theirs, f"{ours:.2f} vs {theirs:.2f} us/op, {ours / theirs:.2f}x")
    found["big gradient time within 1.5x of NumPy by hand"] = (time_ratio <= 1.5,
                                                               f"{time_ratio:.2f}x")
    found["big gradient peak memory within 1.5x of NumPy by hand"] = (memory_ratio <= 1.5,
                                                                      f"{memory_ratio:.2f}x")
    if "torch" in ops:
        ratios = {threads: r["ndgrad"]["best_ms"] / r["torch"]["best_ms"]
                  for threads, r in mlp["results"].items()}
        found["MLP step within 1.2x of PyTorch eager, same threads"] = (
            all(ratio <= 1.2 for ratio in ratios.values()),
            ", ".join(f"{ratio:.2f}x at {threads} thread(s)" for threads, ratio in ratios.items()))
    return found


def source_revision() -> str | None:
    """The commit measured, with '+changes' when src/ differs from it (None outside git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+changes" if changes else "")


def environment() -> dict:
    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "torch": torch.__version__ if torch is not None else None,
            "cpu_count": os.cpu_count(), "machine": platform.machine(),
            "platform": platform.platform(), "ndgrad_revision": source_revision()}


def main() -> None:
    parser = argparse.ArgumentParser(description="ndgrad benchmarks (make bench)")
    parser.add_argument("--ops", type=int, default=1000, help="ops in the chain")
    parser.add_argument("--chain-repeats", type=int, default=100, help="runs per process")
    parser.add_argument("--chain-rounds", type=int, default=3, help="processes per library")
    parser.add_argument("--size", type=int, default=10_000_000, help="values in the big x")
    parser.add_argument("--big-repeats", type=int, default=5)
    parser.add_argument("--mlp-steps", type=int, default=100, help="timed steps per process")
    parser.add_argument("--cnn-steps", type=int, default=30, help="timed steps per process")
    parser.add_argument("--step-rounds", type=int, default=3, help="processes per library")
    parser.add_argument("--json", default=str(ROOT / "build" / "bench.json"))
    args = parser.parse_args()
    if args.ops % chain_ops.OPS_PER_BLOCK:
        parser.error(f"--ops must be a multiple of {chain_ops.OPS_PER_BLOCK}")

    env = environment()
    print(f"ndgrad benchmarks: Python {env['python']}, NumPy {env['numpy']}, "
          f"PyTorch {env['torch'] or 'not installed (its rows are skipped)'}, "
          f"{env['cpu_count']} CPUs; ndgrad at {env['ndgrad_revision'] or 'unknown revision'}\n")
    per_op = per_op_overhead(args.ops, args.chain_repeats, args.chain_rounds)
    print(report_per_op(per_op) + "\n")
    big = big_gradient(args.size, args.big_repeats)
    print(report_big(big) + "\n")
    mlp = training_step("mlp.py", args.mlp_steps, args.step_rounds, thread_counts())
    print(report_step("3. MLP training step: 784-256-256-10, ReLU, softmax cross-entropy, "
                      "batch 128, SGD, float32", mlp) + "\n")
    cnn = training_step("cnn.py", args.cnn_steps, args.step_rounds, thread_counts())
    print(report_step("4. CNN training step: conv 3x3x8, ReLU, max-pool 2, conv 3x3x16, ReLU, "
                      "max-pool 2, dense 400-10,\n   softmax cross-entropy, batch 32 of "
                      "1x28x28, SGD, float32", cnn) + "\n")
    print("Gradients checked: the implementations agree on every workload (values and "
          "gradients, or the losses step by step, to float32 rounding).")
    met = targets(per_op, big, mlp)
    print("Targets (reported, not asserted):")
    width = max(len(name) for name in met)
    for name, (ok, detail) in met.items():
        print(f"  {name.ljust(width)}  {'met' if ok else 'MISSED'} ({detail})")

    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {"environment": env, "per_op_overhead": per_op, "big_gradient": big,
              "mlp_step": mlp, "cnn_step": cnn,
              "targets": {name: {"met": ok, "detail": detail}
                          for name, (ok, detail) in met.items()}}
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
