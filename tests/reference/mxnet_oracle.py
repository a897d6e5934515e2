"""The MXNet 1.9.1 side of test_vs_mxnet.py: run under the MXNet interpreter
(NDGRAD_MXNET_PYTHON), it runs every snippet once and prints one JSON object.

    /work/oracles/mxnet/bin/python tests/reference/mxnet_oracle.py > mxnet.json

The tables (CASES, POINTS, KINKS) are plain data, imported by the test module too, so both
sides run the same expressions. Nothing here imports ndgrad, and mxnet is imported only
when run as a script (the two need different NumPy versions).
"""

from __future__ import annotations

import json
import sys
import traceback

import numpy as _numpy

# y = expr(x), recorded; dx = autograd.grad(y, x, create_graph=True)[0]; then the gradient of
# sum(dx). ``first`` and ``second`` are the true derivatives away from the kinks, as NumPy
# expressions of x (what ndgrad must give); dropout's first depends on the draw (None).
CASES = {
    "relu": {"expr": "npx.relu(x)", "first": "(x > 0) * 1.0", "second": "0 * x"},
    "abs": {"expr": "np.abs(x)", "first": "numpy.sign(x)", "second": "0 * x"},
    "sign": {"expr": "np.sign(x)", "first": "0 * x", "second": "0 * x"},
    "clip": {"expr": "np.clip(x, -1, 1)", "first": "(numpy.abs(x) < 1) * 1.0", "second": "0 * x"},
    "radians": {"expr": "np.radians(x)", "first": "numpy.pi / 180 + 0 * x", "second": "0 * x"},
    "2*x": {"expr": "2 * x", "first": "2 + 0 * x", "second": "0 * x"},
    "where": {"expr": "np.where(x > 0, x, 0)", "first": "(x > 0) * 1.0", "second": "0 * x"},
    "maximum": {"expr": "np.maximum(x, 0)", "first": "(x > 0) * 1.0", "second": "0 * x"},
    "dropout": {"expr": "npx.dropout(x, p=0.5)", "first": None, "second": "0 * x"},
    # first derivatives that are not constant, for comparison
    "x*x": {"expr": "x * x", "first": "2 * x", "second": "2 + 0 * x"},
    "sin": {"expr": "np.sin(x)", "first": "numpy.cos(x)", "second": "-numpy.sin(x)"},
    "exp": {"expr": "np.exp(x)", "first": "numpy.exp(x)", "second": "numpy.exp(x)"},
}
POINTS = [-1.5, -0.7, -0.2, 0.3, 0.8, 2.0]     # away from every kink
KINKS = [-1.0, 0.0, 1.0]                       # first derivatives reported, not asserted


def _error(exc: BaseException) -> dict:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return {"error": type(exc).__name__, "message": lines[-1][:400] if lines else ""}


def _describe(value) -> dict:
    return {"class": f"{type(value).__module__}.{type(value).__name__}",
            "repr": repr(value), "str": str(value), "dtype": _numpy.dtype(value.dtype).name,
            "dtype_repr": str(value.dtype),
            "shape": list(value.shape), "values": value.asnumpy().tolist()}


def _container(result) -> dict:
    return {"container": type(result).__name__, "len": len(result),
            "elements": [_describe(g) for g in result]}


def higher_order(mx, np, npx, autograd, case: dict, points: list) -> dict:
    """dx and the gradient of sum(dx), by autograd.grad and by backward, or the errors."""
    out: dict = {}
    x = np.array(points, dtype="float64")
    x.attach_grad()
    try:
        with autograd.record():
            y = eval(case["expr"], {"np": np, "npx": npx}, {"x": x})
            dx = autograd.grad(y, x, create_graph=True, retain_graph=True)[0]
            total = dx.sum()
        out["y"] = y.asnumpy().tolist()
        out["dx"] = dx.asnumpy().tolist()
        out["dx_dtype"] = _numpy.dtype(dx.dtype).name
    except Exception as exc:            # noqa: BLE001  (what MXNet does is the datum)
        out["first"] = _error(exc)
        return out
    try:
        out["second_by_grad"] = autograd.grad(total, x, retain_graph=True)[0].asnumpy().tolist()
    except Exception as exc:            # noqa: BLE001
        out["second_by_grad"] = _error(exc)
    try:
        total.backward()
        out["second_by_backward"] = x.grad.asnumpy().tolist()
    except Exception as exc:            # noqa: BLE001
        out["second_by_backward"] = _error(exc)
    return out


def first_order(np, npx, autograd, case: dict, points: list) -> dict:
    x = np.array(points, dtype="float64")
    x.attach_grad()
    try:
        with autograd.record():
            y = eval(case["expr"], {"np": np, "npx": npx}, {"x": x})
        y.backward()
        return {"y": y.asnumpy().tolist(), "dx": x.grad.asnumpy().tolist()}
    except Exception as exc:            # noqa: BLE001
        return _error(exc)


def legacy_nd(mx) -> dict:
    """mx.nd arrays, before set_np()."""
    from mxnet import autograd, nd
    out = {}
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    out["x_grad_before"] = _describe(x.grad)
    with autograd.record():
        y = x * x
    out["single"] = _container(autograd.grad(y, x))
    with autograd.record():
        y = x * x
    out["list"] = _container(autograd.grad([y], [x]))
    out["x_grad_after"] = _describe(x.grad)
    with autograd.record():
        y = nd.relu(x)
        dx = autograd.grad(y, x, create_graph=True)[0]
        total = dx.sum()
    total.backward()
    out["relu_second"] = _describe(x.grad)
    return out


def numpy_interface(mx, np, npx, autograd) -> dict:
    out = {}
    x = np.array([1.0, 2.0, 3.0])                      # the default dtype
    x.attach_grad()
    out["x_grad_before"] = _describe(x.grad)
    with autograd.record():
        y = x * x
    out["single"] = _container(autograd.grad(y, x))
    out["x_grad_after_grad"] = _describe(x.grad)       # autograd.grad leaves .grad alone
    try:
        autograd.grad(y, x)                            # retain_graph defaults to False
        out["grad_twice"] = "ok"
    except Exception as exc:                           # noqa: BLE001
        out["grad_twice"] = _error(exc)
    with autograd.record():
        y = x * x
    out["list"] = _container(autograd.grad(y, [x]))
    with autograd.record():
        y = x * x
    out["heads_list"] = _container(autograd.grad([y], [x]))
    z = np.array([4.0, 5.0, 6.0])
    z.attach_grad()
    with autograd.record():
        y = x * z
    out["two"] = _container(autograd.grad(y, [x, z]))
    with autograd.record():
        y = x * x
    out["head_grads"] = _container(autograd.grad(y, [x], head_grads=np.array([1.0, 0.5, 2.0])))
    with autograd.record():
        y = x * x
    try:
        out["unused_variable"] = _container(autograd.grad(y, [x, z]))
    except Exception as exc:                           # noqa: BLE001
        out["unused_variable"] = _error(exc)
    with autograd.record():
        y = x * x
        out["create_graph"] = _container(autograd.grad(y, x, create_graph=True))
    w = np.array([1.0, 2.0], dtype="float64")
    w.attach_grad()
    with autograd.record():
        y = w * w
    out["float64"] = _container(autograd.grad(y, w))
    with autograd.record():
        y = x * x
    y.backward()
    out["x_grad_after_backward"] = _describe(x.grad)
    return out


def main() -> None:
    import mxnet as mx
    result = {"mxnet_version": mx.__version__}
    result["nd"] = legacy_nd(mx)
    from mxnet import autograd, np, npx
    npx.set_np()
    result["np"] = numpy_interface(mx, np, npx, autograd)
    mx.random.seed(0)
    result["higher_order"] = {name: higher_order(mx, np, npx, autograd, case, POINTS)
                              for name, case in CASES.items()}
    result["kinks"] = {name: first_order(np, npx, autograd, case, KINKS)
                       for name, case in CASES.items()}
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    try:
        main()
    except Exception:                   # noqa: BLE001
        traceback.print_exc()
        sys.exit(1)
