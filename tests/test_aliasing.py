"""docs/api.md semantic 22: which results are new arrays and which are views, as MXNet 1.9.1.

The expected behaviour was observed on MXNet 1.9.1 (mxnet.np, npx.set_np()): for each
operation, writing into the result and then into the input (on fresh arrays each time)."""

import numpy
import pytest

from ndgrad import autograd, np, npx

NEW_ARRAYS = {   # MXNet: neither write is seen on the other side
    "reshape": lambda x: x.reshape(4, 3),
    "np.reshape": lambda x: np.reshape(x, (4, 3)),
    "reshape(-1)": lambda x: x.reshape(-1),
    "T": lambda x: x.T,
    "transpose": lambda x: x.transpose(),
    "np.transpose": lambda x: np.transpose(x),
    "swapaxes": lambda x: np.swapaxes(x, 0, 1),
    "x.swapaxes": lambda x: x.swapaxes(0, 1),
    "moveaxis": lambda x: np.moveaxis(x, 0, 1),
    "expand_dims": lambda x: np.expand_dims(x, 0),
    "squeeze": lambda x: np.squeeze(x[None]),
    "ravel": lambda x: np.ravel(x),
    "flatten": lambda x: x.flatten(),
    "atleast_2d": lambda x: np.atleast_2d(x),
    "real": lambda x: np.real(x),
    "split": lambda x: np.split(x, 3)[1],
    "npx.reshape": lambda x: npx.reshape(x, (4, 3)),
    "np.array": lambda x: np.array(x),
}
VIEWS = {        # MXNet: both writes are seen on the other side
    "x[1:]": lambda x: x[1:],
    "x[1]": lambda x: x[1],
    "x[None]": lambda x: x[None],
    "x[...]": lambda x: x[...],
    "x[:, None]": lambda x: x[:, None],
    "x[0:1]": lambda x: x[0:1],
    "detach": lambda x: x.detach(),
}


def fresh():
    return np.arange(12.0).reshape(3, 4)


def writes_seen(operation):
    """(a write into the result is seen in the input, a write into the input is seen in
    the result), on fresh arrays."""
    x = fresh()
    operation(x)[...] = -1
    seen_in_input = not numpy.array_equal(x.asnumpy(), fresh().asnumpy())
    x = fresh()
    y = operation(x)
    before = y.asnumpy()
    x[...] = 100
    return seen_in_input, not numpy.array_equal(y.asnumpy(), before)


@pytest.mark.parametrize("name", NEW_ARRAYS)
def test_results_that_mxnet_makes_new_arrays_are_independent(name):
    assert writes_seen(NEW_ARRAYS[name]) == (False, False)


@pytest.mark.parametrize("name", VIEWS)
def test_basic_slices_and_detach_share_memory_as_in_mxnet(name):
    assert writes_seen(VIEWS[name]) == (True, True)


def test_a_new_array_borrows_the_memory_until_a_write():
    x = np.zeros((1000, 1000))
    y = x.reshape(-1)
    z = y.reshape(100, 10000).T
    assert numpy.shares_memory(x._data, y._data) and numpy.shares_memory(x._data, z._data)
    y[0] = 1                                     # y moves; x and z keep the memory
    assert not numpy.shares_memory(x._data, y._data)
    assert numpy.shares_memory(x._data, z._data)
    assert float(x[0, 0]) == 0 and float(z[0, 0]) == 0 and float(y[0]) == 1
    x[0, 0] = 2                                  # z moves before x changes
    assert float(z[0, 0]) == 0 and float(y[0]) == 1 and float(x[0, 0]) == 2


def test_views_of_a_new_array_move_with_it():
    x = fresh()
    y = x.reshape(4, 3)
    row, column = y[1], y[:, 2]
    row[...] = -5                                # y and its views move together
    assert float(y[1, 0]) == -5 and float(column[1]) == -5
    assert numpy.array_equal(x.asnumpy(), fresh().asnumpy())
    x[...] = 7                                   # y has its own memory now
    assert float(y[0, 0]) == 0 and float(column[0]) == 2
    column[...] = 9
    assert float(y[3, 2]) == 9 and float(row[2]) == 9


def test_writes_in_every_form_leave_a_borrowing_array_alone():
    for write in (lambda x: x.__setitem__(0, 5), lambda x: x.__iadd__(1),
                  lambda x: np.add(x, 1, out=x), lambda x: np.put_along_axis(
                      x, numpy.zeros((1, 4), dtype=int), 3.0, axis=0)):
        x = fresh()
        y = x.T
        write(x)
        assert numpy.array_equal(y.asnumpy(), fresh().asnumpy().T)


def test_gradients_are_right_when_a_reshaped_input_is_written_after_forward():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    x.attach_grad()
    with autograd.record():
        y = x.reshape(4) * 1.0
        z = (y.reshape(2, 2) * x).sum()
    z.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy())
    w = x.detach().reshape(4)
    w[...] = 0                                   # the variable keeps its values
    assert float(x.sum()) == 10


def test_a_gradient_buffer_written_by_backward_leaves_its_reshape_alone():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    before = x.grad.reshape(2, 1)
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), [2.0, 4.0])
    numpy.testing.assert_allclose(before.asnumpy(), [[0.0], [0.0]])
