"""NumPy interoperability: NumPy's functions dispatch to ndgrad and are recorded, ``out=``
works as in NumPy outside recording, and dtype promotion follows NumPy 2 (with ndgrad's
float32 default for Python data)."""

import numpy
import pytest

import ndgrad
from ndgrad import autograd, np
from ndgrad.errors import InPlaceModifiedError


def gradient_of(function, value):
    x = np.array(numpy.asarray(value, dtype=numpy.float64))
    x.attach_grad()
    with autograd.record():
        y = function(x)
    y.backward()
    return x.grad.asnumpy()


@pytest.mark.parametrize("function, expected", [
    (lambda x: numpy.sin(x), numpy.cos([0.5, 1.0])),
    (lambda x: numpy.sum(x * x), [1.0, 2.0]),
    (lambda x: numpy.mean(numpy.exp(x)), numpy.exp([0.5, 1.0]) / 2),
    (lambda x: numpy.concatenate([x, 2 * x]), [3.0, 3.0]),
    (lambda x: numpy.dot(x, x), [1.0, 2.0]),
    (lambda x: numpy.maximum(x, 0.75), [0.0, 1.0]),
])
def test_numpy_functions_on_ndgrad_arrays_are_recorded(function, expected):
    numpy.testing.assert_allclose(gradient_of(function, [0.5, 1.0]), expected)


def test_numpy_function_ndgrad_lacks_is_refused_by_name():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="numpy.histogram is not implemented for ndgrad"):
        numpy.histogram(x)
    with pytest.raises(TypeError, match="numpy.add.reduce"):
        numpy.add.reduce(x)


def test_ufunc_out_writes_into_the_given_array_outside_recording():
    x = np.array([1.0, 2.0])
    into_ndgrad, into_numpy = np.zeros(2), numpy.zeros(2, dtype=numpy.float32)
    assert numpy.add(x, x, out=into_ndgrad) is into_ndgrad
    assert numpy.multiply(x, 3, out=into_numpy) is into_numpy
    assert np.subtract(x, 1, out=into_ndgrad) is into_ndgrad
    numpy.testing.assert_array_equal(into_ndgrad.asnumpy(), [0.0, 1.0])
    numpy.testing.assert_array_equal(into_numpy, [3.0, 6.0])


def test_reduction_out_by_keyword_and_by_position():
    a = np.ones((2, 3))
    by_keyword, by_position = np.zeros(3), np.zeros(3)
    assert np.sum(a, axis=0, out=by_keyword) is by_keyword
    assert np.sum(a, 0, None, by_position) is by_position
    numpy.testing.assert_array_equal(by_keyword.asnumpy(), [2.0, 2.0, 2.0])
    numpy.testing.assert_array_equal(by_position.asnumpy(), [2.0, 2.0, 2.0])


def test_out_of_the_wrong_shape_or_kind_is_refused():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"out has shape \(3,\) but the result has shape"):
        np.add(x, x, out=np.zeros(3))
    with pytest.raises(TypeError, match="same_kind"):
        np.add(x, x, out=np.zeros(2, dtype="int64"))
    with pytest.raises(TypeError, match="out must be an ndgrad or NumPy array"):
        np.sum(x, out=[0.0])


def test_out_while_recording_is_recorded_except_into_a_variable():
    x, buffer = np.array([1.0, 2.0]), np.zeros(2)
    x.attach_grad()
    with autograd.record():
        np.multiply(x, 2, out=buffer)
        loss = np.sum(buffer * buffer)
        with pytest.raises(InPlaceModifiedError, match="variable"):
            np.add(buffer, 1, out=x)
    loss.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 8 * numpy.array([1.0, 2.0]))


def test_ufunc_dtype_keyword_computes_in_that_dtype():
    x = np.array([1.0, 2.0])
    assert numpy.sin(x, dtype=numpy.float64).dtype == numpy.float64
    with pytest.raises(TypeError, match="accepts out= and dtype= only"):
        numpy.sin(x, where=True)


F16, F32, F64 = (numpy.dtype(name) for name in ("float16", "float32", "float64"))


@pytest.mark.parametrize("make_other, expected", [
    (lambda: 2.5, F32),                                         # Python scalars are weak
    (lambda: 2, F32),
    (lambda: numpy.float64(2.5), F64),                          # NumPy scalars are not
    (lambda: numpy.ones(2), F64),
    (lambda: numpy.ones(2, dtype=numpy.float16), F32),
    (lambda: np.array(numpy.ones(2, dtype=numpy.float16)), F32),
    (lambda: np.array(numpy.ones(2)), F64),
    (lambda: [1, 2], F32),                                      # lists: the default dtype
])
def test_promotion_with_a_float32_array_follows_numpy(make_other, expected):
    x = np.array([1.0, 2.0])
    assert (x + make_other()).dtype == expected
    assert (make_other() + x).dtype == expected


def test_promotion_of_integer_and_float16_arrays_follows_numpy():
    integers = np.array(numpy.array([1, 2]))
    halves = np.array(numpy.array([1, 2], dtype=numpy.float16))
    assert (integers + 1).dtype == numpy.int64
    assert (integers + 1.5).dtype == numpy.float64
    assert (integers / 2).dtype == numpy.float64
    assert (halves * 2.0).dtype == F16
    assert np.sqrt(integers).dtype == numpy.float64


def test_the_default_dtype_applies_to_python_data_only():
    previous = ndgrad.default_dtype()
    try:
        ndgrad.set_default_dtype("float64")
        assert np.array([1, 2]).dtype == F64
        assert (np.array(numpy.ones(2, dtype=numpy.float32)) + [1, 2]).dtype == F64
    finally:
        ndgrad.set_default_dtype(previous)
    assert np.array([1, 2]).dtype == F32


@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_every_float_dtype_is_differentiable(dtype):
    values = numpy.array([0.25, 0.5, 1.0])
    x = np.array(values.astype(dtype))
    x.attach_grad()
    with autograd.record():
        y = (np.tanh(x) * np.exp(x) + x ** 2).sum()
    y.backward()
    assert x.grad.dtype == dtype
    exact = (1 - numpy.tanh(values) ** 2) * numpy.exp(values) + numpy.tanh(values) * numpy.exp(
        values) + 2 * values
    numpy.testing.assert_allclose(x.grad.asnumpy(), exact, rtol=numpy.finfo(dtype).eps * 16)
