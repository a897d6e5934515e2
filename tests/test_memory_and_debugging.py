"""autograd.checkpoint, autograd.detect_anomaly and autograd.find_nan."""

import numpy
import pytest

from ndgrad import autograd, np, npx
from ndgrad.errors import AnomalyError


def f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def block(h, w):
    return np.tanh(h @ w) + h


def gradients(use_checkpoint, create_graph=False):
    rng = numpy.random.default_rng(0)
    x = f64(rng.standard_normal((4, 6)))
    weights = [f64(rng.standard_normal((6, 6)) / 3) for _ in range(3)]
    for w in weights:
        w.attach_grad()
    with autograd.record():
        h = x
        for w in weights:
            h = autograd.checkpoint(block, h, w) if use_checkpoint else block(h, w)
        loss = np.sum(h ** 2)
        grads = autograd.grad(loss, weights, create_graph=create_graph)
        if create_graph:
            second = sum(np.sum(g ** 2) for g in grads)
    if create_graph:
        second.backward()
        return [w.grad.asnumpy() for w in weights]
    return [g.asnumpy() for g in grads]


def test_checkpoint_gives_the_same_gradients():
    for plain, checkpointed in zip(gradients(False), gradients(True)):
        numpy.testing.assert_allclose(checkpointed, plain, rtol=1e-12)


def test_checkpoint_gives_the_same_second_order_gradients():
    for plain, checkpointed in zip(gradients(False, True), gradients(True, True)):
        numpy.testing.assert_allclose(checkpointed, plain, rtol=1e-10)


def test_checkpoint_saves_no_intermediate_of_the_function():
    x = f64(numpy.ones((3, 3)))
    x.attach_grad()
    with autograd.record():
        y = autograd.checkpoint(lambda v: np.exp(np.sin(v)), x)
    node = y._node
    assert node.primitive.name.startswith("checkpoint")
    assert [parent.name for parent in node.parents] == ["variable"]   # nothing of exp or sin


def test_checkpoint_replays_random_numbers():
    x = f64(numpy.ones((50,)))
    x.attach_grad()
    with autograd.record():
        y = autograd.checkpoint(lambda v: npx.dropout(v, p=0.5) * 2, x)
    y.backward()
    kept = y.asnumpy() != 0
    numpy.testing.assert_array_equal(x.grad.asnumpy() != 0, kept)


def test_checkpoint_outside_record_is_the_plain_call():
    out = autograd.checkpoint(lambda v: v * 2, f64([1.0]))
    assert out._node is None
    numpy.testing.assert_allclose(out.asnumpy(), [2.0])


def test_anomaly_names_the_op_and_the_line_of_a_forward_nan():
    x = f64([1.0, 0.0])
    with (pytest.raises(AnomalyError) as error, numpy.errstate(divide="ignore"),
          autograd.detect_anomaly()):
        y = np.log(x) * 0                         # the planted inf
        del y
    message = str(error.value)
    assert "'log'" in message and "test_memory_and_debugging.py" in message
    assert "the planted inf" in message


def test_anomaly_names_the_forward_line_of_a_gradient_that_becomes_infinite():
    x = f64([4.0, 0.0])
    x.attach_grad()
    with autograd.detect_anomaly():
        with autograd.record():
            root = np.sqrt(x)                      # finite: 2 and 0; slope inf at 0
            y = np.sum(root)
        with pytest.raises(AnomalyError) as error:
            y.backward()
    message = str(error.value)
    assert "'sqrt'" in message and "slope inf at 0" in message


def test_anomaly_mode_is_off_outside_its_block():
    with autograd.detect_anomaly():
        pass
    with numpy.errstate(divide="ignore"):
        numpy.testing.assert_equal(np.log(f64([0.0])).asnumpy(), [-numpy.inf])


def test_nan_operands_are_not_blamed_on_the_next_op():
    with autograd.detect_anomaly():
        y = np.sin(f64([numpy.nan]))           # the NaN came from the data, not from sin
    assert numpy.isnan(y.asnumpy()).all()


# -- autograd.find_nan: where a gradient's NaN comes from --------------------------------------
def safe_sqrt_wrong(x):
    return np.where(x > 0, np.sqrt(x), 0.0).sum()          # the where trap at x <= 0


def test_find_nan_names_the_op_and_line_and_recognises_the_where_trap():
    x = np.array([-1.0, 0.0, 4.0])
    with numpy.errstate(invalid="ignore"):                 # the forward's own NaN, as NumPy
        report = autograd.find_nan(safe_sqrt_wrong, x)
    assert report.op == "sqrt" and report.where_trap
    assert "test_memory_and_debugging.py" in report.line and "np.sqrt(x)" in report.line
    text = str(report)
    assert "where trap" in text and "np.where(cond, np.sqrt(np.where(cond, x, 1.0)), 0.0)" in text
    numpy.testing.assert_array_equal(numpy.isnan(report.gradients[0].asnumpy()),
                                     [True, True, False])
    assert x._node is None and x.grad is None               # the argument is left alone


def test_the_double_where_fix_has_no_nan():
    def fixed(x):
        positive = x > 0
        return np.where(positive, np.sqrt(np.where(positive, x, 1.0)), 0.0).sum()
    report = autograd.find_nan(fixed, np.array([-1.0, 0.0, 4.0]))
    assert report.op is None and "no NaN" in str(report)
    numpy.testing.assert_allclose(report.gradients[0].asnumpy(), [0.0, 0.0, 0.25])


def test_find_nan_of_a_singular_slope_outside_where_is_no_trap():
    with numpy.errstate(divide="ignore", invalid="ignore"):
        report = autograd.find_nan(lambda x: np.log(x).sum(), np.array([0.0, 1.0]))
    assert report.op == "log" and not report.where_trap
    assert "where trap" not in str(report)


def test_find_nan_refuses_what_it_cannot_differentiate():
    with pytest.raises(TypeError, match="function to differentiate first"):
        autograd.find_nan(np.array([1.0]), np.array([1.0]))
    with pytest.raises(TypeError, match="must be an ndgrad array"):
        autograd.find_nan(lambda x: x.sum(), [1.0])


# -- autograd.kinks: where the derivative is not unique -----------------------------------------
def test_kinks_lists_every_tie_and_kink_with_its_line_count_and_convention():
    x = np.array([0.0, 1.0, 1.0, -2.0])

    def f(x):
        return (np.abs(x) + npx.relu(x) + np.maximum(x, 1.0) + np.clip(x, 0.0, 1.0)).sum() \
            + np.max(x) + (np.sort(x) * np.arange(4)).sum() + np.where(x > 0, x, -x).sum()

    report = autograd.kinks(f, x)
    found = {op: (count, convention) for op, line, count, convention in report.entries}
    assert found == {
        "absolute": (1, "at 0 the gradient is 0 (a subgradient)"),
        "relu": (1, "at 0 the gradient is 0 (a subgradient)"),
        "maximum": (2, "tied operands share the gradient equally (half each)"),
        "clip": (3, "at a bound the gradient passes to a (the bound counts as inside)"),
        "max": (1, "tied extrema share the gradient equally"),
        "sort": (1, "tied values share their gradients equally (averaged)"),
        "greater": (1, found["greater"][1]),
    }
    assert all("test_memory_and_debugging.py" in line for _, line, _, _ in report.entries)
    assert "7 place(s)" in str(report)
    # the gradients are the ones backward gives, with those conventions
    expected = numpy.array([0.0, 1.0, 1.0, -1.0]) + [0.0, 1.0, 1.0, 0.0] \
        + [0.0, 0.5, 0.5, 0.0] + [1.0, 1.0, 1.0, 0.0] + [0.0, 0.5, 0.5, 0.0] \
        + [1.0, 2.5, 2.5, 0.0] + [-1.0, 1.0, 1.0, -1.0]
    numpy.testing.assert_allclose(report.gradients[0].asnumpy(), expected)


def test_kinks_of_a_smooth_function_are_none_and_sqrt_at_0_is_one():
    assert autograd.kinks(lambda x: (x * x).sum(), np.array([0.0, 1.0])).entries == []
    with numpy.errstate(divide="ignore"):
        report = autograd.kinks(lambda x: np.sqrt(x).sum(), np.array([0.0, 4.0]))
    assert [(op, count) for op, _, count, _ in report.entries] == [("sqrt", 1)]
    assert "no kinks" in str(autograd.kinks(lambda x: x.sum(), np.array([1.0])))
