"""Test-table rows for the signal family (see specs.py for what every row gets): convolve,
correlate, convolve2d and correlate2d in their modes and methods.

The references share nothing with ndgrad's kernel (an einsum over sliding windows, or the
FFT): the full convolution and correlation are summed from their definitions, one operand
element at a time, and each mode cut from them as SciPy's documentation defines it; a fill
value is an explicit np.pad of in1."""

from __future__ import annotations

import numpy
from hypothesis import strategies as st

from ndgrad import np
from ndgrad.scipy import signal

from .table import MAX_SIDE, OpSpec, normal, per_operand, shapes_of


# -- references ------------------------------------------------------------------------------
def full_convolution(in1, in2):
    """z[k] = sum_m in1[k - m] in2[m]: in1 shifted by m, times in2[m], for every m."""
    out = numpy.zeros(tuple(a + b - 1 for a, b in zip(in1.shape, in2.shape)),
                      dtype=numpy.result_type(in1, in2))
    for m in numpy.ndindex(*in2.shape):
        out[tuple(slice(i, i + n) for i, n in zip(m, in1.shape))] += in2[m] * in1
    return out


def full_correlation(in1, in2):
    """z[k] = sum_j in1[j] conj(in2[j - k + n2 - 1]): in2[m] meets in1[j] at k = j + n2-1-m."""
    out = numpy.zeros(tuple(a + b - 1 for a, b in zip(in1.shape, in2.shape)),
                      dtype=numpy.result_type(in1, in2))
    for m in numpy.ndindex(*in2.shape):
        start = [n - 1 - i for i, n in zip(m, in2.shape)]
        value = numpy.conj(in2[m]) if in2.dtype.kind == "c" else in2[m]
        out[tuple(slice(s, s + n) for s, n in zip(start, in1.shape))] += value * in1
    return out


def cut(full, in1, in2, mode, same_start=lambda n: (n - 1) // 2):
    """SciPy's modes: 'full' as it is; 'valid' the centre of |n1 - n2| + 1; 'same' in1's
    shape, from ``same_start`` (of in2's length) on."""
    if mode == "full":
        return full
    if mode == "valid":
        shape = [abs(a - b) + 1 for a, b in zip(in1.shape, in2.shape)]
        start = [(f - n) // 2 for f, n in zip(full.shape, shape)]
    else:
        shape, start = in1.shape, [same_start(n) for n in in2.shape]
    return full[tuple(slice(s, s + n) for s, n in zip(start, shape))]


def numpy_convolve(in1, in2, mode="full", method="auto"):
    return cut(full_convolution(in1, in2), in1, in2, mode)


def numpy_correlate(in1, in2, mode="full", method="auto"):
    return cut(full_correlation(in1, in2), in1, in2, mode)


def filled(in1, in2, mode, fillvalue):
    """in1 in the result type, padded by in2's length - 1 on every side with ``fillvalue``
    (not for 'valid', which reads no padding). SciPy's 2-D functions refuse booleans, and
    ndgrad's a complex fill value for real operands."""
    dtype = numpy.result_type(in1, in2)
    if dtype == bool:
        raise ValueError("convolve2d not available for this type.")
    if numpy.iscomplexobj(fillvalue) and dtype.kind != "c":
        # SciPy warns and drops the imaginary part; ndgrad refuses (a value would be lost)
        raise ValueError("a complex fillvalue for real operands")
    if mode == "valid":
        return in1
    width = [(n - 1, n - 1) for n in in2.shape]
    return numpy.pad(in1.astype(dtype), width, constant_values=fillvalue)


def numpy_convolve2d(in1, in2, mode="full", fillvalue=0):
    padded = filled(in1, in2, mode, fillvalue)
    full = full_convolution(padded, in2)
    if mode != "valid":        # the padded array's valid part is the filled full convolution
        full = cut(full, padded, in2, "valid")
    return cut(full, in1, in2, mode)


def numpy_correlate2d(in1, in2, mode="full", fillvalue=0):
    padded = filled(in1, in2, mode, fillvalue)
    full = full_correlation(padded, in2)
    if mode != "valid":
        full = cut(full, padded, in2, "valid")
    elif not all(a >= b for a, b in zip(in1.shape, in2.shape)):
        # SciPy's correlate2d swaps the operands when in2 is the larger one, and its result
        # is then conjugated (correlate's is not): SciPy's convention, kept by ndgrad
        full = numpy.conj(full)
    return cut(full, in1, in2, mode, same_start=lambda n: n // 2)


# -- shapes ----------------------------------------------------------------------------------
@st.composite
def operand_pairs(draw, variant, ndim=(1, 3)):
    """Two shapes of the same number of dimensions; for 'valid', one at least as large as
    the other along every axis (either may be the larger)."""
    in1 = draw(shapes_of(*ndim))
    sides = st.integers(1, MAX_SIDE)
    if variant.get("mode") == "valid":
        in2 = tuple(draw(st.integers(1, n)) for n in in1)
        return (in2, in1) if draw(st.booleans()) else (in1, in2)
    return in1, tuple(draw(sides) for _ in in1)


def pairs_2d(variant):
    return operand_pairs(variant, ndim=(2, 2))


def complex_normal(rng, shapes):
    return [rng.standard_normal(shape) + 1j * rng.standard_normal(shape) for shape in shapes]


def sequences(variant):
    """Two 1-D lengths, either the longer (NumPy's convolve and correlate swap them)."""
    return st.tuples(shapes_of(1, 1), shapes_of(1, 1))


def row(name, fn, reference, variants, shapes=operand_pairs, sample=normal, suffix=""):
    return OpSpec(f"{name}{suffix}", f"scipy.signal.{name}", fn, reference,
                  ("convolve_window",), nargs=2, variants=variants, shapes=shapes,
                  sample=sample, ndim=(1, 3))


def complex_row(name, fn, reference, variants, shapes=operand_pairs):
    """Complex operands (perturbed in the real and imaginary directions): correlate
    conjugates in2, and its gradient goes through that conjugation."""
    return row(name, fn, reference, variants, shapes, complex_normal, "-complex")


ROWS: tuple[OpSpec, ...] = (
    row("convolve", signal.convolve, numpy_convolve,
        ({"mode": "full"}, {"mode": "valid"}, {"mode": "same", "method": "fft"})),
    row("correlate", signal.correlate, numpy_correlate,
        ({"mode": "full", "method": "fft"}, {"mode": "valid"}, {"mode": "same"})),
    row("convolve2d", signal.convolve2d, numpy_convolve2d,
        ({"mode": "full"}, {"mode": "same", "fillvalue": 0.5}, {"mode": "valid"}),
        shapes=pairs_2d),
    row("correlate2d", signal.correlate2d, numpy_correlate2d,
        ({"mode": "same"}, {"mode": "full", "fillvalue": -1.5}, {"mode": "valid"}),
        shapes=pairs_2d),
    complex_row("convolve", signal.convolve, numpy_convolve,
                ({"mode": "full"}, {"mode": "valid", "method": "fft"}, {"mode": "same"})),
    complex_row("correlate", signal.correlate, numpy_correlate,
                ({"mode": "full"}, {"mode": "valid"}, {"mode": "same", "method": "fft"})),
    complex_row("convolve2d", signal.convolve2d, numpy_convolve2d,
                ({"mode": "full", "fillvalue": 0.5 - 1j}, {"mode": "same"}, {"mode": "valid"}),
                shapes=pairs_2d),
    complex_row("correlate2d", signal.correlate2d, numpy_correlate2d,
                ({"mode": "full"}, {"mode": "same", "fillvalue": 1j}, {"mode": "valid"}),
                shapes=pairs_2d),
    # a real signal meets a complex kernel: the signal's gradient is the real part
    row("correlate", signal.correlate, numpy_correlate,
        ({"mode": "full"}, {"mode": "same", "method": "fft"}),
        sample=per_operand(normal, complex_normal), suffix="-real-by-complex"),
    # NumPy's 1-D functions, NumPy itself the reference
    OpSpec("np.convolve", "np.convolve", np.convolve, numpy.convolve, ("convolve_window",),
           nargs=2, shapes=sequences,
           variants=({"mode": "full"}, {"mode": "same"}, {"mode": "valid"})),
    OpSpec("np.correlate", "np.correlate", np.correlate, numpy.correlate,
           ("convolve_window",), nargs=2, shapes=sequences,
           variants=({"mode": "valid"}, {"mode": "same"}, {"mode": "full"})),
    OpSpec("np.correlate-complex", "np.correlate", np.correlate, numpy.correlate,
           ("convolve_window",), nargs=2, shapes=sequences, sample=complex_normal,
           variants=({"mode": "same"}, {"mode": "full"})),
)

NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
