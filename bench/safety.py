"""``make bench``, part 3: what the safety rules cost.

8. Operands that share memory with NumPy. ``np.asarray(numpy_array)`` and raw NumPy operands
   are copied where a node saves them (a change through NumPy before backward cannot corrupt
   the gradient; docs/api.md semantic 18). The value and gradient of ``sum(x * c)`` for 1M
   float64 values, with ``c`` an ndgrad-owned array (no copy), a NumPy-shared one, or a raw
   NumPy array, against NumPy by hand.
9. Writes while recording (semantic 9): a buffer of 1,000 filled element by element inside
   ``record()`` (each write recorded, PyTorch's way), against the same values joined by
   ``np.stack``.

Times are the best of several runs (the machine is shared). Results: build/bench_safety.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from time import perf_counter

import numpy

from ndgrad import autograd, np

ROOT = Path(__file__).resolve().parent.parent


def best_ms(run, repeats: int) -> float:
    run()                                   # warm-up
    times = []
    for _ in range(repeats):
        start = perf_counter()
        run()
        times.append(perf_counter() - start)
    return min(times) * 1e3


def shared_operands(n: int, repeats: int) -> dict:
    rng = numpy.random.default_rng(0)
    x_data, c_data = rng.standard_normal(n), rng.standard_normal(n)
    operands = {"ndgrad-owned c": np.array(c_data), "NumPy-shared c (np.asarray)":
                np.asarray(c_data), "raw NumPy c": c_data}
    results = {}
    for name, c in operands.items():
        x = np.array(x_data)
        x.attach_grad()

        def step(c=c, x=x):
            with autograd.record():
                y = np.sum(x * c)
            y.backward()
        step()
        assert numpy.allclose(x.grad.asnumpy(), c_data)
        results[name] = best_ms(step, repeats)

    def by_hand():
        value = numpy.sum(x_data * c_data)
        grad = c_data.copy()
        return value, grad
    results["NumPy by hand"] = best_ms(by_hand, repeats)
    return {"n": n, "best_ms": results}


def recorded_writes(n: int, repeats: int) -> dict:
    x = np.array(numpy.linspace(0.0, 1.0, n))
    x.attach_grad()

    def written():
        with autograd.record():
            buffer = np.zeros(n, dtype="float64")
            for i in range(n):
                buffer[i] = x[i] * x[i]
            total = np.sum(buffer)
        total.backward()

    def stacked():
        with autograd.record():
            total = np.sum(np.stack([x[i] * x[i] for i in range(n)]))
        total.backward()
    written()
    assert numpy.allclose(x.grad.asnumpy(), 2 * x.asnumpy())
    return {"n": n, "best_ms": {"written element by element": best_ms(written, repeats),
                                "np.stack of the elements": best_ms(stacked, repeats)}}


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 3 if quick else 10
    shared = shared_operands(100_000 if quick else 1_000_000, repeats)
    writes = recorded_writes(200 if quick else 1000, 2 if quick else 5)
    print(f"8. Operands sharing memory with NumPy: value and gradient of sum(x * c), "
          f"{shared['n']:,} float64, best ms")
    owned = shared["best_ms"]["ndgrad-owned c"]
    for name, ms in shared["best_ms"].items():
        print(f"   {name:<30} {ms:8.2f} ms   / ndgrad-owned {ms / owned:5.2f}")
    print(f"\n9. A buffer of {writes['n']} written element by element while recording, "
          "forward + backward, best ms")
    stacked = writes["best_ms"]["np.stack of the elements"]
    for name, ms in writes["best_ms"].items():
        print(f"   {name:<30} {ms:8.2f} ms   / np.stack {ms / stacked:5.2f}")
    path = ROOT / "build" / "bench_safety.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"shared": shared, "writes": writes}, indent=2))
    print(f"\nResults written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
