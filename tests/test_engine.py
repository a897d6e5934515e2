"""The engine alone, with toy primitives declared here: it must know no particular op."""

import numpy
import pytest

from ndgrad import autograd, np
from ndgrad._primitive import NOTHING, Primitive

# y = 3x, declared locally, so the test depends on nothing in ndgrad.ops.
triple = Primitive("triple", lambda x: 3 * x, saves=NOTHING, vjp=lambda g, ans, x: 3 * g)
# two outputs: (x + y, x * y)
sum_and_product = Primitive(
    "sum_and_product", lambda x, y: (x + y, x * y), n_outputs=2,
    pullback=lambda g, ans, inputs, params, wanted: (g[0] + g[1] * inputs[1],
                                                     g[0] + g[1] * inputs[0]))


def variable(values):
    x = np.array(numpy.asarray(values, dtype=numpy.float64))
    x.attach_grad()
    return x


def test_toy_primitive_chain_and_diamond():
    x = variable([1.0, 2.0])
    with autograd.record():
        a = triple(x)
        b = triple(a)
        y = triple(a)          # a feeds two nodes: gradients meet and are summed
    autograd.backward([b, y])
    numpy.testing.assert_allclose(x.grad.asnumpy(), [18.0, 18.0])


def test_multi_output_primitive_with_one_output_unused():
    x, y = variable([2.0]), variable([5.0])
    with autograd.record():
        _total, product = sum_and_product(x, y)
    product.backward()                                   # cotangent of `_total` is zero
    numpy.testing.assert_allclose(x.grad.asnumpy(), [5.0])
    numpy.testing.assert_allclose(y.grad.asnumpy(), [2.0])


def test_a_primitive_must_declare_rules_or_nondiff():
    with pytest.raises(TypeError, match="vjp"):
        Primitive("rule_less", numpy.sin)
    with pytest.raises(ValueError, match="saves"):
        Primitive("odd", numpy.sin, vjp=lambda g, ans, x: g, saves={"everything"})


def test_unbroadcasting_is_done_once_by_the_engine():
    # The toy rule returns the broadcast-shaped gradient; the engine sums it down.
    add_rows = Primitive("add_rows", numpy.add, saves=NOTHING,
                         vjp=(lambda g, ans, a, b: g, lambda g, ans, a, b: g))
    a, b = variable(numpy.ones((3, 2))), variable([1.0, 1.0])
    with autograd.record():
        y = add_rows(a, b)
    y.backward()
    numpy.testing.assert_allclose(b.grad.asnumpy(), [3.0, 3.0])
    assert a.grad.shape == (3, 2)


def test_first_order_rules_run_on_raw_numpy():
    seen = []

    def rule(g, ans, x):
        seen.append(type(g))
        return g

    identity = Primitive("identity", lambda x: x.copy(), saves=NOTHING, vjp=rule)
    x = variable([1.0])
    with autograd.record():
        y = identity(x)
    y.backward(retain_graph=True)
    y.backward(create_graph=True)
    assert seen == [numpy.ndarray, np.ndarray]


def test_hold_stops_at_the_held_nodes_whatever_their_primitive():
    x = variable([1.0, 2.0])
    with autograd.record():
        t = triple(x)                       # held: its operand gets nothing through it
        y = triple(t) + triple(x)           # the direct path still counts
    y.backward(hold=[t], retain_graph=True)
    assert x.grad.tolist() == [3.0, 3.0]
    y.backward()
    assert x.grad.tolist() == [12.0, 12.0]
    # two outputs, one held: the other's gradient flows (d(x * y)/dx = y), the held one's not
    x, w = variable([1.0, 2.0]), variable([5.0, 7.0])
    with autograd.record():
        total, product = sum_and_product(x, w)
        z = total + product
    dx, dw = autograd.grad(z, [x, w], hold=[total], retain_graph=True)
    assert dx.tolist() == [5.0, 7.0] and dw.tolist() == [1.0, 2.0]
    dx, = autograd.grad(z, x, hold=[total, product])
    assert dx.tolist() == [0.0, 0.0]


def test_a_held_node_reached_with_zero_gradient_passes_nothing_on():
    # np.sign's derivative is zero: its operand's "write" sink is reset to zeros by a backward
    # that reaches it, and left alone by one that hold= stops before it
    x = variable([1.0, 2.0])
    x.grad[:] = 7.0
    with autograd.record():
        t = triple(x)
        y = np.sign(t)
    y.backward(hold=[t], retain_graph=True)
    assert x.grad.tolist() == [7.0, 7.0]
    y.backward()
    assert x.grad.tolist() == [0.0, 0.0]
