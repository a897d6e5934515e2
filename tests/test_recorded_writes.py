"""Writes into arrays while recording (API.md semantic 9), on random programs.

A program is a list of steps, each writing into one of two buffers (one made by np.zeros, one
an intermediate computed from x): an item or slice assignment, an integer-array assignment, or
an in-place ``+=``, ``-=``, ``*=``, ``/=``. It ends in a scalar loss that reads both buffers.
The same program run on float64 arrays outside recording is the function; central finite
differences of it are the oracle for reverse mode, forward mode and the second derivative.
"""

from __future__ import annotations

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st

from ndgrad import autograd, func, np

SIZE = 5
KEYS = (0, 3, slice(1, 4), slice(None, None, 2), numpy.array([4, 0, 2]))

step = st.tuples(
    st.sampled_from(("set", "+=", "-=", "*=", "/=")),
    st.sampled_from((0, 1)),                          # which buffer is written
    st.sampled_from(range(len(KEYS))),                # where (for "set")
    st.sampled_from(("sin", "square", "shift")),      # the value: a function of x or the buffers
)


def _value(kind, x, buffers, key):
    picked = x[key] if kind != "shift" else buffers[0][key] * 0.5 + buffers[1][key]
    return np.sin(picked) if kind == "sin" else picked * picked if kind == "square" else picked


def run(program, x):
    """The program on x; recorded when called inside record() or a transform."""
    zeros = np.zeros(SIZE, dtype="float64")
    computed = np.cos(x) + 2.0
    buffers = [zeros, computed]
    for op, which, key_index, kind in program:
        key = KEYS[key_index]
        target = buffers[which]
        if op == "set":
            target[key] = _value(kind, x, buffers, key)
            continue
        operand = _value(kind, x, buffers, slice(None))
        if op == "+=":
            target += operand
        elif op == "-=":
            target -= operand
        elif op == "*=":
            target *= operand
        else:
            target /= operand * operand + 1.0
    return np.sum(np.sin(buffers[0]) * buffers[1]) + np.sum(buffers[1] ** 2) * 0.1


def numeric_gradient(program, x0, eps=1e-6):
    grad = numpy.zeros(SIZE)
    for i in range(SIZE):
        step_i = numpy.zeros(SIZE)
        step_i[i] = eps
        up = run(program, np.array(x0 + step_i)).item()
        down = run(program, np.array(x0 - step_i)).item()
        grad[i] = (up - down) / (2 * eps)
    return grad


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=6), st.integers(0, 2 ** 31 - 1))
def test_recorded_writes_against_finite_differences(program, seed):
    rng = numpy.random.default_rng(seed)
    x0 = rng.uniform(-1.0, 1.0, SIZE)
    expected = numeric_gradient(program, x0)
    scale = 1.0 + numpy.abs(expected).max()

    x = np.array(x0)
    x.attach_grad()
    with autograd.record():
        loss = run(program, x)
    loss.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), expected, atol=1e-5 * scale, rtol=1e-5)

    t = rng.standard_normal(SIZE)
    _, tangent = func.jvp(lambda v: run(program, v), (np.array(x0),), (np.array(t),))
    numpy.testing.assert_allclose(tangent.item(), expected @ t, atol=1e-5 * scale, rtol=1e-5)

    # second order: the Hessian-vector product against differences of the gradient
    hvp = func.jvp(func.grad(lambda v: run(program, v)), (np.array(x0),), (np.array(t),))[1]
    eps = 1e-5
    gradient = func.grad(lambda v: run(program, v))
    numeric = (gradient(np.array(x0 + eps * t)).asnumpy()
               - gradient(np.array(x0 - eps * t)).asnumpy()) / (2 * eps)
    numpy.testing.assert_allclose(hvp.asnumpy(), numeric, atol=1e-4 * scale, rtol=1e-4)
