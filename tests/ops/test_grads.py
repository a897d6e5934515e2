"""Each row's derivatives, forward and reverse mode, to second order, against finite
differences and each other (ndgrad.testing.check_grads), in float64 on shapes that hypothesis
draws; and each row's Jacobian, the same by forward mode (jacfwd) and by reverse (jacrev)."""

import numpy
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from ndgrad import autograd, func, np
from ndgrad._pytree import flatten
from ndgrad.testing import check_grads

from .rows_complex import HOLOMORPHIC_ROWS
from .specs import CASE_IDS, CASES
from .test_registry import FIRST_DRAW


@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_gradients_match_finite_differences_to_order_two(spec, variant, data):
    shapes = data.draw(spec.operand_shapes(variant), label="shapes")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    operands = spec.sample(numpy.random.default_rng(seed), shapes)

    def f(*xs):
        return spec.fn(*xs, **variant)

    f.__name__ = spec.name
    check_grads(f, operands, order=2)


@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
def test_forward_and_reverse_jacobians_agree(spec, variant):
    shapes = find(spec.operand_shapes(variant), lambda shapes: True, settings=FIRST_DRAW)
    operands = [np.array(a) for a in spec.sample(numpy.random.default_rng(1), shapes)]
    argnums = tuple(range(len(operands)))

    def f(*xs):
        out = spec.fn(*xs, **variant)
        return tuple(out) if isinstance(out, tuple) else out   # named tuples as plain ones

    complex_values = [a for a in operands + flatten(f(*operands))[0] if a.dtype.kind == "c"]
    if complex_values:
        # a complex Jacobian is one matrix only for a holomorphic function, declared so
        for jacobian in (func.jacfwd, func.jacrev):
            with pytest.raises(TypeError, match="holomorphic=True"):
                jacobian(f, argnums)(*operands)
        if spec.name not in HOLOMORPHIC_ROWS:
            return
    holomorphic = bool(complex_values)
    forward = flatten(func.jacfwd(f, argnums, holomorphic=holomorphic)(*operands))[0]
    reverse = flatten(func.jacrev(f, argnums, holomorphic=holomorphic)(*operands))[0]
    assert len(forward) == len(reverse)
    for a, b in zip(forward, reverse):
        assert a.shape == b.shape
        numpy.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("source, target", [("float32", "float64"), ("float64", "float32")])
def test_astype_gradient_is_cast_back_to_the_operands_dtype(source, target):
    x = np.array(numpy.array([1.0, 2.0], dtype=source))
    x.attach_grad()
    with autograd.record():
        y = x.astype(target)
    y.backward(np.array(numpy.array([0.5, 3.0], dtype=target)))
    assert x.grad.dtype == numpy.dtype(source)
    numpy.testing.assert_array_equal(x.grad.asnumpy(), [0.5, 3.0])


@pytest.mark.parametrize("key, expected_shape", [(numpy.array(True), (1,)),
                                                 (numpy.array(False), (0,)),
                                                 ((Ellipsis, numpy.array(True)), (1,))])
def test_a_zero_dimensional_mask_indexes_a_scalar_as_numpy_does(key, expected_shape):
    # NumPy's nonzero refuses 0-d arrays; such a mask adds an axis of length 1 or 0
    x = np.array(numpy.float64(2.0))
    x.attach_grad()
    with autograd.record():
        y = x[key]
    assert y.shape == expected_shape
    y.backward(np.array(numpy.full(expected_shape, 3.0)))
    assert x.grad.item() == (3.0 if expected_shape == (1,) else 0.0)
