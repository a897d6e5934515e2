"""Set routines (ops/sets.py) beyond their rows in rows_numpy.py: which occurrence of a
repeated value gets its gradient, NumPy's named tuples and integer results."""

import numpy
import pytest

from ndgrad import np

from .numpy_helpers import gradient_of, raises_as_numpy, same

M = numpy.arange(12.0).reshape(3, 4)


def test_unique_gives_each_values_gradient_to_its_first_occurrence():
    data = [3.0, 1.0, 3.0, 2.0, 1.0]
    grad = gradient_of(lambda x: np.unique(x), data, head=[10.0, 20.0, 30.0])
    numpy.testing.assert_array_equal(grad, [30.0, 10.0, 0.0, 20.0, 0.0])
    values, index, inverse, counts = np.unique(np.array(numpy.array(data)), return_index=True,
                                               return_inverse=True, return_counts=True)
    same((values, index, inverse, counts), numpy.unique(data, return_index=True,
                                                        return_inverse=True,
                                                        return_counts=True))


@pytest.mark.parametrize("function", ["unique_all", "unique_counts", "unique_inverse"])
def test_the_unique_tuples_are_numpys_named_tuples(function):
    data = numpy.array([[2.0, numpy.nan], [2.0, -1.0]])
    result, expected = getattr(np, function)(np.array(data)), getattr(numpy, function)(data)
    assert result._fields == expected._fields
    for part, want in zip(result, expected):
        assert part.dtype == want.dtype
        numpy.testing.assert_array_equal(part.asnumpy(), want)


def test_two_set_routines_take_a_shared_value_from_the_first_array():
    grad = gradient_of(lambda x: np.intersect1d(x, np.array(numpy.array([2.0, 5.0]))),
                       [5.0, 1.0, 2.0, 5.0], head=[1.0, 2.0])
    numpy.testing.assert_array_equal(grad, [2.0, 0.0, 1.0, 0.0])
    grad = gradient_of(lambda x: np.union1d(np.array(numpy.array([2.0])), x), [2.0, 4.0],
                       head=[1.0, 2.0])
    numpy.testing.assert_array_equal(grad, [0.0, 2.0])


@pytest.mark.parametrize("function", ["union1d", "intersect1d", "setdiff1d", "setxor1d"])
def test_integer_sets_are_numpys_constants(function):
    a, b = numpy.array([3, 1, 2, 1]), numpy.array([2, 5])
    same(getattr(np, function)(np.array(a), np.array(b)), getattr(numpy, function)(a, b))


BAD_CALLS = [
    ("unique", (M,), {"axis": 3}),
]


@pytest.mark.parametrize("function, args, kwargs", BAD_CALLS,
                         ids=[f"{call[0]}-{i}" for i, call in enumerate(BAD_CALLS)])
def test_bad_input_raises_numpys_exception_type(function, args, kwargs):
    raises_as_numpy(function, args, kwargs)
