"""``make bench``, part 2: the functional transforms and checkpointing.

1. Hessian-vector product of the Rosenbrock function in 1,000 dimensions, forward-over-reverse
   (ndgrad ``func.hvp``; ``torch.func.jvp(torch.func.grad(f))``; JAX without jit where
   installed), float64, milliseconds.
2. The 500x500 Jacobian of ``tanh(W @ x)``, by forward mode (jacfwd) and reverse mode
   (jacrev), float64, milliseconds. ndgrad's transforms are loops over basis vectors (one pass
   per column or row); torch.func batches them with vmap.
3. Peak memory of one gradient of a deep MLP (32 tanh layers of 256 units, batch 2048, float32),
   with and without ``autograd.checkpoint`` around each block of 4 layers (the square root of
   the depth, roughly: only the blocks' inputs are kept, and one block's values at a time
   during backward): tracemalloc's peak, which NumPy reports its array buffers to.

Every result is checked against NumPy's closed forms (or PyTorch's) before it is reported.
Times are the best of several runs (the machine is shared). Results: build/bench_transforms.json.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path
from time import perf_counter

import numpy

from ndgrad import autograd, func, np

ROOT = Path(__file__).resolve().parent.parent

try:
    import torch
    import torch.func
except ImportError:
    torch = None
try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None


def best_ms(run, repeats: int) -> float:
    run()                                   # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        start = perf_counter()
        run()
        times.append(perf_counter() - start)
    return min(times) * 1e3


# -- 1. Hessian-vector product -----------------------------------------------------------------
def rosenbrock(x, lib):
    return lib.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hvp_reference(x, v):
    """H v from the Hessian written out (tridiagonal)."""
    n = len(x)
    diagonal = numpy.zeros(n)
    diagonal[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diagonal[1:] += 200
    off = -400 * x[:-1]
    hv = diagonal * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


def reverse_over_reverse_hvp(x, v):
    """H v as the gradient of <grad f(x), v> (create_graph backward, then backward again)."""
    return func.grad(lambda t: np.sum(func.grad(lambda s: rosenbrock(s, np))(t) * v))(x)


def hvp_bench(n: int, repeats: int) -> dict:
    rng = numpy.random.default_rng(0)
    x0, v0 = rng.standard_normal(n), rng.standard_normal(n)
    expected = rosenbrock_hvp_reference(x0, v0)
    x, v = np.array(x0), np.array(v0)
    runs = {"ndgrad": lambda: func.hvp(lambda t: rosenbrock(t, np), (x,), (v,)),
            "ndgrad rev-over-rev": lambda: reverse_over_reverse_hvp(x, v)}
    if torch is not None:
        tx, tv = torch.tensor(x0), torch.tensor(v0)
        grad_f = torch.func.grad(lambda t: rosenbrock(t, torch))
        runs["torch.func"] = lambda: torch.func.jvp(grad_f, (tx,), (tv,))[1]
    if jax is not None:
        jx, jv = jnp.asarray(x0), jnp.asarray(v0)
        jax_grad = jax.grad(lambda t: rosenbrock(t, jnp))
        runs["jax (no jit)"] = lambda: jax.jvp(jax_grad, (jx,), (jv,))[1]
    results = {}
    for name, run in runs.items():
        numpy.testing.assert_allclose(numpy.asarray(run()), expected, rtol=1e-9)
        results[name] = best_ms(run, repeats)
    return {"n": n, "best_ms": results}


# -- 2. Jacobians ------------------------------------------------------------------------------
def jacobian_bench(n: int, repeats: int) -> dict:
    rng = numpy.random.default_rng(1)
    w0, x0 = rng.standard_normal((n, n)) / numpy.sqrt(n), rng.standard_normal(n)
    expected = (1 - numpy.tanh(w0 @ x0) ** 2)[:, None] * w0
    w, x = np.array(w0), np.array(x0)
    runs = {"ndgrad jacfwd": lambda: func.jacfwd(lambda t: np.tanh(w @ t))(x),
            "ndgrad jacrev": lambda: func.jacrev(lambda t: np.tanh(w @ t))(x)}
    if torch is not None:
        tw, tx = torch.tensor(w0), torch.tensor(x0)
        runs["torch.func jacfwd"] = lambda: torch.func.jacfwd(lambda t: torch.tanh(tw @ t))(tx)
        runs["torch.func jacrev"] = lambda: torch.func.jacrev(lambda t: torch.tanh(tw @ t))(tx)
    if jax is not None:
        jw, jx = jnp.asarray(w0), jnp.asarray(x0)
        runs["jax jacfwd (no jit)"] = lambda: jax.jacfwd(lambda t: jnp.tanh(jw @ t))(jx)
        runs["jax jacrev (no jit)"] = lambda: jax.jacrev(lambda t: jnp.tanh(jw @ t))(jx)
    results = {}
    for name, run in runs.items():
        numpy.testing.assert_allclose(numpy.asarray(run()), expected, rtol=1e-9, atol=1e-12)
        results[name] = best_ms(run, repeats)
    return {"n": n, "best_ms": results}


# -- 3. checkpointing --------------------------------------------------------------------------
BLOCK = 4


def block(h, *weights):
    for w in weights:
        h = np.tanh(h @ w)
    return h


def mlp_peak(layers: int, width: int, batch: int, use_checkpoint: bool) -> tuple[float, list]:
    rng = numpy.random.default_rng(2)
    x = np.array(rng.standard_normal((batch, width)).astype(numpy.float32))
    weights = [np.array((rng.standard_normal((width, width)) / numpy.sqrt(width))
                        .astype(numpy.float32)) for _ in range(layers)]
    for w in weights:
        w.attach_grad()
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    with autograd.record():
        h = x
        for start in range(0, layers, BLOCK):
            group = weights[start:start + BLOCK]
            h = autograd.checkpoint(block, h, *group) if use_checkpoint else block(h, *group)
        loss = np.sum(h * h)
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak / 1e6, [w.grad.asnumpy() for w in weights[:2]]


def checkpoint_bench(layers: int, width: int, batch: int) -> dict:
    plain_mb, plain_grads = mlp_peak(layers, width, batch, False)
    checkpointed_mb, checkpointed_grads = mlp_peak(layers, width, batch, True)
    for a, b in zip(plain_grads, checkpointed_grads):
        numpy.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    return {"layers": layers, "width": width, "batch": batch,
            "peak_mb": {"plain": plain_mb, "checkpoint": checkpointed_mb}}


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 2 if quick else 5
    hvp = hvp_bench(1000, repeats)
    jac = jacobian_bench(100 if quick else 500, 1 if quick else 3)
    memory = checkpoint_bench(16 if quick else 32, 128 if quick else 256, 1024 if quick else 2048)

    print(f"5. Hessian-vector product, Rosenbrock in {hvp['n']} dimensions, float64 "
          "(forward-over-reverse unless named; every row checked against the closed form), "
          "best ms")
    ours = hvp["best_ms"]["ndgrad"]
    for name, ms in hvp["best_ms"].items():
        print(f"   {name:<22} {ms:8.2f} ms   ndgrad / this {ours / ms:5.2f}")
    print(f"\n6. Jacobian of tanh(W @ x), {jac['n']}x{jac['n']}, float64, best ms")
    for name, ms in jac["best_ms"].items():
        mode = name.split()[-1] if "no jit" not in name else name.split()[-3]
        print(f"   {name:<22} {ms:8.1f} ms   ndgrad {mode} / this "
              f"{jac['best_ms']['ndgrad ' + mode] / ms:5.2f}")
    peaks = memory["peak_mb"]
    print(f"\n7. Peak memory of one gradient, MLP of {memory['layers']} tanh layers x "
          f"{memory['width']}, batch {memory['batch']}, float32 (tracemalloc)")
    print(f"   plain         {peaks['plain']:8.1f} MB")
    print(f"   checkpointed  {peaks['checkpoint']:8.1f} MB"
          f"   ({peaks['checkpoint'] / peaks['plain']:.2f}x)")
    path = ROOT / "build" / "bench_transforms.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"hvp": hvp, "jacobian": jac, "checkpoint": memory}, indent=2))
    print(f"\nResults written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
