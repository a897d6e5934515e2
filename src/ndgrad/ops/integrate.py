"""ODE integration (ndgrad.scipy.integrate.odeint), differentiable in y0, t and the args.

The solver is Dormand and Prince's explicit Runge-Kutta 5(4) pair. It runs twice: first on
raw values, choosing its steps adaptively (the embedded 4th-order error estimate against
rtol and atol, as SciPy's tolerances), then with ndgrad ops along the same steps, each as a
fixed fraction of its output interval. The second run is ordinary recorded arithmetic, so
its derivatives (any order, forward and reverse) are exact derivatives of the computed
solution: with respect to t too, since the steps scale with the intervals. They approximate
the derivatives of the true solution to about the tolerances. No new primitive is needed;
the cost is memory: the graph keeps every stage of every step (an adjoint method would
integrate backwards instead).
"""

from __future__ import annotations

import itertools

import numpy

from .._axes import ndim_of, shape_of
from .._ndarray import ndarray, to_numpy
from .._publish import public
from .._state import flags
from .creation import asarray
from .joining import stack
from .shape import astype

# Dormand & Prince (1980): nodes, stage weights, the 5th-order weights and the error weights
# (5th order less 4th order; the 7th stage is f at the new point)
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0)
_A = ((),
      (1 / 5,),
      (3 / 40, 9 / 40),
      (44 / 45, -56 / 15, 32 / 9),
      (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
      (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656))
_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84)
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)


def _step(f, y, t, h, k1):
    """One Dormand-Prince step from (t, y) of size h, k1 = f(y, t) given: the 5th-order
    solution and the stages. Works on NumPy and on ndgrad arrays alike."""
    stages = [k1]
    for c, row in zip(_C[1:], _A[1:]):
        increment = sum(a * k for a, k in zip(row, stages) if a)
        stages.append(f(y + h * increment, t + c * h))
    return y + h * sum(b * k for b, k in zip(_B, stages) if b), stages


def _plan_steps(f, y0, t, rtol, atol, mxstep):
    """The adaptive steps on raw float64 values: for each output interval, the steps as
    fractions of it (summing to 1)."""
    if y0.size == 0:                    # nothing changes: no steps
        return [numpy.zeros(0)] * (len(t) - 1)
    y, plans = y0, []
    k1 = f(y, t[0])
    scale = atol + rtol * numpy.abs(y)
    d0, d1 = numpy.sqrt(numpy.mean((y / scale) ** 2)), numpy.sqrt(numpy.mean((k1 / scale) ** 2))
    h = 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6    # Hairer's first guess
    for start, end in itertools.pairwise(t):
        span, position, fractions = end - start, start, []
        direction = numpy.sign(span)
        h = min(abs(h), abs(span))
        while (position - end) * direction < 0:
            if len(fractions) >= mxstep:
                raise RuntimeError(f"odeint: more than mxstep={mxstep} steps were needed "
                                   f"between t={start} and t={end} (a stiff or blowing-up "
                                   "solution?); raise mxstep or loosen rtol/atol")
            h = min(h, abs(end - position))
            y_new, stages = _step(f, y, position, direction * h, k1)
            k7 = f(y_new, position + direction * h)
            error = direction * h * sum(e * k for e, k in zip(_E, stages + [k7]) if e)
            scale = atol + rtol * numpy.maximum(numpy.abs(y), numpy.abs(y_new))
            norm = numpy.sqrt(numpy.mean((error / scale) ** 2))
            if not numpy.isfinite(norm):
                raise FloatingPointError(f"odeint: the solution is not finite near t={position}")
            if norm <= 1:
                fractions.append(h / abs(span))
                position = end if abs(end - position) <= h else position + direction * h
                y, k1 = y_new, k7
            h *= min(5.0, max(0.2, 0.9 * norm ** -0.2)) if norm > 0 else 5.0
        plans.append(numpy.array(fractions) / numpy.sum(fractions))
    return plans


def _as_float64(x):
    """x as a float64 ndgrad array, keeping its history (SciPy computes in float64; a list
    is read in float64, not in ndgrad's default dtype)."""
    if isinstance(x, ndarray):
        return x if x.dtype == numpy.float64 else astype(x, numpy.float64)
    return asarray(x, dtype=numpy.float64)


@public(namespaces=("scipy.integrate",))
def odeint(func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, rtol=None, atol=None,
           mxstep=0, tfirst=False):
    """ndgrad's differentiable scipy.integrate.odeint: y(t) for dy/dt = func(y, t, *args)
    (``func(t, y, *args)`` if ``tfirst``), y(t[0]) = y0, as an array of shape
    (len(t), len(y0)). ``func`` must be written with ndgrad ops (it is differentiated) and
    may return an array or a list of scalars.

    Differs from SciPy: an explicit Runge-Kutta 5(4) method (Dormand-Prince) replaces
    LSODA, so very stiff problems need many steps; ``Dfun`` and ``col_deriv`` are accepted
    and ignored, ``full_output`` is not supported; ``mxstep`` (default 500) bounds the steps
    per output interval, and exceeding it raises RuntimeError. Gradients with respect to y0,
    t and the args are exact for the computed solution (see the module's notes).
    """
    if full_output:
        raise NotImplementedError("odeint: full_output is not supported by ndgrad")
    rtol = 1.49012e-8 if rtol is None else float(rtol)
    atol = 1.49012e-8 if atol is None else float(atol)
    mxstep = 500 if not mxstep else int(mxstep)
    if to_numpy(y0).dtype.kind == "c" or to_numpy(t).dtype.kind == "c":
        raise TypeError("odeint: complex y0 or t are not supported (as in SciPy); integrate "
                        "the real and imaginary parts as a real system")
    y0 = _as_float64(y0)
    if ndim_of(y0) == 0:
        y0 = y0.reshape((1,))
    if ndim_of(y0) != 1:
        raise ValueError(f"odeint: initial condition y0 must be one-dimensional, not of shape "
                         f"{shape_of(y0)}")
    t = _as_float64(t)
    times = to_numpy(t)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"odeint: t must be a non-empty one-dimensional sequence of times, "
                         f"not of shape {times.shape}")
    gaps = numpy.diff(times)
    if not (numpy.all(gaps > 0) or numpy.all(gaps < 0)):
        raise ValueError("odeint: the times t must be strictly increasing or strictly "
                         "decreasing")
    args = args if isinstance(args, tuple) else (args,)
    n = shape_of(y0)[0]

    def rhs(y, time, arguments):
        out = func(time, y, *arguments) if tfirst else func(y, time, *arguments)
        out = _as_float64(out)
        if shape_of(out) != (n,):
            raise ValueError(f"odeint: func returned an array of shape {shape_of(out)} for a "
                             f"state of shape {(n,)}; it must return dy/dt, of y's shape")
        return out

    raw_args = tuple(to_numpy(a) if isinstance(a, ndarray) else a for a in args)
    # values only: nothing recorded and no tangents, even for arrays func closes over
    with flags(recording=False, forward_levels=(), watchers=()):
        plans = _plan_steps(lambda y, time: to_numpy(rhs(asarray(y), time, raw_args)),
                            to_numpy(y0), times, rtol, atol, mxstep)

    def f(y, time):
        return rhs(y, time, args)

    y, results = y0, [y0]
    for i, fractions in enumerate(plans):
        span, position = t[i + 1] - t[i], t[i]
        for fraction in fractions:
            h = span * fraction
            y, _ = _step(f, y, position, h, f(y, position))
            position = position + h
        results.append(y)
    return stack(results)
