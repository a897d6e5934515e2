"""ndgrad.np.fft beyond the op table: values and dtypes bit for bit NumPy's, the transposes of
the real transforms against their Jacobians written out and against JAX's numbers, a real
function computed through complex spectra (the FFT convolution) against the direct one, third
derivatives, NumPy's dispatch and out=, the frequencies, and the refusals."""

import numpy
import pytest

from ndgrad import autograd, func, np
from ndgrad.scipy import signal
from ndgrad.testing import check_grads

RNG = numpy.random.default_rng(0)
REAL = RNG.standard_normal((3, 6))
COMPLEX = RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "bool",
                                   "complex64", "complex128"])
@pytest.mark.parametrize("name, kwargs", [
    ("fft", {}), ("ifft", {"n": 8, "norm": "ortho"}), ("fftn", {"s": (2, 7), "axes": (0, 1)}),
    ("ifft2", {"norm": "forward"}), ("hfft", {"n": 5}), ("irfft", {}), ("irfftn", {}),
])
def test_values_and_dtypes_are_numpys_to_the_last_bit(name, kwargs, dtype):
    """NumPy 2 keeps single precision: float32 and complex64 give complex64 (or float32)."""
    a = (COMPLEX if dtype.startswith("complex") else REAL[:, :4] * 3).astype(dtype)
    expected = getattr(numpy.fft, name)(a, **kwargs)
    result = getattr(np.fft, name)(np.array(a), **kwargs)
    assert result.dtype == expected.dtype and result.shape == expected.shape
    numpy.testing.assert_array_equal(result.asnumpy(), expected)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
@pytest.mark.parametrize("name", ["rfft", "rfftn", "rfft2", "ihfft"])
def test_the_real_transforms_match_numpy_for_real_dtypes(name, dtype):
    a = (REAL * 3).astype(dtype)
    expected = getattr(numpy.fft, name)(a, norm="ortho")
    result = getattr(np.fft, name)(np.array(a), norm="ortho")
    assert result.dtype == expected.dtype
    numpy.testing.assert_array_equal(result.asnumpy(), expected)


def real_jacobian(f, z):
    """The real Jacobian of ``f`` at complex ``z``: one column per real and imaginary part."""
    columns = []
    for direction in (1.0, 1j):
        for index in range(z.size):
            unit = numpy.zeros(z.shape, dtype=complex)
            unit.flat[index] = direction
            columns.append(numpy.ravel(f(unit)))     # f is linear: f(unit) is the column
    return numpy.stack(columns, axis=1)


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("bins, n", [(4, 6), (4, 7), (3, 8), (5, 4), (1, 1), (2, 2)])
def test_the_gradient_of_irfft_is_the_transpose_of_its_real_jacobian(bins, n, norm):
    """d/dx - i d/dy of <g, irfft(z)>: the doubled bins and the ignored imaginary parts of
    the DC and Nyquist bins included, bins cut or extended by zeros to n // 2 + 1."""
    z = RNG.standard_normal(bins) + 1j * RNG.standard_normal(bins)
    g = RNG.standard_normal(n)
    jacobian = real_jacobian(lambda u: numpy.fft.irfft(u, n, norm=norm), z)
    by_parts = g @ jacobian
    expected = by_parts[:bins] - 1j * by_parts[bins:]
    _, pullback = func.vjp(lambda a: np.fft.irfft(a, n, norm=norm), np.array(z))
    numpy.testing.assert_allclose(pullback(np.array(g))[0].asnumpy(), expected, atol=1e-12)


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("length, n", [(6, 6), (5, 8), (7, 4), (1, 1)])
def test_the_gradient_of_rfft_is_the_transpose_of_its_jacobian(length, n, norm):
    x = RNG.standard_normal(length)
    bins = n // 2 + 1
    g = RNG.standard_normal(bins) + 1j * RNG.standard_normal(bins)
    jacobian = numpy.stack([numpy.fft.rfft(unit, n, norm=norm) for unit in numpy.eye(length)],
                           axis=1)
    expected = numpy.real(g @ jacobian)         # the pairing Re sum(g * J dx)
    _, pullback = func.vjp(lambda a: np.fft.rfft(a, n, norm=norm), np.array(x))
    numpy.testing.assert_allclose(pullback(np.array(g))[0].asnumpy(), expected, atol=1e-12)


# jax.vjp(jnp.fft.irfft / jnp.fft.rfft) with JAX 0.10.2, x64, at these cotangents
JAX_IRFFT = {(4, "backward"): [2.5, -1 - 1j, -0.5],
             (5, "ortho"): [6.708203932499, -2.2360679775 - 3.077683537175j,
                            -2.2360679775 - 0.726542528005j],
             (2, "forward"): [3, -1, 0]}
JAX_RFFT = {(4, "backward"): [6.0, -3.0, 2.0, -1.0],
            (7, "ortho"): [3.779644730092, -1.941395427929, 0.599289657578, -0.390265102209],
            (2, "forward"): [1.5, -0.5, 0.0, 0.0]}


@pytest.mark.parametrize("n, norm", list(JAX_IRFFT))
def test_the_irfft_gradient_is_jaxs(n, norm):
    z = np.array(numpy.array([1 + 2j, 3 - 1j, 0.5 + 0.25j]))
    _, pullback = func.vjp(lambda a: np.fft.irfft(a, n=n, norm=norm), z)
    result = pullback(np.array(numpy.arange(1.0, n + 1)))[0].asnumpy()
    numpy.testing.assert_allclose(result, JAX_IRFFT[n, norm], atol=1e-11)


@pytest.mark.parametrize("n, norm", list(JAX_RFFT))
def test_the_rfft_gradient_is_jaxs(n, norm):
    x = np.array(numpy.array([1.0, -2.0, 0.5, 3.0]))
    _, pullback = func.vjp(lambda a: np.fft.rfft(a, n=n, norm=norm), x)
    g = numpy.arange(1.0, n // 2 + 2) * (1 - 0.5j)
    numpy.testing.assert_allclose(pullback(np.array(g))[0].asnumpy(), JAX_RFFT[n, norm],
                                  atol=1e-11)


def fft_convolve(a, b):
    n = a.shape[-1] + b.shape[-1] - 1
    return np.fft.irfft(np.fft.rfft(a, n) * np.fft.rfft(b, n), n)


def test_the_fft_convolution_is_the_direct_one_in_value_and_gradient():
    a, b, w = RNG.standard_normal(7), RNG.standard_normal(4), RNG.standard_normal(10)
    numpy.testing.assert_allclose(fft_convolve(np.array(a), np.array(b)).asnumpy(),
                                  numpy.convolve(a, b), atol=1e-12)
    grads = []
    for convolve in (fft_convolve, lambda x, y: signal.convolve(x, y, method="direct")):
        x, y = np.array(a), np.array(b)
        x.attach_grad()
        y.attach_grad()
        with autograd.record():
            loss = (convolve(x, y) * np.array(w)).sum()
        loss.backward()
        grads.append((x.grad.asnumpy(), y.grad.asnumpy()))
    # d/da <w, a * b> is the correlation of w with b
    numpy.testing.assert_allclose(grads[0][0], numpy.correlate(w, b, "valid"), atol=1e-12)
    for fft_grad, direct_grad in zip(*grads):
        numpy.testing.assert_allclose(fft_grad, direct_grad, atol=1e-12)
    check_grads(fft_convolve, [a, b], order=2)


def test_third_derivatives_through_the_real_and_complex_transforms():
    def power_spectrum_energy(x):
        spectrum = np.fft.rfft(x, 9, norm="ortho")
        power = np.real(spectrum * np.conj(spectrum))
        return np.fft.irfft(np.fft.ifft(np.fft.fft(power * spectrum)), 6)

    check_grads(power_spectrum_energy, [RNG.standard_normal(7)], order=3)
    check_grads(lambda z: np.fft.hfft(z * z, 5) * np.fft.ihfft(np.real(z), 3)[0],
                [COMPLEX[0, :3]], order=3)


def test_the_imaginary_parts_irfft_ignores_get_zero_gradients():
    z = np.array(COMPLEX[0])           # 4 bins, n = 6: bin 3 is the Nyquist bin
    z.attach_grad()
    with autograd.record():
        loss = (np.fft.irfft(z) * np.array(RNG.standard_normal(6))).sum()
    loss.backward()
    assert z.grad.asnumpy()[0].imag == 0 and z.grad.asnumpy()[3].imag == 0
    assert numpy.all(z.grad.asnumpy()[1:3].imag != 0)


def test_numpy_dispatches_to_ndgrad_and_out_is_written():
    x = np.array(COMPLEX)
    x.attach_grad()
    with autograd.record():
        y = numpy.fft.fft2(x)
        loss = np.real(y * np.conj(y)).sum()
    assert isinstance(y, np.ndarray)
    loss.backward()       # Parseval: sum |fft2 x|^2 = size * sum |x|^2
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * x.size * numpy.conj(COMPLEX))
    out = np.zeros((3, 4), dtype=numpy.complex128)
    np.fft.fft(np.array(COMPLEX), out=out)
    numpy.testing.assert_array_equal(out.asnumpy(), numpy.fft.fft(COMPLEX))


@pytest.mark.parametrize("axes", [None, 0, (1,), (-1, 0)])
def test_the_shifts_are_numpys_and_undo_each_other(axes):
    x = RNG.standard_normal((3, 4))
    shifted = np.fft.fftshift(np.array(x), axes=axes)
    numpy.testing.assert_array_equal(shifted.asnumpy(), numpy.fft.fftshift(x, axes=axes))
    numpy.testing.assert_array_equal(np.fft.ifftshift(shifted, axes=axes).asnumpy(), x)


def test_the_frequencies_are_numpys_and_differentiable_in_the_spacing():
    assert np.fft.fftfreq(5).dtype == numpy.float32     # a Python d: the default dtype
    numpy.testing.assert_allclose(np.fft.fftfreq(5, 0.1).asnumpy(),
                                  numpy.fft.fftfreq(5, 0.1), rtol=1e-6)
    numpy.testing.assert_array_equal(np.fft.rfftfreq(8, numpy.float64(0.5)).asnumpy(),
                                     numpy.fft.rfftfreq(8, 0.5))
    d = np.array(numpy.float64(0.5))
    d.attach_grad()
    with autograd.record():
        frequencies = np.fft.fftfreq(4, d)
    frequencies.backward()       # d/dd sum(k / (n d)) = -sum(k) / (n d^2)
    assert frequencies.dtype == numpy.float64
    numpy.testing.assert_allclose(d.grad.asnumpy(), 2.0 / (4 * 0.25))


@pytest.mark.parametrize("call, error, match", [
    (lambda: np.fft.fft(np.array(COMPLEX), norm="unitary"), ValueError, "invalid norm"),
    (lambda: np.fft.fft(np.array(COMPLEX), n=0), ValueError, "number of FFT data points"),
    (lambda: np.fft.fft(np.array(COMPLEX), n=2.5), TypeError, "n must be an integer"),
    (lambda: np.fft.irfft(np.array(COMPLEX[:, :1])), ValueError, "needs n explicitly"),
    (lambda: np.fft.fft(np.array(COMPLEX), axis=2), numpy.exceptions.AxisError, "axis 2"),
    (lambda: np.fft.rfft(np.array(COMPLEX)), TypeError, "use fft"),
    (lambda: np.fft.ihfft(np.array(COMPLEX)), TypeError, "use fft"),
    (lambda: np.fft.fftn(np.array(COMPLEX), s=(2, 3), axes=(0,)), ValueError,
     "one length per transformed axis"),
    (lambda: np.fft.fftn(np.array(COMPLEX), axes=0), TypeError, r"axes=\(0,\)"),
    (lambda: np.fft.rfftn(np.array(REAL), axes=()), ValueError, "at least one axis"),
    (lambda: np.fft.fftfreq(4.0), ValueError, "n should be an integer"),
    (lambda: np.fft.rfftfreq(4, np.array([1.0, 2.0])), ValueError, "d must be a number"),
])
def test_bad_calls_say_what_to_do(call, error, match):
    with pytest.raises(error, match=match):
        call()
