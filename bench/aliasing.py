"""``make bench``, part 5: the cost of MXNet's aliasing rule (docs/api.md semantic 22).

``reshape`` and ``.T`` give new arrays, as in MXNet, by copy-on-write: the result borrows the
input's memory until one side is written into. This measures, in the same run:

A1  ``x.reshape(-1)`` and ``x.T`` of a 10,000,000-element float32 array: ndgrad against a
    NumPy view (what it costs when nothing is written) and a NumPy copy (what eager copying,
    MXNet's way, would cost). Microseconds per call.
A2  The same on a (10, 10) array: the per-call overhead, against NumPy and PyTorch.
A3  The first write after a reshape (``y = x.reshape(-1); y[0] = 1``, the copy happens here)
    against a NumPy copy plus the write. Milliseconds.

    python bench/aliasing.py
"""

from __future__ import annotations

import importlib.util
import timeit

import numpy

from ndgrad import np

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def best_us(run, number):
    return min(timeit.repeat(run, number=number, repeat=7)) / number * 1e6


def reshapes(shape, number):
    """A1/A2: microseconds per reshape (and .T) call, ndgrad and the references."""
    raw = numpy.ones(shape, dtype=numpy.float32)
    x = np.array(raw)
    columns = {"ndgrad reshape": best_us(lambda: x.reshape(-1), number),
               "ndgrad .T": best_us(lambda: x.T, number),
               "NumPy view": best_us(lambda: raw.reshape(-1), number)}
    if raw.size > 1000:
        columns["NumPy copy"] = best_us(lambda: raw.reshape(-1).copy(), 20)
    elif HAVE_TORCH:
        import torch
        tensor = torch.ones(shape)
        columns["PyTorch reshape"] = best_us(lambda: tensor.reshape(-1), number)
    return columns


def main() -> None:
    rows = [("A1 10M", reshapes((1000, 10000), 2000)), ("A2 (10, 10)", reshapes((10, 10), 20000))]
    raw = numpy.ones((1000, 10000), dtype=numpy.float32)
    x = np.array(raw)

    def write_after_reshape():
        y = x.reshape(-1)
        y[0] = 1

    def numpy_copy_and_write():
        y = raw.reshape(-1).copy()
        y[0] = 1

    rows.append(("A3 10M write", {"ndgrad": best_us(write_after_reshape, 10) / 1000,
                                  "NumPy copy + write": best_us(numpy_copy_and_write, 10) / 1000}))
    for label, columns in rows:
        unit = "ms" if label.startswith("A3") else "us"
        cells = ", ".join(f"{name} {value:.2f} {unit}" for name, value in columns.items())
        print(f"{label:14s} {cells}")
        base = columns.get("NumPy view")
        if base:
            print(f"{'':14s} ndgrad reshape / NumPy view = {columns['ndgrad reshape'] / base:.1f}x")
        if "PyTorch reshape" in columns:
            print(f"{'':14s} ndgrad reshape / PyTorch reshape = "
                  f"{columns['ndgrad reshape'] / columns['PyTorch reshape']:.2f}x")


if __name__ == "__main__":
    main()
