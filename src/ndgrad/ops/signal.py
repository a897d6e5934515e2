"""Convolution and correlation (ndgrad.scipy.signal): convolve, correlate, convolve2d and
correlate2d, n-dimensional, with SciPy's modes, centring and dtypes, on NumPy alone.

Everything is one bilinear primitive, ``convolve_window``: a window (``start``, ``shape``)
of the full convolution ``z[k] = sum_m in1[k - m] in2[m]``, zero wherever the window leaves
it. SciPy's modes are windows of it (full: all of it; valid: the part where one operand
covers the other; same: the centre, of in1's shape), and a correlation is a convolution with
in2 reversed (and conjugated). The VJP of a window of a convolution is again a window of a
convolution, of the cotangent with the other operand reversed, so the one primitive is its
own rule, to any order; forward mode is its bilinearity (MULTILINEAR).

The forward computes in the operands' result type (NumPy's promotion, as SciPy), directly
(an einsum over the sliding windows of one operand, each against the other one reversed) or
through numpy.fft (rounded back for integers); ``method`` changes no result beyond rounding.
"""

from __future__ import annotations

import math

import numpy
from numpy.lib.stride_tricks import sliding_window_view

from .._axes import ndim_of, shape_of
from .._ndarray import raw
from .._primitive import MULTILINEAR, OTHER_INPUTS, Primitive, primitive
from .._publish import public
from .creation import asarray
from .elementwise import conjugate
from .reductions import sum as reduce_sum
from .shape import flip

_MODES = ("full", "valid", "same")
_METHODS = ("auto", "direct", "fft")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


# -- the kernel ------------------------------------------------------------------------------
def _crop(a, start, shape):
    """The window ``a[start : start + shape]`` of ``a`` extended by zeros on every side."""
    if tuple(start) == (0,) * a.ndim and tuple(shape) == a.shape:
        return a
    out = numpy.zeros(shape, dtype=a.dtype)
    source, target = [], []
    for begin, length, size in zip(start, shape, a.shape):
        low, high = max(begin, 0), min(begin + length, size)
        if high <= low:
            return out
        source.append(slice(low, high))
        target.append(slice(low - begin, high - begin))
    out[tuple(target)] = a[tuple(source)]
    return out


def _direct_window(signal, kernel, start, shape):
    """The window of the full convolution by an einsum over the sliding windows of
    ``signal`` (zero-extended to what the window reads), each against ``kernel`` reversed:
    z[k] = sum_m kernel[m] signal[k - m]. NumPy's einsum reads the strided view in place."""
    region = _crop(signal, [s - n + 1 for s, n in zip(start, kernel.shape)],
                   [length + n - 1 for length, n in zip(shape, kernel.shape)])
    windows = sliding_window_view(region, kernel.shape)
    ndim = kernel.ndim
    positions, taps = _LETTERS[:ndim], _LETTERS[ndim:2 * ndim]
    reversed_kernel = kernel[(slice(None, None, -1),) * ndim]
    return numpy.einsum(f"{positions}{taps},{taps}->{positions}", windows, reversed_kernel)


def _fft_window(in1, in2, start, shape):
    full = tuple(a + b - 1 for a, b in zip(in1.shape, in2.shape))
    axes = tuple(range(in1.ndim))
    if in1.dtype.kind == "c" or in2.dtype.kind == "c":
        product = numpy.fft.fftn(in1, full, axes) * numpy.fft.fftn(in2, full, axes)
        answer = numpy.fft.ifftn(product, full, axes)
    else:
        product = numpy.fft.rfftn(in1, full, axes) * numpy.fft.rfftn(in2, full, axes)
        answer = numpy.fft.irfftn(product, full, axes)
    return _crop(answer, start, shape)


def _convolve_window(in1, in2, start, shape, method):
    dtype = numpy.result_type(in1, in2)
    if 0 in in1.shape or 0 in in2.shape or 0 in shape:
        return numpy.zeros(shape, dtype=dtype)
    if method == "fft":
        answer = _fft_window(in1, in2, start, shape)
        if dtype.kind in "biu":            # exact integers, as SciPy rounds them
            answer = numpy.round(answer.real)
        return answer.astype(dtype, copy=False)
    # float16 sums in float32, as it rounds at every addition in its own precision
    working = numpy.float32 if dtype == numpy.float16 else dtype
    in1, in2 = in1.astype(working, copy=False), in2.astype(working, copy=False)
    # the convolution commutes: slide over the larger operand, the smaller one is the kernel
    signal, kernel = (in1, in2) if in1.size >= in2.size else (in2, in1)
    return _direct_window(signal, kernel, start, shape).astype(dtype, copy=False)


def _window_vjp(g, other, start, operand_shape, method):
    """The gradient for one operand of a window (``start``) of the full convolution with
    ``other``: in1̄[j] = sum_i ḡ[i] in2[start + i - j], the window starting at
    len(in2) - 1 - start of the full convolution of ḡ with in2 reversed (and the same for in2,
    the convolution being symmetric)."""
    return convolve_window(g, flip(other),
                           start=tuple(n - 1 - s for n, s in zip(shape_of(other), start)),
                           shape=tuple(operand_shape), method=method)


convolve_window: Primitive = primitive(
    "convolve_window", _convolve_window, jvp=MULTILINEAR, saves=OTHER_INPUTS,
    vjp=(lambda g, ans, in1, in2, start, shape, method:
         _window_vjp(g, in2, start, in1.shape, method),
         lambda g, ans, in1, in2, start, shape, method:
         _window_vjp(g, in1, start, in2.shape, method)),
    doc="A window (start, shape) of the full n-dimensional convolution of two arrays.")


# -- SciPy's faces ---------------------------------------------------------------------------
def _operands(name, in1, in2, mode, method):
    """The operands as arrays, checked as SciPy checks them (same number of dimensions, a
    known mode and method); SciPy fails on empty operands, and so does ndgrad, clearly."""
    in1, in2 = asarray(in1), asarray(in2)
    if mode not in _MODES:
        raise ValueError(f"{name}: acceptable mode flags are 'valid', 'same', or 'full', "
                         f"not mode={mode!r}")
    if method not in _METHODS:
        raise ValueError(f"{name}: acceptable method flags are 'auto', 'direct', or 'fft', "
                         f"not method={method!r}")
    if ndim_of(in1) != ndim_of(in2):
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, not "
                         f"shapes {shape_of(in1)} and {shape_of(in2)}; add length-1 axes "
                         "to the smaller one (np.expand_dims)")
    if ndim_of(in1) and (0 in shape_of(in1) or 0 in shape_of(in2)):
        raise ValueError(f"{name}: the operands must not be empty, got shapes "
                         f"{shape_of(in1)} and {shape_of(in2)}")
    return in1, in2


def _valid_swap(name, shape1, shape2):
    """SciPy's valid mode: one operand must be at least as large as the other along every
    axis; True when in2 is the larger (SciPy then swaps the operands)."""
    in1_covers = all(a >= b for a, b in zip(shape1, shape2))
    if in1_covers or all(b >= a for a, b in zip(shape1, shape2)):
        return not in1_covers
    raise ValueError(f"{name}: for 'valid' mode, one must be at least as large as the other "
                     f"in every dimension, not shapes {shape1} and {shape2}")


def _window(name, shape1, shape2, mode, same_start):
    """The (start, shape) of a mode's window of the full convolution: valid is the part where
    the larger operand covers the smaller; same has in1's shape, starting at ``same_start``
    of in2's length."""
    if mode == "full":
        return (0,) * len(shape1), tuple(a + b - 1 for a, b in zip(shape1, shape2))
    if mode == "valid":
        _valid_swap(name, shape1, shape2)
        return (tuple(min(a, b) - 1 for a, b in zip(shape1, shape2)),
                tuple(abs(a - b) + 1 for a, b in zip(shape1, shape2)))
    return tuple(same_start(b) for b in shape2), tuple(shape1)


def _method(method, in1, in2, window_shape):
    """'auto': the FFT for floating-point operands where the direct sum costs more than an
    FFT of the full size would (in multiply-adds, the FFT's counted as 5 n log2 n per
    transform, three of them); the direct sum for integers, whose sums it keeps exact."""
    if method != "auto":
        return method
    dtype = numpy.result_type(raw(in1), raw(in2))
    if dtype.kind not in "fc":
        return "direct"
    direct = math.prod(window_shape) * min(math.prod(shape_of(in1)), math.prod(shape_of(in2)))
    full = math.prod(a + b - 1 for a, b in zip(shape_of(in1), shape_of(in2)))
    return "fft" if direct > 15 * full * math.log2(max(full, 2)) else "direct"


def _reversed_conjugate(a):
    """in2 as a correlation reads it: reversed along every axis, conjugated if complex."""
    return flip(conjugate(a) if raw(a).dtype.kind == "c" else a)


def _conjugate_if_complex(a):
    return conjugate(a) if raw(a).dtype.kind == "c" else a


@public(namespaces=("scipy.signal",))
def convolve(in1, in2, mode="full", method="auto"):
    """ndgrad's differentiable scipy.signal.convolve: the n-dimensional convolution of
    ``in1`` and ``in2`` (arrays of the same number of dimensions).

    Parameters
    ----------
    in1, in2 : array_like
        The operands; gradients flow to both.
    mode : {'full', 'valid', 'same'}
        'full' (every overlap, length ``n1 + n2 - 1`` along each axis), 'valid' (where one
        operand covers the other, which must be at least as large along every axis) or
        'same' (in1's shape, centred on the full output).
    method : {'auto', 'direct', 'fft'}
        The direct sum or numpy.fft; the results agree to rounding (integers are exact
        either way); 'auto' picks the cheaper.

    Returns
    -------
    ndarray of the operands' result type (NumPy's promotion), as SciPy's.
    """
    in1, in2 = _operands("convolve", in1, in2, mode, method)
    if ndim_of(in1) == 0:
        return in1 * in2
    start, shape = _window("convolve", shape_of(in1), shape_of(in2), mode,
                           lambda n: (n - 1) // 2)
    return convolve_window(in1, in2, start=start, shape=shape,
                           method=_method(method, in1, in2, shape))


@public(namespaces=("scipy.signal",))
def correlate(in1, in2, mode="full", method="auto"):
    """ndgrad's differentiable scipy.signal.correlate: the n-dimensional cross-correlation
    ``z[k] = sum_l in1[l] conj(in2[l - k + n2 - 1])``, the convolution of ``in1`` with
    ``in2`` reversed and conjugated.

    ``mode`` and ``method`` as in ``convolve``: 'full' is the whole correlation (lag
    ``-(n2 - 1)`` first), 'valid' its centre where one operand covers the other (as SciPy,
    whichever of the two is the larger), 'same' in1's shape, centred.
    """
    in1, in2 = _operands("correlate", in1, in2, mode, method)
    if ndim_of(in1) == 0:
        return in1 * _conjugate_if_complex(in2)
    start, shape = _window("correlate", shape_of(in1), shape_of(in2), mode,
                           lambda n: (n - 1) // 2)
    return convolve_window(in1, _reversed_conjugate(in2), start=start, shape=shape,
                           method=_method(method, in1, in2, shape))


def _operands_2d(name, in1, in2, mode, boundary, fillvalue):
    """The operands, checked, and ``fillvalue`` in their result type (as SciPy casts it: 1.7
    is 1 for integers)."""
    in1, in2 = _operands(name, in1, in2, mode, "direct")
    if ndim_of(in1) != 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays, not {ndim_of(in1)}-D; "
                         "use scipy.signal.convolve or correlate for other dimensions")
    if boundary != "fill":
        if boundary in ("wrap", "circular", "symm", "symmetric"):
            raise NotImplementedError(f"{name}: ndgrad supports boundary='fill' only, not "
                                      f"{boundary!r}; pad in1 with np.pad(mode='wrap' or "
                                      "'symmetric') and use mode='valid'")
        raise ValueError(f"{name}: acceptable boundary flags are 'fill', 'circular' (or "
                         f"'wrap'), and 'symmetric' (or 'symm'), not {boundary!r}")
    dtype = numpy.result_type(raw(in1), raw(in2))
    if dtype == bool:
        raise ValueError(f"{name} not available for booleans (as in SciPy); use "
                         "scipy.signal.convolve or correlate, or convert them to integers")
    fill = numpy.asarray(raw(fillvalue))
    if fill.ndim != 0 or fill.dtype.kind not in "biufc" or (
            fill.dtype.kind == "c" and dtype.kind != "c"):
        raise ValueError(f"{name}: fillvalue must be a number (a real one for real "
                         f"operands), not {fillvalue!r}")
    return in1, in2, fill.astype(dtype).item()


@public(namespaces=("scipy.signal",))
def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """ndgrad's differentiable scipy.signal.convolve2d: the convolution of two 2-D arrays.

    ``mode`` as in ``convolve``. ``boundary='fill'`` only: in1 is extended by ``fillvalue``
    (a number; its gradient is not taken). 'wrap' and 'symm' raise NotImplementedError.
    """
    in1, in2, fill = _operands_2d("convolve2d", in1, in2, mode, boundary, fillvalue)
    if mode != "valid" and fill != 0:
        # in1 extended by c is (in1 - c) extended by 0, plus c everywhere
        return convolve(in1 - fill, in2, mode, "direct") + fill * reduce_sum(in2)
    return convolve(in1, in2, mode, "direct")


@public(namespaces=("scipy.signal",))
def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """ndgrad's differentiable scipy.signal.correlate2d: the cross-correlation of two 2-D
    arrays, ``boundary`` and ``fillvalue`` as in ``convolve2d``.

    Two of SciPy's conventions differ from ``correlate``'s, and are kept: 'same' starts at
    lag ``n2 // 2`` (``correlate``: ``(n2 - 1) // 2``; they differ for even lengths), and a
    'valid' correlation whose in2 is the larger operand is conjugated for complex operands.
    """
    in1, in2, fill = _operands_2d("correlate2d", in1, in2, mode, boundary, fillvalue)
    start, shape = _window("correlate2d", shape_of(in1), shape_of(in2), mode,
                           lambda n: n // 2)
    kernel = _reversed_conjugate(in2)
    filling = mode != "valid" and fill != 0
    result = convolve_window(in1 - fill if filling else in1, kernel, start=start, shape=shape,
                             method="direct")
    if filling:
        # in1 extended by c is (in1 - c) extended by 0, plus c everywhere
        result = result + fill * reduce_sum(kernel)
    if mode == "valid" and _valid_swap("correlate2d", shape_of(in1), shape_of(in2)):
        result = _conjugate_if_complex(result)
    return result


# -- NumPy's one-dimensional convolve and correlate ------------------------------------------
def _sequences(name, a, v, mode):
    """NumPy's operands: 0-d taken as length 1, anything else must be 1-D and non-empty."""
    a, v = asarray(a), asarray(v)
    if mode not in _MODES:
        raise ValueError(f"np.{name}: mode must be 'full', 'same' or 'valid', not {mode!r}")
    for label, x in (("a", a), ("v", v)):
        if ndim_of(x) > 1:
            raise ValueError(f"np.{name}: {label} must be one-dimensional, not of shape "
                             f"{shape_of(x)}; use ndgrad.scipy.signal.{name} for n-d arrays")
        if 0 in shape_of(x):
            raise ValueError(f"np.{name}: {label} cannot be empty")
    return [x if ndim_of(x) else x.reshape(1) for x in (a, v)]


def _sequence_window(mode, longer, shorter, inverted):
    """NumPy's window of the full result (length longer + shorter - 1): 'valid' where the
    shorter operand fits inside, 'same' the longer one's length, starting shorter // 2 in
    (numpy computes with the operands swapped and reverses when ``inverted``)."""
    if mode == "full":
        return 0, longer + shorter - 1
    if mode == "valid":
        return shorter - 1, longer - shorter + 1
    return (shorter // 2 if inverted else shorter - 1 - shorter // 2), longer


@public("convolve", numpy=numpy.convolve)
def np_convolve(a, v, mode="full"):
    """ndgrad's differentiable numpy.convolve: the discrete convolution of two 1-D
    sequences, ``(a * v)[n] = sum_m a[m] v[n - m]``, in NumPy's modes ('full', 'same': the
    longer operand's length, 'valid': where one covers the other)."""
    a, v = _sequences("convolve", a, v, mode)
    n1, n2 = shape_of(a)[0], shape_of(v)[0]
    start, length = _sequence_window(mode, max(n1, n2), min(n1, n2), inverted=False)
    return convolve_window(a, v, start=(start,), shape=(length,),
                           method=_method("auto", a, v, (length,)))


@public("correlate", numpy=numpy.correlate)
def np_correlate(a, v, mode="valid"):
    """ndgrad's differentiable numpy.correlate: ``c[k] = sum_n a[n + k] conj(v[n])`` of two
    1-D sequences, in NumPy's modes ('valid' by default, 'same', 'full')."""
    a, v = _sequences("correlate", a, v, mode)
    n1, n2 = shape_of(a)[0], shape_of(v)[0]
    start, length = _sequence_window(mode, max(n1, n2), min(n1, n2), inverted=n1 < n2)
    return convolve_window(a, _reversed_conjugate(v), start=(start,), shape=(length,),
                           method=_method("auto", a, v, (length,)))
