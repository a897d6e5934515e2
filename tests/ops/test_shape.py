"""The shape family beyond the table: x.at[...] gradients worked by hand (repeated indices,
masks, broadcast values), put_along_axis in place, the integer-valued searches, split's
unused pieces, dispatch from NumPy, and bad inputs giving NumPy's error types."""

import numpy
import pytest
from numpy.exceptions import AxisError

from ndgrad import autograd, np
from ndgrad.errors import InPlaceModifiedError, NoDerivativeError, NotRecordedError


def variable(values):
    x = np.array(numpy.asarray(values, dtype=numpy.float64))
    x.attach_grad()
    return x


def close(array, expected):
    numpy.testing.assert_allclose(numpy.asarray(array), expected, rtol=1e-12, atol=1e-12)


WEIGHTS = numpy.arange(1.0, 7.0).reshape(2, 3)      # a head gradient that tells positions apart


# -- x.at[index].set / .add ------------------------------------------------------------------
def test_at_set_returns_a_new_array_and_leaves_x_alone():
    x = variable(numpy.zeros((2, 3)))
    y = x.at[0, 1:].set(5.0)
    close(y, [[0.0, 5.0, 5.0], [0.0, 0.0, 0.0]])
    close(x, numpy.zeros((2, 3)))


def test_at_set_gradient_zeroes_the_written_positions_and_sends_them_to_the_values():
    x, v = variable(numpy.ones((2, 3))), variable([7.0, 8.0])
    with autograd.record():
        y = x.at[1, ::2].set(v)
    y.backward(np.array(WEIGHTS))
    close(y, [[1.0, 1.0, 1.0], [7.0, 1.0, 8.0]])
    close(x.grad, [[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]])
    close(v.grad, [4.0, 6.0])


def test_at_set_with_a_repeated_index_keeps_the_last_write_and_only_it_gets_a_gradient():
    x, v = variable(numpy.zeros((2, 3))), variable([1.0, 2.0, 3.0])
    with autograd.record():
        y = x.at[[0, 1, 0], [2, 0, 2]].set(v)
    y.backward(np.array(WEIGHTS))
    expected = numpy.zeros((2, 3))
    expected[[0, 1, 0], [2, 0, 2]] = [1.0, 2.0, 3.0]
    close(y, expected)                               # NumPy's assignment: the last write wins
    close(v.grad, [0.0, 4.0, 3.0])
    close(x.grad, [[1.0, 2.0, 0.0], [0.0, 5.0, 6.0]])


def test_at_add_with_a_repeated_index_accumulates_like_numpy_add_at():
    x, v = variable(numpy.zeros((2, 3))), variable([1.0, 2.0, 3.0])
    with autograd.record():
        y = x.at[[0, 1, 0], [2, 0, 2]].add(v)
    y.backward(np.array(WEIGHTS))
    close(y, [[0.0, 0.0, 4.0], [2.0, 0.0, 0.0]])
    close(x.grad, WEIGHTS)
    close(v.grad, [3.0, 4.0, 3.0])


def test_at_with_a_boolean_mask_and_a_broadcast_scalar_sums_the_values_gradient():
    x, c = variable([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]]), variable(0.5)
    with autograd.record():
        y = x.at[x < 0].set(c)                      # a clamp written as an update
    y.backward(np.array(WEIGHTS))
    close(y, [[0.5, 2.0, 0.5], [4.0, 0.5, 6.0]])
    close(x.grad, [[0.0, 2.0, 0.0], [4.0, 0.0, 6.0]])
    close(c.grad, 1.0 + 3.0 + 5.0)


def test_at_set_drops_leading_length_one_axes_of_the_values_as_numpy_assignment_does():
    x, v = variable(numpy.zeros(3)), variable([[1.0, 2.0]])
    with autograd.record():
        y = x.at[:2].set(v)
    y.backward(np.array([1.0, 2.0, 3.0]))
    close(y, [1.0, 2.0, 0.0])
    close(v.grad, [[1.0, 2.0]])


def test_at_add_is_differentiated_twice():
    x = variable([1.0, 2.0, 3.0])
    with autograd.record():
        # position 0 becomes r = x0 + x1^2 + x2^2, so y = r^2 + x1^2 + x2^2
        y = (x.at[[0, 0]].add(x[1:] * x[1:]) ** 2).sum()
        (gradient,) = autograd.grad(y, [x], create_graph=True)
        z = gradient.sum()                          # r (2 + 4 x1 + 4 x2) + 2 x1 + 2 x2
    z.backward()
    r, slope = 14.0, 2.0 + 4 * 2.0 + 4 * 3.0
    close(gradient, [2 * r, 4 * r * 2.0 + 2 * 2.0, 4 * r * 3.0 + 2 * 3.0])
    close(x.grad, [slope, 2 * 2.0 * slope + 4 * r + 2, 2 * 3.0 * slope + 4 * r + 2])


# -- put_along_axis: in place, as NumPy ----------------------------------------------------------
def test_put_along_axis_writes_in_place_outside_the_graph():
    a = np.array(numpy.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]]))
    expected = a.asnumpy()
    indices = numpy.argmax(expected, axis=1)[:, None]
    assert np.put_along_axis(a, indices, 99.0, axis=1) is None
    numpy.put_along_axis(expected, indices, 99.0, axis=1)
    close(a, expected)


def test_put_along_axis_is_seen_by_a_graph_that_saved_the_array():
    x, c = variable([1.0, 2.0]), np.array([3.0, 4.0])
    with autograd.record():
        y = x * c
    np.put_along_axis(c, numpy.array([0]), 5.0, axis=0)
    with pytest.raises(InPlaceModifiedError):
        y.backward()


def test_put_along_axis_in_a_recorded_graph_points_to_x_at():
    x = variable([1.0, 2.0, 3.0])
    with autograd.record():
        y = x * 2
        with pytest.raises(InPlaceModifiedError, match=r"x\.at\[index\]\.set\(values\)"):
            np.put_along_axis(y, numpy.array([0]), 0.0, axis=0)
        with pytest.raises(InPlaceModifiedError, match=r"x\.at\[index\]\.set\(values\)"):
            np.put_along_axis(np.zeros(3), numpy.array([0]), y[:1], axis=0)
    close(y, [2.0, 4.0, 6.0])


# -- integer results: values as NumPy, nothing recorded ------------------------------------------
def test_nonzero_searchsorted_argpartition_give_numpys_integers_and_no_gradient():
    data = numpy.array([[0.0, 3.0, 1.0], [2.0, 0.0, 5.0]])
    x = variable(data)
    with autograd.record():
        found = np.nonzero(x)
        positions = np.searchsorted(np.array([1.0, 2.0, 3.0]), x, side="right")
        order = np.argpartition(x, 1, axis=None)
    assert isinstance(found, tuple) and len(found) == 2
    for mine, theirs in zip(found, numpy.nonzero(data)):
        numpy.testing.assert_array_equal(mine.asnumpy(), theirs)
    numpy.testing.assert_array_equal(positions.asnumpy(),
                                     numpy.searchsorted([1.0, 2.0, 3.0], data, side="right"))
    assert numpy.sort(data.ravel()[order.asnumpy()])[1] == 0.0
    assert order.asnumpy()[1] in numpy.flatnonzero(data.ravel() == 0.0)
    for result in found + (positions, order):
        assert result.dtype.kind == "i"
        with pytest.raises(NotRecordedError):
            result.backward()


def test_searchsorted_takes_a_sorter():
    a = numpy.array([3.0, 1.0, 2.0])
    sorter = numpy.argsort(a)
    result = np.searchsorted(np.array(a), np.array([2.5, 0.0]), sorter=np.array(sorter))
    numpy.testing.assert_array_equal(result.asnumpy(), numpy.searchsorted(a, [2.5, 0.0],
                                                                          sorter=sorter))


# -- gradients at choices finite differences cannot see --------------------------------------------
def test_split_pieces_left_unused_get_zero_gradients():
    x = variable(numpy.arange(6.0))
    with autograd.record():
        first, _, third = np.split(x, 3)
        y = (first * 2).sum() + third.sum()
    y.backward()
    close(x.grad, [2.0, 2.0, 0.0, 0.0, 1.0, 1.0])


def test_partition_ties_share_the_gradient_like_sort():
    x = variable([2.0, 1.0, 2.0, 0.0])
    with autograd.record():
        y = np.partition(x, 3)
    y.backward(np.array([0.0, 0.0, 0.0, 1.0]))        # the largest value: 2, tied
    close(x.grad, [0.5, 0.0, 0.5, 0.0])


def test_pad_refuses_a_recorded_constant_value():
    x, c = variable([1.0, 2.0]), variable(3.0)
    with autograd.record(), pytest.raises(NoDerivativeError, match="constant_values"):
        np.pad(x, 1, constant_values=c)


# -- NumPy's functions on ndgrad arrays ---------------------------------------------------------
def test_numpy_functions_of_this_family_dispatch_and_record():
    x, w = variable([[1.0, 2.0], [3.0, 4.0]]), variable([5.0, 6.0])
    with autograd.record():
        joined = numpy.concatenate([x, w[None]])
        top, bottom = numpy.split(joined, [1])
        y = (numpy.pad(top, 1, mode="edge").sum() + numpy.trace(bottom)
             + numpy.flip(numpy.roll(w, 1)).sum())
    assert isinstance(joined, np.ndarray) and isinstance(top, np.ndarray)
    y.backward()
    close(x.grad, [[6.0, 6.0], [1.0, 0.0]])
    close(w.grad, [1.0, 2.0])


def test_out_writes_the_result_as_numpy_does():
    buffer = np.zeros(4)
    assert np.concatenate([np.ones(1), np.arange(3.0)], out=buffer) is buffer
    close(buffer, [1.0, 0.0, 1.0, 2.0])
    total = np.zeros(())
    np.trace(np.array([[1.0, 2.0], [3.0, 4.0]]), out=total)
    close(total, 5.0)


# -- bad inputs: NumPy's error types -------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: np.concatenate([np.ones((2, 3)), np.ones((2, 4))]), ValueError, "dimension"),
    (lambda: np.concatenate([np.ones((2, 3)), np.ones((2, 3))], axis=2), AxisError, "axis 2"),
    (lambda: np.concatenate([np.ones(()), np.ones(())]), ValueError, "zero-dimensional"),
    (lambda: np.concatenate([]), ValueError, "at least one array"),
    (lambda: np.stack([np.ones(2), np.ones(3)]), ValueError, "same shape"),
    (lambda: np.stack([np.ones(2)], axis=2), AxisError, "axis 2"),
    (lambda: np.split(np.ones(5), 2), ValueError, "equal division"),
    (lambda: np.split(np.ones(4), 2, axis=1), AxisError, "axis 1"),
    (lambda: np.array_split(np.ones(4), 0), ValueError, "larger than 0"),
    (lambda: np.hsplit(np.ones(()), 1), ValueError, "1 or more dimensions"),
    (lambda: np.vsplit(np.ones(3), 1), ValueError, "2 or more dimensions"),
    (lambda: np.dsplit(np.ones((2, 2)), 1), ValueError, "3 or more dimensions"),
    (lambda: np.moveaxis(np.ones((2, 3)), [0, 1], [0]), ValueError, "same number"),
    (lambda: np.moveaxis(np.ones((2, 3)), 2, 0), AxisError, "axis 2"),
    (lambda: np.moveaxis(np.ones((2, 3)), [0, 0], [0, 1]), ValueError, "repeated"),
    (lambda: np.rollaxis(np.ones((2, 3)), 0, 4), AxisError, "start"),
    (lambda: np.rot90(np.ones((2, 3)), axes=(0, 0)), ValueError, "different"),
    (lambda: np.rot90(np.ones((2, 3)), axes=(0, 2)), ValueError, "out of range"),
    (lambda: np.flip(np.ones(3), axis=1), AxisError, "axis 1"),
    (lambda: np.fliplr(np.ones(3)), ValueError, "2-d"),
    (lambda: np.diag(np.ones((2, 2, 2))), ValueError, "1- or 2-d"),
    (lambda: np.diagonal(np.ones(3)), ValueError, "two dimensions"),
    (lambda: np.take(np.ones(3), [3]), IndexError, "out of bounds"),
    (lambda: np.take(np.ones(3), numpy.array([1.0])), TypeError, "integers"),
    (lambda: np.take_along_axis(np.ones((2, 3)), numpy.ones((2, 1)), 1), IndexError,
     "integers"),
    (lambda: np.take(np.ones(3), [0], mode="bounce"), ValueError, "clipmode"),
    (lambda: np.take_along_axis(np.ones((2, 3)), numpy.zeros(2, int), 1), ValueError,
     "same number of dimensions"),
    (lambda: np.repeat(np.ones(3), -1), ValueError, "negative"),
    (lambda: np.repeat(np.ones(3), [1, 2]), ValueError, "broadcast"),
    (lambda: np.repeat(np.ones(3), 1.5), TypeError, "integers"),
    (lambda: np.tile(np.ones(3), -1), ValueError, "negative"),
    (lambda: np.diff(np.ones(3), n=-1), ValueError, "non-negative"),
    (lambda: np.diff(np.ones(())), ValueError, "at least one dimensional"),
    (lambda: np.pad(np.ones(3), 1, mode="median"), NotImplementedError,
     "constant, edge, reflect, symmetric, wrap"),
    (lambda: np.pad(np.ones(3), 1, mode="reflect", reflect_type="odd"), NotImplementedError,
     "even"),
    (lambda: np.pad(np.ones(3), 1, mode="edge", constant_values=1), ValueError, "unsupported"),
    (lambda: np.pad(np.ones(3), -1), ValueError, "negative"),
    (lambda: np.pad(np.ones(3), 1.5), TypeError, "integral"),
    (lambda: np.pad(np.ones(0), 1, mode="wrap"), ValueError, "empty"),
    (lambda: np.partition(np.ones(3), 3), ValueError, "out of bounds"),
])
def test_bad_inputs_raise_numpys_error_type(call, error, message):
    with pytest.raises(error, match=message):
        call()
