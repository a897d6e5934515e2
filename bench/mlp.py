"""The MLP training-step workload: one SGD step of a 784-256-256-10 ReLU network with a
softmax cross-entropy loss on a batch of 128 float32 examples (forward, backward and the
parameter update), in ndgrad, in NumPy with the backward pass written by hand, and in
PyTorch eager (CPU).

The three start from the same parameters and train on the same batch, so their losses agree
step by step to float32 rounding (run.py checks that before reporting).

Run as a script, it times one implementation in this process and prints one JSON line
(run.py starts a fresh process per implementation, with the BLAS and PyTorch thread counts
set to the same number):

    python bench/mlp.py IMPL STEPS [--warmup N] [--threads N]

The step-timing loop and the command line are shared with cnn.py (``worker_main``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Callable
from time import perf_counter
from typing import Any

import numpy

SIZES = (784, 256, 256, 10)
WEIGHT_SHAPES = [(n_out, n_in) for n_in, n_out in itertools.pairwise(SIZES)]
BATCH = 128
LEARNING_RATE = 0.1


def initial_parameters(shapes: list[tuple[int, ...]], seed: int = 0) -> list[numpy.ndarray]:
    """He-initialised weights of the given shapes (out, in, ...), each followed by its zero
    bias, float32: W1, b1, W2, b2, ..."""
    rng = numpy.random.default_rng(seed)
    params = []
    for shape in shapes:
        fan_in = math.prod(shape[1:])
        params.append((rng.standard_normal(shape) * numpy.sqrt(2 / fan_in))
                      .astype(numpy.float32))
        params.append(numpy.zeros(shape[0], dtype=numpy.float32))
    return params


def batch(shape: tuple[int, ...], classes: int = 10, seed: int = 1):
    """Inputs (float32, standard normal) and integer labels."""
    rng = numpy.random.default_rng(seed)
    return (rng.standard_normal(shape).astype(numpy.float32),
            rng.integers(0, classes, shape[0]))


# -- the three implementations: make_step(params, x, y) -> step() returning the loss -------------

def ndgrad_trainer(loss: Callable) -> Callable:
    """make_step for ndgrad: ``loss(weights, x, y)`` recorded, backward, SGD update."""
    def make_step(params, x, y):
        from ndgrad import autograd, np

        weights = [np.array(p) for p in params]
        for w in weights:
            w.attach_grad()
        x, y = np.array(x), numpy.asarray(y)

        def step():
            with autograd.record():
                value = loss(weights, x, y)
            value.backward()
            for w in weights:
                w -= LEARNING_RATE * w.grad
            return value.item()
        return step
    return make_step


def torch_trainer(loss: Callable) -> Callable:
    """make_step for PyTorch: ``loss(weights, x, y)``, backward, SGD update."""
    def make_step(params, x, y):
        import torch

        weights = [torch.tensor(p, requires_grad=True) for p in params]
        x, y = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            value = loss(weights, x, y)
            for w in weights:
                w.grad = None
            value.backward()
            with torch.no_grad():
                for w in weights:
                    w -= LEARNING_RATE * w.grad
            return value.item()
        return step
    return make_step


def ndgrad_loss(weights, x, y):
    from ndgrad import npx

    w1, b1, w2, b2, w3, b3 = weights
    h = npx.relu(npx.fully_connected(x, w1, b1))
    h = npx.relu(npx.fully_connected(h, w2, b2))
    z = npx.fully_connected(h, w3, b3)
    return -npx.pick(npx.log_softmax(z), y).mean()


def torch_loss(weights, x, y):
    import torch.nn.functional as F

    w1, b1, w2, b2, w3, b3 = weights
    h = F.relu(F.linear(x, w1, b1))
    h = F.relu(F.linear(h, w2, b2))
    return F.cross_entropy(F.linear(h, w3, b3), y)


def softmax_cross_entropy(z, y):
    """The mean softmax cross-entropy of logits z (batch, classes) for labels y, and its
    gradient with respect to z: (softmax(z) - onehot(y)) / batch."""
    rows = numpy.arange(len(y))
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - numpy.log(numpy.exp(shifted).sum(axis=1, keepdims=True))
    gz = numpy.exp(log_p)
    gz[rows, y] -= 1
    gz /= len(y)
    return float(-log_p[rows, y].mean()), gz


def numpy_step(params, x, y):
    """Forward, then the chain rule by hand, layer by layer, then the update in place."""
    weights = [p.copy() for p in params]

    def step():
        w1, b1, w2, b2, w3, b3 = weights
        a1 = x @ w1.T + b1
        h1 = numpy.maximum(a1, 0)
        a2 = h1 @ w2.T + b2
        h2 = numpy.maximum(a2, 0)
        loss, gz = softmax_cross_entropy(h2 @ w3.T + b3, y)
        ga2 = (gz @ w3) * (a2 > 0)
        ga1 = (ga2 @ w2) * (a1 > 0)
        grads = [ga1.T @ x, ga1.sum(axis=0), ga2.T @ h1, ga2.sum(axis=0),
                 gz.T @ h2, gz.sum(axis=0)]
        for w, g in zip(weights, grads):
            w -= LEARNING_RATE * g
        return loss
    return step


STEPS = {"ndgrad": ndgrad_trainer(ndgrad_loss), "numpy": numpy_step,
         "torch": torch_trainer(torch_loss)}


def make_step(impl: str) -> Callable[[], float]:
    x, y = batch((BATCH, SIZES[0]))
    return STEPS[impl](initial_parameters(WEIGHT_SHAPES), x, y)


# -- the worker: time one implementation, print JSON -----------------------------------------------

def worker_main(argv: list[str], make: Callable[[str], Callable[[], float]],
                implementations: Any, description: str) -> None:
    """Time ``steps`` training steps of one implementation after ``warmup`` untimed ones;
    print the per-step times and every loss (warm-up included) as one JSON line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("impl", choices=sorted(implementations))
    parser.add_argument("steps", type=int)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="PyTorch intra-op threads (NumPy's BLAS reads "
                             "OPENBLAS_NUM_THREADS, which run.py sets)")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"impl": args.impl}
    if args.impl == "torch":
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        result["threads"] = torch.get_num_threads()
    step = make(args.impl)
    losses, times = [], []
    for index in range(args.warmup + args.steps):
        start = perf_counter()
        losses.append(step())
        if index >= args.warmup:
            times.append(perf_counter() - start)
    result.update(step_s=times, losses=losses)
    print(json.dumps(result))


if __name__ == "__main__":
    worker_main(sys.argv[1:], make_step, STEPS, "time one implementation of the MLP step")
