"""Logic functions (ops/logic.py): NumPy's booleans, read from arrays being
differentiated without refusing them."""

import numpy
import pytest

from ndgrad import autograd, np

from .numpy_helpers import same

V = numpy.array([0.5, -1.0, 2.0, 0.25, 3.0])


@pytest.mark.parametrize("function, args", [
    ("isclose", (V, V + 1e-9)), ("allclose", (V, V + 1e-3)), ("array_equal", (V, V)),
    ("array_equiv", (V[:1], numpy.full(3, V[0]))), ("isneginf", (numpy.array([-numpy.inf, 1]),)),
    ("isposinf", (numpy.array([numpy.inf, -numpy.inf]),)), ("signbit", (numpy.array([-0.0, 1]),)),
    ("isin", (V, [2.0, 3.0]))])
def test_logic_functions_give_numpys_booleans(function, args):
    wrapped = [np.array(a) if isinstance(a, numpy.ndarray) else a for a in args]
    result, expected = getattr(np, function)(*wrapped), getattr(numpy, function)(*args)
    if isinstance(expected, bool):
        assert type(result) is bool and result == expected
    else:
        same(result, expected)


def test_logic_functions_read_an_array_being_differentiated():
    x = np.array(V)
    x.attach_grad()
    with autograd.record():
        y = x * 2.0
        assert np.allclose(y, 2.0 * V) and np.array_equal(y, y)
        same(np.isclose(y, y), numpy.ones(5, dtype=bool))
