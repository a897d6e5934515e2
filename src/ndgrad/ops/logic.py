"""Logic functions that compare or test values: isclose, allclose, array_equal,
array_equiv, isneginf, isposinf and signbit. Their results are booleans, so they have no
gradient; they read an array being differentiated without refusing it (a truth value, as
``if x > 0:``, is control flow, not a value leaving ndgrad)."""

from __future__ import annotations

import numpy

from .._primitive import primitive
from .._publish import public
from .index_tricks import constants
from .sets import data_of

# numpy.isneginf and isposinf are Python functions that dispatch on their argument (a list
# holding ndgrad arrays would come back here): they read it as a NumPy array first
isneginf = primitive("isneginf", lambda x: numpy.isneginf(numpy.asarray(x)), public="np",
                     nondiff=True)
isposinf = primitive("isposinf", lambda x: numpy.isposinf(numpy.asarray(x)), public="np",
                     nondiff=True)
signbit = primitive("signbit", numpy.signbit, public="np", nondiff=True)


@public(numpy=numpy.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """ndgrad's numpy.isclose: ``|a - b| <= atol + rtol * |b|`` elementwise, a boolean
    array."""
    return constants(numpy.isclose(data_of(a), data_of(b), rtol=data_of(rtol),
                                   atol=data_of(atol), equal_nan=equal_nan))


@public(numpy=numpy.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """ndgrad's numpy.allclose: whether isclose holds everywhere, a Python bool."""
    return bool(numpy.allclose(data_of(a), data_of(b), rtol=data_of(rtol),
                               atol=data_of(atol), equal_nan=equal_nan))


@public(numpy=numpy.array_equal)
def array_equal(a1, a2, equal_nan=False):
    """ndgrad's numpy.array_equal: same shape and elements, a Python bool."""
    return bool(numpy.array_equal(data_of(a1), data_of(a2), equal_nan=equal_nan))


@public(numpy=numpy.array_equiv)
def array_equiv(a1, a2):
    """ndgrad's numpy.array_equiv: equal after broadcasting, a Python bool."""
    return bool(numpy.array_equiv(data_of(a1), data_of(a2)))
