"""ndgrad's autograd against Apache MXNet 1.9.1 itself: what ``autograd.grad`` returns, higher
order through constant first derivatives, and how the gradients print.

MXNet needs NumPy < 1.24 and cannot share a process with ndgrad: ``mxnet_oracle.py`` beside
this file runs every snippet once under the MXNet interpreter and prints JSON. The
interpreter is ``$NDGRAD_MXNET_PYTHON`` (default /work/oracles/mxnet/bin/python); without
it (or with the variable set to an empty string) this module is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest
from mxnet_oracle import CASES, KINKS, POINTS

from ndgrad import autograd, nd, np, npx

HERE = Path(__file__).resolve().parent
MXNET_PYTHON = os.environ.get("NDGRAD_MXNET_PYTHON", "/work/oracles/mxnet/bin/python")

if not MXNET_PYTHON or not Path(MXNET_PYTHON).exists():
    pytest.skip(f"no MXNet interpreter at {MXNET_PYTHON!r} (set NDGRAD_MXNET_PYTHON)",
                allow_module_level=True)


class MXNetDiffers(UserWarning):
    """ndgrad gives a different (documented or mathematically right) answer than MXNet;
    reported, not asserted."""


@pytest.fixture(scope="module")
def mx():
    """Every MXNet snippet, run once in one subprocess."""
    done = subprocess.run([MXNET_PYTHON, str(HERE / "mxnet_oracle.py")], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": ""},
                          check=False)          # a failure is reported with its stderr below
    if done.returncode != 0:
        pytest.fail(f"the MXNet oracle failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    assert result["mxnet_version"] == "1.9.1", result["mxnet_version"]
    return result


def values(array):
    return numpy.asarray(array.asnumpy()).tolist()


def describe(array) -> dict:
    return {"repr": repr(array), "dtype": numpy.dtype(array.dtype).name,
            "shape": list(array.shape), "values": values(array)}


def same(a, b) -> bool:
    return numpy.array_equal(numpy.asarray(a, dtype=float), numpy.asarray(b, dtype=float))


# -- (a) autograd.grad returns a list, for one variable too ----------------------------------
def _np_grads(call):
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    z = np.array([4.0, 5.0, 6.0])
    z.attach_grad()
    return call(x, z)


def _grad_of_square(variables_of, heads_of=lambda y: y, **kwargs):
    def call(x, z):
        with autograd.record():
            y = x * z if kwargs.pop("product", False) else x * x
        return autograd.grad(heads_of(y), variables_of(x, z), **kwargs)
    return call


@pytest.mark.parametrize("key,call", [
    ("single", _grad_of_square(lambda x, z: x)),
    ("list", _grad_of_square(lambda x, z: [x])),
    ("heads_list", _grad_of_square(lambda x, z: [x], heads_of=lambda y: [y])),
    ("two", _grad_of_square(lambda x, z: [x, z], product=True)),
    ("head_grads", _grad_of_square(lambda x, z: [x], head_grads=np.array([1.0, 0.5, 2.0]))),
])
def test_grad_returns_a_list_with_the_numpy_interface(mx, key, call):
    expected = mx["np"][key]
    assert expected["container"] == "list"
    result = _np_grads(call)
    assert type(result).__name__ == expected["container"], (
        f"MXNet 1.9.1 returns a {expected['container']} of {expected['len']}; ndgrad "
        f"returned {type(result).__name__}")
    assert len(result) == expected["len"]
    for ours, theirs in zip(result, expected["elements"]):
        assert describe(ours)["dtype"] == theirs["dtype"]
        assert describe(ours)["shape"] == theirs["shape"]
        assert same(values(ours), theirs["values"])


def test_grad_returns_a_list_with_create_graph(mx):
    expected = mx["np"]["create_graph"]
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
        result = autograd.grad(y, x, create_graph=True)
    assert isinstance(result, list) and len(result) == expected["len"] == 1
    assert same(values(result[0]), expected["elements"][0]["values"])


@pytest.mark.parametrize("key", ["single", "list"])
def test_grad_returns_a_list_with_the_legacy_nd_interface(mx, key):
    expected = mx["nd"][key]
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    result = autograd.grad(y, x) if key == "single" else autograd.grad([y], [x])
    assert isinstance(result, list), f"MXNet returns a list; ndgrad {type(result).__name__}"
    assert len(result) == expected["len"]
    (ours,), (theirs,) = result, expected["elements"]
    assert type(ours).__name__ == theirs["class"].rsplit(".", 1)[1] == "NDArray"
    # (c) an mx.nd gradient prints exactly as MXNet's
    assert repr(ours) == theirs["repr"]
    assert str(ours) == theirs["str"]
    assert describe(ours)["dtype"] == theirs["dtype"] == "float32"


# -- (c) how the returned gradients print, their dtypes, the defaults -------------------------
def test_returned_gradients_print_and_have_the_dtype(mx):
    """MXNet 1.9.1 returns *legacy* mx.nd.NDArray objects from autograd.grad even for mx.np
    inputs (they print ``\\n[2. 4. 6.]\\n<NDArray 3 @cpu(0)>``), while ``x.grad`` is an mx.np
    array (``array([2., 4., 6.])``). ndgrad keeps the interface of the inputs: an np input's
    gradient is an np array and prints as MXNet's ``x.grad`` does."""
    theirs = mx["np"]["single"]["elements"][0]
    assert theirs["class"] == "mxnet.ndarray.ndarray.NDArray"
    x_grad = mx["np"]["x_grad_after_backward"]
    assert x_grad["class"] == "mxnet.numpy.ndarray"
    (ours,) = _np_grads(_grad_of_square(lambda x, z: x))
    assert type(ours) is type(np.array([1.0]))
    assert repr(ours) == x_grad["repr"] == "array([2., 4., 6.])"
    assert str(ours) == x_grad["str"]
    assert describe(ours)["dtype"] == theirs["dtype"] == "float32"     # the default dtype
    # float64 stays float64
    w = np.array(numpy.array([1.0, 2.0]))
    w.attach_grad()
    with autograd.record():
        y = w * w
    (ours,) = autograd.grad(y, w)
    theirs = mx["np"]["float64"]["elements"][0]
    assert describe(ours)["dtype"] == theirs["dtype"] == "float64"
    assert same(values(ours), theirs["values"])


def test_grad_defaults(mx):
    facts = mx["np"]
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    assert repr(x.grad) == facts["x_grad_before"]["repr"]              # zeros, float32
    with autograd.record():
        y = x * x
    autograd.grad(y, x)
    # autograd.grad leaves .grad alone
    assert same(values(x.grad), facts["x_grad_after_grad"]["values"])
    # retain_graph defaults to create_graph (False): a second call on the freed graph fails
    assert facts["grad_twice"]["error"] == "MXNetError"
    with pytest.raises(RuntimeError, match="retain_graph"):
        autograd.grad(y, x)
    with autograd.record():
        y = x * x
    y.backward()
    assert repr(x.grad) == facts["x_grad_after_backward"]["repr"]


def test_grad_of_a_variable_the_head_does_not_use(mx):
    """MXNet raises ('unreachable from the outputs'); ndgrad documents zeros."""
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    z = np.array([4.0, 5.0, 6.0])
    z.attach_grad()
    with autograd.record():
        y = x * x
    gx, gz = autograd.grad(y, [x, z])
    assert same(values(gx), [2.0, 4.0, 6.0]) and same(values(gz), [0.0, 0.0, 0.0])
    fact = mx["np"]["unused_variable"]
    if "error" in fact:
        warnings.warn(f"unused variable: MXNet raises {fact['error']}: {fact['message']}; "
                      "ndgrad gives zeros", MXNetDiffers)


def test_legacy_nd_relu_second_order_is_zero(mx):
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = nd.relu(x)
        dx = autograd.grad(y, x, create_graph=True)[0]
        total = dx.sum()
    total.backward()
    assert repr(x.grad) == mx["nd"]["relu_second"]["repr"]


# -- (b) higher order through constant first derivatives --------------------------------------
def _ndgrad_higher_order(expr: str, points: list) -> dict:
    out = {}
    x = np.array(numpy.array(points, dtype=numpy.float64))
    x.attach_grad()
    with autograd.record():
        y = eval(expr, {"np": np, "npx": npx}, {"x": x})
        dx = autograd.grad(y, x, create_graph=True, retain_graph=True)[0]
        total = dx.sum()
    out["y"], out["dx"], out["dx_dtype"] = values(y), values(dx), numpy.dtype(dx.dtype).name
    out["second_by_grad"] = values(autograd.grad(total, x, retain_graph=True)[0])
    total.backward()
    out["second_by_backward"] = values(x.grad)
    return out


@pytest.mark.parametrize("name", CASES)
def test_higher_order_through_constant_first_derivatives(mx, name):
    """dx = autograd.grad(y, x, create_graph=True)[0], then the gradient of sum(dx): zeros
    for a constant first derivative. Where MXNet gives numbers they must be ndgrad's; where
    MXNet raises (its backward ops have no gradient), ndgrad gives the true value."""
    case, theirs = CASES[name], mx["higher_order"][name]
    x = numpy.array(POINTS)
    assert "first" not in theirs, f"MXNet failed at first order: {theirs.get('first')}"
    ours = _ndgrad_higher_order(case["expr"], POINTS)
    second = eval(case["second"], {"numpy": numpy}, {"x": x})
    for route in ("second_by_grad", "second_by_backward"):
        numpy.testing.assert_allclose(ours[route], second, rtol=1e-12, atol=1e-12,
                                      err_msg=f"{name}: {route}")
        if isinstance(theirs[route], dict):
            warnings.warn(f"{name}: MXNet's {route} raises {theirs[route]['error']}: "
                          f"{theirs[route]['message']}; ndgrad gives {ours[route]}",
                          MXNetDiffers)
        else:
            numpy.testing.assert_allclose(ours[route], theirs[route], rtol=1e-12, atol=1e-12,
                                          err_msg=f"{name}: {route} differs from MXNet's")
    assert ours["dx_dtype"] == theirs["dx_dtype"] == "float64"
    if case["first"] is None:            # dropout: the draw's mask, scaled by 1 / (1 - p)
        first = (numpy.asarray(ours["y"]) != 0) / 0.5
        assert same(numpy.asarray(theirs["dx"]), (numpy.asarray(theirs["y"]) != 0) / 0.5)
    else:
        first = eval(case["first"], {"numpy": numpy}, {"x": x})
    numpy.testing.assert_allclose(ours["dx"], first, rtol=1e-12, atol=1e-15,
                                  err_msg=f"{name}: first derivative")
    if case["first"] is not None and not numpy.allclose(theirs["dx"], first, rtol=1e-12,
                                                        atol=1e-15):
        warnings.warn(f"{name}: MXNet's first derivative at {POINTS} is {theirs['dx']}, the "
                      f"true one (ndgrad's) {first.tolist()}", MXNetDiffers)


@pytest.mark.parametrize("name", CASES)
def test_first_derivatives_at_kinks_are_reported(mx, name):
    """At the kinks (-1, 0, 1) the conventions may differ (ndgrad documents its own); the
    difference is reported, not asserted. Dropout's draws differ, so only its scale is
    compared."""
    theirs = mx["kinks"][name]
    x = np.array(numpy.array(KINKS))
    x.attach_grad()
    with autograd.record():
        y = eval(CASES[name]["expr"], {"np": np, "npx": npx}, {"x": x})
    y.backward()
    ours = values(x.grad)
    if name == "dropout":
        assert set(ours) <= {0.0, 2.0} and set(theirs["dx"]) <= {0.0, 2.0}
        return
    # the same function (MXNet computes radians' factor in float32, so not to the last bit)
    numpy.testing.assert_allclose(values(y), theirs["y"], rtol=1e-7, err_msg=name)
    if not same(ours, theirs["dx"]):
        warnings.warn(f"{name} at {KINKS}: MXNet's derivative {theirs['dx']}, ndgrad's {ours}",
                      MXNetDiffers)


if __name__ == "__main__":      # print the oracle's facts
    print(subprocess.run([MXNET_PYTHON, str(HERE / "mxnet_oracle.py")], text=True,
                         capture_output=True, check=True).stdout, file=sys.stdout)
