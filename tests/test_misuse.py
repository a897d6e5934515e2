"""Misuse and bad input (issue: a clear error or the right answer, never silent zeros).

Each test is one class of mistake a user makes; the expected gradients are worked by hand or
checked against finite differences, the expected errors by their type and their advice.
"""

from __future__ import annotations

import math
import threading

import numpy
import pytest

from ndgrad import autograd, func, nd, np, npx, testing
from ndgrad.errors import GradientLostError, InPlaceModifiedError, NotRecordedError


def f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def variable(values):
    x = f64(values)
    x.attach_grad()
    return x


def gradient_of(function, *values):
    variables = [variable(v) for v in values]
    with autograd.record():
        head = function(*variables)
    head.backward()
    return [v.grad.asnumpy() for v in variables]


# -- 1. Python lists and tuples holding recorded arrays ---------------------------------------
LISTS = {
    "x + [a, a]": (lambda a, b: np.sum(f64([5.0, 6.0]) + [a, a]), [[2.0, 2.0], [0.0, 0.0]]),
    "np.sum([a, b])": (lambda a, b: np.sum([a, b]), [[1.0, 1.0], [1.0, 1.0]]),
    "np.array([a, b])": (lambda a, b: np.sum(np.array([a, b]) * f64([[1.0], [2.0]])),
                         [[1.0, 1.0], [2.0, 2.0]]),
    "np.mean((a, b))": (lambda a, b: np.mean((a, b)), [[0.25, 0.25], [0.25, 0.25]]),
    "np.asarray nested": (lambda a, b: np.sum(np.asarray([[a, b], [b, b]])),
                          [[1.0, 1.0], [3.0, 3.0]]),
    "numbers and elements": (lambda a, b: np.sum(np.array([a[0], 2.0, a[1] * b[1]])),
                             [[1.0, 4.0], [0.0, 2.0]]),
    "np.dot of a list": (lambda a, b: np.dot([a, b], a)[1], [[3.0, 4.0], [1.0, 2.0]]),
    "nd.array": (lambda a, b: nd.array([a, b]).sum(), [[1.0, 1.0], [1.0, 1.0]]),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_lists_of_recorded_arrays_keep_their_gradients(name):
    function, expected = LISTS[name]
    got = gradient_of(function, [1.0, 2.0], [3.0, 4.0])
    for g, e in zip(got, expected):
        numpy.testing.assert_allclose(g, e, rtol=1e-6)


def test_a_list_argument_is_a_pytree_in_func():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    grads = func.grad(lambda xs: np.sum(np.array(xs) ** 2))([a, b])
    assert isinstance(grads, list)
    numpy.testing.assert_allclose(grads[0].asnumpy(), [2.0, 4.0])
    numpy.testing.assert_allclose(grads[1].asnumpy(), [6.0, 8.0])
    _, tangent = func.jvp(lambda xs: np.sum(np.stack(xs) * 3.0), ([a, b],),
                          ([f64([1.0, 0.0]), f64([0.0, 1.0])],))
    assert tangent.item() == 6.0


@pytest.mark.parametrize("recording", [False, True])
def test_a_list_of_arrays_keeps_their_dtype_and_a_list_of_numbers_the_default(recording):
    # (found by tests/test_fuzz_programs.py: a list of float64 arrays was rounded to float32)
    a, b = f64([1.0, 1e-9]), f64([3.0, 4.0])
    a.attach_grad()
    with autograd.record() if recording else autograd.pause():
        packed = np.array([a, b])
        total = np.sum([a, b], axis=0)
    assert packed.dtype == total.dtype == numpy.float64
    assert (a + [b]).dtype == numpy.float64
    assert packed.asnumpy()[0, 1] == 1e-9
    assert np.array([1, 2]).dtype == numpy.float32
    assert np.array([numpy.float64(1.0), 2.0]).dtype == numpy.float64


@pytest.mark.parametrize("data", [[1.0, None], "abc", [[1.0], ["x"]], {"a": 1}])
def test_data_that_is_not_numbers_is_refused(data):
    with pytest.raises(TypeError, match="numbers or booleans"):
        np.array(data)


# -- 2. leaving ndgrad inside record() ---------------------------------------------------------
LEAVING = {
    "numpy.asarray": lambda y: numpy.asarray(y),
    "asnumpy": lambda y: y.asnumpy(),
    "float": lambda y: float(y[0]),
    "math.exp": lambda y: math.exp(y[0]),
    "item": lambda y: y.item(0),
    "tolist": lambda y: y.tolist(),
    "int": lambda y: int(y[0]),
}


@pytest.mark.parametrize("name", list(LEAVING))
def test_a_value_that_would_leave_ndgrad_while_recording_is_refused(name):
    x = variable([1.0, 2.0])
    with autograd.record():
        y = x * 2
        with pytest.raises(GradientLostError, match=r"detach\(\)"):
            LEAVING[name](y)
        LEAVING[name](y.detach())                 # a constant on purpose: allowed
        assert bool(y[0] > 0)                     # control flow on values: allowed
    LEAVING[name](y)                              # after recording: allowed


def test_a_value_leaving_inside_a_transform_is_refused():
    with pytest.raises(GradientLostError):
        func.grad(lambda v: np.sum(v) * float(v[0]))(f64([1.0, 2.0]))
    with pytest.raises(GradientLostError):
        func.jvp(lambda v: v * v.item(), (f64(2.0),), (f64(1.0),))


# -- 3. memory shared with NumPy ----------------------------------------------------------------
@pytest.mark.parametrize("wrap", ["asarray", "raw", "from_dlpack"])
def test_changing_a_shared_numpy_buffer_before_backward_cannot_corrupt_a_gradient(wrap):
    buffer = numpy.array([1.0, 2.0, 3.0])
    operand = {"asarray": np.asarray, "raw": lambda b: b, "from_dlpack": np.from_dlpack}[wrap](
        buffer)
    if wrap != "raw":
        assert numpy.shares_memory(operand._data, buffer)   # still zero-copy
    x = variable([1.0, 1.0, 1.0])
    with autograd.record():
        y = np.sum(x * operand)
    buffer[:] = 99.0
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), [1.0, 2.0, 3.0])


# -- 4. threads ---------------------------------------------------------------------------------
def test_threads_adding_into_one_gradient_lose_no_update():
    x = f64(numpy.ones(200_000))
    x.attach_grad("add")

    def work():
        for _ in range(200):
            with autograd.record():
                y = x * 1.0
            y.backward()
    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert numpy.all(x.grad.asnumpy() == 8 * 200)


# -- 5. complex numbers: misuse that would make a gradient ambiguous or wrong -------------------
def test_complex_misuse_is_refused_clearly():
    z = np.array(numpy.array([1 + 2j, 3 - 1j]))
    z.attach_grad()
    with autograd.record():
        y = z * z
    with pytest.raises(TypeError, match="needs a head gradient"):
        y.backward()
    with pytest.raises(TypeError, match="holomorphic=True"):
        func.grad(lambda v: np.sum(v))(z)
    with pytest.raises(TypeError, match="holomorphic=True"):
        func.jacrev(lambda v: v * 2)(z)
    with pytest.raises(TypeError, match="would lose its imaginary part"):
        func.jvp(lambda v: v * 2, (f64([1.0, 2.0]),), (z,))


@pytest.mark.parametrize("op", [lambda z: np.maximum(z, 0), np.sort, np.sign,
                                lambda z: np.max(z)])
def test_an_op_with_no_complex_rules_refuses_a_complex_value_being_differentiated(op):
    z = np.array(numpy.array([1 + 2j, 3 - 1j]))
    z.attach_grad()
    with autograd.record(), pytest.raises(TypeError, match="no derivative rules for complex"):
        op(z)
    op(z)          # outside record() it computes, as NumPy


# -- 6. a reused autograd.Function --------------------------------------------------------------
def test_a_function_instance_called_twice_gives_each_call_its_gradient():
    class Cube(autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            self.power = 3.0
            return x * x * x

        def backward(self, dy):
            x, = self.saved_tensors
            return self.power * x * x * dy
    cube = Cube()
    a, b = variable([1.0, 2.0]), variable([3.0])
    with autograd.record():
        head = np.sum(cube(a)) + np.sum(cube(b))
    head.backward()
    numpy.testing.assert_allclose(a.grad.asnumpy(), [3.0, 12.0])
    numpy.testing.assert_allclose(b.grad.asnumpy(), [27.0])


# -- 7. mark_variables with create_graph ---------------------------------------------------------
@pytest.mark.parametrize("grad_req", ["write", "add"])
def test_mark_variables_buffers_are_filled_under_create_graph(grad_req):
    x, buffer = f64([1.0, 2.0]), f64([0.0, 0.0])
    autograd.mark_variables([x], [buffer], grad_req)
    with autograd.record():
        y = np.sum(x ** 3)
    y.backward(create_graph=True)
    assert x.grad is buffer
    numpy.testing.assert_allclose(buffer.asnumpy(), [3.0, 12.0])
    with autograd.record():
        second = np.sum(buffer)                 # the buffer carries the gradient's history
    assert autograd.grad(second, [x])[0].asnumpy().tolist() == [6.0, 12.0]


# -- 8. integer overflow ------------------------------------------------------------------------
def test_an_integer_power_that_overflows_raises():
    with pytest.raises(OverflowError, match="float"):
        np.array(9, dtype="int64") ** 40
    assert (np.array(9, dtype="int64") ** 19).item() == 9 ** 19
    assert (np.array(9) ** 40).dtype == numpy.float32     # a Python int takes the float dtype


# -- 10. arguments validated as NumPy does ----------------------------------------------------
@pytest.mark.parametrize("axis", [1.0, "0", True, [0.5]])
def test_a_non_integer_axis_is_a_type_error(axis):
    with pytest.raises(TypeError, match="axis must be an integer"):
        np.sum(np.ones((2, 3)), axis=axis)


@pytest.mark.parametrize("flag", [1, "yes", None, 0.0])
def test_recording_and_training_flags_must_be_booleans(flag):
    for set_flag in (autograd.set_recording, autograd.set_training):
        with pytest.raises(TypeError, match="True or False"):
            set_flag(flag)
    with pytest.raises(TypeError, match="True or False"), autograd.record(train_mode=flag):
        pass
    assert not autograd.is_recording()


def test_normalisation_refuses_a_negative_eps():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="eps must be >= 0"):
        npx.layer_norm(x, np.ones(3), np.zeros(3), eps=-1.0)
    with pytest.raises(ValueError, match="eps must be >= 0"):
        npx.batch_norm(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), eps=-1e-3)


def test_the_spread_of_a_constant_has_gradient_zero_as_mxnet_and_pytorch():
    constant = f64([2.0, 2.0, 2.0])
    assert func.grad(np.std)(constant).asnumpy().tolist() == [0.0, 0.0, 0.0]
    assert func.grad(np.var)(constant).asnumpy().tolist() == [0.0, 0.0, 0.0]
    assert func.grad(np.linalg.norm)(f64([0.0, 0.0])).asnumpy().tolist() == [0.0, 0.0]
    assert numpy.isnan(np.std(f64([1.0, numpy.nan])).item())
    spread = f64([1.0, 2.0, 4.0])
    centred = spread.asnumpy() - spread.asnumpy().mean()
    numpy.testing.assert_allclose(func.grad(np.std)(spread).asnumpy(),
                                  centred / (3 * numpy.std(spread.asnumpy())))


# -- 11. NotRecordedError names its cause -------------------------------------------------------
def _head_error(make_head):
    with pytest.raises(NotRecordedError) as error:
        make_head().backward()
    return str(error.value)


def test_not_recorded_error_says_which_of_the_causes_it_is():
    w = variable([1.0, 2.0])
    assert "attach_grad() on the inputs" in _head_error(lambda: np.sum(f64([1.0])))

    def integer():
        with autograd.record():
            return np.argmax(w)
    assert "no gradient by nature" in _head_error(integer)

    def detached():
        with autograd.record():
            return np.sum(w.detach() * 2)
    assert "detach()" in _head_error(detached)

    def paused():
        with autograd.record(), autograd.pause():
            return np.sum(w * 2)
    assert "autograd.pause()" in _head_error(paused)

    def updated_out_of_place():
        new_w = w - 0.1 * w                       # outside record(): a new, unattached array
        with autograd.record():
            return np.sum(new_w * new_w)
    assert "w -= lr * w.grad" in _head_error(updated_out_of_place)


def test_a_write_into_a_variable_names_it():
    x = variable([1.0])
    with autograd.record(), pytest.raises(InPlaceModifiedError, match="variable"):
        x[0] = 2.0


def test_an_extra_operand_is_not_taken_as_numpys_out():
    x, y = f64([1.0, 2.0]), f64([0.0, 0.0])
    for call in (lambda: np.sin(x, y), lambda: np.add(x, y, y), lambda: np.exp()):
        with pytest.raises(TypeError, match="array operand"):
            call()
    assert y.asnumpy().tolist() == [0.0, 0.0]       # nothing was written into y


def test_backward_flags_must_be_booleans():
    x = variable([1.0])
    with autograd.record():
        y = x * 2
    for flags in ({"retain_graph": 1}, {"create_graph": "yes"}, {"train_mode": None}):
        with pytest.raises(TypeError, match="True or False"):
            y.backward(**flags)
        with pytest.raises(TypeError, match="True or False"):
            autograd.grad(y, [x], **flags)
    y.backward()
    assert x.grad.asnumpy().tolist() == [2.0]


def test_a_list_operand_of_a_contraction_is_saved_as_the_array_it_became():
    # (found by tests/test_fuzz_arguments.py: backward read the list's .ndim)
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = np.dot([1.0, 2.0], x) + np.inner(x, (3.0, 4.0)) + np.matmul([[1.0, 1.0]], x)[0]
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), [5.0, 7.0])


def test_custom_rules_and_check_grads_refuse_what_cannot_work():
    # (found by tests/test_fuzz_arguments.py: AttributeError, ZeroDivisionError)
    with pytest.raises(TypeError, match="decorates a function"):
        func.custom_vjp(None)
    with pytest.raises(TypeError, match="decorates a function"):
        func.custom_jvp(3)
    with pytest.raises(ValueError, match="positive finite"):
        testing.check_grads(np.sin, [f64([0.5])], eps=0.0)
