"""NumPy 2's array-API names (ops/array_api.py): the aliases are their originals,
and the new functions follow NumPy on scalars, dtypes and bad input."""

import warnings

import numpy
import pytest

from ndgrad import np

from .numpy_helpers import raises_as_numpy, same

V = numpy.array([0.5, -1.0, 2.0, 0.25, 3.0])
M = numpy.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("alias, original", [
    ("acos", "arccos"), ("acosh", "arccosh"), ("asin", "arcsin"), ("asinh", "arcsinh"),
    ("atan", "arctan"), ("atanh", "arctanh"), ("atan2", "arctan2"), ("pow", "power"),
    ("bitwise_not", "invert"), ("bitwise_invert", "invert"), ("concat", "concatenate"),
    ("permute_dims", "transpose"), ("row_stack", "vstack")])
def test_an_array_api_alias_is_its_original_function(alias, original):
    assert getattr(np, alias) is getattr(np, original)


def test_row_stack_does_not_warn_as_numpys_deprecated_one_does():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same(np.row_stack([np.array(numpy.ones(2)), np.array(numpy.zeros(2))]),
             numpy.vstack([numpy.ones(2), numpy.zeros(2)]))


@pytest.mark.parametrize("function, data, kwargs", [
    ("cumulative_sum", numpy.array(2.5), {}),
    ("cumulative_sum", numpy.array(2.5), {"include_initial": True}),
    ("cumulative_prod", numpy.array([2, 3]), {"include_initial": True}),
    ("cumulative_sum", numpy.array([True, False, True]), {}),
    ("cumulative_sum", numpy.array([1, 2, 3]), {"dtype": numpy.float32}),
])
def test_cumulative_functions_follow_numpy_on_scalars_and_dtypes(function, data, kwargs):
    same(getattr(np, function)(np.array(data), **kwargs), getattr(numpy, function)(data, **kwargs))


BAD_CALLS = [
    ("matrix_transpose", (V,), {}), ("unstack", (numpy.array(1.0),), {}),
    ("unstack", (V,), {"axis": 2}), ("cumulative_sum", (M,), {}),
]


@pytest.mark.parametrize("function, args, kwargs", BAD_CALLS,
                         ids=[f"{call[0]}-{i}" for i, call in enumerate(BAD_CALLS)])
def test_bad_input_raises_numpys_exception_type(function, args, kwargs):
    raises_as_numpy(function, args, kwargs)
