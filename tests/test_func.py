"""ndgrad.func: forward mode, the functional transforms, their composition and their errors."""

import collections
import doctest

import numpy
import pytest

import ndgrad._custom
from ndgrad import autograd, func, np, npx
from ndgrad._pytree import flatten, tree_map
from ndgrad.errors import NoDerivativeError


def f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def close(a, b, tol=1e-9):
    numpy.testing.assert_allclose(numpy.asarray(a), numpy.asarray(b), rtol=tol, atol=tol)


def finite_difference(f, x, u, eps=1e-6):
    plus = f(f64(x + eps * u)).asnumpy()
    minus = f(f64(x - eps * u)).asnumpy()
    return (plus - minus) / (2 * eps)


def mixed(x):
    """A function that touches several op families: elementwise, reductions, matmul."""
    w = f64(numpy.arange(12.0).reshape(3, 4) / 10)
    return np.tanh(w @ np.sin(x)) * np.sum(x ** 2)


X = numpy.array([0.3, -1.2, 0.7, 2.0])
U = numpy.array([1.0, 0.5, -2.0, 0.25])


@pytest.mark.parametrize("module", [func, ndgrad._custom], ids=["func", "custom"])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0


# -- forward mode --------------------------------------------------------------------------
def test_jvp_is_the_directional_derivative():
    value, derivative = func.jvp(mixed, (f64(X),), (f64(U),))
    close(value, mixed(f64(X)))
    close(derivative, finite_difference(mixed, X, U), tol=1e-6)


def test_jvp_runs_no_backward_pass(monkeypatch):
    from ndgrad import _engine

    def refuse(*args, **kwargs):
        raise AssertionError("forward mode ran the backward engine")
    monkeypatch.setattr(_engine, "backward", refuse)
    func.jvp(mixed, (f64(X),), (f64(U),))


def test_nested_jvp_gives_the_second_directional_derivative():
    def first(x):
        return func.jvp(np.sin, (x,), (f64(numpy.ones(4)),))[1]      # cos x
    _, second = func.jvp(first, (f64(X),), (f64(numpy.ones(4)),))
    close(second, -numpy.sin(X))


def test_reverse_mode_differentiates_forward_mode():
    x = f64(X)
    x.attach_grad()
    with autograd.record():
        _, derivative = func.jvp(np.exp, (x,), (f64(U),))         # u exp(x)
        total = np.sum(derivative)
    total.backward()
    close(x.grad, U * numpy.exp(X))


def test_jvp_of_a_function_that_ignores_its_input_is_zero():
    _, derivative = func.jvp(lambda x: f64([1.0, 2.0]), (f64(X),), (f64(U),))
    close(derivative, [0.0, 0.0])


def test_jvp_accepts_pytrees_and_aux():
    def f(params):
        return {"y": params["a"] * params["b"]}, "aux"
    primals = ({"a": f64([1.0, 2.0]), "b": f64([3.0, 4.0])},)
    tangents = ({"a": f64([1.0, 0.0]), "b": f64([0.0, 1.0])},)
    value, derivative, aux = func.jvp(f, primals, tangents, has_aux=True)
    close(value["y"], [3.0, 8.0])
    close(derivative["y"], [3.0, 2.0])
    assert aux == "aux"


def test_jvp_refuses_bad_tangents():
    with pytest.raises(ValueError, match="tangent of shape"):
        func.jvp(np.sin, (f64(X),), (f64([1.0]),))
    with pytest.raises(TypeError, match="float dtype"):
        func.jvp(np.sin, (np.array(numpy.array([1, 2])),), (f64([1.0, 2.0]),))
    with pytest.raises(TypeError, match="tuples"):
        func.jvp(np.sin, f64(X), f64(U))
    with pytest.raises(ValueError, match="structure"):
        func.jvp(np.sin, (f64(X),), (f64(U), f64(U)))


# -- reverse-mode transforms -----------------------------------------------------------------
def test_grad_value_and_grad_and_argnums():
    def f(x, y):
        return np.sum(np.sin(x) * y)
    x, y = f64(X), f64(U)
    close(func.grad(f)(x, y), numpy.cos(X) * U)
    gx, gy = func.grad(f, argnums=(0, 1))(x, y)
    close(gx, numpy.cos(X) * U)
    close(gy, numpy.sin(X))
    value, gradient = func.value_and_grad(f, argnums=1)(x, y)
    close(value, numpy.sum(numpy.sin(X) * U))
    close(gradient, numpy.sin(X))


def test_grad_with_aux_and_pytree_arguments():
    def loss(params, x):
        prediction = params["w"] * x + params["b"]
        return np.sum(prediction ** 2), prediction
    params = {"w": f64(2.0), "b": f64(1.0)}
    gradient, prediction = func.grad(loss, has_aux=True)(params, f64([1.0, 2.0]))
    close(prediction, [3.0, 5.0])
    close(gradient["w"], 2 * (3.0 * 1 + 5.0 * 2))
    close(gradient["b"], 2 * (3.0 + 5.0))


def test_grad_needs_a_scalar_output():
    with pytest.raises(TypeError, match="scalar output"):
        func.grad(np.sin)(f64(X))


def test_grad_of_grad_is_the_second_derivative():
    d2 = func.grad(func.grad(lambda x: np.sin(x) * x))(f64(0.7))
    close(d2, 2 * numpy.cos(0.7) - 0.7 * numpy.sin(0.7))
    d3 = func.grad(func.grad(func.grad(np.exp)))(f64(0.3))
    close(d3, numpy.exp(0.3))


def test_grad_inside_record_is_recorded():
    x = f64(0.5)
    x.attach_grad()
    with autograd.record():
        slope = func.grad(lambda t: t ** 3)(x)                    # 3 x^2
    slope.backward()
    close(x.grad, 6 * 0.5)


def test_vjp_returns_a_reusable_pullback():
    value, pullback = func.vjp(mixed, f64(X))
    close(value, mixed(f64(X)))
    jacobian = func.jacrev(mixed)(f64(X)).asnumpy()
    for row in numpy.eye(3):
        (gradient,) = pullback(f64(row))
        close(gradient, row @ jacobian)
    with pytest.raises(ValueError, match="cotangent of shape"):
        pullback(f64([1.0]))


def test_jacfwd_equals_jacrev_and_finite_differences():
    forward = func.jacfwd(mixed)(f64(X)).asnumpy()
    reverse = func.jacrev(mixed)(f64(X)).asnumpy()
    assert forward.shape == reverse.shape == (3, 4)
    close(forward, reverse)
    for j, column in enumerate(numpy.eye(4)):
        close(forward[:, j], finite_difference(mixed, X, column), tol=1e-6)
    close(func.jacobian(mixed)(f64(X)), reverse)


def test_jacobian_layout_for_matrix_arguments_and_several_argnums():
    def f(a, b):
        return a @ b
    a, b = f64(numpy.arange(6.0).reshape(2, 3)), f64(numpy.ones((3, 2)))
    ja_rev, jb_rev = func.jacrev(f, argnums=(0, 1))(a, b)
    ja_fwd, jb_fwd = func.jacfwd(f, argnums=(0, 1))(a, b)
    assert ja_rev.shape == (2, 2, 2, 3) and jb_rev.shape == (2, 2, 3, 2)
    close(ja_rev, ja_fwd)
    close(jb_rev, jb_fwd)
    close(ja_rev[0, 1], numpy.outer([1.0, 0.0], b.asnumpy()[:, 1]))


def test_hessian_is_symmetric_and_equals_differences_of_gradients():
    def f(x):
        return np.sum(np.exp(x[:2]) * np.sin(x[2:])) + np.sum(x ** 3)
    hessian = func.hessian(f)(f64(X)).asnumpy()
    close(hessian, hessian.T)
    gradient = func.grad(f)
    for j, column in enumerate(numpy.eye(4)):
        close(hessian[:, j], finite_difference(gradient, X, column), tol=1e-6)


def test_hvp_is_forward_over_reverse_and_equals_hessian_times_v():
    def rosenbrock(x):
        return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    hessian = func.hessian(rosenbrock)(f64(X)).asnumpy()
    close(func.hvp(rosenbrock, (f64(X),), (f64(U),)), hessian @ U, tol=1e-8)


def test_jacfwd_of_jacrev_composes():
    f = lambda x: np.sin(x) * np.sum(x)
    close(func.jacfwd(func.jacrev(f))(f64(X)), func.jacrev(func.jacrev(f))(f64(X)))


def with_aux(x):
    return np.sin(x) * np.sum(x), {"total": np.sum(x), "none": None, "label": "aux"}


@pytest.mark.parametrize("transform", [func.jacrev, func.jacfwd, func.jacobian],
                         ids=["jacrev", "jacfwd", "jacobian"])
def test_jacobians_with_has_aux_return_the_aux_undifferentiated(transform):
    jacobian, aux = transform(with_aux, has_aux=True)(f64(X))
    # d/dx_j sin(x_i) sum(x) = cos(x_i) sum(x) [i == j] + sin(x_i)
    expected = numpy.diag(numpy.cos(X) * numpy.sum(X)) + numpy.sin(X)[:, None]
    close(jacobian, expected)
    close(aux["total"], numpy.sum(X))
    assert aux["none"] is None and aux["label"] == "aux"

    def pair(x, y):
        return np.outer(np.sin(x), y), np.sum(y)
    (jx, jy), total = transform(pair, argnums=(0, 1), has_aux=True)(f64(X[:3]), f64(U[:2]))
    assert jx.shape == (3, 2, 3) and jy.shape == (3, 2, 2)
    close(jx[1, 0], [0.0, numpy.cos(X[1]) * U[0], 0.0])
    close(jy[1], numpy.sin(X[1]) * numpy.eye(2))
    close(total, numpy.sum(U[:2]))
    with pytest.raises(TypeError, match=r"has_aux=True\): the function must return a pair"):
        transform(np.sin, has_aux=True)(f64(X))


def test_hessian_with_has_aux():
    def f(x):
        return np.sum(x ** 3), [np.max(x), (x * 2,)]
    hessian, (largest, (doubled,)) = func.hessian(f, has_aux=True)(f64(X))
    close(hessian, numpy.diag(6 * X))
    close(largest, numpy.max(X))
    close(doubled, 2 * X)


def test_vmap_maps_a_loop_and_is_differentiable():
    w = f64(numpy.arange(8.0).reshape(2, 4) / 4)
    per_example = func.vmap(lambda row: np.sum(np.tanh(w @ row)))
    batch = f64(numpy.stack([X, U, X * U]))
    close(per_example(batch), [numpy.sum(numpy.tanh(w.asnumpy() @ r)) for r in batch.asnumpy()])
    gradients = func.vmap(func.grad(lambda row: np.sum(np.tanh(w @ row))))(batch)
    assert gradients.shape == (3, 4)
    close(gradients[1], func.grad(lambda row: np.sum(np.tanh(w @ row)))(f64(U)))
    sums = func.vmap(lambda a, b: a * b, in_axes=(0, None), out_axes=1)(batch, f64(2.0))
    close(sums, 2 * batch.asnumpy().T)
    with pytest.raises(ValueError, match="one batch size"):
        func.vmap(lambda a, b: a + b)(f64(numpy.ones((2, 3))), f64(numpy.ones((3, 3))))


BATCH = numpy.arange(15.0).reshape(5, 3) / 7 - 1
Pair = collections.namedtuple("Pair", ["u", "v"])


def test_vmap_in_axes_is_a_pytree_prefix_of_each_argument():
    params = {"x": f64(BATCH), "w": f64([1.0, -2.0, 0.5])}
    mapped = func.vmap(lambda d: np.sin(d["x"]) * d["w"] + np.sum(d["w"]),
                       in_axes=({"x": 0, "w": None},))(params)
    w = params["w"].asnumpy()
    close(mapped, [numpy.sin(row) * w + numpy.sum(w) for row in BATCH])
    # a tuple argument with an entry per item, and a list of entries read as a tuple
    mapped = func.vmap(lambda pair, s: pair[0] * pair[1] + s, in_axes=[(1, None), 0])(
        (f64(BATCH.T), f64(2.0)), f64([1.0, 2.0, 3.0, 4.0, 5.0]))
    close(mapped, [row * 2 + s for row, s in zip(BATCH, [1, 2, 3, 4, 5])])


def test_vmap_negative_axes_count_from_the_end():
    matrices = f64(numpy.arange(24.0).reshape(2, 3, 4))
    mapped = func.vmap(lambda m: np.sum(m, axis=0), in_axes=-1, out_axes=-1)(matrices)
    close(mapped, matrices.asnumpy().sum(axis=0))
    mapped = func.vmap(lambda m: m * 2, in_axes=-2, out_axes=-2)(matrices)
    close(mapped, 2 * matrices.asnumpy())


def test_vmap_out_axes_per_output_and_unbatched_outputs():
    w = f64([1.0, 2.0, 3.0])

    def f(x, w):
        return np.sin(x), np.outer(x, w), w * 2
    sines, outers, doubled = func.vmap(f, in_axes=(0, None), out_axes=(0, 1, None))(
        f64(BATCH), w)
    close(sines, numpy.sin(BATCH))
    assert outers.shape == (3, 5, 3)
    close(outers[:, 4], numpy.outer(BATCH[4], [1.0, 2.0, 3.0]))
    close(doubled, [2.0, 4.0, 6.0])                 # once, not stacked
    tree = func.vmap(lambda x: {"a": np.sin(x), "b": [np.cos(x), x * 3]},
                     out_axes={"a": 1, "b": 0})(f64(BATCH))
    close(tree["a"], numpy.sin(BATCH).T)
    close(tree["b"][1], 3 * BATCH)
    with pytest.raises(ValueError, match="out_axes is None for a result that differs between "
                                         "examples 0 and 1"):
        func.vmap(np.sin, out_axes=None)(f64(BATCH))


def test_vmap_chunk_size_changes_neither_the_values_nor_the_gradients():
    def f(row):
        return np.outer(row, row) * np.sum(np.tanh(row))
    loop = numpy.stack([func.vmap(f)(f64(BATCH[k:k + 1])).asnumpy()[0] for k in range(5)], 2)
    gradients = []
    for chunk_size in (None, 1, 2, 5, 8):
        x = f64(BATCH)
        x.attach_grad()
        with autograd.record():
            mapped = func.vmap(f, out_axes=2, chunk_size=chunk_size)(x)
            total = np.sum(mapped * mapped)
        total.backward()
        close(mapped, loop)
        gradients.append(x.grad.asnumpy())
    for gradient in gradients[1:]:
        close(gradient, gradients[0])
    close(gradients[0][3], func.grad(lambda r: np.sum(f(r) ** 2))(f64(BATCH[3])))
    with pytest.raises(ValueError, match="chunk_size must be at least 1, not 0"):
        func.vmap(f, chunk_size=0)
    with pytest.raises(TypeError, match="chunk_size must be an int or None, not float"):
        func.vmap(f, chunk_size=2.0)


def test_vmap_is_differentiable_in_forward_mode():
    mapped = func.vmap(lambda d: d["x"] * np.sum(d["x"] ** 2) * d["w"],
                       in_axes=({"x": 1, "w": None},))
    primal = {"x": f64(BATCH.T), "w": f64(3.0)}
    tangent = {"x": f64(numpy.ones((3, 5))), "w": f64(0.0)}
    _, derivative = func.jvp(mapped, (primal,), (tangent,))
    # d/dt of x s(x) w along ones: (1 * s + x * 2 sum(x)) w
    expected = [(numpy.sum(r ** 2) + r * 2 * numpy.sum(r)) * 3 for r in BATCH]
    close(derivative, expected)


def test_vmap_over_an_empty_batch_has_the_shapes_of_one_example():
    w = f64(numpy.ones((3, 2)))

    def f(x):
        return {"y": np.tanh(x @ w), "log": np.log(x), "s": np.sum(x), "w": w}
    empty = func.vmap(f, out_axes={"y": 1, "log": 0, "s": 0, "w": None})(
        np.array(numpy.zeros((0, 3), numpy.float32)))
    assert empty["y"].shape == (2, 0) and empty["log"].shape == (0, 3)
    assert empty["s"].shape == (0,) and empty["s"].dtype == numpy.float32
    close(empty["w"], numpy.ones((3, 2)))           # unbatched: as f returned it
    outer = func.vmap(np.outer, in_axes=(0, None))(f64(numpy.zeros((0, 2))), f64([1.0, 2.0]))
    assert outer.shape == (0, 2, 2) and outer.dtype == numpy.float64


def test_vmap_keeps_none_subtrees_and_namedtuples():
    mapped = func.vmap(lambda d: {"y": d["a"] * 2, "nothing": None})(
        {"a": f64(BATCH), "b": None})
    close(mapped["y"], 2 * BATCH)
    assert mapped["nothing"] is None
    pair = Pair(f64(BATCH), f64(BATCH[:, 0]))
    mapped = func.vmap(lambda p: Pair(p.u * p.v, np.sum(p.u)), in_axes=(Pair(0, 0),))(pair)
    assert type(mapped) is Pair
    close(mapped.u, BATCH * BATCH[:, :1])
    close(mapped.v, BATCH.sum(axis=1))


@pytest.mark.parametrize("in_axes, args, error, message", [
    (2, (f64(BATCH),), ValueError,
     r"in_axes\[0\] maps axis 2 of an argument of rank 2 \(shape \(5, 3\)\)"),
    ((0, -2), (f64(BATCH), f64(X)), ValueError,
     r"in_axes\[1\] maps axis -2 of an argument of rank 1"),
    (1.0, (f64(BATCH),), TypeError, "in_axes must be an int, None, or a tuple"),
    (({"x": "0"},), ({"x": f64(BATCH)},), TypeError,
     "in_axes must be an int, None, or a container of those, but it holds '0'"),
    ((0,), (f64(BATCH), f64(BATCH)), ValueError, "in_axes has 1 entries for 2 positional"),
    (0, (f64(BATCH), f64(X)), ValueError,
     r"one batch size, but the mapped axes have sizes \(argument 0: 5; argument 1: 4\)"),
    ((None, None), (f64(BATCH), f64(X)), ValueError, "at least one mapped axis"),
    (({"y": 0},), ({"x": f64(BATCH)},), ValueError,
     r"in_axes\[0\] is \{'y': 0\} where the value has the structure"),
])
def test_vmap_in_axes_errors(in_axes, args, error, message):
    with pytest.raises(error, match=message):
        func.vmap(lambda *a: a[0], in_axes=in_axes)(*args)


@pytest.mark.parametrize("out_axes, error, message", [
    (2, ValueError, r"out_axes puts the batch axis at 2 of a result of shape \(3,\), of rank 2"),
    (-3, ValueError, "out_axes puts the batch axis at -3"),
    (1.0, TypeError, "out_axes must be an int, None, or a container of those"),
    ((0, 1, 0), ValueError, r"out_axes is \(0, 1, 0\) where the value has the structure"),
])
def test_vmap_out_axes_errors(out_axes, error, message):
    with pytest.raises(error, match=message):
        func.vmap(lambda x: (x, x), out_axes=out_axes)(f64(BATCH))


def test_vmap_needs_one_result_structure_for_every_example():
    with pytest.raises(ValueError, match=r"structure \[\*\] for example 3 but \(\*,\) for "
                                         "example 0"):
        func.vmap(lambda x: (x,) if float(x[0]) < 0 else [x])(f64(BATCH))


# -- pytrees ---------------------------------------------------------------------------------
def test_none_is_an_empty_subtree_kept_in_the_structure():
    tree = {"b": None, "a": (1.0, None, [2.0])}
    leaves, treedef = flatten(tree)
    assert leaves == [1.0, 2.0]                     # dicts in sorted key order, no None leaf
    assert treedef.unflatten([3.0, 4.0]) == {"a": (3.0, None, [4.0]), "b": None}
    assert tree_map(lambda leaf: leaf * 10, tree) == {"a": (10.0, None, [20.0]), "b": None}
    gradient = func.grad(lambda d: np.sum(d["w"] ** 2))({"w": f64([1.0, 2.0]), "frozen": None})
    close(gradient["w"], [2.0, 4.0])
    assert gradient["frozen"] is None


def test_namedtuples_are_nodes_rebuilt_as_their_class():
    leaves, treedef = flatten(Pair(1.0, (2.0, 3.0)))
    assert leaves == [1.0, 2.0, 3.0]
    rebuilt = treedef.unflatten([4.0, 5.0, 6.0])
    assert type(rebuilt) is Pair and rebuilt == Pair(4.0, (5.0, 6.0))
    assert repr(treedef) == "Pair(*, (*, *,))"
    assert flatten(Pair(1.0, 2.0))[1] != flatten((1.0, 2.0))[1]
    gradient = func.grad(lambda p: np.sum(p.u * p.v))(Pair(f64([1.0, 2.0]), f64([3.0, 4.0])))
    assert type(gradient) is Pair
    close(gradient.u, [3.0, 4.0])
    close(gradient.v, [1.0, 2.0])


# -- custom derivatives ----------------------------------------------------------------------
def test_custom_vjp_is_used_and_differentiated_again():
    @func.custom_vjp
    def cube(x):
        return x ** 3

    def forward(x):
        return x ** 3, x

    def backward(x, g):
        return (g * 3 * x ** 2 * 2,)        # deliberately twice the true slope: is it used?
    cube.defvjp(forward, backward)
    close(func.grad(cube)(f64(2.0)), 24.0)
    close(func.grad(func.grad(cube))(f64(2.0)), 24.0)           # d/dx 6 x^2 = 12 x
    # forward mode transposes the rule: the same doubled slope, and hessian works
    close(func.jvp(cube, (f64(2.0),), (f64(1.0),))[1], 24.0)
    close(func.hessian(cube)(f64(2.0)), 24.0)


def test_custom_vjp_in_forward_mode_needs_a_rule_written_with_ndgrad():
    @func.custom_vjp
    def double(x):
        return 2 * x
    double.defvjp(lambda x: (2 * x, None),
                  lambda _, g: (np.array(numpy.asarray(g.asnumpy()) * 2),))
    close(func.grad(lambda x: np.sum(double(x)))(f64([1.0])), [2.0])
    with pytest.raises(NoDerivativeError, match="left ndgrad"):
        func.jvp(double, (f64([1.0]),), (f64([1.0]),))

    @func.custom_vjp
    def constant_rule(x):
        return 2 * x
    constant_rule.defvjp(lambda x: (2 * x, None), lambda _, g: (np.array([2.0]),))
    with pytest.raises(NoDerivativeError, match="does not depend on the cotangent"):
        func.jvp(constant_rule, (f64([1.0]),), (f64([1.0]),))


def test_custom_rules_take_pytrees_and_checkpoint_sees_closures():
    @func.custom_vjp
    def scale(p, x):
        return p["w"] * x
    scale.defvjp(lambda p, x: (p["w"] * x, (p, x)),
                 lambda res, g: ({"w": g * res[1]}, g * res[0]["w"]))
    gp, gx = func.grad(lambda p, x: np.sum(scale(p, x)), argnums=(0, 1))(
        {"w": f64([2.0])}, f64([3.0]))
    close(gp["w"], [3.0])
    close(gx, [2.0])

    @func.custom_jvp
    def affine(p):
        return p[0] * p[1]

    @affine.defjvp
    def _(primals, tangents):
        (a, b), = primals
        (ta, tb), = tangents
        return a * b, ta * b + a * tb
    close(func.grad(lambda a: np.sum(affine([a, f64([5.0])])))(f64([2.0])), [5.0])

    x = f64([[1.0, 2.0]])
    gradient = func.grad(lambda W: np.sum(autograd.checkpoint(lambda a: np.tanh(a @ W), x)))
    W0 = f64([[0.1, 0.2], [0.3, 0.4]])
    expected = func.grad(lambda W: np.sum(np.tanh(x @ W)))(W0)
    close(gradient(W0), expected.asnumpy())


def test_custom_rules_refuse_a_closure_over_a_differentiated_array():
    # the rule could not give the closed-over array its gradient: an error, as in JAX
    def scaled_by(W):
        @func.custom_vjp
        def scale(x):
            return x * W
        scale.defvjp(lambda x: (x * W, None), lambda res, g: (g * W,))

        @func.custom_jvp
        def shift(x):
            return x + W
        shift.defjvp(lambda primals, tangents: (shift(*primals), tangents[0]))
        return scale, shift

    x = f64([3.0, 4.0])
    for pick in (0, 1):
        with pytest.raises(TypeError, match="not one of its arguments"):
            func.grad(lambda W, pick=pick: np.sum(scaled_by(W)[pick](x)))(f64([1.0, 2.0]))
    # a closure over a constant is fine, and so is the same array passed as the argument
    scale, shift = scaled_by(f64([1.0, 2.0]))
    close(func.grad(lambda v: np.sum(scale(v) + shift(v)))(x), [2.0, 3.0])
    W = f64([1.0, 2.0])
    W.attach_grad()
    with autograd.record():
        loss = np.sum(scaled_by(W)[0](W))
    loss.backward()
    close(W.grad, [1.0, 2.0])                   # the rule's gradient, as written


def test_custom_vjp_needs_its_rules():
    @func.custom_vjp
    def f(x):
        return x
    with pytest.raises(TypeError, match="defvjp"):
        f(f64(1.0))


def test_custom_jvp_in_forward_reverse_and_second_order():
    @func.custom_jvp
    def log1pexp(x):
        return np.log1p(np.exp(x))

    @log1pexp.defjvp
    def rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t / (1 + np.exp(-x))

    x = f64([0.5, 800.0])                  # exp(800) overflows: the rule stays finite
    with numpy.errstate(over="ignore"):         # the forward's own exp(800)
        _, derivative = func.jvp(log1pexp, (x,), (f64([1.0, 1.0]),))
    close(derivative, [1 / (1 + numpy.exp(-0.5)), 1.0])
    close(func.grad(lambda v: np.sum(log1pexp(v)))(f64([0.5, -1.0])),
          1 / (1 + numpy.exp(-numpy.array([0.5, -1.0]))))
    sigmoid = 1 / (1 + numpy.exp(-0.5))
    close(func.grad(func.grad(log1pexp))(f64(0.5)), sigmoid * (1 - sigmoid))


def test_function_is_right_in_second_order_and_in_forward_mode():
    class Sigmoid(autograd.Function):
        def forward(self, x):
            y = 1 / (1 + np.exp(-x))
            self.save_for_backward(y)
            return y

        def backward(self, dy):
            y, = self.saved_tensors
            return dy * y * (1 - y)

        def jvp(self, tx):
            y, = self.saved_tensors
            return tx * y * (1 - y)

    x = f64(0.3)
    x.attach_grad()
    with autograd.record():
        y = Sigmoid()(x)
        first = autograd.grad(y, x, create_graph=True)[0]
    first.backward()
    s = 1 / (1 + numpy.exp(-0.3))
    close(first, s * (1 - s))
    close(x.grad, s * (1 - s) * (1 - 2 * s))
    close(func.jvp(lambda v: Sigmoid()(v), (x,), (f64(2.0),))[1], 2 * s * (1 - s))


# -- hooks and intermediates -----------------------------------------------------------------
def test_hooks_read_and_replace_gradients_and_can_be_removed():
    x = f64([1.0, 2.0])
    x.attach_grad()
    seen = []
    with autograd.record():
        z = x * 3
        handle = z.register_hook(lambda g: seen.append(g.asnumpy()))
        z.register_hook(lambda g: g * 0 + 1)            # replaces dy/dz
        y = np.sum(z ** 2)
    y.backward(retain_graph=True)
    close(seen[0], 2 * 3 * numpy.array([1.0, 2.0]))
    close(x.grad, [3.0, 3.0])
    handle.remove()
    y.backward()
    assert len(seen) == 1


def test_a_hook_on_a_variable_changes_what_reaches_grad():
    x = f64([1.0, -1.0])
    x.attach_grad()
    x.register_hook(lambda g: np.clip(g, -0.5, 0.5))
    with autograd.record():
        y = np.sum(x * 4)
    y.backward()
    close(x.grad, [0.5, 0.5])


def test_hook_errors():
    with pytest.raises(ValueError, match="recorded history"):
        f64([1.0]).register_hook(lambda g: g)
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        z = x * 2
        z.register_hook(lambda g: f64([1.0]))
        y = np.sum(z)
    with pytest.raises(ValueError, match="hook returned"):
        y.backward()


def test_gradients_of_intermediates_in_grad():
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        z = x * x
        y = np.sum(z * 3)
    gx, gz = autograd.grad(y, [x, z])
    close(gx, 6 * numpy.array([1.0, 2.0]))
    close(gz, [3.0, 3.0])


# -- singular points: one rule, so every mode gives the same number -------------------------
@pytest.mark.parametrize("name, f, at", [
    ("log at 0", np.log, 0.0),
    ("sqrt at 0", np.sqrt, 0.0),
    ("x log x at 0", lambda x: x * np.log(x), 0.0),
    ("x ** 0.5 at 0", lambda x: x ** 0.5, 0.0),
    ("abs at its kink", np.abs, 0.0),
    ("relu at its kink", npx.relu, 0.0),
    ("maximum at a tie", lambda x: np.maximum(x, 0.0), 0.0),
    ("clip at its bound", lambda x: np.clip(x, -1.0, 1.0), 1.0),
])
def test_derivatives_at_singular_points_agree_in_every_mode(name, f, at):
    x = f64(at)
    x.attach_grad()
    with numpy.errstate(all="ignore"):
        with autograd.record():
            y = f(x)
        y.backward()
        with autograd.record():
            y = f(x)
        slopes = {
            "backward": x.grad.asnumpy(),
            "autograd.grad": autograd.grad(y, [x])[0].asnumpy(),
            "func.grad": func.grad(f)(f64(at)).asnumpy(),
            "vjp": func.vjp(f, f64(at))[1](f64(1.0))[0].asnumpy(),
            "jvp": func.jvp(f, (f64(at),), (f64(1.0),))[1].asnumpy(),
            "jacfwd": func.jacfwd(f)(f64(at)).asnumpy(),
            "jacrev": func.jacrev(f)(f64(at)).asnumpy(),
        }
    reference = slopes["backward"]
    for mode, slope in slopes.items():
        numpy.testing.assert_array_equal(slope, reference, err_msg=f"{name}: {mode}")


def test_a_custom_vjp_forward_rule_may_call_the_function_itself_as_in_jax():
    @func.custom_vjp
    def f(x):
        return np.sin(x)

    def f_fwd(x):
        return f(x), np.cos(x)             # JAX's idiom: the primal through f itself

    def f_bwd(cos_x, g):
        return (2 * cos_x * g,)            # twice the true derivative: the rule is used

    f.defvjp(f_fwd, f_bwd)
    assert float(func.grad(f)(np.array(0.0))) == 2.0
    numpy.testing.assert_allclose(float(func.grad(func.grad(f))(np.array(0.5))),
                                  -2 * numpy.sin(0.5), rtol=1e-6)
