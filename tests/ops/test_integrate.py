"""ndgrad.scipy.integrate.odeint beyond the op table's row: against SciPy's LSODA on a
nonlinear system (skipped without SciPy), closed-form derivatives, gradients of a nonlinear
system by finite differences, SciPy's call forms, and the errors."""

import numpy
import pytest

from ndgrad import autograd, func, np
from ndgrad.scipy import integrate
from ndgrad.testing import check_grads


def pendulum(y, t, b, c):
    return [y[1], -b * y[1] - c * np.sin(y[0])]


def test_odeint_matches_scipy_on_a_nonlinear_system():
    scipy_integrate = pytest.importorskip("scipy.integrate")
    y0, t = numpy.array([numpy.pi - 0.1, 0.0]), numpy.linspace(0, 10, 21)
    expected = scipy_integrate.odeint(
        lambda y, t, b, c: [y[1], -b * y[1] - c * numpy.sin(y[0])], y0, t, args=(0.25, 5.0),
        rtol=1e-12, atol=1e-12)
    result = integrate.odeint(pendulum, np.array(y0), t, args=(0.25, 5.0), rtol=1e-11,
                              atol=1e-11)
    assert result.shape == expected.shape == (21, 2)
    numpy.testing.assert_allclose(result.asnumpy(), expected, atol=1e-8)
    # SciPy's default tolerances
    default = integrate.odeint(pendulum, np.array(y0), t, args=(0.25, 5.0))
    numpy.testing.assert_allclose(default.asnumpy(), expected, atol=1e-5)


def test_odeint_derivatives_of_exponential_decay():
    # y = y0 e^(-k (t - t0)): dy/dk = -(t - t0) y, dy/dy0 = e^(-k (t - t0)), dy/dt = -k y
    y0, k, t = (np.array(numpy.array(x)) for x in ([2.0], 0.7, [0.5, 1.0, 2.5]))
    for x in (y0, k, t):
        x.attach_grad()
    with autograd.record():
        y = integrate.odeint(lambda y, t, k: -k * y, y0, t, args=(k,), rtol=1e-12,
                             atol=1e-12)
        last = y[-1, 0]
    last.backward()
    exact = 2.0 * numpy.exp(-0.7 * 2.0)
    numpy.testing.assert_allclose(last.item(), exact, rtol=1e-10)
    numpy.testing.assert_allclose(k.grad.item(), -2.0 * exact, rtol=1e-9)
    numpy.testing.assert_allclose(y0.grad.asnumpy(), [numpy.exp(-1.4)], rtol=1e-9)
    numpy.testing.assert_allclose(t.grad.asnumpy(), [0.7 * exact, 0.0, -0.7 * exact],
                                  rtol=1e-9, atol=1e-12)


def test_odeint_gradients_of_a_nonlinear_system_match_finite_differences():
    def solve(y0, t, b):
        return integrate.odeint(pendulum, y0, t, args=(b, 5.0), rtol=1e-10, atol=1e-10)

    check_grads(solve, [numpy.array([1.0, 0.5]), numpy.array([0.0, 0.4, 1.1]),
                        numpy.array(0.25)], order=2)


def test_odeint_call_forms():
    t = numpy.array([0.0, 0.3])
    forward = integrate.odeint(lambda y, t: -y, 1.0, t)
    assert forward.shape == (2, 1)
    first = integrate.odeint(lambda t, y: -y, [1.0], t, tfirst=True)
    numpy.testing.assert_allclose(first.asnumpy(), forward.asnumpy())
    backwards = integrate.odeint(lambda y, t: -y, [1.0], t[::-1])
    numpy.testing.assert_allclose(backwards.asnumpy()[-1], [numpy.exp(0.3)], rtol=1e-7)
    single = integrate.odeint(lambda y, t: -y, [1.0, 2.0], [0.5])
    numpy.testing.assert_array_equal(single.asnumpy(), [[1.0, 2.0]])
    # a lone argument need not be a tuple, as in SciPy
    numpy.testing.assert_allclose(
        integrate.odeint(lambda y, t, k: -k * y, [1.0], t, args=2.0).asnumpy()[-1],
        [numpy.exp(-0.6)], rtol=1e-7)


def test_odeint_errors():
    t = numpy.array([0.0, 1.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        integrate.odeint(lambda y, t: -y, numpy.ones((2, 2)), t)
    with pytest.raises(ValueError, match="strictly increasing or strictly decreasing"):
        integrate.odeint(lambda y, t: -y, [1.0], [0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="of y's shape"):
        integrate.odeint(lambda y, t: np.concatenate([y, y]), [1.0], t)
    with pytest.raises(TypeError, match="complex"):
        integrate.odeint(lambda y, t: -y, [1.0 + 1j], t)
    with pytest.raises(RuntimeError, match="mxstep=5"):
        integrate.odeint(lambda y, t: -100 * y, [1.0], [0.0, 10.0], mxstep=5)
    with pytest.raises(NotImplementedError, match="full_output"):
        integrate.odeint(lambda y, t: -y, [1.0], t, full_output=1)


def test_odeint_differentiates_arrays_func_closes_over():
    # y = e^(-k t): dy(2)/dk = -2 e^(-2k), in reverse and forward mode
    k = np.array(numpy.array(0.7))
    k.attach_grad()
    with autograd.record():
        last = integrate.odeint(lambda y, t: -k * y, [1.0], [0.0, 2.0], rtol=1e-12,
                                atol=1e-12)[-1, 0]
    last.backward()
    numpy.testing.assert_allclose(k.grad.item(), -2 * numpy.exp(-1.4), rtol=1e-9)
    _, tangent = func.jvp(lambda k: integrate.odeint(lambda y, t: -k * y, [1.0], [0.0, 2.0],
                                                     rtol=1e-12, atol=1e-12),
                          (np.array(numpy.array(0.7)),), (np.array(numpy.array(1.0)),))
    numpy.testing.assert_allclose(tangent.asnumpy(), [[0.0], [-2 * numpy.exp(-1.4)]],
                                  rtol=1e-9)
