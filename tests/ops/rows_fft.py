"""Test-table rows for the fft family (see specs.py for what every row gets): every function of
numpy.fft, with n/s cropping and zero-padding, axis/axes and the three norms, on complex
operands (perturbed in the real and imaginary directions) and real ones, and a real function
computed through complex values (a convolution by the FFT) against the direct convolution.

numpy.fft is the reference; ndgrad calls NumPy's one-axis transforms, so values agree to the
last bit, and the gradients are checked by finite differences alone."""

from __future__ import annotations

import numpy
from hypothesis import strategies as st

from ndgrad import np
from ndgrad._registry import REGISTRY

from .table import MAX_SIDE, OpSpec, normal, positive, shapes_of


def complex_normal(rng, shapes):
    return [rng.standard_normal(shape) + 1j * rng.standard_normal(shape) for shape in shapes]


def shapes(low=1, high=3, min_side=1):
    """One operand of ``low`` to ``high`` dimensions (the transformed axes must exist)."""
    return lambda variant: shapes_of(low, high, min_side).map(lambda shape: (shape,))


def row(name, primitives, variants, sample=complex_normal, suffix="", low=1, high=3,
        min_side=1):
    """A row of np.fft.<name>, referenced by numpy.fft.<name>."""
    return OpSpec(f"fft.{name}{suffix}", f"np.fft.{name}", getattr(np.fft, name),
                  getattr(numpy.fft, name), primitives, sample=sample, variants=variants,
                  shapes=shapes(low, high, min_side))


def real_row(name, primitives, variants, **kwargs):
    return row(name, primitives, variants, sample=normal, suffix="-real", **kwargs)


ONE_AXIS = ({}, {"n": 3, "axis": 0}, {"n": 6, "norm": "ortho"}, {"axis": -1, "norm": "forward"})
# irfft and hfft read bins 0..n//2: n=3 and 5 crop or zero-pad 2 to 4 bins, n=1 keeps the DC
INVERSE_REAL = ({}, {"n": 5}, {"n": 3, "axis": 0, "norm": "ortho"}, {"n": 1, "norm": "forward"})
N_DIMENSIONAL = ({}, {"s": (3, 5), "axes": (0, -1), "norm": "ortho"}, {"axes": (-1, 0)},
                 {"axes": (0, 0), "norm": "forward"})    # a repeated axis: transformed twice
TWO_DIMENSIONAL = ({}, {"s": (3, 2)}, {"axes": (1, 0), "norm": "ortho"})
SHIFTS = ({}, {"axes": 0}, {"axes": (0, -1)})


def resize(x, n, axis):
    """The fft_resize primitive (numpy.fft's n=), called directly."""
    return REGISTRY.primitives["fft_resize"](x, n=n, axis=axis)


def numpy_resize(x, n, axis):
    cut = numpy.take(x, numpy.arange(min(n, x.shape[axis])), axis=axis)
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, n - cut.shape[axis])
    return numpy.pad(cut, widths)


@st.composite
def signal_pairs(draw, variant):
    """Two 1-D operands of any lengths, for the FFT convolution."""
    return tuple((draw(st.integers(1, MAX_SIDE + 2)),) for _ in range(2))


def fft_convolve(a, b, norm=None):
    """The full convolution of two 1-D arrays through the FFT: real to real, complex inside."""
    n = a.shape[0] + b.shape[0] - 1
    spectrum = np.fft.rfft(a, n, norm=norm) * np.fft.rfft(b, n, norm=norm)
    scale = 1.0 if norm in (None, "backward") else (n ** 0.5 if norm == "ortho" else n)
    return np.fft.irfft(spectrum, n, norm=norm) * scale


def numpy_convolve(a, b, norm=None):
    """The direct convolution, in the precision numpy.fft computes in (float64 for integers
    and booleans)."""
    precision = numpy.fft.irfft(numpy.fft.rfft(numpy.zeros(2, numpy.result_type(a, b)))).dtype
    return numpy.convolve(a.astype(precision), b.astype(precision))


ROWS: tuple[OpSpec, ...] = (
    row("fft", ("fft",), ONE_AXIS),
    real_row("fft", ("fft",), ONE_AXIS[:2]),        # a real operand's gradient: the real part
    row("ifft", ("ifft",), ONE_AXIS),
    real_row("rfft", ("rfft",), ONE_AXIS),
    row("irfft", ("irfft",), INVERSE_REAL, min_side=2),
    real_row("irfft", ("irfft",), INVERSE_REAL[:2], min_side=2),
    row("hfft", ("conjugate", "irfft"), INVERSE_REAL, min_side=2),
    real_row("ihfft", ("rfft", "conjugate"), ONE_AXIS),
    row("fftn", ("fft",), N_DIMENSIONAL, low=2),
    row("ifftn", ("ifft",), N_DIMENSIONAL, low=2),
    row("fft2", ("fft",), TWO_DIMENSIONAL, low=2),
    row("ifft2", ("ifft",), TWO_DIMENSIONAL, low=2),
    real_row("rfftn", ("rfft", "fft"), N_DIMENSIONAL[:3], low=2),
    row("irfftn", ("ifft", "irfft"), N_DIMENSIONAL[:3], low=2, min_side=2),
    real_row("rfft2", ("rfft", "fft"), TWO_DIMENSIONAL, low=2),
    row("irfft2", ("ifft", "irfft"), TWO_DIMENSIONAL, low=2, min_side=2),
    row("fftshift", ("roll",), SHIFTS, low=2),
    real_row("ifftshift", ("roll",), SHIFTS, low=2),
    OpSpec("fft_resize", "primitive.fft_resize", resize, numpy_resize, ("fft_resize",),
           sample=complex_normal, shapes=shapes(2), variants=(
               {"n": 2, "axis": 0}, {"n": 6, "axis": 1}, {"n": 3, "axis": 1})),
    # the frequencies are differentiable in an array sample spacing d
    *(OpSpec(f"fft.{name}", f"np.fft.{name}", lambda d, n, name=name: getattr(np.fft, name)(n, d),
             lambda d, n, name=name: getattr(numpy.fft, name)(n, d), ("multiply", "divide"),
             sample=positive, shapes=lambda variant: st.just(((),)),
             variants=({"n": 1}, {"n": 4}, {"n": 7}))
      for name in ("fftfreq", "rfftfreq")),
    OpSpec("fft.convolution", "np.fft.irfft", fft_convolve, numpy_convolve,
           ("rfft", "multiply", "irfft"), nargs=2, shapes=signal_pairs,
           variants=({}, {"norm": "ortho"}, {"norm": "forward"})),
)

# public functions of this family with no row, by the reason they have none
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
