"""Each row's forward pass equals NumPy's: value, shape and dtype, in float64 and float32
(complex128 and complex64 for complex operands)."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndgrad import np

from .specs import CASE_IDS, CASES
from .table import in_precision

# NumPy and ndgrad may sum in a different order (mean, var, dot), so values agree to rounding.
RTOL = {numpy.float64: 1e-12, numpy.float32: 2e-5}


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_forward_matches_numpy(spec, variant, dtype, data):
    shapes = data.draw(spec.operand_shapes(variant), label="shapes")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    operands = [in_precision(a, dtype) for a in spec.sample(numpy.random.default_rng(seed), shapes)]

    result = spec.fn(*[np.array(a) for a in operands], **variant)
    expected = numpy.asarray(spec.reference(*operands, **variant))

    assert isinstance(result, np.ndarray)
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=RTOL[dtype], atol=RTOL[dtype])
