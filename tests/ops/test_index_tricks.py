"""Index tricks and grids (ops/index_tricks.py): r_ and c_ keep gradients, the
grids and index generators give NumPy's constant arrays."""

import numpy
import pytest

from ndgrad import np

from .numpy_helpers import gradient_of, raises_as_numpy, same

V = numpy.array([0.5, -1.0, 2.0, 0.25, 3.0])
M = numpy.arange(12.0).reshape(3, 4)


def test_r_and_c_join_as_numpy_and_keep_gradients():
    x = numpy.array([1.0, 2.0])
    same(np.r_[np.array(x), 0, 3:5], numpy.r_[x, 0, 3:5])
    same(np.c_[np.array(x), np.array(x)], numpy.c_[x, x])
    same(np.r_[1:4], numpy.r_[1:4])
    grad = gradient_of(lambda a: np.r_[a, 7.0, a * 2.0], x, head=[1.0, 2.0, 3.0, 4.0, 5.0])
    numpy.testing.assert_array_equal(grad, [1.0 + 8.0, 2.0 + 10.0])


def test_r_refuses_to_be_called_and_to_make_a_matrix():
    with pytest.raises(TypeError, match="indexed, not called"):
        np.r_(1, 2)
    with pytest.raises(NotImplementedError, match="matrix"):
        np.r_["r", [1.0, 2.0]]


@pytest.mark.parametrize("expression", ["mgrid[0:3, 0:2]", "mgrid[0:1:5j]", "ogrid[0:3, 1:4]",
                                        "mgrid[-1:1:0.5]"])
def test_grids_are_numpys(expression):
    same(eval("np." + expression), eval("numpy." + expression))


@pytest.mark.parametrize("function, args", [
    ("ix_", ([0, 1], [2, 3, 1])), ("indices", ((2, 3),)), ("tril_indices", (3, 1)),
    ("triu_indices", (4, -1, 3)), ("tril_indices_from", (M,)), ("triu_indices_from", (M, 1)),
    ("diag_indices", (3,)), ("diag_indices_from", (numpy.eye(3),)),
    ("unravel_index", ([1, 5, 7], (3, 4))), ("ravel_multi_index", (([0, 2], [3, 1]), (3, 4))),
    ("flatnonzero", (M > 4,)), ("argwhere", (M > 4,))])
def test_index_generators_give_numpys_integer_arrays(function, args):
    wrapped = [np.array(a) if isinstance(a, numpy.ndarray) else a for a in args]
    same(getattr(np, function)(*wrapped), getattr(numpy, function)(*args))


def test_meshgrid_sums_each_gradient_back_over_its_broadcast_axes():
    grad = gradient_of(lambda a: np.meshgrid(a, np.array(numpy.ones(3)))[0], [1.0, 2.0])
    numpy.testing.assert_array_equal(grad, [3.0, 3.0])


BAD_CALLS = [
    ("meshgrid", (V,), {"indexing": "ij-xy"}),
]


@pytest.mark.parametrize("function, args, kwargs", BAD_CALLS,
                         ids=[f"{call[0]}-{i}" for i, call in enumerate(BAD_CALLS)])
def test_bad_input_raises_numpys_exception_type(function, args, kwargs):
    raises_as_numpy(function, args, kwargs)
