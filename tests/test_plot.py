"""ndgrad.plot.function_and_derivative: the curves it draws are f and autograd's f'."""

import doctest
import math
import sys

import numpy
import pytest

from ndgrad import func, np, plot
from ndgrad.errors import GradientLostError

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def curves(fig):
    """(x, y) of each line drawn, in order: f, then its derivative."""
    return [(line.get_xdata(), line.get_ydata()) for line in fig.axes[0].get_lines()]


def test_derivative_curve_of_sin_is_cos():
    fig = plot.function_and_derivative(np.sin, np.linspace(-2 * numpy.pi, 2 * numpy.pi, 100))
    (x, y), (x_prime, y_prime) = curves(fig)
    numpy.testing.assert_array_equal(x, x_prime)
    numpy.testing.assert_allclose(x[[0, -1]], [-2 * numpy.pi, 2 * numpy.pi], rtol=1e-6)
    numpy.testing.assert_allclose(y, numpy.sin(x), atol=1e-12)
    numpy.testing.assert_allclose(y_prime, numpy.cos(x), atol=1e-12)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == [
        "sin(x)", "sin'(x) by autograd"]


def test_a_polynomial_and_a_label():
    fig = plot.function_and_derivative(lambda x: x ** 3 - x, [-1.0, 0.0, 0.5, 2.0],
                                       label="g(t)")
    (x, y), (_, y_prime) = curves(fig)
    numpy.testing.assert_allclose(y, x ** 3 - x)
    numpy.testing.assert_allclose(y_prime, 3 * x ** 2 - 1)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == [
        "g(t)", "g'(t) by autograd"]


@pytest.mark.parametrize("suffix, start", [(".png", PNG_SIGNATURE), (".svg", b"<?xml")])
def test_writes_the_file_on_request(tmp_path, suffix, start):
    path = tmp_path / f"sin{suffix}"
    fig = plot.function_and_derivative(np.sin, np.linspace(0, 3, 20), path=path)
    assert path.read_bytes().startswith(start)
    assert fig.axes[0].get_lines()      # and the figure is still returned


def test_draws_into_the_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    assert plot.function_and_derivative(np.exp, [0.0, 1.0], ax=ax) is fig
    numpy.testing.assert_allclose(ax.get_lines()[1].get_ydata(), numpy.exp([0.0, 1.0]))


def test_leaves_x_untouched():
    x = np.linspace(0, 1, 5)
    x.attach_grad()
    plot.function_and_derivative(np.sin, x)
    numpy.testing.assert_array_equal(x.grad.asnumpy(), numpy.zeros(5))


def test_refuses_a_function_that_is_not_elementwise():
    with pytest.raises(ValueError, match=r"elementwise: f\(x\) has shape \(\) but x has shape "
                                         r"\(3,\).*func.vmap"):
        plot.function_and_derivative(np.sum, [1.0, 2.0, 3.0])


def test_vmap_makes_any_scalar_function_elementwise():
    # f mixes the elements of its input (stack, sum); vmap applies it one point at a time
    def f(t):
        return np.sum(np.stack([t, t * t]))

    (x, y), (_, y_prime) = curves(plot.function_and_derivative(func.vmap(f), [0.0, 1.0, 2.0]))
    numpy.testing.assert_allclose(y, x + x * x)
    numpy.testing.assert_allclose(y_prime, 1 + 2 * x)


def test_refuses_points_that_are_not_a_vector():
    with pytest.raises(ValueError, match=r"1-d array of points, not shape \(2, 2\)"):
        plot.function_and_derivative(np.sin, [[0.0, 1.0], [2.0, 3.0]])


def test_refuses_a_result_computed_outside_ndgrad():
    with pytest.raises(GradientLostError, match="asnumpy"):
        plot.function_and_derivative(lambda x: numpy.sin(x.asnumpy()), [0.0, 1.0])


def test_without_matplotlib_names_the_extra(monkeypatch):
    for module in ("matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, module, None)   # makes the import fail
    with pytest.raises(ImportError, match=r"pip install ndgrad\[plot\]"):
        plot.function_and_derivative(np.sin, [0.0, 1.0])


def test_docstring_example_runs():
    results = doctest.testmod(plot)
    assert results.failed == 0 and results.attempted > 0


def test_axes_are_labelled_and_a_trigonometric_range_has_pi_ticks():
    figure = plot.function_and_derivative(np.sin, np.linspace(-math.pi, 2 * math.pi, 31))
    ax = figure.axes[0]
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "sin(x) and sin'(x)"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "\u2212π", "\u2212π/2", "0", "π/2", "π", "3π/2", "2π"]
    numpy.testing.assert_allclose(ax.get_xticks(), numpy.arange(-2, 5) * math.pi / 2)
    assert len(ax.get_legend().get_texts()) == 2


def test_a_range_that_is_not_trigonometric_keeps_matplotlibs_ticks():
    figure = plot.function_and_derivative(lambda t: t ** 2, np.linspace(-1, 1, 5),
                                          label="g(t)")
    ax = figure.axes[0]
    assert ax.get_xlabel() == "t" and ax.get_ylabel() == "g(t) and g'(t)"
    assert "π" not in "".join(t.get_text() for t in ax.get_xticklabels())
