"""Numerical methods (ops/numerical.py) beyond their rows in rows_numpy.py: what is a
constant (refused when differentiated, never a silent zero), the derivatives in closed
form, NumPy's warnings and errors."""

import numpy
import pytest
from numpy.exceptions import RankWarning

from ndgrad import autograd, np
from ndgrad.errors import NoDerivativeError

from .numpy_helpers import gradient_of, raises_as_numpy, same

V = numpy.array([0.5, -1.0, 2.0, 0.25, 3.0])
M = numpy.arange(12.0).reshape(3, 4)


def test_a_differentiated_constant_argument_is_refused_never_zero():
    x = np.array(V)
    x.attach_grad()
    with autograd.record():
        y = x * 1.0
        with pytest.raises(NoDerivativeError, match="left"):
            np.interp(np.array(V), np.array(V), np.array(V), left=y[0])
        with pytest.raises(NoDerivativeError, match="spacing"):
            np.gradient(np.array(V), y)
        with pytest.raises(NoDerivativeError, match="condition"):
            np.piecewise(np.array(V), [y], [1.0])


def test_interp_gradient_is_the_segment_slope_in_x_and_the_hat_weights_in_fp():
    xp, fp = numpy.array([0.0, 1.0, 3.0]), numpy.array([1.0, 3.0, -1.0])
    slope = gradient_of(lambda x: np.interp(x, xp, np.array(fp)), [0.5, 2.0, -1.0, 4.0])
    numpy.testing.assert_allclose(slope, [2.0, -2.0, 0.0, 0.0])
    weights = gradient_of(lambda f: np.interp(np.array(numpy.array([0.25, 2.0])), xp, f), fp)
    numpy.testing.assert_allclose(weights, [0.75, 0.25 + 0.5, 0.5])


def test_interp_gradient_in_the_knots_moves_the_segments_line():
    fp = numpy.array([1.0, 3.0, -1.0])
    # at x = 0.25 on the first segment (slope 2, t = 0.25): d/dxp0 = 2 * (0.25 - 1),
    # d/dxp1 = -2 * 0.25; at x = 4 (outside) nothing
    grad = gradient_of(lambda xp: np.interp(np.array(numpy.array([0.25, 4.0])), xp,
                                            np.array(fp)), [0.0, 1.0, 3.0])
    numpy.testing.assert_allclose(grad, [-1.5, -0.5, 0.0])


def test_polyfit_is_linear_in_y_with_the_pseudoinverse_as_jacobian():
    x = numpy.linspace(-1.0, 1.0, 6)
    y = numpy.sin(3.0 * x)
    pinv = numpy.linalg.pinv(numpy.vander(x, 3))
    for k in range(3):
        grad = gradient_of(lambda b, k=k: np.polyfit(np.array(x), b, 2)[k], y)
        numpy.testing.assert_allclose(grad, pinv[k], rtol=1e-9, atol=1e-12)


def test_polyfit_warns_of_a_low_rank_as_numpy():
    x = numpy.array([1.0, 1.0, 1.0, 2.0])
    with pytest.warns(RankWarning):
        numpy.polyfit(x, x, 3)
    with pytest.warns(RankWarning):
        np.polyfit(np.array(x), np.array(x), 3)


def test_vander_computes_powers_in_the_results_precision_as_numpy():
    x = numpy.random.default_rng(0).standard_normal(5).astype(numpy.float32)
    numpy.testing.assert_array_equal(np.vander(np.array(x), 4).asnumpy(), numpy.vander(x, 4))


def test_vander_of_one_column_has_gradient_zeros():
    numpy.testing.assert_array_equal(gradient_of(lambda x: np.vander(x, 1), [1.0, 2.0]),
                                     [0.0, 0.0])


def test_piecewise_reads_a_boolean_array_as_one_condition():
    x = numpy.array([-1.0, 2.0, 3.0])
    same(np.piecewise(np.array(x), np.array(x > 0), [lambda a: 2.0 * a]),
         numpy.piecewise(x, x > 0, [lambda a: 2.0 * a]))


def test_select_and_piecewise_give_gradient_to_the_chosen_elements():
    x = numpy.array([-1.0, 0.5, 2.0])
    grad = gradient_of(lambda a: np.select([a.detach() > 0], [a * 3.0], default=a), x)
    numpy.testing.assert_array_equal(grad, [1.0, 3.0, 3.0])
    grad = gradient_of(lambda a: np.piecewise(a, [x < 0, x > 1], [lambda b: b * b, 5.0]), x)
    numpy.testing.assert_array_equal(grad, [-2.0, 0.0, 0.0])


BAD_CALLS = [
    ("gradient", (numpy.array([1.0, 2.0]),), {"edge_order": 2}),
    ("gradient", (V,), {"edge_order": 3}), ("gradient", (V, numpy.array([1.0, 2.0])), {}),
    ("gradient", (M, 1.0, 2.0, 3.0), {}),
    ("ediff1d", (numpy.array([1, 2]),), {"to_begin": numpy.array([1.5])}),
    ("interp", (V, numpy.array([1.0, 2.0]), numpy.array([1.0, 2.0, 3.0])), {}),
    ("interp", (V, numpy.array([]), numpy.array([])), {}),
    ("interp", (V, numpy.array([1.0, 2.0]), numpy.array([1.0, 2.0])), {"period": 0}),
    ("polyfit", (V, V, -1), {}), ("polyfit", (M, M, 1), {}), ("polyfit", (V, V[:3], 1), {}),
    ("vander", (M,), {}), ("vander", (V, -1), {}),
    ("polyder", (V,), {"m": -1}), ("polyint", (V,), {"m": -1}),
    ("polyint", (V,), {"m": 3, "k": [1.0, 2.0]}), ("polyval", (numpy.array(1.0), V), {}),
    ("select", ([V > 0], [V, V]), {}), ("select", ([V], [V]), {}), ("select", ([], []), {}),
    ("piecewise", (V, [V > 0], [1, 2, 3]), {}),
]


@pytest.mark.parametrize("function, args, kwargs", BAD_CALLS,
                         ids=[f"{call[0]}-{i}" for i, call in enumerate(BAD_CALLS)])
def test_bad_input_raises_numpys_exception_type(function, args, kwargs):
    raises_as_numpy(function, args, kwargs)
