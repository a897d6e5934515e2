"""The array's NumPy-style methods and properties: every public one of numpy.ndarray is bound
on ndgrad's array or left out below for a reason, and the bound ones compute as NumPy's."""

import numpy
import pytest

from ndgrad import autograd, np

# numpy.ndarray's public names ndgrad's array does not have, and why
LEFT_OUT = {
    # memory layout and raw buffers: an ndgrad array's data is NumPy's, reached through
    # asnumpy() (which refuses an array being differentiated, so no gradient is lost)
    "base", "ctypes", "data", "flags", "strides", "setflags", "view", "byteswap",
    "getfield", "setfield", "tobytes", "tofile", "dump", "dumps",
    # an in-place change of shape that NumPy itself refuses for arrays sharing memory
    "resize",
    # element iteration by a flat iterator object: write x.reshape(-1)[i] or x.ravel()
    "flat",
    # ndgrad has no np.choose or np.compress yet: use np.where / a boolean index
    "choose", "compress",
}


def public_names(cls):
    return {name for name in dir(cls) if not name.startswith("_")}


def test_every_public_ndarray_name_of_numpy_is_bound_or_left_out_for_a_reason():
    missing = public_names(numpy.ndarray) - public_names(np.ndarray)
    assert missing == LEFT_OUT
    assert LEFT_OUT & public_names(np.ndarray) == set()


A = numpy.array([[3.0, -1.5, 2.25], [0.5, 4.0, -2.0]])


@pytest.mark.parametrize("method, args", [
    ("argsort", ()), ("argsort", (0,)), ("round", ()), ("round", (1,)),
    ("nonzero", ()), ("searchsorted", (1.0,)), ("repeat", (2,)), ("trace", ()),
    ("diagonal", ()), ("clip", (-1.0, 1.0)), ("cumsum", ()), ("cumprod", (1,)), ("std", ()),
    ("var", (0,)), ("all", ()), ("any", (1,)), ("flatten", ()), ("ravel", ()),
    ("swapaxes", (0, 1)), ("take", ([0, 4],)), ("dot", (A.T,)), ("squeeze", ()),
    ("tolist", ()), ("item", (1,))])
def test_a_method_computes_as_numpys(method, args):
    data = A.ravel() if method == "searchsorted" else A
    if method == "searchsorted":
        data = numpy.sort(data)
    result = getattr(np.array(data), method)(*args)
    expected = getattr(data, method)(*args)
    if isinstance(expected, tuple):
        for part, want in zip(result, expected):
            numpy.testing.assert_array_equal(part.asnumpy(), want)
    elif isinstance(expected, (list, float)):
        assert result == expected
    else:
        assert result.dtype == expected.dtype
        numpy.testing.assert_array_equal(result.asnumpy(), expected)


@pytest.mark.parametrize("name", ["itemsize", "nbytes", "ndim", "size", "shape"])
def test_a_property_is_numpys(name):
    for dtype in ("float32", "float64", "int8"):
        assert getattr(np.array(A.astype(dtype)), name) == getattr(A.astype(dtype), name)


def test_mT_swaps_the_last_two_axes_and_is_differentiable():
    x = np.array(numpy.arange(24.0).reshape(2, 3, 4))
    numpy.testing.assert_array_equal(x.mT.asnumpy(), x.asnumpy().mT)
    x.attach_grad()
    with autograd.record():
        y = (x.mT * numpy.arange(3.0)).sum()
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), numpy.broadcast_to(
        numpy.arange(3.0)[:, None], (2, 3, 4)))
    with pytest.raises(ValueError, match="at least 2-dimensional"):
        _ = np.array(numpy.ones(3)).mT


@pytest.mark.parametrize("method, args", [("sort", ()), ("sort", (0,)), ("partition", (1,)),
                                          ("partition", (0, 0))])
def test_sort_and_partition_work_in_place_as_numpys(method, args):
    x, expected = np.array(A.copy()), A.copy()
    assert getattr(x, method)(*args) is None
    getattr(expected, method)(*args)
    numpy.testing.assert_array_equal(x.asnumpy(), expected)


def test_an_in_place_sort_inside_record_keeps_the_gradient():
    x = np.array(numpy.array([3.0, 1.0, 2.0]))
    x.attach_grad()
    with autograd.record():
        y = x * 1.0
        y.sort()
        first = y[0] * 10.0 + y[2]
    first.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), [1.0, 10.0, 0.0])


def test_fill_sets_every_element_in_place_as_numpy():
    x, expected = np.array(A.copy()), A.copy()
    x.fill(7)
    expected.fill(7)
    assert x.dtype == expected.dtype
    numpy.testing.assert_array_equal(x.asnumpy(), expected)
    with pytest.raises(ValueError):
        x.fill("seven")


@pytest.mark.parametrize("indices, values, mode", [
    ([0, 4], [9.0, 8.0], "raise"), ([1, 2, 3], [-1.0], "raise"), ([0, 7], [9.0, 8.0], "wrap"),
    ([-10, 10], [5.0, 6.0], "clip"), (3, 1.5, "raise"), ([], [1.0], "raise")])
def test_put_writes_flat_positions_in_place_as_numpy(indices, values, mode):
    x, expected = np.array(A.copy()), A.copy()
    x.put(indices, values, mode=mode)
    expected.put(indices, values, mode=mode)
    numpy.testing.assert_array_equal(x.asnumpy(), expected)


def test_put_raises_numpys_error_and_writes_a_scalar():
    with pytest.raises(IndexError, match="out of bounds"):
        np.array(A.copy()).put([6], [1.0])
    scalar = np.array(numpy.array(1.0))
    scalar.put(0, [4.0, 5.0])
    assert float(scalar) == 4.0


def test_put_inside_record_is_a_recorded_write():
    x = np.array(numpy.arange(3.0))
    x.attach_grad()
    with autograd.record():
        y = x * 2.0
        y.put([0], x[1] * 5.0)
        total = y.sum()
    total.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 7.0, 2.0])
