"""Gradient checking against finite differences, for tests of ndgrad and of code built on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from . import autograd, np

__all__ = ["check_grads"]

# dtype -> (eps, rtol, atol). The step must stay far above the rounding error of f's values.
_TOLERANCES = {
    numpy.dtype(numpy.float64): (1e-6, 1e-5, 1e-7),
    numpy.dtype(numpy.float32): (1e-2, 2e-2, 2e-3),
    numpy.dtype(numpy.float16): (1e-1, 1e-1, 5e-2),
}


def check_grads(f: Callable[..., Any], args: Sequence[Any], modes: Sequence[str] = ("rev",),
                order: int = 2, eps: float | None = None, rtol: float | None = None,
                atol: float | None = None) -> None:
    """Check the reverse-mode gradients of ``f`` at ``args`` against finite differences.

    With a random direction ``u`` (one part per argument, unit norm in all) and a random
    cotangent ``v``, the inner product of the gradient ``<VJP(v), u>`` must match the central
    difference ``(<v, f(x + eps u)> - <v, f(x - eps u)>) / (2 eps)``, as HIPS autograd's and
    JAX's ``check_grads`` do: one pass per order, however large the inputs. With ``order=2``
    the gradient function ``x -> grad(<v, f(x)>, x, create_graph=True)`` is checked the same
    way, and so on for higher orders. The random draws use a fixed seed, so a failure repeats.

    Parameters
    ----------
    f : callable
        Takes one ndgrad array per entry of ``args`` and returns one ndgrad array.
    args : sequence of array_like, or one array
        The point to check at, one entry per argument of ``f``. Floating-point arrays keep
        their dtype; all arguments are perturbed together. Pass float64 for a tight check:
        the step and the tolerances follow the least precise dtype among the arguments and
        ``f``'s result.
    modes : sequence of str
        ``"rev"`` (reverse mode). ``"fwd"`` is not available yet: forward mode arrives with
        ``ndgrad.func.jvp``.
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
    NotImplementedError
        When ``modes`` contains ``"fwd"``.

    Examples
    --------
    >>> import numpy
    >>> from ndgrad import np
    >>> from ndgrad.testing import check_grads
    >>> check_grads(lambda x, y: np.sin(x) * y, [numpy.linspace(-1.0, 1.0, 5), numpy.ones(5)])
    """
    for mode in modes:
        if mode == "fwd":
            raise NotImplementedError("forward mode arrives with ndgrad.func.jvp")
        if mode != "rev":
            raise ValueError(f"modes may contain 'rev' (and later 'fwd'), not {mode!r}")
    if order < 1:
        raise ValueError(f"order must be 1 or more, not {order}")
    if not isinstance(args, (list, tuple)):
        args = [args]
    xs = [numpy.array(getattr(x, "_data", x), dtype=_float_dtype(x)) for x in args]
    function = _as_list_function(f)
    dtypes = [a.dtype for a in xs + _evaluate(function, xs) if a.dtype.kind == "f"]
    least_precise = min(dtypes, key=lambda dtype: numpy.finfo(dtype).bits)
    default_eps, default_rtol, default_atol = _TOLERANCES[least_precise]
    tolerances = (default_eps if eps is None else eps, default_rtol if rtol is None else rtol,
                  default_atol if atol is None else atol)
    name = getattr(f, "__name__", repr(f))
    rng = numpy.random.default_rng(0)
    for level in range(1, order + 1):
        v = _compare(function, xs, rng, f"check_grads({name}): the order-{level}", *tolerances)
        function = _gradient_function(function, v)


def _compare(function: Callable[..., list], xs: list, rng: numpy.random.Generator,
             label: str, eps: float, rtol: float, atol: float) -> list:
    """Compare <VJP(v), u> with the central difference; return the cotangent v used."""
    u = [rng.standard_normal(x.shape) for x in xs]
    length = numpy.sqrt(sum(numpy.sum(part * part) for part in u))
    u = [part / length for part in u] if length > 0 else u
    x_plus = [(x + eps * part).astype(x.dtype) for x, part in zip(xs, u)]
    x_minus = [(x - eps * part).astype(x.dtype) for x, part in zip(xs, u)]
    # the step actually taken, after rounding x +- eps u to the arguments' dtype
    u = [(p.astype(numpy.float64) - m) / (2 * eps) for p, m in zip(x_plus, x_minus)]
    v = [rng.standard_normal(y.shape).astype(y.dtype) for y in _evaluate(function, xs)]

    variables = _variables(xs)
    with autograd.record():
        heads = function(*variables)
    analytic = _inner(_vjp(heads, variables, v, create_graph=False), u)
    numeric = (_inner(v, _evaluate(function, x_plus))
               - _inner(v, _evaluate(function, x_minus))) / (2 * eps)
    if not abs(analytic - numeric) <= atol + rtol * max(abs(analytic), abs(numeric)):
        raise AssertionError(
            f"{label} reverse-mode gradient disagrees with central finite differences: "
            f"<VJP(v), u> = {analytic!r} but the difference quotient is {numeric!r} "
            f"(eps={eps}, rtol={rtol}, atol={atol})")
    return v


def _float_dtype(x: Any) -> numpy.dtype:
    dtype = numpy.asarray(getattr(x, "_data", x)).dtype
    return dtype if dtype.kind == "f" else numpy.dtype(numpy.float64)


def _as_list_function(f: Callable[..., Any]) -> Callable[..., list]:
    def function(*xs: Any) -> list:
        out = f(*xs)
        if not isinstance(out, np.ndarray):
            raise TypeError(f"check_grads: f must return one ndgrad array, not "
                            f"{type(out).__name__}")
        return [out]
    return function


def _gradient_function(function: Callable[..., list], v: list) -> Callable[..., list]:
    """x -> grad(<v, function(x)>, x), recorded so that it can be differentiated again."""
    def gradient(*xs: Any) -> list:
        with autograd.record():
            heads = function(*xs)
        return _vjp(heads, list(xs), v, create_graph=True)
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
    return float(sum(numpy.vdot(numpy.asarray(x, dtype=numpy.float64),
                                numpy.asarray(y, dtype=numpy.float64))
                     for x, y in zip(xs, ys)))
