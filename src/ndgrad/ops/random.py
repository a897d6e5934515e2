"""Random arrays (``np.random``). They are constants: no gradient flows into a sample.

One generator for the process, seeded by ``seed``; draws are guarded by a lock so threads
never share a half-updated state.
"""

from __future__ import annotations

import threading

import numpy

from .._registry import public
from .creation import _float_dtype, _new

_GENERATOR = [numpy.random.default_rng()]
_LOCK = threading.Lock()


@public(namespaces=("np.random",))
def seed(seed=None):
    """Reseed ndgrad's generator, so the draws that follow repeat."""
    with _LOCK:
        _GENERATOR[0] = numpy.random.default_rng(seed)


def _draw(method, *args, size, dtype, device, ctx):
    with _LOCK:
        sample = getattr(_GENERATOR[0], method)(*args, size=size)
    return _new(numpy.asarray(sample, dtype=_float_dtype(dtype)), device, ctx)


@public(namespaces=("np.random",))
def normal(loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
    """Samples of N(loc, scale^2); ``size=None`` gives one sample as a 0-d array."""
    return _draw("normal", numpy.asarray(loc), numpy.asarray(scale), size=size, dtype=dtype,
                 device=device, ctx=ctx)


@public(namespaces=("np.random",))
def uniform(low=0.0, high=1.0, size=None, dtype=None, *, device=None, ctx=None):
    """Samples of U[low, high); ``size=None`` gives one sample as a 0-d array."""
    return _draw("uniform", numpy.asarray(low), numpy.asarray(high), size=size, dtype=dtype,
                 device=device, ctx=ctx)
