"""ndgrad.func: forward mode, the functional transforms, their composition and their errors."""

import doctest

import numpy
import pytest

import ndgrad._custom
from ndgrad import autograd, func, np
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
    value, derivative = func.jvp(lambda x: f64([1.0, 2.0]), (f64(X),), (f64(U),))
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
    f = lambda x: np.sin(x) * np.sum(x)  # noqa: E731
    close(func.jacfwd(func.jacrev(f))(f64(X)), func.jacrev(func.jacrev(f))(f64(X)))


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
    with pytest.raises(NoDerivativeError, match="forward-mode"):
        func.jvp(cube, (f64(2.0),), (f64(1.0),))


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
