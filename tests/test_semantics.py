"""One test (or a few) per numbered semantic of docs/api.md, named after it."""

import gc
import threading
import tracemalloc
from typing import ClassVar

import numpy
import pytest

from ndgrad import autograd, np, npx
from ndgrad.errors import GraphReleasedError, InPlaceModifiedError, NotRecordedError


def close(array, expected):
    numpy.testing.assert_allclose(array.detach().asnumpy(), expected, rtol=1e-6, atol=1e-6)


def variable(values, dtype=None):
    x = np.array(values, dtype=dtype)
    x.attach_grad()
    return x


# 1. Head gradient -------------------------------------------------------------------------
def test_1_head_gradient_multiplies_the_jacobian():
    x = variable([0.0, 1.0, 2.0, 3.0])
    with autograd.record():
        y = x * x
    y.backward(np.array([10.0, 1.0, 0.1, 0.01]))
    close(x.grad, [0.0, 2.0, 0.4, 0.06])          # sum_i v_i dy_i/dx = v * 2x


def test_1_non_scalar_head_without_head_gradient_is_gradient_of_sum():
    x = variable([0.0, 1.0, 2.0, 3.0])
    with autograd.record():
        y = x * x
    y.backward()
    close(x.grad, [0.0, 2.0, 4.0, 6.0])
    with autograd.record():
        s = (x * x).sum()
    s.backward()
    close(x.grad, [0.0, 2.0, 4.0, 6.0])


def test_1_head_gradient_accepts_lists_and_numpy():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = 3 * x
    y.backward(numpy.array([1.0, 2.0]), retain_graph=True)
    close(x.grad, [3.0, 6.0])
    y.backward([2.0, 2.0])
    close(x.grad, [6.0, 6.0])


# 2. Bad head gradient ---------------------------------------------------------------------
def test_2_wrong_shape_head_gradient_is_a_value_error_naming_both_shapes():
    x = variable([0.0, 1.0, 2.0, 3.0])
    with autograd.record():
        y = x * 2
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        y.backward(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(4,\)"):
        autograd.backward([y], [np.ones((2, 2))])


# 3. grad_req ------------------------------------------------------------------------------
def test_3_write_overwrites_and_add_accumulates():
    x = variable([1.0, 2.0])
    for _ in range(2):
        with autograd.record():
            y = x * 3
        y.backward()
    close(x.grad, [3.0, 3.0])
    x.attach_grad(grad_req="add")
    for _ in range(2):
        with autograd.record():
            y = x * 3
        y.backward()
    close(x.grad, [6.0, 6.0])


def test_3_null_computes_nothing():
    x = variable([1.0, 2.0])
    w = variable([5.0, 5.0])
    x.attach_grad(grad_req="null")
    assert x.grad is None
    with autograd.record():
        y = x * w
    y.backward()
    assert x.grad is None
    close(w.grad, [1.0, 2.0])


def test_3_paths_are_summed_and_attach_again_resets_to_zeros():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = x * x + np.sin(x) + x
    y.backward()
    close(x.grad, 2 * numpy.array([1.0, 2.0]) + numpy.cos([1.0, 2.0]) + 1)
    x.attach_grad()
    close(x.grad, [0.0, 0.0])


def test_3_bad_grad_req_is_refused():
    with pytest.raises(ValueError, match="grad_req"):
        np.ones(2).attach_grad("sometimes")


# 4. Integer arrays ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_4_attach_grad_on_integer_or_bool_is_a_type_error(dtype):
    x = np.array(numpy.array([1, 0, 1]).astype(dtype))
    with pytest.raises(TypeError, match="astype"):
        x.attach_grad()


# 5. Not recorded --------------------------------------------------------------------------
def test_5_backward_without_history_raises_not_recorded_error():
    x = variable([1.0, 2.0])
    y = x * 2                                      # outside record()
    with pytest.raises(NotRecordedError, match=r"autograd\.record\(\)"):
        y.backward()
    assert issubclass(NotRecordedError, RuntimeError)
    with pytest.raises(NotRecordedError):
        np.ones(3).backward()


# 6. Backward twice ------------------------------------------------------------------------
def test_6_second_backward_raises_and_retain_graph_keeps_the_graph():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = np.exp(x)
    y.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        y.backward()
    with autograd.record():
        y = np.exp(x)
    y.backward(retain_graph=True)
    y.backward()
    close(x.grad, numpy.exp([1.0, 2.0]))


# 7. detach and pause ----------------------------------------------------------------------
def test_7_detach_stops_gradients_and_shares_data():
    x = variable([1.0, 2.0, 3.0, 4.0])
    with autograd.record():
        y = x * x
        u = y.detach()
        z = u * x
    z.backward()
    close(x.grad, u.asnumpy())                      # u is a constant: dz/dx = u
    assert numpy.shares_memory(u._data, y._data)


def test_7_pause_records_nothing():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = x * 2
        with autograd.pause():
            assert not autograd.is_recording()
            c = x * 10
        z = y + c
    z.backward()
    close(x.grad, [2.0, 2.0])
    with pytest.raises(NotRecordedError):
        c.backward()


# 8. attach_grad on an intermediate --------------------------------------------------------
def test_8_attach_grad_on_intermediate_keeps_history_and_fills_both():
    x = variable([0.0, 1.0, 2.0])
    with autograd.record():
        z = 2 * x
        z.attach_grad()
        y = np.dot(z, z)
    y.backward()
    close(z.grad, [0.0, 4.0, 8.0])                  # dy/dz = 2z
    close(x.grad, [0.0, 8.0, 16.0])                 # dy/dx = 8x (MXNet gave zeros)


# 9. In-place ------------------------------------------------------------------------------
def test_9_in_place_outside_the_graph_works_like_numpy():
    w = variable([1.0, 2.0])
    for _ in range(3):
        with autograd.record():
            loss = (w * w).sum()
        loss.backward()
        w -= 0.25 * w.grad                          # w <- w - 0.25 * 2w = w / 2
    close(w, [0.125, 0.25])
    assert w.grad is not None and w._node is not None    # still an attached leaf
    w[:] = 7.0
    close(w, [7.0, 7.0])
    with autograd.record():
        loss = (w * w).sum()
    loss.backward()
    close(w.grad, [14.0, 14.0])


def test_9_writing_into_a_variable_while_recording_raises_at_the_modification():
    x = variable([1.0, 2.0])
    with autograd.record():
        with pytest.raises(InPlaceModifiedError, match="variable"):
            x[0] = 5.0
        with pytest.raises(InPlaceModifiedError, match="variable"):
            x += 1
    close(x, [1.0, 2.0])


def test_9_writes_into_other_arrays_are_recorded_as_pytorch():
    x = variable([1.0, 2.0])
    with autograd.record():
        buffer = np.zeros(3)
        buffer[0] = np.sum(x * x)               # a recorded value into a constant buffer
        buffer[1:] = x
        y = x * 2
        y += x                                  # in place on an intermediate: y = 3x
        y *= x                                  # y = 3x**2: needs the old y for x's part
        loss = np.sum(buffer * np.array([1.0, 10.0, 100.0])) + np.sum(y)
    loss.backward()
    # d/dx [x1^2 + x2^2 + 10 x1 + 100 x2 + 3 x1^2 + 3 x2^2]
    close(x.grad, [2 * 1.0 + 10 + 6 * 1.0, 2 * 2.0 + 100 + 6 * 2.0])
    close(buffer, [5.0, 1.0, 2.0])


def test_9_a_loop_that_fills_a_buffer_is_differentiated():
    x = variable([1.5])
    with autograd.record():
        buffer = np.zeros(4)
        buffer[0] = x[0]
        for i in range(1, 4):
            buffer[i] = buffer[i - 1] * 2
        total = np.sum(buffer)
    total.backward()
    close(x.grad, [1.0 + 2.0 + 4.0 + 8.0])


def test_9_a_write_over_a_value_backward_needs_raises_at_backward():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = np.exp(x)                           # exp's rule uses its answer, y's buffer
        y[0] = 0.0
    with pytest.raises(InPlaceModifiedError, match="exp"):
        y.backward()


def test_9_views_of_a_written_array_cannot_be_used_with_a_stale_history():
    x = variable([1.0, 2.0, 3.0])
    with autograd.record():
        y = x * 2
        view, alias = y[1:], y.detach()
        y[1] = x[0] * 5
        for stale in (view, alias):
            with pytest.raises(InPlaceModifiedError, match="take the view"):
                np.sum(stale)
        base = np.zeros((2, 2))
        row = base[0]                           # a view written through: its base is stale
        row[0] = x[0]
        with pytest.raises(InPlaceModifiedError, match="take the view"):
            np.sum(base)
        total = np.sum(row)
    total.backward()
    close(x.grad, [1.0, 0.0, 0.0])


def test_9_a_gradient_cannot_be_written_into_an_integer_array():
    x = variable([1.0, 2.0])
    with autograd.record():
        counts = np.zeros(2, dtype="int64")
        with pytest.raises(InPlaceModifiedError, match="int64"):
            counts[0] = np.sum(x)


def test_9_modifying_a_saved_value_before_backward_raises_at_backward():
    x = variable([1.0, 2.0, 3.0])
    c = np.array([1.0, 2.0, 3.0])
    with autograd.record():
        y = x * c                                   # the rule for x needs c
    c[0] = 5.0
    with pytest.raises(InPlaceModifiedError, match=r"multiply.*|\(3,\)"):
        y.backward()


def test_9_modifying_through_a_view_is_detected():
    x = variable([1.0, 2.0, 3.0])
    c = np.array([1.0, 2.0, 3.0])
    view = c[:2]
    with autograd.record():
        y = x * c
    view[0] = 9.0
    assert c[0].item() == 9.0
    with pytest.raises(InPlaceModifiedError):
        y.backward()


def test_9_modifying_a_saved_answer_before_backward_raises():
    x = variable([1.0, 2.0])
    with autograd.record():
        y = np.exp(x)                               # the rule uses exp's answer
    y += 1
    with pytest.raises(InPlaceModifiedError, match="exp"):
        y.backward()


# 10. Ties ---------------------------------------------------------------------------------
def test_10_max_and_min_split_the_gradient_among_ties():
    x = variable([1.0, 3.0, 3.0, 2.0])
    with autograd.record():
        y = x.max()
    y.backward()
    close(x.grad, [0.0, 0.5, 0.5, 0.0])
    x = variable([[1.0, 1.0, 1.0], [4.0, 2.0, 4.0]])
    with autograd.record():
        y = np.min(x, axis=1)
    y.backward()
    close(x.grad, [[1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]])


def test_10_maximum_and_sort_ties_share():
    a, b = variable([1.0, 2.0]), variable([1.0, 3.0])
    with autograd.record():
        y = np.maximum(a, b)
    y.backward()
    close(a.grad, [0.5, 0.0])
    close(b.grad, [0.5, 1.0])
    bids = variable([3.0, 5.0, 5.0])
    with autograd.record():
        price = np.sort(bids)[-2]
    price.backward()
    close(bids.grad, [0.0, 0.5, 0.5])


# 11. Python control flow ------------------------------------------------------------------
def test_11_control_flow_is_differentiated_along_the_path_taken():
    def f(a):
        b = a * 2
        while np.linalg.norm(b) < 1000:
            b = b * 2
        c = b if b.sum() > 0 else 100 * b
        return c

    for start in (0.3, -0.7):
        a = variable(start)
        with autograd.record():
            d = f(a)
        d.backward()
        close(a.grad, (d / a).asnumpy())


# 12. Higher order -------------------------------------------------------------------------
def test_12_create_graph_differentiates_to_any_order():
    values = numpy.array([0.3, 1.1, -2.0])
    x = variable(values, dtype="float64")
    expected = [numpy.cos(values), -numpy.sin(values), -numpy.cos(values), numpy.sin(values)]
    with autograd.record():
        y = np.sin(x)
        for derivative in expected:
            y = autograd.grad(y, x, create_graph=True)[0]
            close(y, derivative)


def test_12_backward_with_create_graph_then_backward_of_the_gradient():
    x = variable([1.0, 2.0], dtype="float64")
    with autograd.record():
        y = (x ** 3).sum()
    y.backward(create_graph=True)
    first = x.grad
    close(first, [3.0, 12.0])
    first.backward()
    close(x.grad, [6.0, 12.0])


# 13. Training flag ------------------------------------------------------------------------
def test_13_dropout_drops_only_when_training():
    np.random.seed(0)
    x = np.ones(10000)
    assert not autograd.is_training()
    close(npx.dropout(x, p=0.5), numpy.ones(10000))
    with autograd.record():
        assert autograd.is_training()
        dropped = npx.dropout(x, p=0.5)
    kept = dropped.asnumpy()
    assert 0.45 < (kept == 0).mean() < 0.55
    assert set(numpy.unique(kept)) <= {0.0, 2.0}
    with autograd.record(train_mode=False):
        assert not autograd.is_training()
        close(npx.dropout(x, p=0.5), numpy.ones(10000))
    with autograd.train_mode():
        assert (npx.dropout(x, p=0.5).asnumpy() == 0).any()
        with autograd.predict_mode():
            close(npx.dropout(x, p=0.5), numpy.ones(10000))


def test_13_dropout_gradient_follows_the_mask():
    np.random.seed(1)
    x = variable(numpy.ones(1000))
    with autograd.record():
        y = npx.dropout(x, p=0.3)
    y.backward()
    close(x.grad, y.asnumpy())                      # d(mask * x / 0.7)/dx = mask / 0.7


# 14. Deep graphs --------------------------------------------------------------------------
def test_14_a_million_op_chain_differentiates_without_recursion():
    x = variable([0.5, 1.0, 1.5, 2.0], dtype="float64")
    steps = 1_000_000
    with autograd.record():
        y = x
        for _ in range(steps):
            y = y * 1.0000001
    y.backward()
    close(x.grad, numpy.full(4, 1.0000001 ** steps))


class _MemoryProbe(autograd.Function):
    """Identity whose backward records how much memory is still allocated."""

    readings: ClassVar[list[int]] = []    # on the class: each call makes a new instance

    def forward(self, x):
        return x * 1

    def backward(self, dy):
        self.readings.append(tracemalloc.get_traced_memory()[0])
        return dy


def test_14_backward_releases_intermediates_as_it_goes():
    x = variable(numpy.ones(250_000), dtype="float64")   # 2 MB per intermediate
    gc.collect()
    tracemalloc.start()
    try:
        _MemoryProbe.readings = []
        with autograd.record():
            y = x
            for step in range(40):
                y = np.exp(y * 1e-3)                    # each exp keeps its 2 MB answer
                if step == 19:
                    y = _MemoryProbe()(y)
        held = tracemalloc.get_traced_memory()[0]
        y.backward()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # At the probe, half of the chain has been passed and should be freed already.
    assert _MemoryProbe.readings[0] < 0.7 * held
    del y
    assert after < 0.6 * held


# 15. Threads ------------------------------------------------------------------------------
def test_15_threads_record_independently():
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(name, scale):
        try:
            x = variable(numpy.arange(1.0, 5.0))
            barrier.wait()
            with autograd.record():
                barrier.wait()
                y = x
                for _ in range(200):
                    y = y * scale
                barrier.wait()
            y.backward()
            results[name] = x.grad.asnumpy()
        except Exception as error:  # noqa: BLE001  (any error: surfaced in the main thread)
            errors.append(error)

    threads = [threading.Thread(target=work, args=("a", 1.001)),
               threading.Thread(target=work, args=("b", 0.999))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numpy.testing.assert_allclose(results["a"], numpy.full(4, 1.001 ** 200), rtol=1e-4)
    numpy.testing.assert_allclose(results["b"], numpy.full(4, 0.999 ** 200), rtol=1e-4)


def test_15_recording_flag_is_per_thread():
    seen = []
    with autograd.record():
        thread = threading.Thread(target=lambda: seen.append(autograd.is_recording()))
        thread.start()
        thread.join()
        assert autograd.is_recording()
    assert seen == [False]
