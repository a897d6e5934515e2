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


# hold=: the partial derivative on a graph recorded without detach() (issue 15, item 2)

def thread_program(cut):
    """The readers' thread: u = x * y, then z = u * x, with u detached or not."""
    x = variable([1.0, 2.0, 3.0, 4.0])
    y = np.array([5.0, 6.0, 7.0, 8.0])
    with autograd.record():
        u = x * y
        z = (u.detach() if cut else u) * x
    return x, u, z


def test_hold_answers_the_threads_detach_example():
    x, _, z = thread_program(cut=True)
    z.backward()
    detached = x.grad.asnumpy()
    close(detached, [5, 12, 21, 32])                      # the partial derivative, u fixed
    x, u, z = thread_program(cut=False)
    z.backward(retain_graph=True)
    close(x.grad, [10, 24, 42, 64])                       # the total derivative, 2xy
    z.backward(hold=[u])                                  # same graph, no detach()
    close(x.grad, detached)
    x, u, z = thread_program(cut=False)
    close(autograd.grad(z, x, hold=[u])[0], detached)
    x, u, z = thread_program(cut=False)
    autograd.backward([z], hold=u)                        # one array or a list
    close(x.grad, detached)


def test_hold_matches_finite_differences_of_the_partial_derivative():
    # z = sin(u) * x + u with u = x ** 2: dz/dx with u held is sin(u), totally it is not
    values = numpy.array([0.3, -0.7, 1.1])
    x = variable(values)
    with autograd.record():
        u = x ** 2
        z = np.sin(u) * x + u
    partial, = autograd.grad(z, x, hold=[u], retain_graph=True)
    total, = autograd.grad(z, x)
    step = 1e-6
    held = numpy.sin(values ** 2)                          # u fixed at its value
    close(partial, ((held * (values + step) + values ** 2)
                    - (held * (values - step) + values ** 2)) / (2 * step))
    z_of = lambda v: numpy.sin(v ** 2) * v + v ** 2
    numpy.testing.assert_allclose(total.asnumpy(), (z_of(values + step) - z_of(values - step))
                                  / (2 * step), rtol=1e-6)


def test_a_held_value_gets_its_own_gradient_and_other_paths_still_count():
    x = variable([1.0, 2.0])
    with autograd.record():
        u = x * x
        z = u * x + 3 * u + x
    dx, du = autograd.grad(z, [x, u], hold=[u])
    close(dx, [2.0, 5.0])                    # u + 1: the paths through u are cut
    close(du, [4.0, 5.0])                    # x + 3: what reached u, as without hold


def test_hold_in_higher_order():
    values = numpy.array([0.4, 1.3])
    x = variable(values)
    with autograd.record():
        y = np.sin(x)
        z = y * x ** 2
        g, = autograd.grad(z, x, hold=[y], create_graph=True)   # 2 x y
        # the total derivative of the partial derivative (as d/dt dL/dq' in mechanics)
        total, = autograd.grad(g, x, retain_graph=True)
        # y held again: what detach() gives at every order, 2 y
        held, = autograd.grad(g, x, hold=[y])
    close(g, 2 * values * numpy.sin(values))
    close(total, 2 * numpy.sin(values) + 2 * values * numpy.cos(values))
    close(held, 2 * numpy.sin(values))
    x = variable(values)
    with autograd.record():
        u = np.sin(x).detach()
        g, = autograd.grad(u * x ** 2, x, create_graph=True)
        detached, = autograd.grad(g, x)
    close(detached, held)


def test_hold_with_head_gradients_retain_graph_and_one_output_of_several():
    x = variable([1.0, 2.0])
    with autograd.record():
        u = x * x
        z = u * x
    z.backward(np.array([10.0, 100.0]), hold=[u], retain_graph=True)
    close(x.grad, [10.0, 400.0])             # head_grad * u
    z.backward()                             # the graph is still there: the total
    close(x.grad, [3.0, 12.0])
    with autograd.record():
        parts = np.split(x * x, 2)           # one op, two outputs: hold only the first
        z = parts[0] * x[0] + parts[1] * x[1]
    z.backward(hold=[parts[0]])
    close(x.grad, [1.0, 12.0])


def test_holding_a_variable_or_a_value_off_the_paths_changes_nothing():
    x = variable([1.0, 2.0])
    w = variable([3.0, 4.0])
    with autograd.record():
        u = w * w
        z = x * x + u
    close(autograd.grad(z, x, hold=[x, u], retain_graph=True)[0], [2.0, 4.0])
    close(autograd.grad(z, w, hold=[u])[0], [0.0, 0.0])


def test_hold_refuses_what_is_not_in_the_graph_of_the_heads():
    x = variable([1.0, 2.0])
    with autograd.record():
        u = x * x
        other = x + 1
        z = u * x
    with pytest.raises(TypeError, match="hold= takes the ndgrad arrays"):
        autograd.grad(z, x, hold=[numpy.ones(2)])
    with pytest.raises(ValueError, match=r"shape \(2,\) has no recorded history"):
        autograd.grad(z, x, hold=[np.ones(2)])
    with pytest.raises(ValueError, match=r"made by 'add'\) is not in the graph of the heads"):
        z.backward(hold=[other])
    z.backward(hold=[])                      # nothing held: the total derivative
    close(x.grad, [3.0, 12.0])
