"""Checks shared by the tests of the NumPy-function families (test_array_api.py,
test_index_tricks.py, test_logic.py, test_numerical.py, test_sets.py)."""

import numpy
import pytest

from ndgrad import autograd, np


def same(result, expected):
    """ndgrad's result (an array, or a tuple of them) equals NumPy's: values, shape, dtype."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(result, (tuple, list)) and len(result) == len(expected)
        for part, want in zip(result, expected):
            same(part, want)
        return
    assert isinstance(result, np.ndarray)
    expected = numpy.asarray(expected)
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    numpy.testing.assert_array_equal(result.asnumpy(), expected)


def gradient_of(function, x, head=None):
    x = np.array(numpy.asarray(x, dtype=numpy.float64))
    x.attach_grad()
    with autograd.record():
        y = function(x)
    y.backward(None if head is None else np.array(numpy.asarray(head, dtype=numpy.float64)))
    return x.grad.asnumpy()


def raises_as_numpy(function, args, kwargs):
    """ndgrad's ``function`` raises NumPy's exception type for the same bad call."""
    with pytest.raises(Exception) as numpys:
        getattr(numpy, function)(*args, **kwargs)
    wrapped = [np.array(a) if isinstance(a, numpy.ndarray) else a for a in args]
    with pytest.raises(type(numpys.value)):
        getattr(np, function)(*wrapped, **kwargs)
