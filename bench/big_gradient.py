"""One big-gradient measurement, meant to run alone in a fresh process (run.py starts it).

    python bench/big_gradient.py IMPL SIZE REPEATS GRAD_FILE [--threads N]

IMPL is ``numpy`` (value and hand-derived gradient), ``ndgrad`` or ``torch``. The process
computes the value and the gradient of ``sum(sin(x) * x**2 + exp(-x))`` for SIZE float32
values REPEATS times, saves the last gradient to GRAD_FILE (.npy) for the cross-check, and
prints one JSON line: the wall time of every run and the peak memory of the first.

Peak memory is the peak resident set size (RSS) of the process during the first run minus
its RSS just before it, after the imports and the input array exist. The kernel's peak
counter (VmHWM in /proc/self/status) is reset to the current RSS just before that run by
writing 5 to /proc/self/clear_refs; where that is not allowed, the peak is read from
getrusage's ru_maxrss instead (the input is generated without temporaries, so the process's
peak before the run is close to its RSS). RSS sees every allocator (NumPy's and PyTorch's)
alike. Arrays this big (40 MB) are mmap'ed by malloc and given back to the system when freed,
so RSS follows the live arrays.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import resource
import sys
from time import perf_counter

import numpy


def input_values(size: int) -> numpy.ndarray:
    """Uniform in [-3, 3), float32, generated in place (no float64 temporary)."""
    x = numpy.random.default_rng(0).random(size, dtype=numpy.float32)
    x *= 6
    x -= 3
    return x


# -- the three implementations: each returns (value, gradient) ---------------------------------

def numpy_value_and_grad(x):
    """What a person writes without autograd: the function, and its derivative by hand."""
    value = numpy.sum(numpy.sin(x) * x**2 + numpy.exp(-x))
    grad = numpy.cos(x) * x**2 + 2 * x * numpy.sin(x) - numpy.exp(-x)
    return value, grad


def ndgrad_value_and_grad(x):
    from ndgrad import autograd, np

    x.attach_grad()                       # allocates x.grad: counted, as NumPy's result is
    with autograd.record():
        y = np.sum(np.sin(x) * x**2 + np.exp(-x))
    y.backward()
    return y, x.grad


def torch_value_and_grad(x):
    import torch

    x.grad = None
    y = torch.sum(torch.sin(x) * x**2 + torch.exp(-x))
    y.backward()
    return y.detach(), x.grad


def prepare(impl: str, size: int, threads: int | None):
    """Import the implementation and build its input; returns (function, input, to_numpy)."""
    x = input_values(size)
    if impl == "numpy":
        return numpy_value_and_grad, x, numpy.asarray
    if impl == "ndgrad":
        from ndgrad import np
        return ndgrad_value_and_grad, np.array(x), lambda a: a.asnumpy()
    if impl == "torch":
        import torch
        if threads:
            torch.set_num_threads(threads)
        return (torch_value_and_grad, torch.from_numpy(x).requires_grad_(True),
                lambda a: a.detach().numpy())
    raise SystemExit(f"unknown implementation {impl!r}")


# -- memory --------------------------------------------------------------------------------------

def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE).group(1))


def reset_peak() -> bool:
    """Set the kernel's peak-RSS counter to the current RSS (Linux 4.0+); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return _status_kib("VmHWM") <= _status_kib("VmRSS")
    except OSError:
        return False


def run_measuring_peak(function, x) -> tuple:
    """``function(x)``, timed, with the increase of the peak RSS over the RSS at the start.

    Returns (result, seconds, peak increase in bytes, RSS at the start in bytes, method)."""
    gc.collect()
    method = "VmHWM" if reset_peak() else "ru_maxrss"
    baseline = _status_kib("VmRSS") * 1024
    start = perf_counter()
    result = function(x)
    seconds = perf_counter() - start
    if method == "VmHWM":
        peak = _status_kib("VmHWM") * 1024
    else:   # an upper bound, should the process have peaked higher before the start
        peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, baseline)
    return result, seconds, peak - baseline, baseline, method


def timed_runs(function, x, repeats: int) -> tuple:
    """``repeats`` runs of ``function(x)``, the first measuring the peak memory: (times in
    seconds, the last value and gradient, peak increase, baseline, how memory was measured)."""
    (value, grad), seconds, increase, baseline, method = run_measuring_peak(function, x)
    times = [seconds]
    for _ in range(repeats - 1):
        del value, grad           # the previous answer is not alive during the next run
        gc.collect()
        start = perf_counter()
        value, grad = function(x)
        times.append(perf_counter() - start)
    return times, value, grad, increase, baseline, method


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=["numpy", "ndgrad", "torch"])
    parser.add_argument("size", type=int)
    parser.add_argument("repeats", type=int)
    parser.add_argument("grad_file")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    function, x, to_numpy = prepare(args.impl, args.size, args.threads)
    times, value, grad, increase, baseline, method = timed_runs(function, x, args.repeats)
    numpy.save(args.grad_file, to_numpy(grad))
    result = {"impl": args.impl, "size": args.size, "times_s": times,
              "peak_increase_bytes": increase, "baseline_rss_bytes": baseline,
              "memory_method": method, "value": float(value)}
    if args.impl == "torch":
        import torch
        result["threads"] = torch.get_num_threads()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
