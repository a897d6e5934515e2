"""Every row on inputs NumPy refuses or treats specially: the same error type as NumPy for an
axis out of range and for shapes that do not broadcast, and NumPy's result dtype for integer
and boolean operands (which carry no gradient but must compute as NumPy does)."""

import numpy
import pytest
from hypothesis import find

from ndgrad import np

from .specs import CASE_IDS, CASES
from .test_registry import FIRST_DRAW


def first_operands(spec, variant):
    shapes = find(spec.operand_shapes(variant), lambda shapes: True, settings=FIRST_DRAW)
    return spec.sample(numpy.random.default_rng(0), shapes)


def same_outcome(spec, variant, operands):
    """ndgrad's call gives NumPy's result (value and dtype) or raises NumPy's error type
    (NumPy's floating-point warnings, arctanh(1) = inf, are both sides' and not compared)."""
    with numpy.errstate(all="ignore"):
        _same_outcome(spec, variant, operands)


def _same_outcome(spec, variant, operands):
    try:
        expected = numpy.asarray(spec.reference(*operands, **variant))
    except Exception as error:  # noqa: BLE001  (whatever NumPy raises, ndgrad must raise)
        with pytest.raises(type(error)):
            spec.fn(*[np.array(a) for a in operands], **variant)
        return
    result = spec.fn(*[np.array(a) for a in operands], **variant)
    assert result.dtype == expected.dtype
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12)


# (internal primitives are left out: their callers pass a checked, non-negative axis)
AXIS_CASES = [(spec, variant) for spec, variant in CASES
              if isinstance(variant.get("axis"), int) and spec.shapes is None
              and not spec.function.startswith("primitive.")]


@pytest.mark.parametrize("spec, variant", AXIS_CASES,
                         ids=[CASE_IDS[CASES.index(case)] for case in AXIS_CASES])
def test_an_axis_out_of_range_raises_numpys_error(spec, variant):
    operands = first_operands(spec, variant)
    # (NumPy's functions raise AxisError; some rows' references are written out by hand and
    # do not check the axis, so the reference is not asked)
    bad = dict(variant, axis=numpy.ndim(operands[0]) + 3)
    with pytest.raises(numpy.exceptions.AxisError, match="out of bounds"):
        spec.fn(*[np.array(a) for a in operands], **bad)


BROADCAST_CASES = [(spec, variant) for spec, variant in CASES if spec.broadcast]


@pytest.mark.parametrize("spec, variant", BROADCAST_CASES,
                         ids=[CASE_IDS[CASES.index(case)] for case in BROADCAST_CASES])
def test_shapes_that_do_not_broadcast_raise_numpys_error(spec, variant):
    operands = spec.sample(numpy.random.default_rng(0), [(2,)] + [(3,)] * (spec.nargs - 1))
    with pytest.raises(ValueError):
        spec.reference(*operands, **variant)
    with pytest.raises(ValueError, match="broadcast"):
        spec.fn(*[np.array(a) for a in operands], **variant)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
def test_integer_and_boolean_operands_compute_as_numpy(spec, variant, dtype):
    # integers are real: a complex row's operands give their real parts
    operands = [numpy.round(numpy.real(a) * 3).astype(dtype)
                for a in first_operands(spec, variant)]
    same_outcome(spec, variant, operands)
