"""autograd.explain on graphs with more paths than it lists: the left-out paths are counted
(checked against a brute-force enumeration) and the total is backward's gradient."""

import io
import re

import numpy
import pytest

from ndgrad import autograd, np
from ndgrad._explain import MAX_PATHS


def f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def diamonds(y, levels):
    """y * y + y, ``levels`` times: three paths through each level, 3 ** levels in all."""
    for _ in range(levels):
        y = y * y + y
    return y


def recorded_diamonds(levels, values=(0.01, -0.02, 0.03)):
    x = f64(values)
    x.attach_grad()
    with autograd.record():
        y = diamonds(x, levels)
    return x, y


def enumerate_paths(node, start):
    """Every path from ``start`` to ``node``, listed one by one over the recorded parents: the
    brute force explain must agree with."""
    if node is start:
        return [[]]
    return [path + [node] for parent in node.parents if parent is not None
            for path in enumerate_paths(parent, start)]


def printed_gradient(text):
    values = re.search(r"^x\.grad = \[(.*)\]$", text, re.MULTILINE).group(1)
    return numpy.array([float(v) for v in values.split(",")])


def test_the_left_out_count_matches_a_brute_force_enumeration():
    x, y = recorded_diamonds(6)
    paths = len(enumerate_paths(y._node, x._node))
    assert paths == 3 ** 6
    text = str(autograd.explain(y, x, file=io.StringIO()))
    assert text.count("\npath ") == MAX_PATHS
    assert f"\n... and {paths - MAX_PATHS:,} more paths (not shown)\n" in text
    assert f"\nsum over all {paths:,} paths: dy/dx = " in text


def test_the_total_is_backwards_gradient_beyond_the_listed_paths():
    x, y = recorded_diamonds(10)            # 59,049 paths, 32 listed
    explanation = autograd.explain(y, x, file=io.StringIO())
    text = str(explanation)
    assert "... and 59,017 more paths (not shown)" in text
    y.backward()
    numpy.testing.assert_allclose(explanation.gradient, x.grad.asnumpy(), rtol=1e-12)
    numpy.testing.assert_allclose(printed_gradient(text), x.grad.asnumpy(), rtol=1e-3)
    numpy.testing.assert_allclose(numpy.diag(explanation.derivative), x.grad.asnumpy(),
                                  rtol=1e-12)


def test_a_count_beyond_int64_is_exact_and_not_enumerated():
    x, y = recorded_diamonds(40, values=(0.001,))   # 3 ** 40 paths: listing them would hang
    explanation = autograd.explain(y, x, file=io.StringIO())
    assert 3 ** 40 > 2 ** 63
    assert f"... and {3 ** 40 - MAX_PATHS:,} more paths (not shown)" in str(explanation)
    y.backward()
    numpy.testing.assert_allclose(explanation.gradient, x.grad.asnumpy(), rtol=1e-12)


def test_one_path_left_out_is_counted_in_the_singular():
    x, y = recorded_diamonds(3)             # 27 paths
    with autograd.record():
        z = y + x + x + x + x + x + x       # and 6 more
    assert len(enumerate_paths(z._node, x._node)) == MAX_PATHS + 1
    text = str(autograd.explain(z, x, file=io.StringIO(), names={"z": z}))
    assert "\n... and 1 more path (not shown)\n" in text
    assert "sum over all 33 paths" in text


def test_paths_through_cuts_are_counted_and_their_total_is_the_undetached_gradient():
    def program(cut):
        x = f64([0.1, 0.2])
        x.attach_grad()
        with autograd.record():
            u = diamonds(x, 4)              # 81 paths from x to u
            v = u.detach() if cut else u
            z = v * x + x
        return x, u, z                      # a cut holds u weakly: keep it

    x, _, z = program(cut=True)
    explanation = autograd.explain(z, x, file=io.StringIO(), names={"z": z})
    text = str(explanation)
    assert "sum over the 2 paths" in text                    # both autograd follows
    assert text.count("\ncut by detach() (no gradient flows here)") == MAX_PATHS
    assert f"... and {81 - MAX_PATHS} more paths through cuts (not shown)" in text
    z.backward()
    numpy.testing.assert_allclose(explanation.gradient, x.grad.asnumpy(), rtol=1e-12)
    whole = re.search(r"total derivative would give \[(.*)\]", text).group(1)
    x_whole, _, z_whole = program(cut=False)
    z_whole.backward()
    numpy.testing.assert_allclose([float(v) for v in whole.split(",")],
                                  x_whole.grad.asnumpy(), rtol=1e-3)


def test_a_large_value_on_the_way_is_refused_before_building_its_jacobian():
    x = f64(numpy.arange(9.0))
    x.attach_grad()
    with autograd.record():
        y = np.sum(np.outer(x, x))          # 81 elements in between: an 81 x 9 Jacobian
    with pytest.raises(ValueError, match=r"made by \w+, shape \(9, 9\)\) has 81 elements "
                                         r"\(at most 64\)"):
        autograd.explain(y, x, file=io.StringIO())


def test_hold_prints_the_partial_and_the_total_derivative_side_by_side():
    x = f64([1.0, 2.0, 3.0, 4.0])
    x.attach_grad()
    y = f64([5.0, 6.0, 7.0, 8.0])
    with autograd.record():
        u = x * y
        z = u * x
    explanation = autograd.explain(z, x, file=io.StringIO(), names={"u": u, "z": z},
                                   hold=[u])
    text = str(explanation)
    assert "one path: dz/dx = diag[ 5., 12., 21., 32.]" in text
    assert "\ncut by hold= (no gradient flows here): x -> multiply -> u\n" in text
    assert "  u is held constant by hold=: no gradient flows from it to x\n" in text
    assert ("(the partial derivative: u held constant by hold=; without the cuts, the total "
            "derivative gives x.grad = [10., 24., 42., 64.])") in text
    numpy.testing.assert_allclose(printed_gradient(text), [5, 12, 21, 32])
    partial, = autograd.grad(z, x, hold=[u], retain_graph=True)
    numpy.testing.assert_allclose(explanation.gradient, partial.asnumpy())
    # without hold, as before: the total derivative and no cut
    text = str(autograd.explain(z, x, file=io.StringIO()))
    assert "cut by" not in text and "held" not in text
    numpy.testing.assert_allclose(printed_gradient(text), [10, 24, 42, 64])


def test_hold_in_explain_is_checked_as_in_grad():
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        u = x * x
        other = x + 1
        z = u * x
    with pytest.raises(TypeError, match="hold= takes the ndgrad arrays"):
        autograd.explain(z, x, file=io.StringIO(), hold=[3.0])
    with pytest.raises(ValueError, match="not in the graph of the heads"):
        autograd.explain(z, x, file=io.StringIO(), hold=other)
