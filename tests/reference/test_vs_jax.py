"""ndgrad.func against JAX (CPU, float64): the same functions on the same random inputs must give
the same values, to 1e-10, for every transform and their compositions.

An optional tier: skipped where JAX is not installed (see README.md beside this file).
"""

from __future__ import annotations

import collections
import warnings

import numpy as onp
import pytest
from numpy import errstate as numpy_errstate

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
from reference_helpers import (
    assert_trees_close,
    examples,
    nd,
    numpy_tree,
    same_values,
)

from ndgrad import autograd, func, np, npx


class JaxDiffers(UserWarning):
    """ndgrad and JAX disagree at a point where the derivative does not exist (reported, not
    asserted)."""


# -- the functions, written once for both namespaces (m is ndgrad.np or jax.numpy) --------------
def softmax(m, x):
    e = m.exp(x - m.max(x, axis=-1, keepdims=True))
    return e / m.sum(e, axis=-1, keepdims=True)


def const(m, *shape):
    """A fixed array of ``shape`` (the same numbers for both namespaces)."""
    size = int(onp.prod(shape)) if shape else 1
    return m.asarray(onp.cos(onp.arange(size, dtype=onp.float64) * 0.7 + 0.3).reshape(shape))


def vec(rng, n):
    return rng.standard_normal(n)


def mat(rng, n):
    return 0.5 * rng.standard_normal((n, n)) + 2.0 * onp.eye(n)


SCALAR = {   # f: array -> shape ()
    "sin_exp": (vec, lambda m, x: m.sum(m.sin(x) * m.exp(x))),
    "tanh_cube": (vec, lambda m, x: m.sum(m.tanh(x) ** 2) + m.mean(x * x * x)),
    "log1p_sq": (vec, lambda m, x: m.sum(m.log1p(x ** 2))),
    "logsumexp": (vec, lambda m, x: m.log(m.sum(m.exp(x - m.max(x)))) + m.max(x)),
    "softmax_dot": (vec, lambda m, x: m.sum(softmax(m, x) * const(m, x.shape[0]))),
    "max_mix": (vec, lambda m, x: m.max(m.sin(x)) * m.sum(x)),
    "prod_cos": (vec, lambda m, x: m.prod(m.cos(x) + 2)),
    "sqrt_norm": (vec, lambda m, x: m.sqrt(m.sum(x ** 2) + 1)),
    "arctan_cosh": (vec, lambda m, x: m.sum(m.arctan(x) * m.cosh(x / 2))),
    "var_exp": (vec, lambda m, x: m.var(m.exp(x))),
    "logdet": (mat, lambda m, a: m.log(m.abs(m.linalg.det(a)))),
    "inv_sum": (mat, lambda m, a: m.sum(m.linalg.inv(a) * const(m, *a.shape))),
    "solve_sq": (mat, lambda m, a: m.sum(m.linalg.solve(a, const(m, a.shape[0])) ** 2)),
    "matmul_tanh": (mat, lambda m, a: m.sum(m.tanh(a @ a.T / a.shape[0]))),
    "det_trace": (mat, lambda m, a: m.linalg.det(a) * m.trace(a @ a)),
}

VECTOR = {   # f: array -> array
    "sin_times_norm": (vec, lambda m, x: m.sin(x) * m.sum(x ** 2)),
    "softmax": (vec, lambda m, x: softmax(m, x)),
    "affine_tanh": (vec, lambda m, x: m.tanh(const(m, 3, x.shape[0]) @ x + 1)),
    "cumsum_exp": (vec, lambda m, x: m.cumsum(m.exp(x) * x)),
    "outer_sin": (vec, lambda m, x: m.reshape(m.outer(x, m.sin(x)), (-1,))),
    "log1p_exp": (vec, lambda m, x: m.log1p(m.exp(x)) / (1 + x ** 2)),
    "inv": (mat, lambda m, a: m.linalg.inv(a)),
    "solve_vec": (mat, lambda m, a: m.linalg.solve(a, m.sin(const(m, a.shape[0])))),
    "matmul_sin": (mat, lambda m, a: a @ m.sin(a)),
    "max_mean_axes": (mat, lambda m, a: m.max(a, axis=0) * m.mean(a, axis=1)),
}

VEC_SCALAR = [k for k, (sampler, _) in SCALAR.items() if sampler is vec]
VEC_VECTOR = [k for k, (sampler, _) in VECTOR.items() if sampler is vec]


def case(table, name, seed, n):
    """(ndgrad f, JAX f, x) for one row and one random draw."""
    sampler, f = table[name]
    rng = onp.random.default_rng(seed)
    return (lambda x: f(np, x)), (lambda x: f(jnp, x)), sampler(rng, n), rng


def j(tree):
    return jax.tree_util.tree_map(jnp.asarray, tree)


# -- one transform at a time ----------------------------------------------------------------
@pytest.mark.parametrize("name", SCALAR)
@examples()
def test_grad_and_value_and_grad(name, seed, n):
    f, g, x, _ = case(SCALAR, name, seed, n)
    assert_trees_close(func.grad(f)(nd(x)), jax.grad(g)(j(x)), where="grad")
    assert_trees_close(func.value_and_grad(f)(nd(x)), jax.value_and_grad(g)(j(x)),
                       where="value_and_grad")


@pytest.mark.parametrize("name", VECTOR)
@examples()
def test_vjp(name, seed, n):
    f, g, x, rng = case(VECTOR, name, seed, n)
    out_j, pullback_j = jax.vjp(g, j(x))
    ct = rng.standard_normal(out_j.shape)
    out, pullback = func.vjp(f, nd(x))
    assert_trees_close(out, out_j, where="vjp output")
    assert_trees_close(pullback(nd(ct)), pullback_j(j(ct)), where="pullback")
    # a pullback is reusable
    ct2 = rng.standard_normal(out_j.shape)
    assert_trees_close(pullback(nd(ct2)), pullback_j(j(ct2)), where="pullback, second call")


@pytest.mark.parametrize("name", VECTOR)
@examples()
def test_jvp(name, seed, n):
    f, g, x, rng = case(VECTOR, name, seed, n)
    t = rng.standard_normal(x.shape)
    assert_trees_close(func.jvp(f, (nd(x),), (nd(t),)), jax.jvp(g, (j(x),), (j(t),)),
                       where="jvp")


@pytest.mark.parametrize("table,name", [(VECTOR, k) for k in VECTOR]
                         + [(SCALAR, k) for k in SCALAR])
@examples(4)
def test_jacfwd_and_jacrev(table, name, seed, n):
    f, g, x, _ = case(table, name, seed, n)
    expected = jax.jacrev(g)(j(x))
    assert_trees_close(func.jacrev(f)(nd(x)), expected, where="jacrev")
    assert_trees_close(func.jacfwd(f)(nd(x)), jax.jacfwd(g)(j(x)), where="jacfwd")
    assert_trees_close(func.jacobian(f)(nd(x)), expected, where="jacobian")


@pytest.mark.parametrize("name", SCALAR)
@examples(4)
def test_hessian_and_hvp(name, seed, n):
    f, g, x, rng = case(SCALAR, name, seed, n)
    assert_trees_close(func.hessian(f)(nd(x)), jax.hessian(g)(j(x)), where="hessian")
    t = rng.standard_normal(x.shape)
    expected = jax.jvp(jax.grad(g), (j(x),), (j(t),))[1]
    assert_trees_close(func.hvp(f, (nd(x),), (nd(t),)), expected, where="hvp")


@pytest.mark.parametrize("name", VECTOR)
@examples(4)
def test_vmap(name, seed, n):
    sampler, _ = VECTOR[name]
    f, g, _, rng = case(VECTOR, name, seed, n)
    xs = onp.stack([sampler(rng, n) for _ in range(3)])
    assert_trees_close(func.vmap(f)(nd(xs)), jax.vmap(g)(j(xs)), where="vmap")


# -- compositions ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", VECTOR)
@examples(4)
def test_forward_over_reverse_in_the_cotangent_is_the_vjp_of_the_tangent(name, seed, n):
    """A pullback is linear in its cotangent: pushing a tangent t of the cotangent through it
    gives pullback(t). Tangents riding on cotangents must not be dropped."""
    f, g, x, rng = case(VECTOR, name, seed, n)
    out_j, pullback_j = jax.vjp(g, j(x))
    ct, t = rng.standard_normal(out_j.shape), rng.standard_normal(out_j.shape)
    expected = jax.jvp(lambda c: jax.vjp(g, j(x))[1](c)[0], (j(ct),), (j(t),))
    assert_trees_close(expected[1], pullback_j(j(t))[0], where="JAX itself")
    inside = func.jvp(lambda c: func.vjp(f, nd(x))[1](c)[0], (nd(ct),), (nd(t),))
    assert_trees_close(inside, expected, where="jvp of a pullback made inside")
    _, pullback = func.vjp(f, nd(x))
    outside = func.jvp(lambda c: pullback(c)[0], (nd(ct),), (nd(t),))
    assert_trees_close(outside, expected, where="jvp of a pullback made outside")


@pytest.mark.parametrize("name", VECTOR)
@examples(4)
def test_forward_over_reverse_in_the_primal(name, seed, n):
    f, g, x, rng = case(VECTOR, name, seed, n)
    out_j = g(j(x))
    ct, t = rng.standard_normal(out_j.shape), rng.standard_normal(x.shape)
    expected = jax.jvp(lambda y: jax.vjp(g, y)[1](j(ct))[0], (j(x),), (j(t),))
    actual = func.jvp(lambda y: func.vjp(f, y)[1](nd(ct))[0], (nd(x),), (nd(t),))
    assert_trees_close(actual, expected, where="jvp of vjp in x")


@pytest.mark.parametrize("name", VECTOR)
@examples(4)
def test_reverse_over_forward(name, seed, n):
    f, g, x, rng = case(VECTOR, name, seed, n)
    out_j = g(j(x))
    t, c = rng.standard_normal(x.shape), rng.standard_normal(out_j.shape)
    expected = jax.grad(lambda y: jnp.sum(jax.jvp(g, (y,), (j(t),))[1] * j(c)))(j(x))
    actual = func.grad(lambda y: np.sum(func.jvp(f, (y,), (nd(t),))[1] * nd(c)))(nd(x))
    assert_trees_close(actual, expected, where="grad of jvp")
    expected = jax.vjp(lambda y: jax.jvp(g, (y,), (j(t),))[1], j(x))[1](j(c))
    actual = func.vjp(lambda y: func.jvp(f, (y,), (nd(t),))[1], nd(x))[1](nd(c))
    assert_trees_close(actual, expected, where="vjp of jvp")
    assert_trees_close(func.jacrev(func.jacfwd(f))(nd(x)), jax.jacrev(jax.jacfwd(g))(j(x)),
                       where="jacrev(jacfwd)")


@pytest.mark.parametrize("name", SCALAR)
@examples(4)
def test_reverse_over_reverse(name, seed, n):
    f, g, x, rng = case(SCALAR, name, seed, n)
    c = rng.standard_normal(x.shape)
    expected = jax.grad(lambda y: jnp.sum(jax.grad(g)(y) * j(c)))(j(x))
    actual = func.grad(lambda y: np.sum(func.grad(f)(y) * nd(c)))(nd(x))
    assert_trees_close(actual, expected, where="grad of grad")
    assert_trees_close(func.jacrev(func.jacrev(f))(nd(x)), jax.jacrev(jax.jacrev(g))(j(x)),
                       where="jacrev(jacrev)")
    _, pullback = func.vjp(func.grad(f), nd(x))
    assert_trees_close(pullback(nd(c)), jax.vjp(jax.grad(g), j(x))[1](j(c)),
                       where="vjp of grad")


@pytest.mark.parametrize("name", VEC_SCALAR)
@examples(3)
def test_three_deep(name, seed, n):
    f, g, x, rng = case(SCALAR, name, seed, min(n, 3))
    t = rng.standard_normal(x.shape)
    expected = jax.jvp(jax.grad(lambda y: jnp.sum(jax.grad(g)(y) ** 2)), (j(x),), (j(t),))
    actual = func.jvp(func.grad(lambda y: np.sum(func.grad(f)(y) ** 2)), (nd(x),), (nd(t),))
    assert_trees_close(actual, expected, where="jvp of grad of grad")
    assert_trees_close(func.jacfwd(func.jacrev(func.jacrev(f)))(nd(x)),
                       jax.jacfwd(jax.jacrev(jax.jacrev(g)))(j(x)), where="third derivative")
    assert_trees_close(func.jacfwd(func.hessian(f))(nd(x)), jax.jacfwd(jax.hessian(g))(j(x)),
                       where="jacfwd(hessian)")
    expected = jax.grad(lambda y: jnp.sum(jax.jvp(jax.grad(g), (y,), (j(t),))[1]))(j(x))
    actual = func.grad(lambda y: np.sum(func.hvp(f, (y,), (nd(t),))))(nd(x))
    assert_trees_close(actual, expected, where="grad of hvp")


SCALAR_FUNCTIONS = {   # R -> R, for grad(grad(grad)) on 0-d arrays
    "sin_exp": lambda m, x: m.sin(x) * m.exp(x),
    "tanh_log1p": lambda m, x: m.tanh(x) * m.log1p(x * x),
    "sqrt_arctan": lambda m, x: m.sqrt(1 + x ** 2) * m.arctan(x),
}


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
@examples(4)
def test_third_and_fourth_derivatives_of_scalar_functions(name, seed, n):
    f = SCALAR_FUNCTIONS[name]
    x = onp.random.default_rng(seed).standard_normal()
    nd_f, jax_f = (lambda y: f(np, y)), (lambda y: f(jnp, y))
    d3 = func.grad(func.grad(func.grad(nd_f)))
    assert_trees_close(d3(nd(onp.float64(x))), jax.grad(jax.grad(jax.grad(jax_f)))(x),
                       where="grad(grad(grad))")
    actual = func.jvp(func.grad(func.grad(nd_f)), (nd(onp.float64(x)),), (nd(onp.float64(n)),))
    expected = jax.jvp(jax.grad(jax.grad(jax_f)), (jnp.float64(x),), (jnp.float64(n),))
    assert_trees_close(actual, expected, where="jvp(grad(grad))")
    d4 = func.grad(func.grad(func.grad(func.grad(nd_f))))
    assert_trees_close(d4(nd(onp.float64(x))),
                       jax.grad(jax.grad(jax.grad(jax.grad(jax_f))))(x), tol=1e-9,
                       where="fourth derivative")


@pytest.mark.parametrize("name", SCALAR)
@examples(3)
def test_vmap_of_grad_and_of_hvp(name, seed, n):
    sampler, _ = SCALAR[name]
    f, g, _, rng = case(SCALAR, name, seed, n)
    xs = onp.stack([sampler(rng, n) for _ in range(3)])
    ts = rng.standard_normal(xs.shape)
    assert_trees_close(func.vmap(func.grad(f))(nd(xs)), jax.vmap(jax.grad(g))(j(xs)),
                       where="vmap(grad)")
    expected = jax.vmap(lambda y, t: jax.jvp(jax.grad(g), (y,), (t,))[1])(j(xs), j(ts))
    actual = func.vmap(lambda y, t: func.hvp(f, (y,), (t,)))(nd(xs), nd(ts))
    assert_trees_close(actual, expected, where="vmap(hvp)")


@pytest.mark.parametrize("name", VECTOR)
@examples(3)
def test_vmap_of_jvp_and_of_vjp(name, seed, n):
    sampler, _ = VECTOR[name]
    f, g, x, rng = case(VECTOR, name, seed, n)
    xs = onp.stack([sampler(rng, n) for _ in range(3)])
    ts = rng.standard_normal(xs.shape)
    expected = jax.vmap(lambda y, t: jax.jvp(g, (y,), (t,)))(j(xs), j(ts))
    actual = func.vmap(lambda y, t: func.jvp(f, (y,), (t,)))(nd(xs), nd(ts))
    assert_trees_close(actual, expected, where="vmap(jvp)")
    cts = rng.standard_normal((3,) + g(j(x)).shape)
    expected = jax.vmap(lambda y, c: jax.vjp(g, y)[1](c)[0])(j(xs), j(cts))
    actual = func.vmap(lambda y, c: func.vjp(f, y)[1](c)[0])(nd(xs), nd(cts))
    assert_trees_close(actual, expected, where="vmap(vjp)")


def test_jvp_and_vjp_of_vmap():
    rng = onp.random.default_rng(3)
    xs, ts = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    f = VECTOR["affine_tanh"][1]
    expected = jax.jvp(jax.vmap(lambda y: f(jnp, y)), (j(xs),), (j(ts),))
    actual = func.jvp(func.vmap(lambda y: f(np, y)), (nd(xs),), (nd(ts),))
    assert_trees_close(actual, expected, where="jvp(vmap)")
    cts = rng.standard_normal((4, 3))
    expected = jax.vjp(jax.vmap(lambda y: f(jnp, y)), j(xs))[1](j(cts))
    actual = func.vjp(func.vmap(lambda y: f(np, y)), nd(xs))[1](nd(cts))
    assert_trees_close(actual, expected, where="vjp(vmap)")


# -- several arguments, argnums, pytrees -------------------------------------------------------
def test_argnums_and_pytree_arguments():
    rng = onp.random.default_rng(0)
    params = {"w": rng.standard_normal((3, 2)), "b": [rng.standard_normal(2), (rng.standard_normal(()),)]}
    x = rng.standard_normal((4, 3))

    def loss(m, p, x):
        h = m.tanh(x @ p["w"] + p["b"][0]) * p["b"][1][0]
        return m.sum(h ** 2)
    nd_loss, jax_loss = (lambda p, x: loss(np, p, x)), (lambda p, x: loss(jnp, p, x))
    assert_trees_close(func.grad(nd_loss, argnums=(0, 1))(nd(params), nd(x)),
                       jax.grad(jax_loss, argnums=(0, 1))(j(params), j(x)), where="grad")
    assert_trees_close(func.hessian(nd_loss, argnums=1)(nd(params), nd(x)),
                       jax.hessian(jax_loss, argnums=1)(j(params), j(x)), where="hessian in x")
    assert_trees_close(func.jacrev(nd_loss)(nd(params), nd(x)),
                       jax.jacrev(jax_loss)(j(params), j(x)), where="jacrev in params")
    assert_trees_close(func.jacfwd(nd_loss)(nd(params), nd(x)),
                       jax.jacfwd(jax_loss)(j(params), j(x)), where="jacfwd in params")
    tangents = jax.tree_util.tree_map(lambda a: onp.ones_like(a), params)
    assert_trees_close(
        func.jvp(nd_loss, (nd(params), nd(x)), (nd(tangents), nd(onp.ones_like(x)))),
        jax.jvp(jax_loss, (j(params), j(x)), (j(tangents), j(onp.ones_like(x)))), where="jvp")


# -- custom rules with pytree arguments --------------------------------------------------------
def _scale_pair(m, defvjp_of):
    """f(p, x) = p["w"] * x with a rule that doubles the gradient of w (so the rule, not the
    function, is what is differentiated) and gives x its true gradient."""
    def fun(p, x):
        return p["w"] * x

    def fwd(p, x):
        return p["w"] * x, (p["w"], x)

    def bwd(residuals, g):
        w, x = residuals
        return {"w": 2 * g * x}, g * w
    return defvjp_of(fun, fwd, bwd)


def _nd_custom_vjp(fun, fwd, bwd):
    wrapped = func.custom_vjp(fun)
    wrapped.defvjp(fwd, bwd)
    return wrapped


def _jax_custom_vjp(fun, fwd, bwd):
    wrapped = jax.custom_vjp(fun)
    wrapped.defvjp(fwd, bwd)
    return wrapped


def test_custom_vjp_with_a_dict_argument():
    rng = onp.random.default_rng(1)
    p, x = {"w": rng.standard_normal(3)}, rng.standard_normal(3)
    f_nd = _scale_pair(np, _nd_custom_vjp)
    f_jax = _scale_pair(jnp, _jax_custom_vjp)
    expected = jax.grad(lambda p, x: jnp.sum(jnp.sin(f_jax(p, x))), argnums=(0, 1))(j(p), j(x))
    actual = func.grad(lambda p, x: np.sum(np.sin(f_nd(p, x))), argnums=(0, 1))(nd(p), nd(x))
    assert_trees_close(actual, expected, where="grad of a custom_vjp of a dict")
    # the gradient with respect to p alone is a dict {'w': ...}, as JAX's
    actual = func.grad(lambda p: np.sum(f_nd(p, nd(x))))(nd(p))
    assert_trees_close(actual, jax.grad(lambda p: jnp.sum(f_jax(p, j(x))))(j(p)),
                       where="grad in p")
    out, pullback = func.vjp(f_nd, nd(p), nd(x))
    out_j, pullback_j = jax.vjp(f_jax, j(p), j(x))
    assert_trees_close(out, out_j, where="custom_vjp output")
    assert_trees_close(pullback(nd(onp.ones(3))), pullback_j(j(onp.ones(3))), where="pullback")


def test_custom_vjp_with_list_and_tuple_arguments():
    rng = onp.random.default_rng(2)
    a, b, x = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)

    def build(m, custom):
        def fun(ab, cd):
            (a, b), (c,) = ab, cd
            return a * m.sin(c) + b

        def fwd(ab, cd):
            return ab[0] * m.sin(cd[0]) + ab[1], (ab, cd)

        def bwd(residuals, g):
            (a, _), (c,) = residuals
            return [g * m.sin(c), 3 * g], (g * a * m.cos(c),)
        return custom(fun, fwd, bwd)
    f_nd, f_jax = build(np, _nd_custom_vjp), build(jnp, _jax_custom_vjp)
    expected = jax.grad(lambda ab, cd: jnp.sum(f_jax(ab, cd) ** 2), argnums=(0, 1))(
        [j(a), j(b)], (j(x),))
    actual = func.grad(lambda ab, cd: np.sum(f_nd(ab, cd) ** 2), argnums=(0, 1))(
        [nd(a), nd(b)], (nd(x),))
    assert_trees_close(actual, expected, where="list and tuple arguments")


def test_custom_jvp_with_a_dict_argument():
    rng = onp.random.default_rng(4)
    p, x = {"w": rng.standard_normal(3), "s": rng.standard_normal(())}, rng.standard_normal(3)

    def build(m, custom_jvp):
        @custom_jvp
        def f(p, x):
            return p["w"] * m.sin(x) * p["s"]

        @f.defjvp
        def rule(primals, tangents):
            (p, x), (tp, tx) = primals, tangents
            out = p["w"] * m.sin(x) * p["s"]
            return out, (tp["w"] * m.sin(x) * p["s"] + p["w"] * m.cos(x) * tx * p["s"]
                         + p["w"] * m.sin(x) * tp["s"])
        return f
    f_nd, f_jax = build(np, func.custom_jvp), build(jnp, jax.custom_jvp)
    tp, tx = {"w": rng.standard_normal(3), "s": rng.standard_normal(())}, rng.standard_normal(3)
    assert_trees_close(func.jvp(f_nd, (nd(p), nd(x)), (nd(tp), nd(tx))),
                       jax.jvp(f_jax, (j(p), j(x)), (j(tp), j(tx))), where="jvp")
    assert_trees_close(func.grad(lambda p: np.sum(f_nd(p, nd(x)) ** 2))(nd(p)),
                       jax.grad(lambda p: jnp.sum(f_jax(p, j(x)) ** 2))(j(p)), where="grad in p")
    assert_trees_close(func.hessian(lambda x: np.sum(f_nd(nd(p), x) ** 2))(nd(x)),
                       jax.hessian(lambda x: jnp.sum(f_jax(j(p), x) ** 2))(j(x)),
                       where="hessian in x")


def _sigmoid(m, custom):
    def fun(x):
        return 1 / (1 + m.exp(-x))

    def fwd(x):
        y = 1 / (1 + m.exp(-x))
        return y, y

    def bwd(y, g):
        return (g * y * (1 - y),)
    return custom(fun, fwd, bwd)


@examples(4)
def test_hessian_of_a_custom_vjp_whose_backward_uses_array_ops(seed, n):
    x = onp.random.default_rng(seed).standard_normal(n)
    s_nd, s_jax = _sigmoid(np, _nd_custom_vjp), _sigmoid(jnp, _jax_custom_vjp)
    f_nd = lambda x: np.sum(s_nd(x) * np.sin(x))
    f_jax = lambda x: jnp.sum(s_jax(x) * jnp.sin(x))
    expected = jax.hessian(f_jax)(j(x))
    assert_trees_close(expected, jax.jacrev(jax.jacrev(f_jax))(j(x)), where="JAX itself")
    assert_trees_close(func.hessian(f_nd)(nd(x)), expected, where="hessian")
    assert_trees_close(func.jacrev(func.jacrev(f_nd))(nd(x)), expected, where="jacrev(jacrev)")
    t = onp.ones(n)
    assert_trees_close(func.hvp(f_nd, (nd(x),), (nd(t),)),
                       jax.jvp(jax.grad(f_jax), (j(x),), (j(t),))[1], where="hvp")


# -- checkpoint ------------------------------------------------------------------------------
def test_checkpoint_of_a_closure_over_the_differentiated_value():
    rng = onp.random.default_rng(5)
    x, w0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    expected = jax.grad(lambda w: jnp.sum(jax.checkpoint(lambda a: a @ w)(j(x))))(j(w0))
    actual = func.grad(lambda w: np.sum(autograd.checkpoint(lambda a: a @ w, nd(x))))(nd(w0))
    assert_trees_close(actual, expected, where="grad through a checkpointed closure")
    # both the argument and the closed-over value, through a nonlinearity
    expected = jax.grad(lambda a, w: jnp.sum(jax.checkpoint(lambda b: jnp.sin(b @ w))(a) ** 2),
                        argnums=(0, 1))(j(x), j(w0))
    actual = func.grad(lambda a, w: np.sum(autograd.checkpoint(lambda b: np.sin(b @ w), a) ** 2),
                       argnums=(0, 1))(nd(x), nd(w0))
    assert_trees_close(actual, expected, where="argument and closure")


def test_checkpoint_of_a_closure_in_autograd_record():
    rng = onp.random.default_rng(6)
    x, w0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    w = nd(w0)
    w.attach_grad()
    with autograd.record():
        y = np.sum(np.tanh(autograd.checkpoint(lambda a: a @ w, nd(x))))
    y.backward()
    expected = jax.grad(lambda w: jnp.sum(jnp.tanh(jax.checkpoint(lambda a: a @ w)(j(x)))))(j(w0))
    assert_trees_close(w.grad, expected, where="w.grad")


def test_second_order_through_a_checkpointed_closure():
    rng = onp.random.default_rng(7)
    x, w0, c = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def inner(m, ckpt, w, x):
        return m.sum(ckpt(lambda a: m.tanh(a @ w), x) ** 2)
    jax_ckpt = lambda fn, a: jax.checkpoint(fn)(a)
    expected = jax.grad(lambda w: jnp.sum(jax.grad(lambda v: inner(jnp, jax_ckpt, v, j(x)))(w)
                                          * j(c)))(j(w0))
    actual = func.grad(lambda w: np.sum(func.grad(lambda v: inner(np, autograd.checkpoint, v,
                                                                  nd(x)))(w) * nd(c)))(nd(w0))
    assert_trees_close(actual, expected, where="grad of grad through checkpoint")
    expected = jax.hessian(lambda w: inner(jnp, jax_ckpt, w, j(x)))(j(w0))
    actual = func.hessian(lambda w: inner(np, autograd.checkpoint, w, nd(x)))(nd(w0))
    assert_trees_close(actual, expected, where="hessian through checkpoint")


# -- linearize -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", VECTOR)
@examples(3)
def test_linearize(name, seed, n):
    f, g, x, rng = case(VECTOR, name, seed, n)
    out_j, f_jvp_j = jax.linearize(g, j(x))
    out, f_jvp = func.linearize(f, nd(x))
    assert_trees_close(out, out_j, where="linearize output")
    for _ in range(2):       # reusable
        t = rng.standard_normal(x.shape)
        assert_trees_close(f_jvp(nd(t)), f_jvp_j(j(t)), where="linearized jvp")


def test_linearize_with_several_pytree_primals():
    rng = onp.random.default_rng(8)
    p, x = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}, rng.standard_normal(3)

    def f(m, p, x):
        return (m.tanh(x @ p["w"] + p["b"]), m.sum(p["w"] ** 2))
    out_j, f_jvp_j = jax.linearize(lambda p, x: f(jnp, p, x), j(p), j(x))
    out, f_jvp = func.linearize(lambda p, x: f(np, p, x), nd(p), nd(x))
    assert_trees_close(out, out_j, where="output")
    tp, tx = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}, rng.standard_normal(3)
    assert_trees_close(f_jvp(nd(tp), nd(tx)), f_jvp_j(j(tp), j(tx)), where="jvp")


# -- has_aux on the Jacobian transforms -------------------------------------------------------
def _with_aux(m, x):
    return m.sin(x) * m.sum(x), {"total": m.sum(x), "cos": m.cos(x)}


def _scalar_with_aux(m, x):
    return m.sum(m.sin(x) * x ** 2), [m.max(x), (x * 2,)]


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd", "jacobian"])
def test_jacobians_with_has_aux(transform):
    x = onp.random.default_rng(9).standard_normal(4)
    jax_transform = {"jacrev": jax.jacrev, "jacfwd": jax.jacfwd, "jacobian": jax.jacobian}
    expected = jax_transform[transform](lambda x: _with_aux(jnp, x), has_aux=True)(j(x))
    actual = getattr(func, transform)(lambda x: _with_aux(np, x), has_aux=True)(nd(x))
    assert_trees_close(actual, expected, where=f"{transform}(has_aux=True)")


def test_hessian_with_has_aux():
    x = onp.random.default_rng(10).standard_normal(3)
    expected = jax.hessian(lambda x: _scalar_with_aux(jnp, x), has_aux=True)(j(x))
    actual = func.hessian(lambda x: _scalar_with_aux(np, x), has_aux=True)(nd(x))
    assert_trees_close(actual, expected, where="hessian(has_aux=True)")


def test_has_aux_with_argnums():
    rng = onp.random.default_rng(11)
    x, y = rng.standard_normal(3), rng.standard_normal(2)

    def f(m, x, y):
        return m.outer(m.sin(x), y), m.sum(y)
    expected = jax.jacrev(lambda x, y: f(jnp, x, y), argnums=(0, 1), has_aux=True)(j(x), j(y))
    actual = func.jacrev(lambda x, y: f(np, x, y), argnums=(0, 1), has_aux=True)(nd(x), nd(y))
    assert_trees_close(actual, expected, where="jacrev(argnums=(0, 1), has_aux=True)")
    expected = jax.jacfwd(lambda x, y: f(jnp, x, y), argnums=1, has_aux=True)(j(x), j(y))
    actual = func.jacfwd(lambda x, y: f(np, x, y), argnums=1, has_aux=True)(nd(x), nd(y))
    assert_trees_close(actual, expected, where="jacfwd(argnums=1, has_aux=True)")


# -- vmap: axes, pytrees, empty batches ------------------------------------------------------
Pair = collections.namedtuple("Pair", ["u", "v"])


def test_vmap_in_axes_as_a_pytree_prefix():
    rng = onp.random.default_rng(12)
    d = {"x": rng.standard_normal((5, 3)), "w": rng.standard_normal(3)}

    def f(m, d):
        return m.sin(d["x"]) * d["w"] + m.sum(d["w"])
    in_axes = ({"x": 0, "w": None},)
    expected = jax.vmap(lambda d: f(jnp, d), in_axes=in_axes)(j(d))
    actual = func.vmap(lambda d: f(np, d), in_axes=in_axes)(nd(d))
    assert_trees_close(actual, expected, where="in_axes=({'x': 0, 'w': None},)")


def test_vmap_in_axes_per_argument_and_negative_axes():
    rng = onp.random.default_rng(13)
    x, w = rng.standard_normal((3, 5)), rng.standard_normal((3, 2))

    def f(m, x, w):
        return m.tanh(x @ w)
    expected = jax.vmap(lambda x, w: f(jnp, x, w), in_axes=(1, None))(j(x), j(w))
    actual = func.vmap(lambda x, w: f(np, x, w), in_axes=(1, None))(nd(x), nd(w))
    assert_trees_close(actual, expected, where="in_axes=(1, None)")
    expected = jax.vmap(lambda x, w: f(jnp, x, w), in_axes=(-1, None), out_axes=-1)(j(x), j(w))
    actual = func.vmap(lambda x, w: f(np, x, w), in_axes=(-1, None), out_axes=-1)(nd(x), nd(w))
    assert_trees_close(actual, expected, where="in_axes=(-1, None), out_axes=-1")


def test_vmap_out_axes_per_output():
    rng = onp.random.default_rng(14)
    xs, w = rng.standard_normal((4, 3)), rng.standard_normal(3)

    def f(m, x, w):
        return m.sin(x), m.outer(x, w), w * 2
    out_axes = (0, 1, None)
    expected = jax.vmap(lambda x, w: f(jnp, x, w), in_axes=(0, None), out_axes=out_axes)(
        j(xs), j(w))
    actual = func.vmap(lambda x, w: f(np, x, w), in_axes=(0, None), out_axes=out_axes)(
        nd(xs), nd(w))
    assert_trees_close(actual, expected, where="out_axes=(0, 1, None)")
    # a pytree prefix of the output
    expected = jax.vmap(lambda x: {"a": jnp.sin(x), "b": [jnp.cos(x), x * 3]},
                        out_axes={"a": 1, "b": 0})(j(xs))
    actual = func.vmap(lambda x: {"a": np.sin(x), "b": [np.cos(x), x * 3]},
                       out_axes={"a": 1, "b": 0})(nd(xs))
    assert_trees_close(actual, expected, where="out_axes={'a': 1, 'b': 0}")


def test_vmap_over_an_empty_batch():
    w = onp.random.default_rng(15).standard_normal((3, 2))
    xs = onp.zeros((0, 3))

    def f(m, x):
        return {"y": m.tanh(x @ m.asarray(w)), "s": m.sum(x)}
    expected = jax.vmap(lambda x: f(jnp, x))(j(xs))
    actual = func.vmap(lambda x: f(np, x))(nd(xs))
    assert_trees_close(actual, expected, where="a batch of size 0")
    assert numpy_tree(actual)["y"].shape == (0, 2)


def test_vmap_with_none_leaves():
    rng = onp.random.default_rng(16)
    d = {"a": rng.standard_normal((4, 3)), "b": None}

    def f(m, d):
        assert d["b"] is None
        return {"y": m.sin(d["a"]) * 2, "z": None}
    expected = jax.vmap(lambda d: f(jnp, d))(j(d))
    actual = func.vmap(lambda d: f(np, d))(nd(d))
    assert_trees_close(actual, expected, where="None leaves")


def test_vmap_with_namedtuples():
    rng = onp.random.default_rng(17)
    p = Pair(rng.standard_normal((4, 3)), rng.standard_normal((4,)))

    def f(m, p):
        return Pair(p.u * p.v, m.sum(m.sin(p.u)))
    expected = jax.vmap(lambda p: f(jnp, p))(Pair(*j(tuple(p))))
    actual = func.vmap(lambda p: f(np, p))(Pair(*nd(tuple(p))))
    assert type(actual) is Pair
    assert_trees_close(actual, expected, where="namedtuples")
    # and their gradients: a namedtuple of gradients
    expected = jax.grad(lambda p: jnp.sum(f(jnp, p).u) + f(jnp, p).v)(
        Pair(*j((p.u[0], p.v[0]))))
    actual = func.grad(lambda p: np.sum(f(np, p).u) + f(np, p).v)(Pair(*nd((p.u[0], p.v[0]))))
    assert_trees_close(actual, expected, where="grad with respect to a namedtuple")


def test_nested_vmap():
    xs = onp.random.default_rng(18).standard_normal((2, 3, 4))
    f = VECTOR["softmax"][1]
    expected = jax.vmap(jax.vmap(lambda x: f(jnp, x)))(j(xs))
    actual = func.vmap(func.vmap(lambda x: f(np, x)))(nd(xs))
    assert_trees_close(actual, expected, where="vmap(vmap)")
    expected = jax.vmap(jax.vmap(lambda x: f(jnp, x), in_axes=1), in_axes=2)(j(xs))
    actual = func.vmap(func.vmap(lambda x: f(np, x), in_axes=1), in_axes=2)(nd(xs))
    assert_trees_close(actual, expected, where="vmap(vmap(in_axes=1), in_axes=2)")


# -- points where the derivative does not exist ------------------------------------------------
SINGULAR = {   # name: (ndgrad f, JAX f, the point)
    "log at 0": (np.log, jnp.log, 0.0),
    "sqrt at 0": (np.sqrt, jnp.sqrt, 0.0),
    "x*log(x) at 0": (lambda x: x * np.log(x), lambda x: x * jnp.log(x), 0.0),
    "x**0.5 at 0": (lambda x: x ** 0.5, lambda x: x ** 0.5, 0.0),
    "abs at 0": (np.abs, jnp.abs, 0.0),
    "relu at 0": (npx.relu, jax.nn.relu, 0.0),
    "maximum(x, 0) at 0": (lambda x: np.maximum(x, 0.0), lambda x: jnp.maximum(x, 0.0), 0.0),
    "minimum(x, 1) at 1": (lambda x: np.minimum(x, 1.0), lambda x: jnp.minimum(x, 1.0), 1.0),
    "clip(x, -1, 1) at 1": (lambda x: np.clip(x, -1.0, 1.0), lambda x: jnp.clip(x, -1.0, 1.0),
                            1.0),
    "sign at 0": (np.sign, jnp.sign, 0.0),
    "max of ties [1, 1, 0]": (np.max, jnp.max, [1.0, 1.0, 0.0]),
    "min of ties [2, 0, 0]": (np.min, jnp.min, [2.0, 0.0, 0.0]),
    "2-norm at 0": (np.linalg.norm, jnp.linalg.norm, [0.0, 0.0]),
    "sqrt(sum(x**2)) at 0": (lambda x: np.sqrt(np.sum(x ** 2)),
                             lambda x: jnp.sqrt(jnp.sum(x ** 2)), [0.0, 0.0]),
}


def _ndgrad_derivatives(f, point):
    """The derivative of scalar-valued f at ``point`` by every ndgrad route."""
    x0 = onp.asarray(point, dtype=onp.float64)
    routes = {}
    x = nd(x0)
    x.attach_grad()
    with autograd.record():
        y = f(x)
    y.backward()
    routes["backward"] = x.grad.asnumpy()
    x = nd(x0)
    x.attach_grad()
    with autograd.record():
        y = f(x)
    routes["autograd.grad"] = autograd.grad(y, [x])[0].asnumpy()
    routes["func.grad"] = func.grad(f)(nd(x0)).asnumpy()
    routes["func.vjp"] = func.vjp(f, nd(x0))[1](nd(onp.float64(1.0)))[0].asnumpy()
    routes["func.jacrev"] = func.jacrev(f)(nd(x0)).asnumpy()
    routes["func.jacfwd"] = func.jacfwd(f)(nd(x0)).asnumpy()
    basis = onp.eye(x0.size).reshape((x0.size,) + x0.shape)
    routes["func.jvp (basis)"] = onp.array(
        [func.jvp(f, (nd(x0),), (nd(e),))[1].asnumpy() for e in basis]).reshape(x0.shape)
    return routes


@pytest.mark.parametrize("name", SINGULAR)
def test_singular_points_agree_across_ndgrad_modes(name):
    """Backward, autograd.grad, grad, vjp, jacrev, jacfwd and jvp give one derivative at a
    point where it does not exist. JAX's convention is reported (a JaxDiffers warning), not
    asserted."""
    nd_f, jax_f, point = SINGULAR[name]
    with numpy_errstate(all="ignore"):          # the forward's own log(0) warning
        routes = _ndgrad_derivatives(nd_f, point)
    reference = routes["backward"]
    disagreeing = {k: v.tolist() for k, v in routes.items() if not same_values(v, reference)}
    assert not disagreeing, (f"{name}: backward gives {reference.tolist()}, but "
                             f"{disagreeing}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = onp.asarray(jax.grad(jax_f)(jnp.asarray(point, dtype=jnp.float64)))
    if not same_values(reference, expected):
        warnings.warn(f"{name}: JAX gives {expected.tolist()}, ndgrad {reference.tolist()}",
                      JaxDiffers)
