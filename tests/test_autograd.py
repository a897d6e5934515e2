"""The autograd module's calls, the array's attributes, dtypes, devices and NumPy dispatch."""

import numpy
import pytest

import ndgrad
from ndgrad import autograd, nd, np
from ndgrad.errors import DeviceError


def close(array, expected):
    numpy.testing.assert_allclose(numpy.asarray(array), expected, rtol=1e-6, atol=1e-6)


def variable(values, dtype=None):
    x = np.array(values, dtype=dtype)
    x.attach_grad()
    return x


def test_grad_returns_gradients_without_touching_dot_grad():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = (x * x).sum()
    dx = autograd.grad(y, x)
    # a list for one variable too, as MXNet 1.9.1: autograd.grad(y, x)[0] is the gradient
    assert isinstance(dx, list) and len(dx) == 1
    close(dx[0], [2.0, 4.0])
    close(x.grad, [0.0, 0.0])


def test_grad_of_intermediates_and_unused_variables():
    x, unused = variable([1.0, 2.0]), variable([3.0])
    with autograd.record():
        z = x * 3
        y = (z * z).sum()
    dz, dx, du = autograd.grad(y, [z, x, unused])
    close(dz, [6.0, 12.0])
    close(dx, [18.0, 36.0])
    close(du, [0.0])


def test_grad_results_do_not_alias():
    x, w = variable([1.0]), variable([2.0])
    with autograd.record():
        y = x + w
    dx, dw = autograd.grad(y, [x, w])
    dx[0] = 5.0
    close(dw, [1.0])


def test_grad_refuses_a_variable_outside_the_graph():
    x = variable([1.0])
    with autograd.record():
        y = x * 2
    with pytest.raises(ValueError, match="attach_grad"):
        autograd.grad(y, np.ones(1))


def test_backward_with_several_heads_and_head_gradients():
    x = variable([1.0, 2.0])
    with autograd.record():
        a = x * 2
        b = x * x
    autograd.backward([a, b], [np.array([1.0, 1.0]), None])
    close(x.grad, [4.0, 6.0])
    with autograd.record():
        a = x * 2
        b = x * x
    with pytest.raises(ValueError, match="2 heads"):
        autograd.backward([a, b], [np.ones(2)])


def test_mark_variables_writes_into_the_given_buffers():
    x = np.array([1.0, 2.0])
    buffer = np.zeros(2)
    autograd.mark_variables([x], [buffer], "add")
    for _ in range(2):
        with autograd.record():
            y = x * 5
        y.backward()
    assert x.grad is buffer
    close(buffer, [10.0, 10.0])
    with pytest.raises(ValueError, match="shape"):
        autograd.mark_variables([x], [np.zeros(3)])


class Sigmoid(autograd.Function):
    def forward(self, x):
        y = 1 / (1 + np.exp(-x))
        self.save_for_backward(y)
        return y

    def backward(self, dy):
        (y,) = self.saved_tensors
        return dy * y * (1 - y)


def test_function_uses_its_backward():
    x = variable([-1.0, 0.0, 2.0])
    with autograd.record():
        y = Sigmoid()(x)
    y.backward()
    s = 1 / (1 + numpy.exp(-numpy.array([-1.0, 0.0, 2.0])))
    close(y, s)
    close(x.grad, s * (1 - s))


class SplitSum(autograd.Function):
    """Two outputs: x + y and x - y."""

    def forward(self, x, y):
        return x + y, x - y

    def backward(self, da, db):
        return da + db, da - db


def test_function_with_two_outputs_and_one_unused():
    x, y = variable([1.0, 2.0]), variable([3.0, 4.0])
    with autograd.record():
        a, _unused = SplitSum()(x, y)
        loss = (a * 2).sum()
    loss.backward()
    close(x.grad, [2.0, 2.0])
    close(y.grad, [2.0, 2.0])


def test_function_with_a_wrong_gradient_shape_is_refused():
    class Bad(autograd.Function):
        def forward(self, x):
            return x * 1

        def backward(self, dy):
            return dy.sum()

    x = variable([1.0, 2.0])
    with autograd.record():
        y = Bad()(x)
    with pytest.raises(ValueError, match="shape"):
        y.backward()


def test_recording_and_training_setters_return_previous_values():
    assert autograd.set_recording(True) is False
    assert autograd.is_recording()
    assert autograd.set_recording(False) is True
    assert autograd.set_training(True) is False
    assert autograd.set_training(False) is True
    with autograd.record():
        with autograd.pause(train_mode=True):
            assert autograd.is_training() and not autograd.is_recording()
        assert autograd.is_recording()


def test_default_dtype_is_float32_and_can_be_changed():
    assert np.arange(3).dtype == numpy.float32
    assert np.array([1, 2]).dtype == numpy.float32
    assert np.array(numpy.arange(3)).dtype == numpy.arange(3).dtype
    assert np.zeros(2, dtype="float64").dtype == numpy.float64
    assert (np.ones(2) * 2).dtype == numpy.float32
    previous = ndgrad.set_default_dtype("float64")
    try:
        assert np.arange(3).dtype == numpy.float64
    finally:
        ndgrad.set_default_dtype(previous)
    with pytest.raises(TypeError):
        ndgrad.set_default_dtype("int32")


def test_float64_gradients_stay_float64_and_mixed_dtypes_cast_back():
    x = variable([1.0, 2.0], dtype="float32")
    with autograd.record():
        y = x * np.array(numpy.array([1.0, 2.0]))      # float64 constant: float64 result
    assert y.dtype == numpy.float64
    y.backward()
    assert x.grad.dtype == numpy.float32
    close(x.grad, [1.0, 2.0])


def test_devices():
    x = np.ones(2)
    assert str(x.device) == "cpu(0)" and x.ctx == ndgrad.cpu()
    close(x.as_in_context(ndgrad.cpu()), [1.0, 1.0])
    with pytest.raises(DeviceError, match="gpu\\(0\\)"):
        x.to_device(ndgrad.gpu(0))
    with pytest.raises(DeviceError):
        np.zeros(2, ctx=ndgrad.gpu(1))


def test_repr_and_printing():
    assert repr(np.array([0.0, 1.0])) == "array([0., 1.])"
    assert repr(np.array([1, 2], dtype="int64")) == "array([1, 2], dtype=int64)"
    assert str(np.array([0.0, 8.0, 16.0])) == "[ 0.  8. 16.]"
    assert f"{np.array(2.5):.2f}" == "2.50"
    x = nd.array([20.0, 2.0, 0.2, 0.02])
    assert str(x) == "\n[20.    2.    0.2   0.02]\n<NDArray 4 @cpu(0)>"
    assert repr(x) == "\n[20.    2.    0.2   0.02]\n<NDArray 4 @cpu(0)>"
    assert isinstance(x * 2, nd.NDArray)


def test_python_protocols():
    x = np.array([1.0, 2.0, 3.0])
    assert len(x) == 3 and [float(v) for v in x] == [1.0, 2.0, 3.0]
    assert float(np.array(2.0)) == 2.0 and bool(np.array(1.0))
    assert x.tolist() == [1.0, 2.0, 3.0] and x[1].item() == 2.0
    assert numpy.asarray(x).dtype == numpy.float32
    assert numpy.from_dlpack(x).tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(TypeError):
        hash(x)


def test_numpy_functions_on_ndarrays_are_recorded():
    x = variable([0.5, 1.0])
    with autograd.record():
        y = numpy.sum(numpy.sin(x) * numpy.array([1.0, 2.0]))
    assert isinstance(y, np.ndarray)
    y.backward()
    close(x.grad, numpy.cos([0.5, 1.0]) * [1.0, 2.0])


def test_unsupported_numpy_function_is_a_clear_error():
    x = np.ones(3)
    with pytest.raises(TypeError, match="numpy.histogramdd"):
        numpy.histogramdd(x)
    with pytest.raises(TypeError, match="nextafter"):
        numpy.nextafter(x, x)


def test_lists_become_default_dtype_operands():
    x = np.array([1.0, 2.0])
    assert (x + [1, 2]).dtype == numpy.float32
    close(np.sin([0.0]), [0.0])


def test_getitem_gradients():
    x = variable(numpy.arange(6.0).reshape(2, 3))
    with autograd.record():
        y = x[1, ::-2].sum() + x[:, [0, 0]].sum() + x[x > 3].sum()
    y.backward()
    close(x.grad, [[2, 0, 0], [3, 1, 2]])


def test_ndarray_constructor_is_refused():
    with pytest.raises(TypeError, match="np.array"):
        np.ndarray((2,))


def test_boolean_mask_operators():
    x = np.array([-1.0, 0.5, 2.0])
    inside = (x > 0) & (x < 1)
    assert inside.tolist() == [False, True, False]
    assert ((x < 0) | (x > 1)).tolist() == [True, False, True]
    assert (~inside).tolist() == [True, False, True]
    assert ((x > 0) ^ (x > 1)).tolist() == [False, True, False]
