"""The composition matrix: every row of the op table (specs.py) through every way ndgrad's
transforms compose, in float64, against central finite differences.

For each case (row and variant), at an operand point the row's sampler draws, with random
unit directions ``t`` and ``s`` over the operands and random cotangents:

* reverse mode: ``func.vjp``'s pullback, ``autograd.backward`` and ``autograd.grad``;
* forward mode: ``func.jvp``;
* forward over reverse, with respect to the cotangent (the pullback is linear in it, so its
  JVP along a cotangent tangent is the VJP of that tangent) and to the primal;
* reverse over forward: the VJP of ``x -> J(x) t``;
* reverse over reverse: ``autograd.grad`` of a gradient taken with ``create_graph=True``;
* vmap of the VJP and of the JVP over a batch of three, against the loop over the examples;
* the transpose identity ``<v, J t> = <J^T v, t>``, with ndgrad's rules only, to rounding.

Derivatives are compared, as ``ndgrad.testing.check_grads`` does, through inner products with
random directions: ``<w, D(x) s>`` against the central difference of ``x -> <w, D(x)>`` along
``s``, where ``D`` is the first derivative ndgrad computes (checked itself by the first-order
rows). A new op with a row in the table is covered with no change here.

A primitive that cannot support a composition is listed in NO_DERIVATIVE, and that mode must
then raise NoDerivativeError; no other failure, and never a silent zero, is accepted. At
points where a derivative is locally constant (relu, abs, clip, 2 * x, sign, floor away from
their kinks), every second derivative is zeros, never a "not recorded" error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndgrad import autograd, func, np, npx
from ndgrad._pytree import flatten
from ndgrad.errors import NoDerivativeError

from .specs import CASE_IDS, CASES, checkerboard
from .table import case_id

FIRST_ORDER_MODES = ("reverse", "forward", "transpose")
COMPOSED_MODES = ("forward-over-reverse-cotangent", "forward-over-reverse-primal",
                  "reverse-over-forward", "reverse-over-reverse", "vmap")
MODES = FIRST_ORDER_MODES + COMPOSED_MODES

# {case id or row name: (mode, reason)}: compositions a primitive genuinely cannot support.
# The mode must raise NoDerivativeError there; do not list a case to hide a wrong derivative.
NO_DERIVATIVE: dict[str, tuple[str, str]] = {}

# least precise dtype among the operands and results -> (finite-difference step, rtol, atol,
# rounding); as check_grads, the step stays far above the rounding error of the values
TOLERANCES = {numpy.dtype(numpy.float64): (1e-6, 1e-5, 1e-7, 1e-10),
              numpy.dtype(numpy.float32): (1e-2, 2e-2, 2e-3, 1e-5)}
BATCH = 3

# Each example draws shapes and a seed (hypothesis tries the simplest shapes first); the
# first-order checks are the cheapest, so they draw more. About 90 s in all on one core.
FIRST_ORDER = settings(max_examples=10, deadline=None)
HIGHER_ORDER = settings(max_examples=8, deadline=None)


# -- helpers -----------------------------------------------------------------------------------
def leaves(tree) -> list:
    return flatten(tree)[0]


def as_numpy(values) -> list[numpy.ndarray]:
    return [numpy.asarray(v.asnumpy() if isinstance(v, np.ndarray) else v) for v in values]


def inner(xs, ys) -> float:
    """Re sum(x * y): the pairing under which the VJP is the JVP's transpose, for complex
    values too (docs/autograd.md); the dot product for real ones."""
    return float(sum(numpy.real(numpy.sum(x.astype(numpy.result_type(x, numpy.float64))
                                          * y.astype(numpy.result_type(y, numpy.float64))))
                     for x, y in zip(as_numpy(xs), as_numpy(ys))))


def random_like(rng, shape, dtype) -> numpy.ndarray:
    """Standard normal values, complex (both parts random) for a complex dtype."""
    if numpy.dtype(dtype).kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def wrap(values) -> list:
    return [np.array(v) for v in values]


class Point:
    """One case at one operand point: the function, its operands, random unit directions
    ``t`` and ``s`` over the operands, cotangents ``ct`` and ``ct2`` for the result, weights
    ``w`` for operand-shaped results, and batches of ``BATCH`` cotangents and tangents."""

    def __init__(self, spec, variant, shapes, seed: int) -> None:
        rng = numpy.random.default_rng(seed)
        self.xs = [numpy.asarray(x, numpy.result_type(x, numpy.float64))
                   for x in spec.sample(rng, shapes)]

        def f(*xs):
            out = spec.fn(*xs, **variant)
            return tuple(out) if isinstance(out, tuple) else out   # named tuples as plain ones

        self.f = f
        out_leaves, self.out_def = flatten(f(*wrap(self.xs)))
        self.out_leaves = as_numpy(out_leaves)
        dtypes = [numpy.finfo(a.dtype).dtype for a in self.out_leaves
                  if a.dtype.kind in "fc"] + [numpy.dtype("f8")]
        least = min(dtypes, key=lambda dtype: numpy.finfo(dtype).bits)
        self.eps, self.rtol, self.atol, self.rounding = TOLERANCES[least]
        self.t = self._direction(rng)
        self.s = self._direction(rng)
        self.ct = self._cotangent(rng)
        self.ct2 = self._cotangent(rng)
        self.w = [random_like(rng, x.shape, x.dtype) for x in self.xs]
        self.ct_batch = [numpy.stack(parts) for parts in
                         zip(*(self._cotangent(rng) for _ in range(BATCH)))]
        self.t_batch = [numpy.stack(parts) for parts in
                        zip(*(self._direction(rng) for _ in range(BATCH)))]

    def _direction(self, rng) -> list[numpy.ndarray]:
        u = [random_like(rng, x.shape, x.dtype) for x in self.xs]
        length = numpy.sqrt(sum(numpy.sum(numpy.abs(part) ** 2) for part in u))
        return [part / length for part in u] if length > 0 else u

    def _cotangent(self, rng) -> list[numpy.ndarray]:
        return [random_like(rng, y.shape, y.dtype) for y in self.out_leaves]

    def out_tree(self, parts):
        return self.out_def.unflatten(wrap(parts))

    # -- the first derivatives, as functions of the operands -----------------------------------
    def vjp(self, xs, ct) -> list:
        _, pullback = func.vjp(self.f, *wrap(xs))
        return list(pullback(self.out_tree(ct)))

    def jvp(self, xs, ts) -> list:
        return leaves(func.jvp(self.f, tuple(wrap(xs)), tuple(wrap(ts)))[1])

    def difference(self, g: Callable[[list], list], weights, direction) -> float:
        """The central difference of ``x -> <weights, g(x)>`` along ``direction``."""
        plus = g([x + self.eps * d for x, d in zip(self.xs, direction)])
        minus = g([x - self.eps * d for x, d in zip(self.xs, direction)])
        return (inner(weights, plus) - inner(weights, minus)) / (2 * self.eps)

    def assert_matches_difference(self, what: str, analytic: float, numeric: float) -> None:
        if abs(analytic - numeric) > self.atol + self.rtol * max(abs(analytic), abs(numeric)):
            raise AssertionError(f"{what} = {analytic!r} disagrees with the central difference "
                                 f"{numeric!r} (eps={self.eps}, rtol={self.rtol}, "
                                 f"atol={self.atol})")

    def assert_same(self, what: str, actual, expected) -> None:
        """Equal to rounding: both computed by ndgrad, along different routes."""
        actual, expected = as_numpy(actual), as_numpy(expected)
        assert len(actual) == len(expected), what
        for a, b in zip(actual, expected):
            assert a.shape == b.shape, f"{what}: shape {a.shape}, expected {b.shape}"
            scale = float(numpy.max(numpy.abs(b), initial=1.0))
            numpy.testing.assert_allclose(a, b, rtol=self.rounding,
                                          atol=self.rounding * scale, err_msg=what)


# -- the checks, one per mode ------------------------------------------------------------------
def check_reverse(p: Point) -> None:
    by_vjp = p.vjp(p.xs, p.ct)
    numeric = p.difference(lambda xs: as_numpy(leaves(p.f(*wrap(xs)))), p.ct, p.t)
    p.assert_matches_difference("<VJP(ct), t> by func.vjp", inner(by_vjp, p.t), numeric)

    variables = wrap(p.xs)
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        heads = leaves(p.f(*variables))
    autograd.backward(heads, head_grads=wrap(p.ct))
    p.assert_same("autograd.backward against func.vjp", [v.grad for v in variables], by_vjp)

    with autograd.record():
        heads = leaves(p.f(*variables))
    by_grad = autograd.grad(heads, variables, head_grads=wrap(p.ct))
    p.assert_same("autograd.grad against func.vjp", by_grad, by_vjp)


def check_forward(p: Point) -> None:
    numeric = p.difference(lambda xs: as_numpy(leaves(p.f(*wrap(xs)))), p.ct, p.t)
    p.assert_matches_difference("<ct, JVP(t)> by func.jvp", inner(p.ct, p.jvp(p.xs, p.t)),
                                numeric)


def check_forward_over_reverse_cotangent(p: Point) -> None:
    # the pullback is linear in the cotangent: its JVP along ct2 is the VJP of ct2
    _, tangent = func.jvp(lambda c: func.vjp(p.f, *wrap(p.xs))[1](c), (p.out_tree(p.ct),),
                          (p.out_tree(p.ct2),))
    p.assert_same("JVP of the pullback along a cotangent tangent ct2, against VJP(ct2)",
                  leaves(tangent), p.vjp(p.xs, p.ct2))


def check_forward_over_reverse_primal(p: Point) -> None:
    _, tangent = func.jvp(lambda *xs: func.vjp(p.f, *xs)[1](p.out_tree(p.ct)),
                          tuple(wrap(p.xs)), tuple(wrap(p.t)))
    numeric = p.difference(lambda xs: p.vjp(xs, p.ct), p.w, p.t)
    p.assert_matches_difference("<w, JVP along t of x -> VJP(ct)(x)>", inner(p.w, leaves(tangent)),
                                numeric)


def check_reverse_over_forward(p: Point) -> None:
    _, pullback = func.vjp(lambda *xs: func.jvp(p.f, xs, tuple(wrap(p.t)))[1], *wrap(p.xs))
    gradient = list(pullback(p.out_tree(p.ct2)))
    numeric = p.difference(lambda xs: p.jvp(xs, p.t), p.ct2, p.s)
    p.assert_matches_difference("<VJP(ct2) of x -> JVP(t)(x), s>", inner(gradient, p.s),
                                numeric)


def check_reverse_over_reverse(p: Point) -> None:
    variables = wrap(p.xs)
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        heads = leaves(p.f(*variables))
        first = autograd.grad(heads, variables, head_grads=wrap(p.ct), create_graph=True)
    second = autograd.grad(first, variables, head_grads=wrap(p.w))
    numeric = p.difference(lambda xs: p.vjp(xs, p.ct), p.w, p.s)
    p.assert_matches_difference("<grad of <w, VJP(ct)(x)>, s> (create_graph=True)",
                                inner(second, p.s), numeric)


def check_vmap(p: Point) -> None:
    def pullback(*ct):
        return func.vjp(p.f, *wrap(p.xs))[1](p.out_def.unflatten(list(ct)))

    mapped = leaves(func.vmap(pullback)(*wrap(p.ct_batch)))
    loop = [numpy.stack(parts) for parts in zip(*(
        as_numpy(p.vjp(p.xs, [c[k] for c in p.ct_batch])) for k in range(BATCH)))]
    p.assert_same("vmap of the VJP against the loop", mapped, loop)

    mapped = leaves(func.vmap(lambda *ts: func.jvp(p.f, tuple(wrap(p.xs)), ts)[1])(
        *wrap(p.t_batch)))
    loop = [numpy.stack(parts) for parts in zip(*(
        as_numpy(p.jvp(p.xs, [t[k] for t in p.t_batch])) for k in range(BATCH)))]
    p.assert_same("vmap of the JVP against the loop", mapped, loop)


def check_transpose(p: Point) -> None:
    jt = p.jvp(p.xs, p.t)
    vjp = p.vjp(p.xs, p.ct)
    forward, reverse = inner(p.ct, jt), inner(vjp, p.t)
    # the rounding of the two inner products scales with the sums of their terms' magnitudes
    scale = inner([numpy.abs(c) for c in p.ct], [numpy.abs(a) for a in as_numpy(jt)]) + inner(
        [numpy.abs(g) for g in as_numpy(vjp)], [numpy.abs(t) for t in p.t])
    assert abs(forward - reverse) <= p.rounding * scale, (
        f"<ct, J t> = {forward!r} but <J^T ct, t> = {reverse!r}")


CHECKS = {"reverse": check_reverse, "forward": check_forward,
          "forward-over-reverse-cotangent": check_forward_over_reverse_cotangent,
          "forward-over-reverse-primal": check_forward_over_reverse_primal,
          "reverse-over-forward": check_reverse_over_forward,
          "reverse-over-reverse": check_reverse_over_reverse,
          "vmap": check_vmap, "transpose": check_transpose}


def run(mode: str, spec, variant, shapes, seed: int) -> None:
    """The check of ``mode`` at one point; where NO_DERIVATIVE lists the case for that mode,
    the NoDerivativeError it must raise."""
    point = Point(spec, variant, shapes, seed)
    listed = NO_DERIVATIVE.get(case_id(spec, variant)) or NO_DERIVATIVE.get(spec.name)
    if listed is not None and listed[0] == mode:
        with pytest.raises(NoDerivativeError):
            CHECKS[mode](point)
    else:
        CHECKS[mode](point)


# -- the matrix --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", FIRST_ORDER_MODES)
@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
@FIRST_ORDER
@given(data=st.data())
def test_first_order(spec, variant, mode, data):
    shapes = data.draw(spec.operand_shapes(variant), label="shapes")
    run(mode, spec, variant, shapes, data.draw(st.integers(0, 2**32 - 1), label="seed"))


@pytest.mark.parametrize("mode", COMPOSED_MODES)
@pytest.mark.parametrize("spec, variant", CASES, ids=CASE_IDS)
@HIGHER_ORDER
@given(data=st.data())
def test_composed(spec, variant, mode, data):
    shapes = data.draw(spec.operand_shapes(variant), label="shapes")
    run(mode, spec, variant, shapes, data.draw(st.integers(0, 2**32 - 1), label="seed"))


def test_every_listed_case_names_a_case_and_a_mode():
    names = set(CASE_IDS) | {spec.name for spec, _ in CASES}
    for case, (mode, reason) in NO_DERIVATIVE.items():
        assert case in names, f"NO_DERIVATIVE lists {case!r}, which is no case or row"
        assert mode in MODES, f"NO_DERIVATIVE gives {case!r} the unknown mode {mode!r}"
        assert reason


# -- derivatives that are locally constant -----------------------------------------------------
def away_from_kinks(rng, shape):
    """Values at least 0.15 from 0, from the clip bounds +-0.5 and from the integers (floor's
    jumps), either sign."""
    return rng.choice([-1.7, -1.3, -0.75, -0.25, 0.25, 0.75, 1.3, 1.7], shape) + rng.uniform(
        -0.05, 0.05, shape)


LOCALLY_LINEAR = {
    "relu": (npx.relu, 1),
    "abs": (np.abs, 1),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), 1),
    "maximum": (np.maximum, 2),
    "minimum": (np.minimum, 2),
    "where": (lambda x, y: np.where(checkerboard(x, y), x, y), 2),
    "2*x": (lambda x: 2 * x, 1),
    "x+y": (lambda x, y: x + y, 2),
    "negative": (np.negative, 1),
    "sign": (np.sign, 1),
    "floor": (np.floor, 1),
    "relu-sum": (lambda x: np.sum(npx.relu(x) * 3.0), 1),
    "abs-of-getitem": (lambda x: np.abs(x[::-1]), 1),
}


@pytest.mark.parametrize("name", LOCALLY_LINEAR)
def test_second_derivatives_of_a_locally_linear_function_are_zeros(name):
    f, nargs = LOCALLY_LINEAR[name]
    rng = numpy.random.default_rng(0)
    xs = [away_from_kinks(rng, (2, 3)) for _ in range(nargs)]
    out = as_numpy([f(*wrap(xs))])[0]
    ct = rng.standard_normal(out.shape)
    t = [rng.standard_normal(x.shape) for x in xs]
    zeros = [numpy.zeros_like(x) for x in xs]

    def assert_zeros(what, values):
        values = as_numpy(values)
        assert [v.shape for v in values] == [z.shape for z in zeros], what
        for value in values:
            numpy.testing.assert_array_equal(value, 0.0, err_msg=what)

    variables = wrap(xs)
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        first = autograd.grad(f(*variables), variables, head_grads=np.array(ct),
                              create_graph=True)
    assert_zeros("reverse over reverse (autograd.grad)",
                 autograd.grad(first, variables, head_grads=wrap(t)))

    with autograd.record():
        first = autograd.grad(f(*variables), variables, head_grads=np.array(ct),
                              create_graph=True)
        total = sum(np.sum(g * np.array(w)) for g, w in zip(first, t))
    total.backward()
    assert_zeros("reverse over reverse (backward)", [v.grad for v in variables])

    _, tangent = func.jvp(lambda *p: func.vjp(f, *p)[1](np.array(ct)), tuple(wrap(xs)),
                          tuple(wrap(t)))
    assert_zeros("forward over reverse", tangent)

    _, pullback = func.vjp(lambda *p: func.jvp(f, p, tuple(wrap(t)))[1], *wrap(xs))
    assert_zeros("reverse over forward", pullback(np.array(ct)))

    def scalar(*p):
        return np.sum(f(*p) * np.array(ct))

    def directional(*p):
        return sum(np.sum(g * np.array(w)) for g, w in zip(leaves(func.grad(scalar, argnums)(*p)),
                                                          t))

    argnums = tuple(range(nargs))
    assert_zeros("func.grad of func.grad", leaves(func.grad(directional, argnums)(*wrap(xs))))
    for block in as_numpy(leaves(func.hessian(scalar, argnums)(*wrap(xs)))):
        numpy.testing.assert_array_equal(block, 0.0, err_msg="func.hessian")
