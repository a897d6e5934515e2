"""Every row on the operands NumPy users also pass: size-0 dimensions, and non-contiguous
views (a transpose, a strided slice). Forward equals NumPy's; gradients still match finite
differences to second order; an empty operand NumPy refuses is refused with NumPy's error."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from ndgrad import autograd, np
from ndgrad.testing import check_grads

from .specs import CASE_IDS, CASES
from .table import MAX_DIMS, MAX_SIDE, axis_ndim

EMPTY_CASES = [(spec, variant) for spec, variant in CASES
               if spec.zero_size and spec.shapes is None and "key" not in variant]
EMPTY_IDS = [CASE_IDS[CASES.index(case)] for case in EMPTY_CASES]


def shapes_with_an_empty_axis(spec, variant):
    """The row's default shapes, with side 0 allowed and at least one size-0 operand."""
    if spec.broadcast:
        shapes = mutually_broadcastable_shapes(num_shapes=spec.nargs, min_side=0,
                                               max_dims=MAX_DIMS, max_side=MAX_SIDE)
        shapes = shapes.map(lambda s: s.input_shapes)
    else:
        needed = max([axis_ndim(variant.get(name)) for name in ("axis", "axis1", "axis2")]
                     + [len(variant.get("axes", ()))])
        low = max(spec.ndim[0], needed, 1)
        high = max(low, spec.ndim[1])
        if "axes" in variant:
            high = low
        shapes = array_shapes(min_dims=low, max_dims=high, min_side=0, max_side=MAX_SIDE)
        shapes = shapes.map(lambda s: (s,) * spec.nargs)
    return shapes.filter(lambda shapes: any(0 in shape for shape in shapes))


def strided(a):
    """``a``'s values in a non-contiguous ndgrad view: every other element of a wider array
    (the view shares the wider array's data, as x[:, ::2] does)."""
    wide = numpy.repeat(numpy.asarray(a)[..., None], 2, axis=-1)
    view = np.array(wide)[..., 0]
    assert view.ndim == 0 or not view._data.flags.c_contiguous or view.size <= 1
    return view


def strided_in_graph(x):
    """The same inside a recorded computation: gradients flow through the view."""
    wide = np.broadcast_to(np.expand_dims(x, -1), x.shape + (2,))
    return wide[..., 0]


@pytest.mark.parametrize("spec, variant", EMPTY_CASES, ids=EMPTY_IDS)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_size_zero_operands_behave_as_in_numpy(spec, variant, data):
    with numpy.errstate(all="ignore"):          # NumPy's 0 / 0 warnings, on both sides
        _size_zero_behaves_as_in_numpy(spec, variant, data)


def _size_zero_behaves_as_in_numpy(spec, variant, data):
    shapes = data.draw(shapes_with_an_empty_axis(spec, variant), label="shapes")
    operands = spec.sample(numpy.random.default_rng(0), shapes)
    try:
        expected = numpy.asarray(spec.reference(*operands, **variant))
    except Exception as error:  # noqa: BLE001  (NumPy refuses: ndgrad must, with its type)
        with pytest.raises(type(error)):
            spec.fn(*[np.array(a) for a in operands], **variant)
        return
    variables = [np.array(a) for a in operands]
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        result = spec.fn(*variables, **variant)
    assert result.shape == expected.shape
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12, atol=1e-12)
    if result._node is not None:
        # a complex head takes an explicit head gradient (ones: the holomorphic derivative)
        result.backward(np.ones(result.shape, dtype=result.dtype)
                        if result.dtype.kind == "c" else None)
        for variable, operand in zip(variables, operands):
            assert variable.grad.shape == operand.shape


@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_non_contiguous_operands(spec, variant, data):
    shapes = data.draw(spec.operand_shapes(variant), label="shapes")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    operands = spec.sample(numpy.random.default_rng(seed), shapes)
    expected = numpy.asarray(spec.reference(*operands, **variant))
    result = spec.fn(*[strided(a) for a in operands], **variant)
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12, atol=1e-12)

    def f(*xs):
        return spec.fn(*[strided_in_graph(x) for x in xs], **variant)

    f.__name__ = f"{spec.name} on strided views"
    check_grads(f, operands, order=2)
