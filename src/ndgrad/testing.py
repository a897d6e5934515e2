"""Gradient checking against finite differences, for tests of ndgrad and of code built on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from . import autograd, func, np

__all__ = ["check_grads"]

# dtype -> (eps, rtol, atol). The step must stay far above the rounding error of f's values.
_TOLERANCES = {
    numpy.dtype(numpy.float64): (1e-6, 1e-5, 1e-7),
    numpy.dtype(numpy.float32): (1e-2, 2e-2, 2e-3),
    numpy.dtype(numpy.float16): (1e-1, 1e-1, 5e-2),
}


def check_grads(f: Callable[..., Any], args: Sequence[Any],
                modes: Sequence[str] = ("fwd", "rev"), order: int = 2, eps: float | None = None,
                rtol: float | None = None, atol: float | None = None) -> None:
    """Check the derivatives of ``f`` at ``args`` against finite differences, in forward and
    reverse mode.

    With a random direction ``u`` (one part per argument, unit norm in all) and a random
    cotangent ``v``, both ``<v, JVP(u)>`` (forward mode, ``func.jvp``) and ``<VJP(v), u>``
    (reverse mode) must match the central difference
    ``(<v, f(x + eps u)> - <v, f(x - eps u)>) / (2 eps)``, as HIPS autograd's and JAX's
    ``check_grads`` do: one pass per order and mode, however large the inputs. With both
    modes the two are also compared with each other, to rounding: that is the transpose
    identity ``<v, J u> = <J^T v, u>``. With ``order=2`` the gradient function
    ``x -> grad(<v, f(x)>, x, create_graph=True)`` is checked the same way (forward mode on it
    is forward-over-reverse), and so on for higher orders. The random draws use a fixed seed,
    so a failure repeats.

    Parameters
    ----------
    f : callable
        Takes one ndgrad array per entry of ``args`` and returns one ndgrad array.
        Complex arguments are perturbed in the real and imaginary directions (the
        convention of docs/autograd.md: the gradient of a real f is df/dx - i df/dy).
    args : sequence of array_like, or one array
        The point to check at, one entry per argument of ``f``. Floating-point arrays keep
        their dtype; all arguments are perturbed together. Pass float64 for a tight check:
        the step and the tolerances follow the least precise dtype among the arguments and
        ``f``'s result.
    modes : sequence of str
        ``"fwd"`` (forward mode), ``"rev"`` (reverse mode), or both (the default).
    order : int
        The highest order of derivative to check, 1 or more.
    eps, rtol, atol : float, optional
        Step of the finite difference and tolerances of the comparison, which passes when
        ``|analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|)``.
        Defaults depend on the dtype (float64: 1e-6, 1e-5, 1e-7).

    Raises
    ------
    AssertionError
        When the two numbers disagree; the message names ``f``, the order and both numbers.

    Examples
    --------
    >>> import numpy
    >>> from ndgrad import np
    >>> from ndgrad.testing import check_grads
    >>> check_grads(lambda x, y: np.sin(x) * y, [numpy.linspace(-1.0, 1.0, 5), numpy.ones(5)])
    """
    modes = tuple(modes)
    if not modes or any(mode not in ("fwd", "rev") for mode in modes):
        raise ValueError(f"modes must be some of 'fwd' and 'rev', not {modes!r}")
    if order < 1:
        raise ValueError(f"order must be 1 or more, not {order}")
    if eps is not None and not (isinstance(eps, (int, float)) and 0 < eps < numpy.inf):
        raise ValueError(f"eps, the finite-difference step, must be a positive finite number, "
                         f"not {eps!r}")
    if not isinstance(args, (list, tuple)):
        args = [args]
    xs = [numpy.array(getattr(x, "_data", x), dtype=_float_dtype(x)) for x in args]
    function = _as_list_function(f)
    dtypes = [numpy.finfo(a.dtype).dtype for a in xs + _evaluate(function, xs)
              if a.dtype.kind in "fc"]
    least_precise = min(dtypes, key=lambda dtype: numpy.finfo(dtype).bits)
    default_eps, default_rtol, default_atol = _TOLERANCES[least_precise]
    tolerances = (default_eps if eps is None else eps, default_rtol if rtol is None else rtol,
                  default_atol if atol is None else atol)
    name = getattr(f, "__name__", repr(f))
    rng = numpy.random.default_rng(0)
    for level in range(1, order + 1):
        v = _compare(function, xs, rng, modes, f"check_grads({name}): the order-{level}",
                     *tolerances)
        function = _gradient_function(function, v)


def _compare(function: Callable[..., list], xs: list, rng: numpy.random.Generator,
             modes: tuple, label: str, eps: float, rtol: float, atol: float) -> list:
    """Compare <v, JVP(u)> and <VJP(v), u> with the central difference (and with each
    other); return the cotangent v used."""
    u = [_random_like(rng, x) for x in xs]
    length = numpy.sqrt(sum(numpy.sum(numpy.abs(part) ** 2) for part in u))
    u = [part / length for part in u] if length > 0 else u
    x_plus = [(x + eps * part).astype(x.dtype) for x, part in zip(xs, u)]
    x_minus = [(x - eps * part).astype(x.dtype) for x, part in zip(xs, u)]
    # the step actually taken, after rounding x +- eps u to the arguments' dtype
    u = [(p.astype(numpy.result_type(p, numpy.float64)) - m) / (2 * eps)
         for p, m in zip(x_plus, x_minus)]
    v = [_random_like(rng, y).astype(y.dtype) for y in _evaluate(function, xs)]

    numeric = (_inner(v, _evaluate(function, x_plus))
               - _inner(v, _evaluate(function, x_minus))) / (2 * eps)
    analytic = {}
    if "fwd" in modes:
        tangents = [np.array(part.astype(x.dtype)) for part, x in zip(u, xs)]
        _, derivatives = func.jvp(lambda *args: function(*args), tuple(np.array(x) for x in xs),
                                  tuple(tangents))
        analytic["forward-mode derivative <v, JVP(u)>"] = _inner(v, derivatives)
    if "rev" in modes:
        variables = _variables(xs)
        with autograd.record():
            heads = function(*variables)
        analytic["reverse-mode gradient <VJP(v), u>"] = _inner(
            _vjp(heads, variables, v, create_graph=False), u)
    for what, value in analytic.items():
        if not _close(value, numeric, atol, rtol):
            raise AssertionError(
                f"{label} {what} = {value!r} disagrees with the central difference quotient "
                f"{numeric!r} (eps={eps}, rtol={rtol}, atol={atol})")
    if len(analytic) == 2:
        forward, reverse = analytic.values()
        if not _close(forward, reverse, atol * 1e-3, rtol * 1e-3):
            raise AssertionError(
                f"{label} forward and reverse modes disagree: <v, J u> = {forward!r} but "
                f"<J^T v, u> = {reverse!r}")
    return v


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _float_dtype(x: Any) -> numpy.dtype:
    dtype = numpy.asarray(getattr(x, "_data", x)).dtype
    return dtype if dtype.kind in "fc" else numpy.dtype(numpy.float64)


def _random_like(rng: numpy.random.Generator, x: numpy.ndarray) -> numpy.ndarray:
    """Standard normal entries of x's shape; complex (both parts random) for complex x, so
    that complex arguments are perturbed in the real and the imaginary directions."""
    if x.dtype.kind == "c":
        return rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)
    return rng.standard_normal(x.shape)


def _as_list_function(f: Callable[..., Any]) -> Callable[..., list]:
    def function(*xs: Any) -> list:
        out = f(*xs)
        if not isinstance(out, np.ndarray):
            raise TypeError(f"check_grads: f must return one ndgrad array, not "
                            f"{type(out).__name__}")
        return [out]
    return function


def _gradient_function(function: Callable[..., list], v: list) -> Callable[..., list]:
    """x -> grad(<v, function(x)>, x), itself differentiable (in both modes)."""
    def gradient(*xs: Any) -> list:
        _, pullback = func.vjp(function, *xs)
        return list(pullback(list(v)))
    return gradient


def _variables(xs: list) -> list:
    variables = [np.array(x) for x in xs]
    for variable in variables:
        variable.attach_grad()
    return variables


def _evaluate(function: Callable[..., list], xs: list) -> list:
    return [y.asnumpy() for y in function(*_variables(xs))]


def _vjp(heads: list, variables: list, v: list, create_graph: bool) -> list:
    """The gradients of <v, heads> with respect to the variables."""
    # A head with no recorded history does not depend on the variables (the gradient of a
    # linear function is constant, for instance): it contributes zero.
    pairs = [(head, np.array(w)) for head, w in zip(heads, v) if head._node is not None]
    if not pairs:
        return [np.zeros_like(x) for x in variables]
    return autograd.grad([head for head, _ in pairs], variables,
                         head_grads=[w for _, w in pairs], create_graph=create_graph)


def _inner(xs: Sequence[Any], ys: Sequence[Any]) -> float:
    """Re sum(x * y), the pairing under which a VJP is the transpose of the JVP in the
    complex convention of docs/autograd.md (for real arrays, the dot product)."""
    total = 0.0
    for x, y in zip(xs, ys):
        x, y = numpy.asarray(x), numpy.asarray(y)
        x = x.astype(numpy.result_type(x, numpy.float64), copy=False)
        y = y.astype(numpy.result_type(y, numpy.float64), copy=False)
        total += float(numpy.real(numpy.sum(x * y)))
    return total
