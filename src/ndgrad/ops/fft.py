"""The discrete Fourier transform (ndgrad.np.fft), differentiable to any order.

Four one-axis primitives carry it all, each NumPy's own function on the raw data, so values
and dtypes are numpy.fft's (complex64 stays complex64): ``fft``, ``ifft``, ``rfft`` and
``irfft``, each with an explicit ``n`` (NumPy's cropping or zero-padding of the input),
``axis`` and ``norm``. The n-dimensional transforms are loops over axes of them, in NumPy's
order; hfft, ihfft and the shifts compose them with conjugation and rolls.

Every transform is linear, so forward mode applies it to the tangent. Its VJP is its plain
transpose under the pairing Re sum(a * b) (JAX's and HIPS autograd's convention,
docs/autograd.md "Complex numbers"):

* the DFT matrix is symmetric, so fft's transpose is fft with the same ``norm``, and ifft's
  is ifft, followed by the transpose of the resizing to ``n`` (``fft_resize`` back to the
  input's length);
* rfft keeps bins 0..n//2 of the full FFT of a real input: its transpose is the real part of
  the FFT of the cotangent extended by zeros, which is an irfft of the conjugate cotangent
  with bins 1..(n-1)//2 halved (irfft counts those twice, for their conjugate twins);
* irfft is real-linear in its complex input, x = Re sum_j w_j a_j e^(2 pi i jk/n) / n with
  w_j = 2 on bins 1..(n-1)//2 and 1 on the DC and Nyquist bins, so its transpose is
  w * conj(rfft(g)), an rfft of the (real) cotangent, with the norm swapped.

The two real transforms are each other's transposes up to conjugation and weights, so every
order of derivative is again one of the four primitives.
"""

from __future__ import annotations

import operator

import numpy

from .._axes import ndim_of, normalize_axis, shape_of
from .._device import require_cpu
from .._ndarray import default_dtype, ndarray, raw
from .._primitive import LINEAR, SHAPES, Primitive, primitive
from .._publish import public
from .creation import asarray
from .elementwise import conjugate
from .shape import roll

_NORMS = ("backward", "ortho", "forward")
# the norm of the transpose (or the inverse) whose scale factor is the same
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
_NAMESPACE = ("np.fft",)


# -- the primitives --------------------------------------------------------------------------
def _resize(x, n, axis):
    """``x`` cut to its first ``n`` entries along ``axis``, or extended by zeros to ``n``."""
    size = x.shape[axis]
    if n <= size:
        return x[(slice(None),) * axis + (slice(0, n),)].copy()
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, n - size)
    return numpy.pad(x, widths)


# the transpose of cutting is extending by zeros, and of extending, cutting
fft_resize: Primitive = primitive(
    "fft_resize", _resize, saves=SHAPES, jvp=LINEAR,
    vjp=lambda g, ans, x, n, axis: fft_resize(g, n=x.shape[axis], axis=axis),
    doc="An array cut or extended by zeros to n entries along axis, non-negative "
        "(numpy.fft's n=).")


def _back_to(g, x, axis):
    """The transpose of numpy.fft's resizing of ``x`` along ``axis``: ``g`` resized back."""
    size = shape_of(x)[axis]
    return g if shape_of(g)[axis] == size else fft_resize(g, n=size, axis=axis)


def _doubled_bins(n, axis, ndim, dtype, weight):
    """``weight`` on bins 1..(n-1)//2 of an rfft of length ``n`` (those with a conjugate
    twin among the bins irfft drops), 1 on the DC and Nyquist bins, along ``axis`` of an
    ``ndim``-dimensional array, in the real dtype of ``dtype``."""
    weights = numpy.ones(n // 2 + 1, dtype=numpy.finfo(dtype).dtype)
    weights[1:(n + 1) // 2] = weight
    return weights.reshape((-1,) + (1,) * (ndim - 1 - axis))


# the DFT matrix (and the inverse's) is symmetric: each is its own transpose
fft_: Primitive = primitive(
    "fft", numpy.fft.fft, saves=SHAPES, jvp=LINEAR,
    vjp=lambda g, ans, a, n, axis, norm: _back_to(fft_(g, n=n, axis=axis, norm=norm), a, axis),
    doc="The one-axis discrete Fourier transform, numpy.fft.fft with n, axis and norm.")
ifft_: Primitive = primitive(
    "ifft", numpy.fft.ifft, saves=SHAPES, jvp=LINEAR,
    vjp=lambda g, ans, a, n, axis, norm: _back_to(ifft_(g, n=n, axis=axis, norm=norm), a,
                                                   axis),
    doc="The one-axis inverse discrete Fourier transform, numpy.fft.ifft.")


def _rfft_vjp(g, ans, a, n, axis, norm):
    # Re(FFT of g extended by zeros) = irfft(conj(g) / w) with irfft's scale undone
    half = conjugate(g) * _doubled_bins(n, axis, a.ndim, raw(g).dtype, 0.5)
    return _back_to(irfft_(half, n=n, axis=axis, norm=_SWAPPED[norm]), a, axis)


def _irfft_vjp(g, ans, a, n, axis, norm):
    # g is real (a real result's cotangent), so conj(rfft(g)) is the inverse FFT's bins
    spectrum = conjugate(rfft_(g, n=n, axis=axis, norm=_SWAPPED[norm]))
    return _back_to(spectrum * _doubled_bins(n, axis, a.ndim, raw(spectrum).dtype, 2.0), a,
                    axis)


rfft_: Primitive = primitive(
    "rfft", numpy.fft.rfft, saves=SHAPES, jvp=LINEAR, vjp=_rfft_vjp,
    doc="The one-axis FFT of a real array, bins 0..n//2 (numpy.fft.rfft).")
irfft_: Primitive = primitive(
    "irfft", numpy.fft.irfft, saves=SHAPES, jvp=LINEAR, vjp=_irfft_vjp,
    doc="The one-axis inverse of rfft: n real values from bins 0..n//2 (numpy.fft.irfft).")


# -- checks shared by the public faces -------------------------------------------------------
def _norm(name, norm):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'{name}: invalid norm value {norm!r}; should be "backward", '
                         '"ortho" or "forward" (or None for "backward")')
    return norm


def _points(name, n):
    """``n`` as a number of data points (at least one)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{name}: n must be an integer, not {type(n).__name__}") from None
    if n < 1:
        raise ValueError(f"{name}: invalid number of FFT data points ({n}) specified; pass "
                         "n >= 1 (an axis of length 1 given to irfft or hfft needs n explicitly)")
    return n


def _real_operand(name, a):
    a = asarray(a)
    if a.dtype.kind == "c":
        raise TypeError(f"{name} takes a real array, not {a.dtype}; use fft (or fftn) for "
                        "complex input, or pass np.real(a)")
    return a


def _one_axis(name, a, n, axis, norm, default_n=None):
    """The operand as an array and (n, axis, norm) made explicit: n defaults to the axis's
    length (``default_n`` of it for the inverse real transforms)."""
    a = asarray(a)
    axis = normalize_axis(axis, ndim_of(a))
    length = shape_of(a)[axis]
    if n is None:
        n = default_n(length) if default_n else length
    return a, _points(name, n), axis, _norm(name, norm)


def _shape_and_axes(name, a, s, axes, real=False, inverse_real=False):
    """NumPy's (s, axes) of an n-dimensional transform, explicit: ``axes`` all of them, or the
    last ``len(s)``; ``s`` their lengths (-1 or None: the input's length; for the inverse real
    transforms, with ``s`` omitted, 2 * (m - 1) for the last axis of m bins). The real
    transforms (``real``, ``inverse_real``) need an axis for their half spectrum."""
    a = asarray(a)
    ndim, shape = ndim_of(a), shape_of(a)
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(-len(tuple(s)), 0))
    elif isinstance(axes, (int, numpy.integer)):
        raise TypeError(f"{name}: axes must be a sequence of ints, not {axes!r}; pass "
                        f"axes=({axes},)")
    axes = tuple(normalize_axis(axis, ndim) for axis in axes)
    if s is None:
        lengths = [shape[axis] for axis in axes]
        if inverse_real and axes:
            lengths[-1] = 2 * (lengths[-1] - 1)
    else:
        s = tuple(s)
        if len(s) != len(axes):
            raise ValueError(f"{name}: s has {len(s)} entries but axes has {len(axes)} "
                             f"(s={s}, axes={axes}); give one length per transformed axis")
        lengths = [shape[axis] if length is None or length == -1 else length
                   for length, axis in zip(s, axes)]
    if (real or inverse_real) and not axes:
        raise ValueError(f"{name} needs at least one axis (the last one's spectrum is "
                         "halved), not axes=()")
    return a, tuple(_points(name, length) for length in lengths), axes


# -- the public faces ------------------------------------------------------------------------
@public(namespaces=_NAMESPACE, numpy=numpy.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.fft: the discrete Fourier transform along ``axis``
    of ``a`` cut or extended by zeros to ``n`` entries, scaled per ``norm``."""
    a, n, axis, norm = _one_axis("fft", a, n, axis, norm)
    return fft_(a, n=n, axis=axis, norm=norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.ifft: the inverse of fft along ``axis``."""
    a, n, axis, norm = _one_axis("ifft", a, n, axis, norm)
    return ifft_(a, n=n, axis=axis, norm=norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.rfft: the FFT of a real array, its bins 0..n//2
    (the others are their conjugates)."""
    a, n, axis, norm = _one_axis("rfft", _real_operand("rfft", a), n, axis, norm)
    return rfft_(a, n=n, axis=axis, norm=norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.irfft: ``n`` real values (by default 2 * (m - 1)
    for m bins) whose rfft is ``a``'s bins 0..n//2; the imaginary parts of the DC bin and,
    for even ``n``, of the Nyquist bin are ignored, so their gradients are zero."""
    a, n, axis, norm = _one_axis("irfft", a, n, axis, norm, lambda m: 2 * (m - 1))
    return irfft_(a, n=n, axis=axis, norm=norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.hfft)
def hfft(a, n=None, axis=-1, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.hfft: the FFT of a signal with Hermitian symmetry
    given by its first half, real; as NumPy, irfft of the conjugate with the norm swapped."""
    a, n, axis, norm = _one_axis("hfft", a, n, axis, norm, lambda m: 2 * (m - 1))
    return irfft_(conjugate(a), n=n, axis=axis, norm=_SWAPPED[norm])


@public(namespaces=_NAMESPACE, numpy=numpy.fft.ihfft)
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.ihfft: the inverse of hfft, of a real array; as
    NumPy, the conjugate of rfft with the norm swapped."""
    a, n, axis, norm = _one_axis("ihfft", _real_operand("ihfft", a), n, axis, norm)
    return conjugate(rfft_(a, n=n, axis=axis, norm=_SWAPPED[norm]))


def _complex_nd(name, transform, a, s, axes, norm):
    """fftn and ifftn: the one-axis transform along each axis, the last first (NumPy's
    order, so the values are NumPy's to the last bit)."""
    a, s, axes = _shape_and_axes(name, a, s, axes)
    norm = _norm(name, norm)
    for n, axis in reversed(list(zip(s, axes))):
        a = transform(a, n=n, axis=axis, norm=norm)
    return a


@public(namespaces=_NAMESPACE, numpy=numpy.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.fftn: the FFT along each of ``axes`` (all by
    default, or the last len(s)), each cut or extended by zeros to its length in ``s``."""
    return _complex_nd("fftn", fft_, a, s, axes, norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.ifftn: the inverse of fftn."""
    return _complex_nd("ifftn", ifft_, a, s, axes, norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """ndgrad's differentiable numpy.fft.fft2: fftn over the last two axes."""
    return _complex_nd("fft2", fft_, a, s, axes, norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """ndgrad's differentiable numpy.fft.ifft2: ifftn over the last two axes."""
    return _complex_nd("ifft2", ifft_, a, s, axes, norm)


def _real_nd(name, a, s, axes, norm):
    """rfftn and rfft2: rfft along the last axis, then fft along the others, last first."""
    a, s, axes = _shape_and_axes(name, _real_operand(name, a), s, axes, real=True)
    norm = _norm(name, norm)
    a = rfft_(a, n=s[-1], axis=axes[-1], norm=norm)
    for n, axis in reversed(list(zip(s[:-1], axes[:-1]))):
        a = fft_(a, n=n, axis=axis, norm=norm)
    return a


def _inverse_real_nd(name, a, s, axes, norm):
    """irfftn and irfft2: ifft along every axis but the last, first first, then irfft."""
    a, s, axes = _shape_and_axes(name, a, s, axes, inverse_real=True)
    norm = _norm(name, norm)
    for n, axis in zip(s[:-1], axes[:-1]):
        a = ifft_(a, n=n, axis=axis, norm=norm)
    return irfft_(a, n=s[-1], axis=axes[-1], norm=norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.rfftn: the n-dimensional FFT of a real array, bins
    0..n//2 along the last of ``axes``."""
    return _real_nd("rfftn", a, s, axes, norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    """ndgrad's differentiable numpy.fft.irfftn: the inverse of rfftn; the last axis's
    length is 2 * (m - 1) for m bins unless ``s`` gives it."""
    return _inverse_real_nd("irfftn", a, s, axes, norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """ndgrad's differentiable numpy.fft.rfft2: rfftn over the last two axes."""
    return _real_nd("rfft2", a, s, axes, norm)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """ndgrad's differentiable numpy.fft.irfft2: irfftn over the last two axes."""
    return _inverse_real_nd("irfft2", a, s, axes, norm)


def _shifts(x, axes, sign):
    x = asarray(x)
    shape = shape_of(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    if isinstance(axes, (int, numpy.integer)):
        axis = normalize_axis(axes, len(shape))      # AxisError out of range, as NumPy
        return roll(x, sign * (shape[axis] // 2), axis)
    axes = tuple(normalize_axis(axis, len(shape)) for axis in axes)
    return roll(x, tuple(sign * (shape[axis] // 2) for axis in axes), axes)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.fftshift)
def fftshift(x, axes=None):
    """ndgrad's differentiable numpy.fft.fftshift: the zero frequency moved to the centre
    of each of ``axes`` (all by default), a roll by half the length."""
    return _shifts(x, axes, 1)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.ifftshift)
def ifftshift(x, axes=None):
    """ndgrad's differentiable numpy.fft.ifftshift: the inverse of fftshift."""
    return _shifts(x, axes, -1)


def _frequencies(name, integers, n, d, device):
    """``integers / (n d)`` as NumPy computes it, ``integers * (1 / (n d))``, in NumPy's
    dtype, except that a Python number ``d`` gives the default float dtype; an ndgrad array
    ``d`` (0-d) is differentiated through."""
    require_cpu(device)
    if numpy.ndim(raw(d)) != 0:
        raise ValueError(f"{name}: d must be a number (the sample spacing), not an array of "
                         f"shape {numpy.shape(raw(d))}")
    if isinstance(d, ndarray):
        return asarray(integers) * (1.0 / (d * n))
    if d == 0:
        raise ValueError(f"{name}: the sample spacing d must not be 0")
    dtype = default_dtype() if isinstance(d, (int, float)) else None
    return asarray(integers * (1.0 / (n * d)), dtype=dtype)


def _count(name, n):
    if not isinstance(n, (int, numpy.integer)):
        # NumPy's type for it
        raise ValueError(  # noqa: TRY004
            f"{name}: n should be an integer (the window length), not {n!r}")
    if n < 1:        # NumPy divides by zero (or returns meaningless values for n < 0)
        raise ValueError(f"{name}: n must be a positive window length, not {n}")
    return int(n)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.fftfreq)
def fftfreq(n, d=1.0, device=None):
    """ndgrad's numpy.fft.fftfreq: the sample frequencies of fft's bins, 0, 1, ...,
    -(n // 2), ..., -1 over ``n * d``. Differs from NumPy: a Python number ``d`` gives the
    default float dtype (float32); an ndgrad array ``d`` is differentiated through."""
    n = _count("fftfreq", n)
    integers = numpy.concatenate([numpy.arange(0, (n - 1) // 2 + 1), numpy.arange(-(n // 2), 0)])
    return _frequencies("fftfreq", integers, n, d, device)


@public(namespaces=_NAMESPACE, numpy=numpy.fft.rfftfreq)
def rfftfreq(n, d=1.0, device=None):
    """ndgrad's numpy.fft.rfftfreq: the sample frequencies of rfft's bins, 0, 1, ..., n // 2
    over ``n * d``; the dtype as fftfreq's."""
    n = _count("rfftfreq", n)
    return _frequencies("rfftfreq", numpy.arange(0, n // 2 + 1), n, d, device)
