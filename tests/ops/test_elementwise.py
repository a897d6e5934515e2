"""Elementwise functions where the test table cannot look: special points (sinc at 0, NaN and
infinite operands, the origin of hypot and arctan2, the jumps of mod), stability at large
values, dtypes, and NumPy's own functions called on ndgrad arrays."""

import math
import warnings

import numpy
import pytest

from ndgrad import autograd, np


def gradients(f, *values, dtype=numpy.float64):
    """f's value and the gradient of its sum with respect to each operand."""
    xs = [np.array(numpy.asarray(v, dtype=dtype)) for v in values]
    for x in xs:
        x.attach_grad()
    with autograd.record():
        y = f(*xs)
    y.backward()
    return y, [x.grad.asnumpy() for x in xs]


def assert_close(actual, expected):
    numpy.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)


# -- sinc ------------------------------------------------------------------------------------
def test_sinc_at_zero_has_slope_zero_and_curvature_minus_pi_squared_over_three():
    x = np.array(numpy.array([0.0, 1e-8, -1e-8]))
    x.attach_grad()
    with autograd.record():
        y = np.sinc(x)
        slope = autograd.grad(y, x, create_graph=True)[0]
        curvature = autograd.grad(slope, x)[0]
    assert_close(y.asnumpy(), numpy.sinc(x.asnumpy()))
    # sinc'(x) = -pi^2 x / 3 near 0, with no cancellation: accurate also at 1e-8
    assert_close(slope.asnumpy(), [0.0, -math.pi ** 2 / 3 * 1e-8, math.pi ** 2 / 3 * 1e-8])
    assert_close(curvature.asnumpy(), [-math.pi ** 2 / 3] * 3)


def test_sinc_slope_away_from_zero_is_the_quotient_rule():
    x = numpy.array([0.25, -1.5, 3.0, 40.0])
    _, (slope,) = gradients(np.sinc, x)
    assert_close(slope, (numpy.cos(numpy.pi * x) - numpy.sinc(x)) / x)


# -- NaN, infinities and the points where a derivative does not exist ------------------------
def test_nan_to_num_passes_the_gradient_where_x_is_finite_only():
    y, (grad,) = gradients(lambda x: np.nan_to_num(x, nan=1.0, posinf=5.0, neginf=-5.0),
                           [numpy.nan, numpy.inf, -numpy.inf, 1.5, -2.0])
    assert_close(y.asnumpy(), [1.0, 5.0, -5.0, 1.5, -2.0])
    assert_close(grad, [0.0, 0.0, 0.0, 1.0, 1.0])


def test_nan_to_num_refuses_to_replace_in_place():
    with pytest.raises(TypeError, match="copy=False"):
        np.nan_to_num(np.array([1.0, numpy.nan]), copy=False)


@pytest.mark.parametrize("function, x1_grad, x2_grad", [
    # element by element: x1 NaN; x2 NaN; both NaN (x1's NaN is the answer); a tie; x1 wins
    (np.fmax, [0.0, 1.0, 1.0, 0.5, 1.0], [1.0, 0.0, 0.0, 0.5, 0.0]),
    (np.fmin, [0.0, 1.0, 1.0, 0.5, 0.0], [1.0, 0.0, 0.0, 0.5, 1.0]),
])
def test_fmax_and_fmin_send_the_gradient_past_nan_to_the_other_operand(function, x1_grad,
                                                                        x2_grad):
    nan = numpy.nan
    y, grads = gradients(function, [nan, 1.0, nan, 2.0, 3.0], [2.0, nan, nan, 2.0, 1.0])
    assert_close(y.asnumpy(), function(numpy.array([nan, 1.0, nan, 2.0, 3.0]),
                                       numpy.array([2.0, nan, nan, 2.0, 1.0])).asnumpy())
    assert_close(grads[0], x1_grad)
    assert_close(grads[1], x2_grad)


@pytest.mark.parametrize("function, x1, x2, x2_grad", [
    # at a jump the slope of the piece NumPy's value lies on: mod(2, 1) = 0, quotient 2
    (np.mod, [2.0, -0.5, 0.5, 7.0], [1.0, 1.0, -1.0, -2.0], [-2.0, 1.0, 1.0, 4.0]),
    (np.fmod, [2.0, -0.5, 0.5, 7.0], [1.0, 1.0, -1.0, -2.0], [-2.0, 0.0, 0.0, 3.0]),
])
def test_remainders_have_slope_one_in_x1_and_minus_the_quotient_in_x2(function, x1, x2,
                                                                      x2_grad):
    _, grads = gradients(function, x1, x2)
    assert_close(grads[0], [1.0] * 4)
    assert_close(grads[1], x2_grad)


def test_copysign_slope_is_sign_agreement_and_the_sign_source_gets_none():
    y, grads = gradients(np.copysign, [1.0, -2.0, 0.0, 3.0, -4.0], [1.0, 1.0, -1.0, -0.0, -1.0])
    assert_close(y.asnumpy(), [1.0, 2.0, -0.0, -3.0, -4.0])
    assert_close(grads[0], [1.0, -1.0, 0.0, -1.0, 1.0])
    assert_close(grads[1], [0.0] * 5)


@pytest.mark.parametrize("function", [np.hypot, np.arctan2])
def test_hypot_and_arctan2_have_gradient_zero_at_the_origin_without_warnings(function):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, grads = gradients(function, [0.0, 3.0], [0.0, 4.0])
    x1, x2 = 3.0, 4.0
    if function is np.hypot:
        expected = ([0.0, x1 / 5], [0.0, x2 / 5])
    else:
        expected = ([0.0, x2 / 25], [0.0, -x1 / 25])
    assert_close(grads[0], expected[0])
    assert_close(grads[1], expected[1])


@pytest.mark.parametrize("function", [np.power, np.float_power])
@pytest.mark.parametrize("exponent", [0.0, numpy.array([0.0, 0.0])])
def test_power_with_exponent_zero_has_slope_zero_also_at_base_zero(function, exponent):
    _, (grad,) = gradients(lambda x: function(x, exponent), [0.0, 2.0])
    assert_close(grad, [0.0, 0.0])


# -- stability and dtypes --------------------------------------------------------------------
@pytest.mark.parametrize("function, log_of_two", [(np.logaddexp, math.log(2.0)),
                                                  (np.logaddexp2, 1.0)])
def test_logaddexp_is_stable_for_large_operands(function, log_of_two):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, grads = gradients(function, [1000.0, 1000.0, -1000.0], [1000.0, 0.0, -1000.0])
    assert_close(y.asnumpy(), [1000.0 + log_of_two, 1000.0, -1000.0 + log_of_two])
    assert_close(grads[0], [0.5, 1.0, 0.5])
    assert_close(grads[1], [0.5, 0.0, 0.5])


def test_float_power_computes_in_float64_and_casts_gradients_back():
    y, grads = gradients(np.float_power, [2.0, 3.0], [3.0, 0.5], dtype=numpy.float32)
    assert y.dtype == numpy.float64
    assert [g.dtype for g in grads] == [numpy.float32, numpy.float32]
    numpy.testing.assert_allclose(grads[0], [12.0, 0.5 / math.sqrt(3.0)], rtol=1e-6)
    numpy.testing.assert_allclose(grads[1], [8 * math.log(2.0), math.sqrt(3) * math.log(3)],
                                  rtol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_sinc_keeps_the_dtype_in_value_and_gradient(dtype):
    y, (grad,) = gradients(np.sinc, [0.0, 0.5], dtype=dtype)
    assert y.dtype == dtype and grad.dtype == dtype


# -- NumPy's functions on ndgrad arrays are recorded -----------------------------------------
def _sinc_slope(x):
    return (numpy.cos(numpy.pi * x) - numpy.sinc(x)) / x


UNARY = [
    (numpy.reciprocal, lambda x: -1 / x ** 2),
    (numpy.cbrt, lambda x: 1 / (3 * numpy.cbrt(x) ** 2)),
    (numpy.fabs, numpy.sign),
    (numpy.exp2, lambda x: 2 ** x * math.log(2)),
    (numpy.expm1, numpy.exp),
    (numpy.log2, lambda x: 1 / (x * math.log(2))),
    (numpy.log10, lambda x: 1 / (x * math.log(10))),
    (numpy.log1p, lambda x: 1 / (1 + x)),
    (numpy.tan, lambda x: 1 / numpy.cos(x) ** 2),
    (numpy.arcsin, lambda x: 1 / numpy.sqrt(1 - x ** 2)),
    (numpy.arccos, lambda x: -1 / numpy.sqrt(1 - x ** 2)),
    (numpy.arctan, lambda x: 1 / (1 + x ** 2)),
    (numpy.sinh, numpy.cosh),
    (numpy.cosh, numpy.sinh),
    (numpy.arcsinh, lambda x: 1 / numpy.sqrt(x ** 2 + 1)),
    (numpy.arctanh, lambda x: 1 / (1 - x ** 2)),
    (numpy.deg2rad, lambda x: numpy.full_like(x, math.pi / 180)),
    (numpy.radians, lambda x: numpy.full_like(x, math.pi / 180)),
    (numpy.rad2deg, lambda x: numpy.full_like(x, 180 / math.pi)),
    (numpy.degrees, lambda x: numpy.full_like(x, 180 / math.pi)),
    (numpy.sinc, _sinc_slope),
    (numpy.nan_to_num, numpy.ones_like),
]


@pytest.mark.parametrize("function, slope", UNARY, ids=[f.__name__ for f, _ in UNARY])
def test_numpy_unary_function_on_an_ndgrad_array_is_recorded(function, slope):
    x = numpy.array([0.3, 0.6])
    y, (grad,) = gradients(function, x)
    assert isinstance(y, np.ndarray)
    assert_close(y.asnumpy(), function(x))
    assert_close(grad, slope(x))


def test_numpy_arccosh_on_an_ndgrad_array_is_recorded():
    x = numpy.array([1.5, 2.5])
    _, (grad,) = gradients(numpy.arccosh, x)
    assert_close(grad, 1 / numpy.sqrt(x ** 2 - 1))


BINARY = [
    (numpy.float_power, lambda a, b: (b * a ** (b - 1), a ** b * numpy.log(a))),
    (numpy.arctan2, lambda a, b: (b / (a * a + b * b), -a / (a * a + b * b))),
    (numpy.hypot, lambda a, b: (a / numpy.hypot(a, b), b / numpy.hypot(a, b))),
    (numpy.logaddexp, lambda a, b: (1 / (1 + numpy.exp(b - a)), 1 / (1 + numpy.exp(a - b)))),
    (numpy.logaddexp2, lambda a, b: (1 / (1 + 2 ** (b - a)), 1 / (1 + 2 ** (a - b)))),
    (numpy.fmax, lambda a, b: ((a > b) * 1.0, (b > a) * 1.0)),
    (numpy.fmin, lambda a, b: ((a < b) * 1.0, (b < a) * 1.0)),
    (numpy.mod, lambda a, b: (numpy.ones_like(a), -numpy.floor(a / b))),
    (numpy.fmod, lambda a, b: (numpy.ones_like(a), -numpy.trunc(a / b))),
    (numpy.copysign, lambda a, b: (numpy.sign(a) * numpy.sign(b), numpy.zeros_like(b))),
]


@pytest.mark.parametrize("function, slopes", BINARY, ids=[f.__name__ for f, _ in BINARY])
def test_numpy_binary_function_on_ndgrad_arrays_is_recorded(function, slopes):
    a, b = numpy.array([2.7, 0.4, 1.3]), numpy.array([0.6, 1.1, -0.7])
    y, grads = gradients(function, a, b)
    assert isinstance(y, np.ndarray)
    assert_close(y.asnumpy(), function(a, b))
    for grad, expected in zip(grads, slopes(a, b)):
        assert_close(grad, expected)


@pytest.mark.parametrize("function", [numpy.trunc, numpy.rint, np.trunc, np.rint,
                                      lambda x: numpy.floor_divide(x, 0.7),
                                      lambda x: np.floor_divide(x, 0.7)])
def test_piecewise_constant_functions_have_derivative_zero_to_any_order(function):
    # recorded, as MXNet records sign and floor: the gradient is zeros, not an error
    x = np.array(numpy.array([0.5, -1.5, 2.7]))
    x.attach_grad()
    with autograd.record():
        y = function(x)
        first = autograd.grad(y, x, create_graph=True)[0]
    assert isinstance(y, np.ndarray)
    assert_close(y.asnumpy(), function(numpy.array([0.5, -1.5, 2.7])))
    assert_close(first, [0.0, 0.0, 0.0])
    first.backward()
    assert_close(x.grad, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("alias, original", [(np.mod, np.remainder), (np.radians, np.deg2rad),
                                             (np.degrees, np.rad2deg)])
def test_aliases_are_the_same_function(alias, original):
    assert alias is original


# -- where on large arrays (a branch-free select of bit patterns) ----------------------------
@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_where_on_large_arrays_selects_exactly_what_numpy_selects(dtype):
    rng = numpy.random.default_rng(0)
    condition = rng.random((3, 5000)) < 0.5
    x = rng.standard_normal((3, 5000)).astype(dtype)
    x[0, :4] = [numpy.nan, numpy.inf, -numpy.inf, -0.0]
    y = rng.standard_normal(5000).astype(dtype)
    for a, b in [(x, y), (x, 0.0), (0.0, x), (x, -0.0), (x[:, ::-1], 2), (y, x)]:
        expected = numpy.where(condition, a, b)
        result = np.where(np.array(condition), *[np.array(v) if isinstance(v, numpy.ndarray)
                                                 else v for v in (a, b)])
        assert result.dtype == expected.dtype and result.shape == expected.shape
        assert result.asnumpy().tobytes() == expected.tobytes()


def test_maximum_gradient_on_large_arrays_follows_the_winner():
    rng = numpy.random.default_rng(1)
    x, y = rng.standard_normal(20000), rng.standard_normal(20000)
    y[:10] = x[:10]                                    # ties share
    _, grads = gradients(np.maximum, x, y)
    expected = numpy.where(x > y, 1.0, numpy.where(x == y, 0.5, 0.0))
    assert_close(grads[0], expected)
    assert_close(grads[1], 1.0 - expected)


def test_where_with_the_condition_alone_is_nonzero_and_with_one_branch_is_refused():
    condition = numpy.array([[True, False], [False, True]])
    for result, expected in zip(np.where(np.array(condition)), numpy.where(condition)):
        numpy.testing.assert_array_equal(result.asnumpy(), expected)
    with pytest.raises(ValueError, match="both or neither"):
        np.where(np.array(condition), 1.0)


@pytest.mark.parametrize("ufunc, operands", [("sin", 1), ("add", 2), ("multiply", 2)])
def test_a_ufuncs_where_writes_only_the_masked_entries_of_out(ufunc, operands):
    """As NumPy: out keeps its values where the mask is False (a fuzz finding: all of out was
    overwritten with uninitialised memory there)."""
    x, out = numpy.arange(4.0), numpy.full(4, 7.0)
    mask = numpy.array([True, False, True, False])
    expected = getattr(numpy, ufunc)(*[x] * operands, out=out.copy(), where=mask)
    target = np.array(out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(np, ufunc)(*[np.array(x)] * operands, out=target, where=mask)
    assert got is target
    numpy.testing.assert_array_equal(target.asnumpy(), expected)
    numpy_out = out.copy()         # a NumPy out= array, written the same way
    np.sin(np.array(x), out=numpy_out, where=np.array(mask))
    numpy.testing.assert_array_equal(numpy_out, numpy.sin(x, out=out.copy(), where=mask))


def test_a_ufuncs_where_is_refused_without_out_or_as_a_bad_mask():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="without out= leaves the masked-off"):
        np.sin(x, where=numpy.array([True, False]))
    with pytest.raises(TypeError, match="boolean mask"):
        np.sin(x, out=np.zeros(2), where=numpy.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="does not broadcast"):
        np.sin(x, out=np.zeros(2), where=numpy.array([True, False, True]))
    numpy.testing.assert_array_equal(np.sin(x, where=True).asnumpy(), numpy.sin(x.asnumpy()))
