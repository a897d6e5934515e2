"""Reductions and statistics beyond the op table: exact gradients of prod and cumprod with
zero factors (to second order), zero gradients at NaN positions, quantile gradients worked
out by hand, NumPy's dtypes and errors, and the non-differentiable reductions."""

import numpy
import pytest
from numpy.exceptions import AxisError

from ndgrad import autograd, np
from ndgrad.errors import NotRecordedError

from .test_subgradients import gradient


def hessian(f, values):
    """The Hessian of the scalar f at ``values`` (a vector), row by row through reverse mode
    twice (create_graph=True)."""
    x = np.array(numpy.asarray(values, dtype=numpy.float64))
    x.attach_grad()
    rows = []
    for i in range(x.size):
        with autograd.record():
            first = autograd.grad(f(x), x, create_graph=True)[0]
            component = first[i]
        rows.append(autograd.grad(component, x)[0].asnumpy())
    return numpy.array(rows)


def assert_close(actual, expected):
    numpy.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


def products_of_the_others(values):
    """d prod / d x_i by brute force."""
    values = numpy.asarray(values, dtype=numpy.float64)
    return numpy.array([numpy.prod(numpy.delete(values, i)) for i in range(values.size)])


# -- prod and cumprod with zero factors ------------------------------------------------------
@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 4.0], [0.0, -1.5, 0.0, 2.0],
                                    [0.0, 0.0, 0.0], [0.0], [5.0, 0.0]])
def test_prod_gradient_with_zero_factors_is_the_product_of_the_others(values):
    assert_close(gradient(np.prod, values), products_of_the_others(values))


def test_prod_second_derivative_with_two_zero_factors_is_the_product_of_the_rest():
    # prod = x0 x1 x2 x3 with x0 = x2 = 0: every first derivative is 0, but
    # d2 prod / dx0 dx2 = x1 x3 and every other mixed derivative is 0
    values = [0.0, 3.0, 0.0, 2.0]
    expected = numpy.zeros((4, 4))
    expected[0, 2] = expected[2, 0] = 6.0
    assert_close(hessian(np.prod, values), expected)


def test_prod_second_derivative_with_one_zero_factor():
    values = [2.0, 0.0, 3.0]
    # d2 / dxi dxj of x0 x1 x2 = the remaining factor
    expected = numpy.array([[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
    assert_close(hessian(np.prod, values), expected)


def test_prod_over_axes_with_zeros_matches_brute_force():
    x = numpy.array([[[1.0, 0.0], [2.0, 3.0]], [[0.0, 0.0], [4.0, 5.0]], [[1.5, 2.0], [-1.0, 0.5]]])
    grad = gradient(lambda a: np.prod(a, axis=(0, 2), keepdims=True), x)
    for j in range(2):
        block = x[:, j, :]
        expected = products_of_the_others(block.ravel()).reshape(block.shape)
        assert_close(grad[:, j, :], expected)


def test_prod_gradient_survives_an_underflowing_product():
    # the product underflows to 0 without a zero factor: no 0/0, no quotient
    assert_close(gradient(np.prod, [1e-200, 1e-200, 3.0]), [3e-200, 3e-200, 0.0])


def test_cumprod_gradient_with_a_zero_factor_by_hand():
    # y = (x0, x0 x1, x0 x1 x2, x0 x1 x2 x3) at x = (2, 0, 3, 4): d sum(y) / dx1 = x0 + x0 x2
    # + x0 x2 x3 = 32, d / dx0 = 1 (only y0 survives), and x2, x3 multiply x1 = 0 everywhere
    assert_close(gradient(np.cumprod, [2.0, 0.0, 3.0, 4.0]), [1.0, 32.0, 0.0, 0.0])


def test_cumprod_second_derivative_with_a_zero_factor_by_hand():
    # sum(y) = x0 + x0 x1 + x0 x1 x2 + x0 x1 x2 x3; its Hessian at x = (2, 0, 3, 4)
    x0, x1, x2, x3 = 2.0, 0.0, 3.0, 4.0
    expected = numpy.array([
        [0.0, 1 + x2 + x2 * x3, x1 + x1 * x3, x1 * x2],
        [1 + x2 + x2 * x3, 0.0, x0 + x0 * x3, x0 * x2],
        [x1 + x1 * x3, x0 + x0 * x3, 0.0, x0 * x1],
        [x1 * x2, x0 * x2, x0 * x1, 0.0]])
    assert_close(hessian(lambda x: np.cumprod(x).sum(), [x0, x1, x2, x3]), expected)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_cumprod_gradient_with_zeros_matches_brute_force(axis):
    x = numpy.array([[1.5, 0.0, 2.0], [0.0, 0.0, -1.0], [3.0, 0.5, 0.0]])
    head = numpy.arange(1.0, 10.0).reshape(3, 3) if axis is not None else numpy.arange(1.0, 10.0)
    lines = x.reshape(1, -1) if axis is None else numpy.moveaxis(x, axis, -1)
    heads = head.reshape(1, -1) if axis is None else numpy.moveaxis(head, axis, -1)
    expected = numpy.zeros_like(lines)
    for row in range(lines.shape[0]):
        for i in range(lines.shape[1]):
            expected[row, i] = sum(heads[row, k] * numpy.prod(numpy.delete(lines[row, :k + 1], i))
                                   for k in range(i, lines.shape[1]))
    expected = expected.reshape(x.shape) if axis is None else numpy.moveaxis(expected, -1, axis)
    assert_close(gradient(lambda a: np.cumprod(a, axis=axis), x, head), expected)


def test_cumprod_axis_none_flattens_as_numpy():
    x = numpy.arange(1.0, 7.0).reshape(2, 3)
    result = np.cumprod(np.array(x))
    assert result.shape == (6,)
    assert_close(result.asnumpy(), numpy.cumprod(x))


# -- NaN-ignoring reductions -----------------------------------------------------------------
NAN = numpy.nan


@pytest.mark.parametrize("f, expected", [
    (np.nansum, [1.0, 0.0, 1.0, 1.0]),
    (np.nanmean, [1 / 3, 0.0, 1 / 3, 1 / 3]),
    (np.nanmax, [0.0, 0.0, 0.5, 0.5]),       # tied maxima share, as max
    (np.nanmin, [1.0, 0.0, 0.0, 0.0]),
])
def test_nan_positions_get_a_zero_gradient(f, expected):
    assert_close(gradient(f, [1.0, NAN, 3.0, 3.0]), expected)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanmax", "nanmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_nan_reductions_with_nans_match_numpy(name, axis):
    x = numpy.array([[1.0, NAN, 2.5], [NAN, -4.0, 0.5]], dtype=numpy.float32)
    result = getattr(np, name)(np.array(x), axis=axis)
    expected = getattr(numpy, name)(x, axis=axis)
    assert result.dtype == expected.dtype
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanmax", "nanmin"])
def test_nan_reductions_equal_their_plain_reduction_of_the_numbers(name):
    # the gradient with NaNs present is the plain reduction's gradient on the numbers
    plain = {"nansum": np.sum, "nanmean": np.mean, "nanmax": np.max, "nanmin": np.min}[name]
    values = [2.0, NAN, -1.0, NAN, 0.5]
    numbers = [2.0, -1.0, 0.5]
    expected = numpy.zeros(5)
    expected[[0, 2, 4]] = gradient(plain, numbers)
    assert_close(gradient(getattr(np, name), values), expected)


def test_nanmax_of_an_all_nan_slice_is_nan_with_numpy_warning_and_zero_gradient():
    values = [[NAN, NAN], [1.0, NAN]]
    with pytest.warns(RuntimeWarning, match="All-NaN slice"):
        grad = gradient(lambda x: np.nanmax(x, axis=1), values)
    assert_close(grad, [[0.0, 0.0], [1.0, 0.0]])
    with pytest.warns(RuntimeWarning, match="All-NaN slice"):
        result = np.nanmax(np.array(values), axis=1).asnumpy()
    numpy.testing.assert_array_equal(result, [NAN, 1.0])


def test_nan_reductions_of_integers_are_the_plain_ones():
    x = numpy.array([[3, 1], [2, 5]])
    for name in ("nansum", "nanmean", "nanmax", "nanmin"):
        result = getattr(np, name)(np.array(x), axis=0)
        expected = getattr(numpy, name)(x, axis=0)
        assert result.dtype == expected.dtype
        assert_close(result.asnumpy(), expected)


# -- quantiles -------------------------------------------------------------------------------
def test_quantile_gradient_interpolates_between_two_order_statistics():
    # sorted (1, 2, 3, 4); q = 0.4 sits at virtual index 3 q = 1.2: 0.8 of the 2 (x[3]) and
    # 0.2 of the 3 (x[2])
    values = [4.0, 1.0, 3.0, 2.0]
    assert np.quantile(np.array(values), 0.4).item() == pytest.approx(2.2)
    assert_close(gradient(lambda x: np.quantile(x, 0.4), values), [0.0, 0.0, 0.2, 0.8])


def test_quantile_gradient_in_q_is_the_slope_between_the_order_statistics():
    a = np.array(numpy.array([4.0, 1.0, 3.0, 2.0]))
    q = np.array(numpy.array([0.4, 0.9]))
    q.attach_grad()
    with autograd.record():
        y = np.quantile(a, q)
    y.backward()
    # d/dq of x(k) + (3 q - k) (x(k+1) - x(k)) = 3 (x(k+1) - x(k)): both gaps are 1
    assert_close(q.grad.asnumpy(), [3.0, 3.0])


@pytest.mark.parametrize("values, q, expected", [
    ([1.0, 2.0, 2.0, 5.0], 0.5, [0.0, 0.5, 0.5, 0.0]),
    # the order statistics at 0.5 blend sorted[0] = 1 and sorted[1] = 2; the tied 2s share
    # their block's cotangents (0.5 and 0) equally, as sort's gradient does
    ([2.0, 2.0, 1.0], 0.25, [0.25, 0.25, 0.5]),
])
def test_quantile_ties_share_the_gradient_as_sort_does(values, q, expected):
    assert_close(gradient(lambda x: np.quantile(x, q), values), expected)


def test_median_of_an_even_count_averages_the_two_middle_elements():
    values = [3.0, 1.0, 4.0, 2.0]
    assert np.median(np.array(values)).item() == 2.5
    assert_close(gradient(np.median, values), [0.5, 0.0, 0.0, 0.5])


def test_median_over_an_axis_by_hand():
    values = [[5.0, 1.0, 3.0], [0.0, 2.0, -1.0]]
    assert_close(gradient(lambda x: np.median(x, axis=1), values, [10.0, 20.0]),
                 [[0.0, 0.0, 10.0], [20.0, 0.0, 0.0]])


@pytest.mark.parametrize("method, expected", [
    ("lower", [0.0, 0.0, 0.0, 1.0]), ("higher", [0.0, 0.0, 1.0, 0.0]),
    ("nearest", [0.0, 0.0, 0.0, 1.0]), ("midpoint", [0.0, 0.0, 0.5, 0.5]),
])
def test_discrete_quantile_methods_pick_or_halve(method, expected):
    assert_close(gradient(lambda x: np.quantile(x, 0.4, method=method), [4.0, 1.0, 3.0, 2.0]),
                 expected)


def test_percentile_is_quantile_of_q_over_100():
    values = [4.0, 1.0, 3.0, 2.0]
    assert_close(gradient(lambda x: np.percentile(x, 40.0), values), [0.0, 0.0, 0.2, 0.8])


def test_quantile_of_a_line_with_nan_is_nan_as_numpy():
    x = numpy.array([[1.0, NAN, 2.0], [1.0, 2.0, 3.0]])
    result = np.quantile(np.array(x), [0.5, 0.9], axis=1).asnumpy()
    numpy.testing.assert_array_equal(result, numpy.quantile(x, [0.5, 0.9], axis=1))


@pytest.mark.parametrize("q, dtype", [(0.5, "float32"), (numpy.float64(0.5), "float64"),
                                      ([0.5], "float64"), (numpy.float32(0.5), "float32"),
                                      (1, "float32")])
def test_quantile_result_dtype_follows_numpy_weak_q(q, dtype):
    x = numpy.arange(5.0, dtype=numpy.float32)
    assert numpy.asarray(numpy.quantile(x, q)).dtype == numpy.dtype(dtype)
    assert np.quantile(np.array(x), q).dtype == numpy.dtype(dtype)


@pytest.mark.parametrize("method", ["inverted_cdf", "averaged_inverted_cdf",
                                    "closest_observation", "interpolated_inverted_cdf",
                                    "hazen", "weibull", "linear", "median_unbiased",
                                    "normal_unbiased", "lower", "higher", "midpoint",
                                    "nearest"])
def test_every_numpy_quantile_method_matches_numpy(method):
    x = numpy.random.default_rng(3).standard_normal((3, 7))
    q = numpy.array([0.0, 0.1, 0.25, 0.5, 2 / 3, 0.99, 1.0])
    for data in (x, (10 * x).astype(numpy.int64)):
        expected = numpy.quantile(data, q, axis=1, method=method)
        result = np.quantile(np.array(data), q, axis=1, method=method)
        assert result.dtype == expected.dtype
        assert_close(result.asnumpy(), expected)


# -- average, ptp ----------------------------------------------------------------------------
def test_average_gradients_in_a_and_in_the_weights():
    a = np.array(numpy.array([1.0, 2.0, 4.0]))
    w = np.array(numpy.array([1.0, 1.0, 2.0]))
    a.attach_grad()
    w.attach_grad()
    with autograd.record():
        y = np.average(a, weights=w)
    y.backward()
    # y = sum(a w) / sum(w) = 11 / 4: dy/da = w / 4, dy/dw = (a - y) / 4
    assert y.item() == 2.75
    assert_close(a.grad.asnumpy(), [0.25, 0.25, 0.5])
    assert_close(w.grad.asnumpy(), [(1 - 2.75) / 4, (2 - 2.75) / 4, (4 - 2.75) / 4])


def test_average_returned_gives_the_sum_of_weights_in_the_average_shape():
    x = numpy.arange(6.0).reshape(2, 3)
    avg, scale = np.average(np.array(x), axis=1, weights=numpy.array([1.0, 2.0, 3.0]),
                            returned=True)
    expected_avg, expected_scale = numpy.average(x, axis=1, weights=[1.0, 2.0, 3.0],
                                                 returned=True)
    assert_close(avg.asnumpy(), expected_avg)
    assert scale.shape == expected_scale.shape
    assert_close(scale.asnumpy(), expected_scale)
    _, scale = np.average(np.array(x), axis=0, returned=True)
    assert_close(scale.asnumpy(), [2.0, 2.0, 2.0])


def test_ptp_gradient_splits_ties_as_max_and_min():
    assert_close(gradient(np.ptp, [1.0, 5.0, 5.0, 1.0, 3.0]), [-0.5, 0.5, 0.5, -0.5, 0.0])


def test_amax_and_amin_are_max_and_min():
    assert np.amax is np.max and np.amin is np.min


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: np.ptp(x, axis=2), lambda x: np.median(x, axis=-3),
    lambda x: np.quantile(x, 0.5, axis=(0, 2)), lambda x: np.percentile(x, 50, axis=5),
    lambda x: np.average(x, axis=2), lambda x: np.nansum(x, axis=2),
    lambda x: np.nanmean(x, axis=2), lambda x: np.nanmax(x, axis=2),
    lambda x: np.nanmin(x, axis=-3), lambda x: np.cumprod(x, axis=2),
    lambda x: np.count_nonzero(x, axis=2), lambda x: np.all(x, axis=2),
    lambda x: np.any(x, axis=2), lambda x: np.prod(x, axis=2),
])
def test_an_axis_out_of_range_is_numpys_axis_error(call):
    with pytest.raises(AxisError):
        call(np.array(numpy.ones((2, 3))))


def test_an_unknown_quantile_method_names_the_supported_ones():
    with pytest.raises(ValueError, match="'cubic'.*linear.*nearest"):
        np.quantile(np.array([1.0, 2.0]), 0.5, method="cubic")


@pytest.mark.parametrize("call, message", [
    (lambda x: np.quantile(x, 1.5), r"Quantiles must be in the range \[0, 1\]"),
    (lambda x: np.quantile(x, [-0.1, 0.5]), r"Quantiles must be in the range \[0, 1\]"),
    (lambda x: np.percentile(x, 101), r"Percentiles must be in the range \[0, 100\]"),
    (lambda x: np.quantile(x, numpy.full((1, 1, 1), 0.5)), "q must be a scalar or 1d"),
])
def test_probabilities_out_of_range_are_refused_as_numpy(call, message):
    with pytest.raises(ValueError, match=message):
        call(np.array([1.0, 2.0, 3.0]))


def test_quantile_weights_are_refused():
    with pytest.raises(NotImplementedError, match="weights"):
        np.quantile(np.array([1.0, 2.0]), 0.5, method="inverted_cdf", weights=[1.0, 1.0])


def test_quantile_of_complex_values_is_a_type_error():
    with pytest.raises(TypeError, match="real numbers"):
        np.quantile(np.array(numpy.array([1.0 + 1j, 2.0])), 0.5)


def test_quantile_over_an_empty_axis_is_an_index_error_as_numpy():
    with pytest.raises(IndexError):
        numpy.quantile(numpy.zeros((2, 0)), 0.5, axis=1)
    with pytest.raises(IndexError, match="length 0"):
        np.quantile(np.zeros((2, 0)), 0.5, axis=1)


def test_median_over_an_empty_axis_is_nan_as_numpy():
    with pytest.warns(RuntimeWarning):
        result = np.median(np.zeros((2, 0)), axis=1)
    numpy.testing.assert_array_equal(result.asnumpy(), [NAN, NAN])


@pytest.mark.parametrize("call", [np.ptp, np.nanmax, np.nanmin, np.max, np.amin])
def test_extrema_of_nothing_are_refused_as_numpy(call):
    with pytest.raises(ValueError, match="zero-size"):
        call(np.zeros((0, 3)))


@pytest.mark.parametrize("weights, axis, error", [
    (numpy.ones(3), None, TypeError),        # shapes differ and no axis says how to align
    (numpy.ones(3), 0, ValueError),          # a has 2 elements along axis 0
    (numpy.ones((2, 2)), (0, 1), ValueError),
])
def test_average_weights_of_the_wrong_shape_are_refused_as_numpy(weights, axis, error):
    a = numpy.ones((2, 3))
    with pytest.raises(error):
        numpy.average(a, axis=axis, weights=weights)
    with pytest.raises(error):
        np.average(np.array(a), axis=axis, weights=weights)


def test_average_weights_summing_to_zero_is_numpys_zero_division_error():
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        np.average(np.array([1.0, 2.0]), weights=numpy.array([1.0, -1.0]))


# -- non-differentiable reductions -----------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [
    ("count_nonzero", {}), ("count_nonzero", {"axis": 0}),
    ("count_nonzero", {"axis": (0, 1), "keepdims": True}),
    ("all", {}), ("all", {"axis": 1}), ("any", {"axis": 0, "keepdims": True}),
    ("any", {"where": numpy.array([False, True, True])}),
    ("all", {"axis": -1, "where": numpy.array([True, False, True])}),
])
def test_boolean_and_counting_reductions_match_numpy(name, kwargs):
    x = numpy.array([[0.0, 1.5, 0.0], [2.0, 0.0, 0.0]])
    result = getattr(np, name)(np.array(x), **kwargs)
    expected = numpy.asarray(getattr(numpy, name)(x, **kwargs))
    assert result.dtype == expected.dtype
    numpy.testing.assert_array_equal(result.asnumpy(), expected)


@pytest.mark.parametrize("f", [np.count_nonzero, np.all, np.any])
def test_boolean_and_counting_reductions_record_nothing(f):
    x = np.array(numpy.array([0.5, 0.0, 2.0]))
    x.attach_grad()
    with autograd.record():
        y = f(x)
    with pytest.raises(NotRecordedError):
        y.backward()
