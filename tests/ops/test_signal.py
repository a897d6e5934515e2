"""ndgrad.scipy.signal beyond the op table: SciPy itself as the oracle (skipped where SciPy
is not installed) over modes, methods, shapes, complex operands and dtypes; the methods
agreeing with each other; SciPy's refusals; gradients through the FFT method."""

import numpy
import pytest

from ndgrad import autograd, np
from ndgrad.scipy import signal

SHAPE_PAIRS = [((5,), (2,)), ((2,), (5,)), ((6,), (4,)), ((4, 6), (3, 2)), ((3, 2), (4, 6)),
               ((4, 5), (4, 5)), ((3, 4, 2), (2, 2, 3)), ((1,), (1,))]


def draw(shape, complex_=False, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else x


def ndgrad_result(function, *operands, **params):
    return function(*[np.array(a) for a in operands], **params).asnumpy()


@pytest.fixture(scope="module")
def scipy_signal():
    return pytest.importorskip("scipy.signal")


def covers(shape1, shape2):
    return (all(a >= b for a, b in zip(shape1, shape2))
            or all(b >= a for a, b in zip(shape1, shape2)))


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_convolve_and_correlate_match_scipy(scipy_signal, name, shapes, mode, method,
                                            complex_):
    if mode == "valid" and not covers(*shapes):
        pytest.skip("SciPy refuses it (test_valid_mode_needs_one_operand_to_cover_the_other)")
    in1, in2 = draw(shapes[0], complex_, 1), draw(shapes[1], complex_, 2)
    expected = getattr(scipy_signal, name)(in1, in2, mode, method)
    result = ndgrad_result(getattr(signal, name), in1, in2, mode=mode, method=method)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    numpy.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fillvalue", [0, 0.75])
@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("shapes", [s for s in SHAPE_PAIRS if len(s[0]) == 2], ids=str)
def test_the_2d_functions_match_scipy_with_their_own_conventions(scipy_signal, name, shapes,
                                                                 mode, complex_, fillvalue):
    """correlate2d's 'same' starts at n2 // 2, and its swapped 'valid' is conjugated."""
    in1, in2 = draw(shapes[0], complex_, 3), draw(shapes[1], complex_, 4)
    expected = getattr(scipy_signal, name)(in1, in2, mode, fillvalue=fillvalue)
    result = ndgrad_result(getattr(signal, name), in1, in2, mode=mode, fillvalue=fillvalue)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    numpy.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


DTYPE_PAIRS = [("float32", "float32"), ("float16", "float16"), ("int32", "float32"),
               ("int64", "int64"), ("bool", "bool"), ("int8", "int8"),
               ("float32", "complex64"), ("uint8", "float64")]


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids=str)
def test_the_result_dtype_and_values_are_scipys(scipy_signal, dtypes, method):
    rng = numpy.random.default_rng(5)
    in1 = numpy.round(rng.standard_normal((4, 5)) * 3).astype(dtypes[0])
    in2 = numpy.round(rng.standard_normal((3, 2)) * 3).astype(dtypes[1])
    for name in ("convolve", "correlate"):
        try:
            expected = getattr(scipy_signal, name)(in1, in2, method=method)
        except ValueError:      # SciPy's direct correlate has no float16 or bool kernel
            expected = getattr(scipy_signal, name)(in1.astype(int), in2.astype(int))
            expected = expected.astype(numpy.result_type(in1, in2))
        result = ndgrad_result(getattr(signal, name), in1, in2, method=method)
        assert result.dtype == expected.dtype
        scale = numpy.abs(expected.astype(complex)).max()
        numpy.testing.assert_allclose(result.astype(complex), expected.astype(complex),
                                      rtol=2e-3, atol=2e-3 * scale)


def test_convolve2d_casts_the_fill_value_as_scipy(scipy_signal):
    in1 = numpy.arange(6).reshape(2, 3)
    in2 = numpy.ones((2, 2), dtype=int)
    for fillvalue in (1.7, -1.7):
        expected = scipy_signal.convolve2d(in1, in2, "same", fillvalue=fillvalue)
        result = ndgrad_result(signal.convolve2d, in1, in2, mode="same", fillvalue=fillvalue)
        assert result.dtype == expected.dtype
        numpy.testing.assert_array_equal(result, expected)


def test_zero_dimensional_operands_multiply():
    assert signal.convolve(np.array(2.0), np.array(3.0)).item() == 6.0
    assert signal.correlate(np.array(2 + 1j), np.array(1 + 1j)).item() == 3 - 1j


def test_the_methods_agree_to_rounding_and_auto_takes_the_fft_for_large_operands():
    in1, in2 = draw((120, 90), seed=6), draw((40, 30), seed=7)
    direct = ndgrad_result(signal.convolve, in1, in2, method="direct")
    fft = ndgrad_result(signal.convolve, in1, in2, method="fft")
    numpy.testing.assert_allclose(fft, direct, rtol=1e-9, atol=1e-9)
    x, y = np.array(in1), np.array(in2)
    x.attach_grad()
    with autograd.record():
        z = signal.convolve(x, y)
    assert z._node.params["method"] == "fft"
    with autograd.record():
        z = signal.convolve(x, np.array(in2[:3, :3]))
    assert z._node.params["method"] == "direct"


def test_integer_convolutions_stay_exact_through_the_fft():
    rng = numpy.random.default_rng(8)
    in1, in2 = rng.integers(-1000, 1000, (300,)), rng.integers(-1000, 1000, (200,))
    expected = numpy.convolve(in1, in2)
    result = ndgrad_result(signal.convolve, in1, in2, method="fft")
    assert result.dtype == numpy.int64
    numpy.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
def test_gradients_through_the_fft_equal_the_direct_ones(mode):
    grads = {}
    for method in ("direct", "fft"):
        x, y = np.array(draw((7, 5), seed=9)), np.array(draw((3, 4), seed=10))
        x.attach_grad()
        y.attach_grad()
        with autograd.record():
            z = signal.correlate(x, y, mode=mode, method=method)
            loss = (z * np.array(draw(z.shape, seed=11))).sum()
        loss.backward()
        grads[method] = (x.grad.asnumpy(), y.grad.asnumpy())
    for direct, fft in zip(grads["direct"], grads["fft"]):
        numpy.testing.assert_allclose(fft, direct, rtol=1e-10, atol=1e-12)


def test_the_gradient_of_a_convolution_is_a_correlation():
    """d/dx sum(w * convolve(x, k, 'valid')) = correlate(w, k, 'full')... reversed k: the
    gradient for x is the full convolution of w with k reversed, i.e. correlate(w, k)."""
    x, k, w = draw((8,), seed=12), draw((3,), seed=13), draw((6,), seed=14)
    x_ = np.array(x)
    x_.attach_grad()
    with autograd.record():
        loss = (signal.convolve(x_, np.array(k), "valid") * np.array(w)).sum()
    loss.backward()
    numpy.testing.assert_allclose(x_.grad.asnumpy(), numpy.correlate(w, k, "full"),
                                  rtol=1e-12)


@pytest.mark.parametrize("call, error, match", [
    (lambda x, y: signal.convolve(x, y, mode="middle"), ValueError, "mode flags"),
    (lambda x, y: signal.correlate(x, y, method="winograd"), ValueError, "method flags"),
    (lambda x, y: signal.convolve(x, y[0]), ValueError, "same dimensionality"),
    (lambda x, y: signal.convolve(x[:, :1], y[:1], mode="valid"), ValueError,
     "at least as large"),
    (lambda x, y: signal.convolve(x[:0], y), ValueError, "empty"),
    (lambda x, y: signal.convolve2d(x, y, boundary="wrap"), NotImplementedError,
     "boundary='fill' only"),
    (lambda x, y: signal.correlate2d(x, y, boundary="reflect"), ValueError, "boundary flags"),
    (lambda x, y: signal.convolve2d(x[0], y[0]), ValueError, "2-D"),
    (lambda x, y: signal.convolve2d(x > 0, y > 0), ValueError, "booleans"),
    (lambda x, y: signal.convolve2d(x, y, fillvalue=[1.0]), ValueError, "fillvalue"),
    (lambda x, y: signal.convolve2d(x, y, fillvalue=1j), ValueError, "fillvalue"),
])
def test_bad_calls_raise_scipys_errors_with_the_fix(call, error, match):
    with pytest.raises(error, match=match):
        call(np.array(draw((3, 4))), np.array(draw((2, 3))))
