"""Gradients at points where finite differences cannot decide: the documented choices at ties,
kinks and zeros (API.md semantic 10, README), and accumulation over repeated indices."""

import numpy
import pytest

from ndgrad import autograd, np, npx


def gradient(f, values, head_grad=None):
    """The gradient of f at ``values`` (float64), for head gradient ``head_grad`` (ones)."""
    x = np.array(numpy.asarray(values, dtype=numpy.float64))
    x.attach_grad()
    with autograd.record():
        y = f(x)
    y.backward(None if head_grad is None else np.array(numpy.asarray(head_grad, numpy.float64)))
    return x.grad.asnumpy()


def assert_equal(actual, expected):
    numpy.testing.assert_allclose(actual, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("f, values, expected", [
    (np.max, [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    (np.min, [2.0, -1.0, 5.0, -1.0], [0.0, 0.5, 0.0, 0.5]),
    (np.max, [[4.0, 4.0], [4.0, 1.0]], [[1 / 3, 1 / 3], [1 / 3, 0.0]]),
    (lambda x: np.max(x, axis=1), [[2.0, 2.0, 0.0], [0.0, 1.0, 7.0]],
     [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]),
    (lambda x: np.min(x, axis=0, keepdims=True), [[1.0, 5.0], [1.0, 3.0]],
     [[0.5, 0.0], [0.5, 1.0]]),
])
def test_tied_extrema_share_the_gradient_evenly(f, values, expected):
    assert_equal(gradient(f, values), expected)


def test_tied_extremum_gradients_sum_to_the_head_gradient():
    # API.md 10: MXNet gives each tie the full gradient; ndgrad's sum to the head gradient
    assert gradient(lambda x: np.max(x) * 3.0, [7.0] * 6).sum() == pytest.approx(3.0)


@pytest.mark.parametrize("function, winner", [(np.maximum, 1.0), (np.minimum, 0.0)])
def test_maximum_and_minimum_split_ties_evenly(function, winner):
    x = np.array(numpy.array([1.0, 2.0, 5.0]))
    y = np.array(numpy.array([1.0, 3.0, 4.0]))
    x.attach_grad()
    y.attach_grad()
    with autograd.record():
        z = function(x, y)
    z.backward()
    # element 0 ties; in element 1 y is larger, in element 2 x is
    assert_equal(x.grad.asnumpy(), [0.5, 1.0 - winner, winner])
    assert_equal(y.grad.asnumpy(), [0.5, winner, 1.0 - winner])


def test_maximum_tie_with_a_broadcast_scalar_shares_too():
    assert_equal(gradient(lambda x: np.maximum(x, 0.0), [0.0, 2.0, -1.0]), [0.5, 1.0, 0.0])


@pytest.mark.parametrize("f, values, expected", [
    (lambda x: np.sort(x)[-2], [3.0, 5.0, 5.0], [0.0, 0.5, 0.5]),
    (lambda x: np.sort(x)[-1], [5.0, 3.0, 5.0], [0.5, 0.0, 0.5]),
    (lambda x: np.sort(x)[0], [2.0, 2.0, 2.0, 9.0], [1 / 3, 1 / 3, 1 / 3, 0.0]),
    # along axis 0: the tie is in the second column only
    (lambda x: np.sort(x, axis=0)[1], [[1.0, 4.0], [0.0, 4.0]], [[1.0, 0.5], [0.0, 0.5]]),
])
def test_sort_ties_share_their_block_gradients(f, values, expected):
    assert_equal(gradient(f, values), expected)


def test_sort_without_ties_sends_each_gradient_to_its_element():
    assert_equal(gradient(np.sort, [3.0, 1.0, 2.0], head_grad=[10.0, 20.0, 30.0]),
                 [30.0, 10.0, 20.0])


@pytest.mark.parametrize("f", [
    np.linalg.norm,
    lambda x: np.linalg.norm(x, ord=2),
    lambda x: np.linalg.norm(x, ord=1),
    lambda x: np.linalg.norm(x, ord=3),
], ids=["default", "ord=2", "ord=1", "ord=3"])
def test_norm_of_zero_has_gradient_zero(f):
    assert_equal(gradient(f, [0.0, 0.0, 0.0]), [0.0, 0.0, 0.0])


def test_norm_along_an_axis_is_zero_only_for_the_zero_rows():
    grad = gradient(lambda x: np.linalg.norm(x, axis=1), [[0.0, 0.0], [3.0, 4.0]])
    assert_equal(grad, [[0.0, 0.0], [0.6, 0.8]])


@pytest.mark.parametrize("f", [np.abs, npx.relu], ids=["abs", "relu"])
def test_abs_and_relu_have_gradient_zero_at_zero(f):
    assert_equal(gradient(f, [-2.0, 0.0, 3.0]), [-1.0 if f is np.abs else 0.0, 0.0, 1.0])


def test_power_gradient_in_the_exponent_is_zero_for_a_non_positive_base():
    base = np.array(numpy.array([-2.0, 0.0, 2.0]))
    exponent = np.array(numpy.array([2.0, 2.0, 2.0]))
    exponent.attach_grad()
    with autograd.record():
        y = base ** exponent
    y.backward()
    assert_equal(exponent.grad.asnumpy(), [0.0, 0.0, 4.0 * numpy.log(2.0)])


@pytest.mark.parametrize("key, expected", [
    ([0, 0, 1], [2.0, 1.0, 0.0, 0.0]),
    (numpy.array([3, 3, 3, 0]), [1.0, 0.0, 0.0, 3.0]),
    ((numpy.array([-1, 3]),), [0.0, 0.0, 0.0, 2.0]),
    (numpy.array([True, False, True, True]), [1.0, 0.0, 1.0, 1.0]),
])
def test_getitem_with_repeated_indices_accumulates(key, expected):
    assert_equal(gradient(lambda x: x[key].sum(), [1.0, 2.0, 3.0, 4.0]), expected)


def test_getitem_repeats_accumulate_with_their_head_gradients():
    grad = gradient(lambda x: x[[1, 0, 1]], [5.0, 6.0], head_grad=[1.0, 10.0, 100.0])
    assert_equal(grad, [10.0, 101.0])


def test_clip_sends_the_gradient_to_the_bound_that_binds():
    a = np.array(numpy.array([-3.0, 0.0, 3.0]))
    low = np.array(numpy.array([-1.0, -1.0, -1.0]))
    high = np.array(numpy.array([1.0, 1.0, 1.0]))
    for x in (a, low, high):
        x.attach_grad()
    with autograd.record():
        y = np.clip(a, low, high)
    y.backward()
    assert_equal(a.grad.asnumpy(), [0.0, 1.0, 0.0])
    assert_equal(low.grad.asnumpy(), [1.0, 0.0, 0.0])
    assert_equal(high.grad.asnumpy(), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("values, expected", [
    ([0.0, 2.0, 3.0], [6.0, 0.0, 0.0]),           # one zero: the product of the others
    ([0.0, 2.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0]),  # two zeros: every other product has one
])
def test_prod_with_zero_factors_has_the_exact_gradient(values, expected):
    assert_equal(gradient(lambda x: x.prod(), values), expected)
