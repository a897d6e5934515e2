"""Random arrays (``np.random``). They are constants: no gradient flows into a sample.

Two interfaces, as NumPy: the legacy functions (``seed``, ``rand``, ``normal``, ``choice``...)
draw from one generator for the process, and ``default_rng(seed)`` returns a ``Generator``
with NumPy's methods (``random``, ``normal``, ``integers``...). Float samples take the default
float dtype (float32, as MXNet) unless ``dtype=`` says otherwise; integer samples are int64, as
NumPy. Draws are guarded by a lock, so threads never share a half-updated state.

A Bernoulli mask is ``np.random.uniform(size=shape) < p`` (MXNet's ``npx.random.bernoulli``).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy

from .._ndarray import ndarray, raw
from .._publish import public, publish
from .creation import _float_dtype, _new

_GENERATOR = [numpy.random.default_rng()]
_LOCK = threading.Lock()


class Generator:
    """NumPy's ``numpy.random.Generator`` interface, returning ndgrad arrays (constants).
    Made by ``np.random.default_rng(seed)``; the same seed gives the same draws as NumPy's
    generator before the cast to the float dtype."""

    def __init__(self, source: numpy.random.Generator, lock=None) -> None:
        self._source = source
        self._lock = lock if lock is not None else threading.Lock()

    def __repr__(self) -> str:
        return f"ndgrad Generator({type(self._source.bit_generator).__name__})"

    def _draw(self, method, *args, **kwargs):
        with self._lock:
            return getattr(self._source, method)(*args, **kwargs)

    def _floats(self, method, *args, size, dtype, device, ctx):
        sample = self._draw(method, *args, size=size)
        return _new(numpy.asarray(sample, dtype=_float_dtype(dtype)), device, ctx)

    def random(self, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of U[0, 1); ``size=None`` gives one sample as a 0-d array."""
        return self._floats("random", size=size, dtype=dtype, device=device, ctx=ctx)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of U[low, high)."""
        return self._floats("uniform", raw(low), raw(high), size=size, dtype=dtype,
                            device=device, ctx=ctx)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of N(loc, scale^2)."""
        return self._floats("normal", raw(loc), raw(scale), size=size, dtype=dtype,
                            device=device, ctx=ctx)

    def standard_normal(self, size=None, dtype=None, *, device=None, ctx=None):
        """Samples of N(0, 1)."""
        return self._floats("standard_normal", size=size, dtype=dtype, device=device, ctx=ctx)

    def integers(self, low, high=None, size=None, dtype=numpy.int64, endpoint=False, *,
                 device=None, ctx=None):
        """Integers in [low, high) ([0, low) when ``high`` is None; ``endpoint`` closes it)."""
        sample = self._draw("integers", raw(low), None if high is None else raw(high),
                            size=size, dtype=dtype, endpoint=endpoint)
        return _new(numpy.asarray(sample), device, ctx)

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        """Samples of ``a`` (an array, or range(a) for an int), with probabilities ``p``.
        A constant even when ``a`` is recorded: index ``a`` to keep its gradient."""
        sample = self._draw("choice", raw(a), size=size, replace=replace,
                            p=None if p is None else raw(p), axis=axis, shuffle=shuffle)
        return _new(numpy.asarray(sample))

    def permutation(self, x, axis=0):
        """A shuffled copy of ``x`` along ``axis`` (of range(x) for an int); a constant."""
        return _new(numpy.asarray(self._draw("permutation", raw(x), axis=axis)))

    def shuffle(self, x, axis=0):
        """Shuffle ``x`` in place along ``axis``. An ndgrad array that is part of a recorded
        graph is refused (InPlaceModifiedError): index it with ``permutation`` instead."""
        if isinstance(x, ndarray):
            x._check_writable("np.random.shuffle")
            self._draw("shuffle", x._data, axis=axis)
            x._version[0] += 1
        else:
            self._draw("shuffle", x, axis=axis)


publish(Generator, "Generator", namespaces=("np.random",))


@public(namespaces=("np.random",))
def default_rng(seed=None):
    """A new ``Generator`` seeded by ``seed`` (an int, a sequence of ints, a NumPy
    SeedSequence, BitGenerator or Generator), or by fresh entropy when None; a Generator
    passed in is returned as it is, as NumPy."""
    if isinstance(seed, Generator):
        return seed
    return Generator(numpy.random.default_rng(seed))


@public(namespaces=("np.random",))
def seed(seed=None):
    """Reseed ndgrad's generator, so the draws that follow repeat."""
    with _LOCK:
        _GENERATOR[0] = numpy.random.default_rng(seed)


def generator_state():
    """The process generator's state, for ``replaying`` the same draws later."""
    with _LOCK:
        return _GENERATOR[0].bit_generator.state


@contextmanager
def replaying(state):
    """Draw from ``state`` inside the block (autograd.checkpoint's second run draws what the
    first drew); the generator goes on from where it was afterwards."""
    with _LOCK:
        saved = _GENERATOR[0].bit_generator.state
        _GENERATOR[0].bit_generator.state = state
    try:
        yield
    finally:
        with _LOCK:
            _GENERATOR[0].bit_generator.state = saved


def _shared():
    """The process's generator, behind the legacy functions."""
    return Generator(_GENERATOR[0], _LOCK)


@public(namespaces=("np.random",))
def rand(*shape, dtype=None, device=None, ctx=None):
    """Samples of U[0, 1) of shape ``shape`` (one 0-d sample with no shape)."""
    return _shared().random(shape or None, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def randn(*shape, dtype=None, device=None, ctx=None):
    """Samples of N(0, 1) of shape ``shape`` (one 0-d sample with no shape)."""
    return _shared().standard_normal(shape or None, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",), aliases=("random_sample",))
def random(size=None, dtype=None, *, device=None, ctx=None):
    """Samples of U[0, 1) (NumPy's random_sample)."""
    return _shared().random(size, dtype, device=device, ctx=ctx)



@public(namespaces=("np.random",))
def uniform(low=0.0, high=1.0, size=None, dtype=None, *, device=None, ctx=None):
    """Samples of U[low, high); ``size=None`` gives one sample as a 0-d array."""
    return _shared().uniform(low, high, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def normal(loc=0.0, scale=1.0, size=None, dtype=None, *, device=None, ctx=None):
    """Samples of N(loc, scale^2); ``size=None`` gives one sample as a 0-d array."""
    return _shared().normal(loc, scale, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def randint(low, high=None, size=None, dtype=numpy.int64, *, device=None, ctx=None):
    """Integers in [low, high), or [0, low) when ``high`` is None (int64, as NumPy)."""
    return _shared().integers(low, high, size, dtype, device=device, ctx=ctx)


@public(namespaces=("np.random",))
def choice(a, size=None, replace=True, p=None):
    """Samples of ``a`` (an array, or range(a) for an int), with probabilities ``p``."""
    return _shared().choice(a, size, replace, p)


@public(namespaces=("np.random",))
def permutation(x):
    """A shuffled copy of ``x`` along its first axis, or of range(x) for an int."""
    return _shared().permutation(x)


@public(namespaces=("np.random",))
def shuffle(x):
    """Shuffle ``x`` in place along its first axis (refused inside a recorded graph)."""
    _shared().shuffle(x)
