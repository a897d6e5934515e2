"""Each row's forward pass equals NumPy's: value, shape and dtype, in float64 and float32
(complex128 and complex64 for complex operands)."""

import warnings

import numpy
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from ndgrad import np

from .specs import CASE_IDS, CASES
from .table import in_precision

# NumPy and ndgrad may sum in a different order (mean, var, dot), so values agree to rounding.
RTOL = {numpy.float64: 1e-12, numpy.float32: 2e-5}
# hypothesis draws the simplest example first; that one is enough, and deterministic
FIRST_DRAW = settings(max_examples=1, phases=[Phase.generate], database=None)


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


def _complexified(spec, variant):
    """The row's operands (its first hypothesis draw) with imaginary parts added: None for
    a row whose operands are complex already or whose reference refuses complex ones."""
    shapes = find(spec.operand_shapes(variant), lambda shapes: True, settings=FIRST_DRAW)
    rng = numpy.random.default_rng(0)
    real_parts = spec.sample(rng, shapes)
    if any(numpy.iscomplexobj(a) for a in real_parts):
        return None, None
    operands = [a + 0.5j * b for a, b in zip(real_parts, spec.sample(rng, shapes))]
    try:
        with warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            expected = numpy.asarray(spec.reference(*operands, **variant))
    except Exception:  # noqa: BLE001  (NumPy refuses complex operands here: nothing to compare)
        return None, None
    return operands, expected


@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
def test_complex_operands_compute_as_numpy_or_are_refused(spec, variant):
    """Given complex operands that NumPy computes with, a real row's function gives NumPy's
    answer or refuses them (TypeError; NotImplementedError where SciPy raises it): never a
    silently different number."""
    operands, expected = _complexified(spec, variant)
    if operands is None:
        return
    try:
        with numpy.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", numpy.exceptions.ComplexWarning)   # as NumPy's
            result = spec.fn(*[np.array(a) for a in operands], **variant)
    except (TypeError, NotImplementedError):        # refused, clearly
        return
    numpy.testing.assert_allclose(numpy.asarray(result.asnumpy()), expected, rtol=1e-9,
                                  atol=1e-9)
