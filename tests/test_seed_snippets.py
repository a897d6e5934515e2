"""Every code snippet of the seed thread (the readers' thread that started ndgrad), run here.

The thread is the reader discussion under the MXNet "Automatic Differentiation" chapter of
*Dive into Deep Learning*. The second capture lost some code lines (``x.attach_grad()``,
``with autograd.record():``, prints); each test says what it reconstructed. A test asserts the
numbers the thread shows, or, where docs/api.md marks a deliberate difference (**differs**),
ndgrad's numbers with a comment citing the item. The chapter's own examples, which the thread
discusses, close the file.
"""

import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ndgrad as mx
from ndgrad import autograd, np, npx
from ndgrad.errors import GraphReleasedError


def close(array, expected):
    numpy.testing.assert_allclose(array.asnumpy(), expected, rtol=1e-6, atol=1e-6)


# thomelane #3: the head gradient -----------------------------------------------------------
def test_thomelane_head_gradient_with_mx_nd(capsys):
    # Run as posted; only the indentation of the record block (lost in both captures) is
    # restored. The comment's "dy/dz" is dz/dy, as vermicelli (#4) points out: the head gradient
    # stands for the derivative of some function computed outside autograd (ddavydenko, #5).
    x = mx.nd.array([0., 1., 2., 3.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    dzdy = mx.nd.array([10, 1., .1, .01])   # calculated outside of autograd
    y.backward(dzdy)
    close(x.grad, [20.0, 2.0, 0.2, 0.02])   # dz/dy * dy/dx = dzdy * 2
    assert isinstance(x.grad, mx.nd.NDArray)
    # The first capture collapsed the spaces; the second kept MXNet 1.x's text exactly.
    print(x.grad)
    assert capsys.readouterr().out == "\n[20.    2.    0.2   0.02]\n<NDArray 4 @cpu(0)>\n"


def test_thomelane_without_head_gradient_gives_dy_dx():
    # vermicelli's question (#2): without a head gradient, backward uses ones (API.md item 1).
    x = mx.nd.array([0., 1., 2., 3.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    y.backward()
    close(x.grad, [2.0, 2.0, 2.0, 2.0])


def test_chapter_head_gradient_example_the_thread_asks_about():
    # Not quoted in the thread: the chapter's example of the time backpropagates from z = y * x
    # with head gradient [10, 1, .1, .01] (thomelane: "backward should be applied to y here not
    # z"). x is taken from thomelane's version.
    x = mx.nd.array([0., 1., 2., 3.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
        z = y * x
    head_gradient = mx.nd.array([10, 1., .1, .01])
    z.backward(head_gradient)
    close(x.grad, [0.0, 4.0, 0.8, 0.12])    # head * dz/dx = head * 4x


# The detach question: [5, 12, 21, 32] versus [10, 24, 42, 64] ----------------------------
def test_detach_snippet_gives_the_partial_derivative():
    # Reconstructed: x.attach_grad(), lost from the capture (the poster got numbers, so x had
    # a gradient buffer). The imports are the post's, with mxnet replaced by ndgrad:
    # `from mxnet import ndarray as nd` names MXNet's module; ndgrad's ndarray is the array
    # type, whose class attributes fall back to ndgrad.nd, so nd.array makes an mx.nd array.
    from ndgrad import autograd as ag
    from ndgrad import ndarray as nd
    x = nd.array([1, 2, 3, 4])
    y = nd.array([5, 6, 7, 8])
    x.attach_grad()
    ag.set_recording(True)
    try:
        u = x * y
        v = u.detach()
        z = v * x
    finally:
        ag.set_recording(False)
    z.backward()
    # v is a constant to autograd: dz/dx = v = x * y, the partial derivative.
    close(x.grad, [5.0, 12.0, 21.0, 32.0])
    assert isinstance(x.grad, mx.nd.NDArray)


def test_detach_snippet_without_detach_gives_the_total_derivative():
    # Reconstructed: the second snippet reuses the first one's `nd` import and needs the same
    # lost x.attach_grad().
    from ndgrad import autograd as ag
    from ndgrad import ndarray as nd
    x = nd.array([1, 2, 3, 4])
    y = nd.array([5, 6, 7, 8])
    x.attach_grad()
    ag.set_recording(True)
    try:
        u = x * y
        z = u * x
    finally:
        ag.set_recording(False)
    z.backward()
    close(x.grad, [10.0, 24.0, 42.0, 64.0])  # d(x^2 y)/dx = 2xy


# The chapter's "Head Gradients" section: partial (2) versus total (3) derivative ----------
def chapter_head_gradient_section():
    # Reconstructed from the chapter the posts quote: x = np.arange(4) with a gradient from the
    # chapter's first section, y.attach_grad(), the record block and v.attach_grad(), lost
    # from the capture. Returns the gradients after each of the two backward calls.
    x = np.arange(4)
    x.attach_grad()
    y = np.ones(4) * 2
    y.attach_grad()
    with autograd.record():
        u = x * y
        v = u.detach()  # u still keeps the computation graph
        v.attach_grad()
        z = v + x
    z.backward()
    after_z = (x.grad.copy(), y.grad.copy(), v.grad.copy())
    u.backward(v.grad)
    return after_z, (x.grad.copy(), y.grad.copy())


def test_chapter_head_gradients_section_gives_the_partial_derivative():
    (x_grad, y_grad, v_grad), (x_grad_2, y_grad_2) = chapter_head_gradient_section()
    # After z.backward(): dz/dx with v held constant, and dz/dv. y is not reached through v.
    close(x_grad, [1.0, 1.0, 1.0, 1.0])
    close(v_grad, [1.0, 1.0, 1.0, 1.0])
    close(y_grad, [0.0, 0.0, 0.0, 0.0])
    # After u.backward(v.grad): du/dx * dz/dv = y * 1 -- the partial derivative, as the
    # posters say, not the total one. The second backward overwrites (grad_req "write").
    close(x_grad_2, [2.0, 2.0, 2.0, 2.0])
    close(y_grad_2, [0.0, 1.0, 2.0, 3.0])    # du/dy * dz/dv = x


def test_chapter_head_gradients_total_derivative_is_y_plus_one():
    # The poster's point: z = x * y + x, so dz/dx = y + 1 = [3, 3, 3, 3].
    x = np.arange(4)
    x.attach_grad()
    y = np.ones(4) * 2
    with autograd.record():
        z = x * y + x
    z.backward()
    close(x.grad, [3.0, 3.0, 3.0, 3.0])
    # The chain rule over both paths adds the partial derivatives: y * 1 + 1.
    (_, _, _), (x_grad_partial, _) = chapter_head_gradient_section()
    close(x_grad_partial + 1, x.grad.asnumpy())


# gpolo: attach_grad on an intermediate ---------------------------------------------------
def test_gpolo_intermediate_attach_grad_keeps_history(capsys):
    # Reconstructed: x.attach_grad(), `with autograd.record():` and z.attach_grad() (the post
    # asks why x.grad is zero "when the z.attach_grad() is included"), lost from the capture.
    npx.set_np()
    x = np.arange(3)
    x.attach_grad()
    with autograd.record():
        z = 2 * x
        z.attach_grad()
        y = np.dot(z, z)
    y.backward()
    print(f"x=>{x.grad} z=>{z.grad}")
    # MXNet printed `x=>[0. 0. 0.] z=>[0. 4. 8.]` (gold_piggy's correction): its attach_grad
    # detaches z. API.md item 8 (differs): z keeps its history, so both are filled:
    # dy/dz = 2z = 4x and dy/dx = 8x -- what gpolo asked for in the follow-up.
    assert capsys.readouterr().out == "x=>[ 0.  8. 16.] z=>[0. 4. 8.]\n"
    close(z.grad, [0.0, 4.0, 8.0])
    close(x.grad, [0.0, 8.0, 16.0])


def test_gpolo_mxnet_numbers_come_back_with_an_explicit_detach(capsys):
    # API.md item 8: "Use detach() to cut" -- MXNet's implicit z = z.detach(), made explicit.
    x = np.arange(3)
    x.attach_grad()
    with autograd.record():
        z = 2 * x
        z = z.detach()
        z.attach_grad()
        y = np.dot(z, z)
    y.backward()
    print(f"x=>{x.grad} z=>{z.grad}")
    assert capsys.readouterr().out == "x=>[0. 0. 0.] z=>[0. 4. 8.]\n"


def test_gpolo_both_gradients_with_autograd_grad():
    # The follow-up's question, answered without touching .grad: dy/dz = 4x and dy/dx = 8x.
    # x still needs attach_grad(): as in MXNet, only arrays that depend on one are recorded.
    x = np.arange(3)
    x.attach_grad()
    with autograd.record():
        z = 2 * x
        y = np.dot(z, z)
    dz, dx = autograd.grad(y, [z, x])
    close(dz, [0.0, 4.0, 8.0])
    close(dx, [0.0, 8.0, 16.0])
    close(x.grad, [0.0, 0.0, 0.0])                # grad() leaves .grad alone


def gold_piggy_forward():
    # Reconstructed: x.attach_grad(), the record block and z.attach_grad(), lost from the
    # capture. MXNet's answer x=>[2. 2. 2.] z=>[0. 4. 8.] needs w copied before z is detached
    # by attach_grad: w = 2x then carries dw/dx = 2, and y = z.z gives z.grad = 2z.
    x = np.arange(3)
    x.attach_grad()
    with autograd.record():
        z = 2 * x
        w = z.copy()
        z.attach_grad()
        y = np.dot(z, z)
    return x, z, w, y


def test_gold_piggy_copy_as_posted_reuses_a_freed_graph():
    # API.md items 8 and 6: z keeps its history, so y and w share the recorded 2 * x, which
    # y.backward() frees; the second backward through it is refused with a clear error.
    _, _, w, y = gold_piggy_forward()
    y.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        w.backward()


def test_gold_piggy_copy_with_retained_graph(capsys):
    x, z, w, y = gold_piggy_forward()
    y.backward(retain_graph=True)
    print(f"x=>{x.grad} z=>{z.grad}")
    w.backward()
    print(f"x=>{x.grad} z=>{z.grad}")
    # The thread's answer is x=>[2. 2. 2.] z=>[0. 4. 8.]. API.md item 8 (differs): z is an
    # attached variable on w's path too, so w.backward() writes dw/dz = 1 into z.grad.
    assert capsys.readouterr().out == (
        "x=>[ 0.  8. 16.] z=>[0. 4. 8.]\n"
        "x=>[2. 2. 2.] z=>[1. 1. 1.]\n")


def test_gold_piggy_mxnet_numbers_with_an_explicit_detach(capsys):
    # MXNet's behaviour spelled out (item 8): the z that y uses is a detached copy.
    x = np.arange(3)
    x.attach_grad()
    with autograd.record():
        z = 2 * x
        w = z.copy()
        z = z.detach()
        z.attach_grad()
        y = np.dot(z, z)
    y.backward()
    w.backward()
    print(f"x=>{x.grad} z=>{z.grad}")
    assert capsys.readouterr().out == "x=>[2. 2. 2.] z=>[0. 4. 8.]\n"


# The second-price auction exercise -------------------------------------------------------
def price_gradient(bids):
    """The price a second-price auction charges (the second-highest bid), and its gradient."""
    bids = np.array(bids)
    bids.attach_grad()
    with autograd.record():
        price = np.sort(bids)[-2]
    price.backward()
    return price.item(), bids.grad.asnumpy()


def test_second_price_gradient_is_one_for_the_runner_up_only():
    price, grad = price_gradient([3.0, 7.0, 5.0, 1.0])
    assert price == 5.0
    # Only the runner-up's bid moves the price; the winner's (7) has no marginal effect.
    numpy.testing.assert_array_equal(grad, [0.0, 0.0, 1.0, 0.0])


def test_second_price_by_indexing_gives_the_same_gradient():
    # "How do you write final price as a function of the highest price?" -- another way:
    # index the bids by their rank; argsort is not differentiable, the indexing is.
    bids = np.array([3.0, 7.0, 5.0, 1.0])
    bids.attach_grad()
    with autograd.record():
        price = bids[np.argsort(bids)[-2]]
    price.backward()
    assert price.item() == 5.0
    close(bids.grad, [0.0, 0.0, 1.0, 0.0])


@given(st.lists(st.integers(0, 10_000), min_size=2, max_size=12, unique=True))
def test_second_price_gradient_for_any_distinct_bids(values):
    bids = [v / 100 for v in values]
    price, grad = price_gradient(bids)
    runner_up = numpy.argsort(bids)[-2]
    assert price == pytest.approx(sorted(bids)[-2])
    expected = numpy.zeros(len(bids))
    expected[runner_up] = 1.0
    numpy.testing.assert_array_equal(grad, expected)
    assert grad[numpy.argmax(bids)] == 0.0     # the winner's bid never moves the price


def test_second_price_tie_at_the_top_is_shared():
    # Two bidders tie at 7: the price is 7 and moves with either bid. API.md item 10 (differs):
    # the tied bidders share the gradient, so it still sums to one.
    price, grad = price_gradient([3.0, 7.0, 7.0, 1.0])
    assert price == 7.0
    numpy.testing.assert_allclose(grad, [0.0, 0.5, 0.5, 0.0])
    price, grad = price_gradient([7.0, 7.0, 7.0, 1.0])
    assert price == 7.0
    numpy.testing.assert_allclose(grad, [1 / 3, 1 / 3, 1 / 3, 0.0], rtol=1e-6)


def test_second_price_tie_for_second_place_leaves_the_winner_out():
    price, grad = price_gradient([5.0, 7.0, 5.0, 1.0])
    assert price == 5.0
    numpy.testing.assert_allclose(grad, [0.5, 0.0, 0.5, 0.0])


# "Assume f(x) = sin(x). Plot f(x) and df(x)/dx on a graph" -------------------------------
def test_sin_derivative_is_cos():
    x = np.linspace(-2 * math.pi, 2 * math.pi, 100)
    x.attach_grad()
    with autograd.record():
        y = np.sin(x)
    y.backward()
    close(x.grad, numpy.cos(x.asnumpy()))


def test_sin_second_derivative_is_minus_sin():
    # create_graph=True records the backward pass, so the derivative is differentiable again.
    x = np.linspace(-2 * math.pi, 2 * math.pi, 100)
    x.attach_grad()
    with autograd.record():
        (dydx,) = autograd.grad(np.sin(x), [x], create_graph=True)
    dydx.backward()
    close(dydx, numpy.cos(x.asnumpy()))
    close(x.grad, -numpy.sin(x.asnumpy()))


def test_sin_and_derivative_plot(tmp_path):
    # Reconstructed answer to the question: the plotted derivative curve is autograd's x.grad.
    # The Agg canvas is named explicitly so no display or global pyplot state is involved.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    x = np.linspace(-2 * math.pi, 2 * math.pi, 100)
    x.attach_grad()
    with autograd.record():
        y = np.sin(x)
    y.backward()
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot(x.asnumpy(), y.asnumpy(), label="f(x) = sin(x)")
    (line,) = ax.plot(x.asnumpy(), x.grad.asnumpy(), label="df(x)/dx")
    ax.legend()
    fig.savefig(tmp_path / "sin.png")
    assert (tmp_path / "sin.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    numpy.testing.assert_allclose(line.get_ydata(), numpy.cos(x.asnumpy()), atol=1e-6)


# The chapter's own examples --------------------------------------------------------------
def test_chapter_dot_product():
    x = np.arange(4)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]     # float32, as MXNet
    x.attach_grad()
    close(x.grad, [0.0, 0.0, 0.0, 0.0])
    with autograd.record():
        y = 2 * np.dot(x, x)
    assert y.item() == 28.0
    y.backward()
    close(x.grad, [0.0, 4.0, 8.0, 12.0])
    assert (x.grad == 4 * x).asnumpy().all()


def test_chapter_sum():
    x = np.arange(4)
    x.attach_grad()
    with autograd.record():
        y = x.sum()
    y.backward()
    close(x.grad, [1.0, 1.0, 1.0, 1.0])


def test_chapter_non_scalar_backward_is_gradient_of_sum():
    x = np.arange(4)
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    close(x.grad, [0.0, 2.0, 4.0, 6.0])


def test_chapter_detach_computation():
    # The typo thread: this computes d(u x)/dx with u = x^2 held constant, i.e. u.
    x = np.arange(4)
    x.attach_grad()
    with autograd.record():
        y = x * x
        u = y.detach()
        z = u * x
    z.backward()
    assert (x.grad == u).asnumpy().all()
    close(x.grad, [0.0, 1.0, 4.0, 9.0])
    y.backward()                                  # y's own graph is still there
    assert (x.grad == 2 * x).asnumpy().all()


def f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_chapter_control_flow(seed):
    # f is piecewise linear in a, so along the path taken d = k * a and da = k = d / a.
    np.random.seed(seed)
    a = np.random.normal()
    a.attach_grad()
    with autograd.record():
        d = f(a)
    d.backward()
    assert (a.grad == d / a).item()
    # Either branch: k is 2^n (positive a) or 100 * 2^n (negative a), and |d| >= 1000.
    n = math.log2(a.grad.item() / (1 if a.item() > 0 else 100))
    assert n == int(n) and abs(d.item()) >= 1000


def test_chapter_control_flow_takes_both_branches():
    for value, gradient in [(0.5, 2048.0), (-0.5, 204800.0)]:
        a = np.array(value)
        a.attach_grad()
        with autograd.record():
            d = f(a)
        d.backward()
        assert a.grad.item() == gradient
        assert (a.grad == d / a).item()
