"""ndgrad's Bessel functions (ndgrad.scipy.special j0 ... k1, jn, yn, iv, ive) against SciPy
over wide ranges, their special values, their derivatives beyond the op table, and the orders
they refuse. Skipped where SciPy is not installed."""

import math

import numpy
import pytest

from ndgrad import autograd, np
from ndgrad.scipy import special
from ndgrad.testing import check_grads

scipy_special = pytest.importorskip("scipy.special")

# Up to 100 SciPy's own J and Y keep about 1e-14 of their amplitude; beyond, its argument
# reduction loses digits (ndgrad reduces x exactly), so the comparison stops there.
POINTS = numpy.concatenate([numpy.linspace(0, 100, 4001), numpy.geomspace(1e-30, 100, 400)])
LINE = numpy.concatenate([-POINTS[::-1], POINTS])
POSITIVE = POINTS[POINTS > 0]


def ours(function, x, *order):
    return function(*order, np.array(numpy.asarray(x, dtype=numpy.float64))).asnumpy()


def scaled_error(actual, expected, scale):
    """|actual - expected| / max(|expected|, scale), over the finite, non-underflowing
    expected values (ndgrad keeps subnormal results SciPy flushes to 0)."""
    keep = numpy.isfinite(expected) & (numpy.abs(expected) > 1e-290)
    actual, expected = actual[keep], expected[keep]
    return numpy.abs(actual - expected) / numpy.maximum(numpy.abs(expected),
                                                        numpy.broadcast_to(scale, keep.shape)[keep])


def amplitude(x, order=0):
    """sqrt(2 / (pi x)), the size of J and Y where they oscillate (x beyond the order): near
    their zeros the values are accurate to double precision of this, as SciPy's are."""
    ax = numpy.abs(x)
    return numpy.where(ax > abs(order), numpy.sqrt(2 / (math.pi * numpy.maximum(ax, 1))), 0.0)


@pytest.mark.parametrize("name", ["j0", "j1"])
def test_j0_j1_match_scipy_on_the_whole_line(name):
    expected = getattr(scipy_special, name)(LINE)
    error = scaled_error(ours(getattr(special, name), LINE), expected, amplitude(LINE))
    assert error.max() < 1e-14


@pytest.mark.parametrize("name", ["y0", "y1"])
def test_y0_y1_match_scipy(name):
    expected = getattr(scipy_special, name)(POSITIVE)
    error = scaled_error(ours(getattr(special, name), POSITIVE), expected, amplitude(POSITIVE))
    assert error.max() < 1e-14


@pytest.mark.parametrize("name", ["i0", "i1", "k0", "k1"])
def test_modified_bessel_functions_match_scipy_to_relative_precision(name):
    x = numpy.concatenate([POINTS, numpy.linspace(100, 700, 301)])
    x = numpy.concatenate([-x, x]) if name[0] == "i" else x[x > 0]
    error = scaled_error(ours(getattr(special, name), x), getattr(scipy_special, name)(x), 0)
    assert error.max() < 5e-15


@pytest.mark.parametrize("n", [-7, -1, 2, 3, 10, 30, 100])
def test_jn_and_yn_match_scipy(n):
    error = scaled_error(ours(special.jn, LINE, n), scipy_special.jn(n, LINE),
                         amplitude(LINE, n))
    assert error.max() < 2e-13 if abs(n) < 50 else error.max() < 5e-12   # SciPy's own
    error = scaled_error(ours(special.yn, POSITIVE, n), scipy_special.yn(n, POSITIVE),
                         amplitude(POSITIVE, n))
    assert error.max() < 2e-14


@pytest.mark.parametrize("v", [-3, -2.5, -0.5, 0, 0.5, 1, 1.5, 2.3, 7, 20.5, 60])
def test_iv_and_ive_match_scipy_to_relative_precision(v):
    x = numpy.concatenate([POINTS, numpy.linspace(100, 700, 301)])
    x = numpy.concatenate([-x, x]) if float(v).is_integer() else x[x > 0]
    # SciPy (AMOS) itself keeps about 1e-14 for ive and at the larger orders
    tolerance = 5e-13 if abs(v) > 10 else 2e-13
    assert scaled_error(ours(special.iv, x, v), scipy_special.iv(v, x), 0).max() < tolerance
    assert scaled_error(ours(special.ive, x, v), scipy_special.ive(v, x), 0).max() < tolerance


SPECIAL_POINTS = numpy.array([0.0, -0.0, 1e-300, -1e-300, numpy.inf, -numpy.inf, numpy.nan,
                              -1.0, -2.5])


@pytest.mark.parametrize("name", ["j0", "j1", "y0", "y1", "i0", "i1", "k0", "k1"])
def test_special_values_are_scipys(name):
    with numpy.errstate(all="ignore"):
        expected = getattr(scipy_special, name)(SPECIAL_POINTS)
    # nan and the signed infinities exactly where SciPy has them, finite values to rounding
    numpy.testing.assert_allclose(ours(getattr(special, name), SPECIAL_POINTS), expected,
                                  rtol=1e-14, atol=0)


@pytest.mark.parametrize("function", ["jn", "yn", "iv", "ive"])
@pytest.mark.parametrize("order", [-3, 0, 2, 1.5, -0.5])
def test_special_values_with_an_order_are_scipys(function, order):
    if function in ("jn", "yn") and not float(order).is_integer():
        return
    x = SPECIAL_POINTS
    if function in ("iv", "ive") and not float(order).is_integer() and order < 0:
        # I_v at 0 for v < 0 non-integer: ndgrad gives the limit from the right, infinite
        # with the sign of 1/Gamma(v+1), and overflow as inf (SciPy: +inf from iv, nan from ive)
        x = x[numpy.abs(x) > 1e-200]
    with numpy.errstate(all="ignore"):
        expected = getattr(scipy_special, function)(order, x)
    numpy.testing.assert_allclose(ours(getattr(special, function), x, order), expected,
                                  rtol=1e-14, atol=0)


def test_iv_at_zero_for_negative_non_integer_orders_is_the_limit_from_the_right():
    assert ours(special.iv, [0.0], -0.5)[0] == numpy.inf      # 1/Gamma(1/2) > 0
    assert ours(special.iv, [0.0], -1.5)[0] == -numpy.inf     # 1/Gamma(-1/2) < 0
    assert ours(special.ive, [1e-300], -2.5)[0] == numpy.inf  # overflow, not nan


def derivatives(function, x, order):
    x = np.array(numpy.asarray(x, dtype=numpy.float64))
    x.attach_grad()
    results = []
    with autograd.record():
        value = function(x)
        for _ in range(order):
            (value,) = autograd.grad(value, [x], create_graph=True)
            results.append(value)
    return [result.detach().asnumpy() for result in results]


def test_derivatives_satisfy_bessels_equation():
    # x^2 y'' + x y' + (x^2 - n^2) y = 0 for J_n and Y_n, with n^2 -> -n^2 and x^2 -> -x^2
    # for I_n: second derivatives by the rules, to any order
    x = numpy.array([0.7, 3.0, 11.0, 30.0])
    for n, function in ((0, special.j0), (1, special.y1), (3, lambda t: special.jn(3, t)),
                        (2, lambda t: special.yn(2, t))):
        first, second = derivatives(function, x, 2)
        y = function(np.array(x)).asnumpy()
        residual = x * x * second + x * first + (x * x - n * n) * y
        numpy.testing.assert_allclose(residual, 0, atol=1e-12 * numpy.max(x * x))
    for v in (0.5, 2.0, -1.5):
        first, second = derivatives(lambda t, v=v: special.iv(v, t), x[:3], 2)
        y = ours(special.iv, x[:3], v)
        residual = x[:3] ** 2 * second + x[:3] * first - (x[:3] ** 2 + v * v) * y
        numpy.testing.assert_allclose(residual, 0, atol=1e-12 * numpy.abs(x[:3] ** 2 * y).max())


def test_gradients_across_the_method_boundaries():
    # series / Miller / Hankel switches at x = 2 and 25, recurrence in n, trapezoid rule for K
    x = numpy.array([1.99, 2.01, 24.99, 25.01, 0.4, 9.0])
    for function in (special.j0, special.j1, special.y0, special.y1, special.k0, special.k1,
                     lambda t: special.jn(4, t), lambda t: special.yn(3, t),
                     lambda t: special.ive(2.5, t)):
        check_grads(function, [x], order=2)


@pytest.mark.parametrize("call", [lambda x: special.jn(np.array(2.0), x),
                                  lambda x: special.iv(np.array(0.5), x),
                                  lambda x: special.ive(np.array(1.0), x)])
def test_an_ndgrad_array_order_is_refused_not_silently_not_differentiated(call):
    with pytest.raises(TypeError, match="does not differentiate .* in its order"):
        call(np.array(numpy.array([1.0])))


def test_bad_orders_are_refused():
    x = np.array(numpy.array([1.0]))
    with pytest.raises(TypeError, match="one integer"):
        special.jn(2.5, x)
    with pytest.raises(TypeError, match="one integer"):
        special.yn([1, 2], x)
    with pytest.raises(ValueError, match="beyond the orders"):
        special.jn(20000, x)
    with pytest.raises(TypeError, match="one finite real"):
        special.iv(numpy.inf, x)
    with pytest.raises(ValueError, match="beyond the orders"):
        special.ive(5000.0, x)


def test_float32_operands_give_float32():
    x = np.array(numpy.linspace(0.5, 5, 10, dtype=numpy.float32))
    for function in (special.j0, special.k1, lambda t: special.iv(1.5, t)):
        result = function(x)
        assert result.dtype == numpy.float32
