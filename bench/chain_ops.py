"""The per-op overhead workload: a long chain of elementwise ops on a tiny array.

Each block of five ops is ``x <- x + 0.1 * tanh(sin(x)) + 0.2``:

    s = sin(x)        a unary op that saves its input
    t = tanh(s)       a bounded exp-like op that saves its answer
    u = t * 0.1       multiplication by a Python constant
    x = x + u         an add of two recorded arrays (x fans out to sin and to this add)
    x = x + 0.2       an add of a constant

Values stay finite (x grows by 0.12 to 0.28 a block) and the gradient neither vanishes nor
explodes: each block's derivative, ``1 + 0.1 cos(x) (1 - t^2)``, averages to about one as x
moves through whole periods of the cosine.

The three implementations do the same float32 ops in the same order, so their answers agree
to float32 rounding.

Run as a script, it times one implementation in this process and prints one JSON line
(run.py starts it in a fresh process per implementation, so that no library's imports and
caches weigh on another's timings):

    python bench/chain_ops.py IMPL N_OPS REPEATS [--threads N]
"""

from __future__ import annotations

import argparse
import json
import sys
from time import perf_counter

import numpy

OPS_PER_BLOCK = 5
SCALE = 0.1
SHIFT = 0.2


def start_values(size: int = 4) -> numpy.ndarray:
    return numpy.linspace(-1.0, 1.0, size, dtype=numpy.float32)


def ndgrad_chain(x0: numpy.ndarray, n_ops: int):
    """Forward and backward with ndgrad; returns (seconds forward, seconds backward, value,
    gradient)."""
    from ndgrad import autograd, np

    x = np.array(x0)
    x.attach_grad()
    start = perf_counter()
    with autograd.record():
        y = x
        for _ in range(n_ops // OPS_PER_BLOCK):
            s = np.sin(y)
            t = np.tanh(s)
            u = t * SCALE
            y = y + u
            y = y + SHIFT
    middle = perf_counter()
    y.backward()
    end = perf_counter()
    return middle - start, end - middle, y.asnumpy(), x.grad.asnumpy()


def numpy_chain(x0: numpy.ndarray, n_ops: int):
    """The same chain in plain NumPy with the derivative written by hand: the forward keeps
    what the backward needs (x and tanh(sin(x)) of every block), the backward runs the
    chain rule block by block from the end."""
    start = perf_counter()
    saved = []
    y = x0
    for _ in range(n_ops // OPS_PER_BLOCK):
        s = numpy.sin(y)
        t = numpy.tanh(s)
        saved.append((y, t))
        u = t * SCALE
        y = y + u
        y = y + SHIFT
    middle = perf_counter()
    # d(y + 0.1 tanh(sin y) + 0.2)/dy = 1 + 0.1 (1 - t^2) cos(y); the head is y's sum.
    g = numpy.ones_like(y)
    for y_k, t in reversed(saved):
        g = g + g * (SCALE * (1 - t * t) * numpy.cos(y_k))
    end = perf_counter()
    return middle - start, end - middle, y, g


def torch_chain(x0: numpy.ndarray, n_ops: int):
    """The same chain in PyTorch eager mode (CPU, requires_grad, backward of the sum)."""
    import torch

    x = torch.from_numpy(x0.copy()).requires_grad_(True)
    start = perf_counter()
    y = x
    for _ in range(n_ops // OPS_PER_BLOCK):
        s = torch.sin(y)
        t = torch.tanh(s)
        u = t * SCALE
        y = y + u
        y = y + SHIFT
    middle = perf_counter()
    y.backward(torch.ones_like(y))
    end = perf_counter()
    return middle - start, end - middle, y.detach().numpy(), x.grad.numpy()


CHAINS = {"ndgrad": ndgrad_chain, "numpy": numpy_chain, "torch": torch_chain}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="time one implementation of the op chain")
    parser.add_argument("impl", choices=sorted(CHAINS))
    parser.add_argument("n_ops", type=int)
    parser.add_argument("repeats", type=int)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="PyTorch intra-op threads")
    args = parser.parse_args(argv)
    result = {"impl": args.impl}
    if args.impl == "torch":
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        result["threads"] = torch.get_num_threads()
    chain, x0 = CHAINS[args.impl], start_values()
    times = []
    for repeat in range(args.warmup + args.repeats):
        forward, backward, value, grad = chain(x0, args.n_ops)
        if repeat >= args.warmup:
            times.append((forward, backward))
    result.update(forward_s=[f for f, _ in times], backward_s=[b for _, b in times],
                  value=value.tolist(), grad=grad.tolist())
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
