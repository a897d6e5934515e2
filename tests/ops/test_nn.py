"""npx's deep-learning ops beyond the op table: the documented choices (ties in max pooling,
batch_norm's running statistics, MXNet's defaults where ndgrad differs), bad inputs, and an
optional cross-check of values and gradients against PyTorch."""

import numpy
import pytest

from ndgrad import autograd, np, npx


def variables(*arrays):
    result = [np.array(numpy.asarray(a, dtype=numpy.float64)) for a in arrays]
    for v in result:
        v.attach_grad()
    return result


def gradients(f, *arrays, head=None):
    """f's value and the gradients of sum(head * f) for each array."""
    xs = variables(*arrays)
    with autograd.record():
        y = f(*xs)
    y.backward(None if head is None else np.array(head))
    return y.asnumpy(), [x.grad.asnumpy() for x in xs]


# -- documented choices ------------------------------------------------------------------------

def test_tied_maxima_in_a_pooling_window_share_the_gradient_evenly():
    x = numpy.array([[[[1.0, 3.0, 0.0], [3.0, 2.0, 3.0], [0.0, 0.0, 0.0]]]])
    out, (grad,) = gradients(lambda x: npx.pooling(x, kernel=(2, 2), stride=(1, 1)), x)
    numpy.testing.assert_array_equal(out, [[[[3.0, 3.0], [3.0, 3.0]]]])
    # window (0,0) ties 3 at (0,1) and (1,0); window (0,1) ties (0,1) and (1,2); window
    # (1,0) has (1,0) alone; window (1,1) has (1,2) alone
    numpy.testing.assert_allclose(grad[0, 0], [[0, 1.0, 0], [1.5, 0, 1.5], [0, 0, 0]])


def test_max_pooling_never_picks_the_padding():
    x = -numpy.arange(1.0, 5.0).reshape(1, 1, 2, 2)          # all negative, padding is -inf
    out, (grad,) = gradients(lambda x: npx.pooling(x, kernel=(2, 2), stride=(2, 2),
                                                   pad=(1, 1)), x)
    numpy.testing.assert_array_equal(out[0, 0], [[-1.0, -2.0], [-3.0, -4.0]])
    numpy.testing.assert_array_equal(grad, numpy.ones_like(x))


def test_average_pooling_counts_the_padding_unless_told_not_to():
    x = numpy.ones((1, 1, 2, 2))
    included = npx.pooling(np.array(x), kernel=(2, 2), stride=(2, 2), pad=(1, 1),
                           pool_type="avg")
    excluded = npx.pooling(np.array(x), kernel=(2, 2), stride=(2, 2), pad=(1, 1),
                           pool_type="avg", count_include_pad=False)
    numpy.testing.assert_array_equal(included.asnumpy(), numpy.full((1, 1, 2, 2), 0.25))
    numpy.testing.assert_array_equal(excluded.asnumpy(), numpy.ones((1, 1, 2, 2)))


def test_global_pooling_keeps_one_value_per_channel():
    x = numpy.arange(24.0).reshape(2, 3, 4)
    out = npx.pooling(np.array(x), global_pool=True, pool_type="avg")
    assert out.shape == (2, 3, 1)
    numpy.testing.assert_allclose(out.asnumpy()[..., 0], x.mean(axis=2))


def batch_statistics():
    return np.array(numpy.zeros(2)), np.array(numpy.ones(2))


def test_batch_norm_training_updates_the_running_statistics_in_place():
    x = numpy.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])
    mean, var = batch_statistics()
    mean_buffer = mean._data
    with autograd.record():
        out = npx.batch_norm(np.array(x), np.ones(2), np.zeros(2), mean, var, momentum=0.75)
    assert mean._data is mean_buffer
    # r = momentum r + (1 - momentum) batch, with the biased batch variance (as MXNet)
    numpy.testing.assert_allclose(mean.asnumpy(), 0.25 * x.mean(axis=0))
    numpy.testing.assert_allclose(var.asnumpy(), 0.75 + 0.25 * x.var(axis=0))
    normalized = (x - x.mean(axis=0)) / numpy.sqrt(x.var(axis=0) + 1e-3)
    numpy.testing.assert_allclose(out.asnumpy(), normalized)


def test_batch_norm_outside_training_uses_and_keeps_the_running_statistics():
    x = numpy.array([[1.0, 10.0], [3.0, 30.0]])
    mean, var = np.array([1.0, 2.0]), np.array([4.0, 9.0])
    out = npx.batch_norm(np.array(x), np.array([2.0, 1.0]), np.array([0.5, 0.0]), mean, var,
                         eps=0.0)
    numpy.testing.assert_allclose(out.asnumpy(), [[0.5, 8 / 3], [2.5, 28 / 3]])
    numpy.testing.assert_array_equal(mean.asnumpy(), [1.0, 2.0])
    numpy.testing.assert_array_equal(var.asnumpy(), [4.0, 9.0])


def test_batch_norm_use_global_stats_normalises_with_the_running_statistics_while_training():
    x = numpy.array([[1.0, 10.0], [3.0, 30.0]])
    mean, var = np.array([1.0, 2.0]), np.array([4.0, 9.0])
    with autograd.record():
        out = npx.batch_norm(np.array(x), np.ones(2), np.zeros(2), mean, var, eps=0.0,
                             use_global_stats=True)
    numpy.testing.assert_allclose(out.asnumpy(), (x - [1.0, 2.0]) / [2.0, 3.0])
    numpy.testing.assert_array_equal(mean.asnumpy(), [1.0, 2.0])


def test_batch_norm_fix_gamma_ignores_gamma_and_gives_it_no_gradient():
    x = numpy.array([[1.0, 10.0], [3.0, 30.0], [4.0, 0.0]])
    mean, var = batch_statistics()
    gamma, beta = variables([5.0, 7.0], [0.0, 0.0])
    with autograd.record():
        out = npx.batch_norm(np.array(x), gamma, beta, mean, var, fix_gamma=True)
        (out * out).sum().backward()
    expected = (x - x.mean(axis=0)) / numpy.sqrt(x.var(axis=0) + 1e-3)
    numpy.testing.assert_allclose(out.asnumpy(), expected)
    numpy.testing.assert_array_equal(gamma.grad.asnumpy(), [0.0, 0.0])


def test_batch_norm_training_gradient_through_the_batch_statistics_sums_to_zero():
    # the output does not change when a constant is added to a channel, so neither may it
    # through the gradient: each channel's gradient sums to zero
    rng = numpy.random.default_rng(0)
    x, head = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    mean, var = np.zeros(3), np.ones(3)
    _, (grad,) = gradients(lambda x: npx.batch_norm(x, np.ones(3), np.zeros(3), mean, var),
                           x, head=head)
    numpy.testing.assert_allclose(grad.sum(axis=(0, 2)), 0, atol=1e-12)


def test_embedding_gradient_accumulates_repeated_rows_and_clips_indices():
    weight = numpy.arange(12.0).reshape(4, 3)
    indices = numpy.array([[0, 2], [2, 7]])                  # 7 is clipped to the last row
    out, (grad,) = gradients(lambda w: npx.embedding(indices, w, input_dim=4, output_dim=3),
                             weight)
    numpy.testing.assert_array_equal(out, weight[[[0, 2], [2, 3]]])
    numpy.testing.assert_array_equal(grad, [[1, 1, 1], [0, 0, 0], [2, 2, 2], [1, 1, 1]])


def test_embedding_accepts_float_indices_as_mxnet_passes_them():
    weight = np.array(numpy.arange(6.0).reshape(3, 2))
    out = npx.embedding(np.array([2.0, 0.0]), weight)
    numpy.testing.assert_array_equal(out.asnumpy(), [[4.0, 5.0], [0.0, 1.0]])


def test_sequence_mask_follows_mxnets_example():
    x = numpy.arange(1.0, 19.0).reshape(3, 2, 3)
    masked = npx.sequence_mask(np.array(x), np.array([1.0, 1.0]), use_sequence_length=True)
    expected = x.copy()
    expected[1:] = 0
    numpy.testing.assert_array_equal(masked.asnumpy(), expected)
    masked = npx.sequence_mask(np.array(x), np.array([2, 3]), value=1.0)
    expected = x.copy()
    expected[2, 0] = 1.0
    numpy.testing.assert_array_equal(masked.asnumpy(), expected)


def test_sequence_mask_without_lengths_is_the_identity():
    x = np.array(numpy.ones((2, 2)))
    assert npx.sequence_mask(x) is x
    assert npx.sequence_mask(x, np.array([0, 0]), use_sequence_length=False) is x


def test_fully_connected_uses_a_given_bias_unless_no_bias():
    x, w, b = np.ones((2, 3)), np.ones((4, 3)), np.array([1.0, 2.0, 3.0, 4.0])
    numpy.testing.assert_array_equal(npx.fully_connected(x, w, b, num_hidden=4).asnumpy(),
                                      [[4.0, 5.0, 6.0, 7.0]] * 2)
    numpy.testing.assert_array_equal(npx.fully_connected(x, w, b, no_bias=True).asnumpy(),
                                      numpy.full((2, 4), 3.0))


def test_fully_connected_flattens_all_but_the_first_axis():
    x = numpy.arange(12.0).reshape(2, 3, 2)
    w = numpy.arange(18.0).reshape(3, 6)
    assert npx.fully_connected(np.array(x), np.array(w)).shape == (2, 3)
    out = npx.fully_connected(np.array(x), np.array(w[:, :2]), flatten=False)
    numpy.testing.assert_array_equal(out.asnumpy(), x @ w[:, :2].T)


def test_float32_stays_float32_through_the_layers_and_their_gradients():
    rng = numpy.random.default_rng(0)
    x = np.array(rng.standard_normal((2, 3, 6, 6)).astype(numpy.float32))
    w = np.array(rng.standard_normal((4, 3, 3, 3)).astype(numpy.float32))
    gamma, beta = np.ones(4), np.zeros(4)
    w.attach_grad()
    with autograd.record():
        h = npx.convolution(x, w, pad=1)
        h = npx.layer_norm(h, np.ones(6), np.zeros(6))
        h = npx.pooling(npx.gelu(h), kernel=2, stride=2, pool_type="avg")
        out = npx.batch_norm(h, gamma, beta, np.zeros(4), np.ones(4))
    out.backward()
    assert out.dtype == numpy.float32
    assert w.grad.dtype == numpy.float32


def test_activation_names_follow_mxnet():
    x = np.array([-2.0, 0.5])
    numpy.testing.assert_allclose(npx.activation(x, "softrelu").asnumpy(),
                                  numpy.log1p(numpy.exp([-2.0, 0.5])))
    numpy.testing.assert_allclose(npx.activation(x, "softsign").asnumpy(), [-2 / 3, 1 / 3])
    numpy.testing.assert_allclose(npx.leaky_relu(x).asnumpy(), [-0.5, 0.5])
    numpy.testing.assert_allclose(npx.leaky_relu(x, act_type="elu", slope=1.0).asnumpy(),
                                  [numpy.expm1(-2.0), 0.5])


def test_activations_are_stable_at_large_magnitudes():
    x = np.array([-1000.0, 1000.0])
    numpy.testing.assert_array_equal(npx.softplus(x).asnumpy(), [0.0, 1000.0])
    numpy.testing.assert_array_equal(npx.gelu(x).asnumpy(), [0.0, 1000.0])
    _, (grad,) = gradients(npx.softplus, [-1000.0, 1000.0])
    numpy.testing.assert_array_equal(grad, [0.0, 1.0])
    with numpy.errstate(all="raise"):
        npx.leaky_relu(x, act_type="elu")


def test_prelu_learns_one_slope_per_channel():
    x = numpy.array([[[-1.0, 2.0]], [[-3.0, -4.0]]]).reshape(2, 1, 2)
    x = numpy.concatenate([x, -x], axis=1)                     # 2 channels
    out, (_, grad) = gradients(lambda x, g: npx.leaky_relu(x, g, act_type="prelu"),
                               x, [0.1, 0.2])
    numpy.testing.assert_allclose(out, numpy.where(x > 0, x, x * [[[0.1], [0.2]]]))
    numpy.testing.assert_allclose(grad, [x[:, 0][x[:, 0] < 0].sum(), x[:, 1][x[:, 1] < 0].sum()])


# -- bad inputs --------------------------------------------------------------------------------

X4 = np.ones((1, 4, 5, 5))


@pytest.mark.parametrize("call, error, message", [
    (lambda: npx.convolution(X4, np.ones((2, 3, 3, 3))), ValueError, "num_group"),
    (lambda: npx.convolution(X4, np.ones((3, 2, 3, 3)), num_group=2), ValueError, "num_group"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 7, 7))), ValueError, "does not fit"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3))), ValueError, "kernel dimensions"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), kernel=(2, 2)), ValueError, "kernel"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), num_filter=3), ValueError,
     "num_filter"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), np.ones(3)), ValueError, "bias"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), no_bias=False), ValueError, "bias"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), stride=(0, 1)), ValueError, "stride"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), pad=(1,)), ValueError, "pad"),
    (lambda: npx.convolution(X4, np.ones((2, 4, 3, 3)), layout="NHWC"), NotImplementedError,
     "channels-first"),
    (lambda: npx.convolution(np.ones((4, 5)), np.ones((2, 4, 3))), ValueError, "spatial"),
    (lambda: npx.pooling(X4, kernel=(2, 2), pool_type="lp"), ValueError, "pool_type"),
    (lambda: npx.pooling(X4, kernel=(2, 2), pooling_convention="full"), NotImplementedError,
     "pooling_convention"),
    (lambda: npx.pooling(X4), ValueError, "kernel"),
    (lambda: npx.pooling(X4, kernel=(6, 6)), ValueError, "does not fit"),
    (lambda: npx.fully_connected(np.ones((2, 3)), np.ones((4, 2))), ValueError, "features"),
    (lambda: npx.fully_connected(np.ones((2, 3)), np.ones((4, 3)), num_hidden=5), ValueError,
     "num_hidden"),
    (lambda: npx.fully_connected(np.ones((2, 3)), np.ones((4, 3)), no_bias=False), ValueError,
     "bias"),
    (lambda: npx.fully_connected(np.ones((2, 3)), np.ones(3)), ValueError, "weight"),
    (lambda: npx.embedding(np.array([0]), np.ones(3)), ValueError, "weight"),
    (lambda: npx.embedding(np.array([0]), np.ones((3, 2)), input_dim=4), ValueError,
     "input_dim"),
    (lambda: npx.layer_norm(np.ones((2, 3)), np.ones(2), np.ones(3)), ValueError, "gamma"),
    (lambda: npx.batch_norm(np.ones((2, 3)), np.ones(3), np.ones(3), np.ones(2), np.ones(3)),
     ValueError, "running_mean"),
    (lambda: npx.sequence_mask(np.ones((2, 3, 4)), np.array([1, 1, 1]), axis=2), ValueError,
     "axis"),
    (lambda: npx.sequence_mask(np.ones((2, 3)), np.array([1, 1])), ValueError,
     "sequence_length"),
    (lambda: npx.sequence_mask(np.ones((2, 3)), use_sequence_length=True), ValueError,
     "sequence_length"),
    (lambda: npx.leaky_relu(np.ones(2), act_type="rrelu"), ValueError, "act_type"),
    (lambda: npx.leaky_relu(np.ones(2), act_type="prelu"), ValueError, "gamma"),
    (lambda: npx.activation(np.ones(2), act_type="swish"), ValueError, "act_type"),
])
def test_bad_inputs_raise_numpys_error_type_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: npx.layer_norm(np.ones((2, 3)), np.ones(3), np.ones(3), axis=2),
    lambda: npx.batch_norm(np.ones((2, 3)), np.ones(3), np.ones(3), np.ones(3), np.ones(3),
                           axis=-3),
    lambda: npx.sequence_mask(np.ones((2, 3)), np.array([1, 1, 1]), axis=4),
])
def test_an_axis_out_of_range_raises_axis_error(call):
    with pytest.raises(numpy.exceptions.AxisError):
        call()


# -- against PyTorch (optional) ----------------------------------------------------------------

@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def against_torch(torch, ours, theirs, *arrays, atol=1e-10):
    """Values and gradients (for a random head) of ours(ndgrad arrays) and theirs(tensors)."""
    rng = numpy.random.default_rng(7)
    value = ours(*[np.array(a) for a in arrays])
    head = rng.standard_normal(value.shape)
    ours_value, ours_grads = gradients(ours, *arrays, head=head)
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    theirs_value = theirs(*tensors)
    theirs_value.backward(torch.tensor(head))
    numpy.testing.assert_allclose(ours_value, theirs_value.detach().numpy(), atol=atol)
    for mine, tensor in zip(ours_grads, tensors):
        numpy.testing.assert_allclose(mine, tensor.grad.numpy(), atol=atol)


@pytest.mark.parametrize("dims, params", [
    (1, {"stride": 2, "padding": 1, "dilation": 2, "groups": 1}),
    (2, {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}),
    (2, {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2}),
    (3, {"stride": 1, "padding": 1, "dilation": 1, "groups": 2}),
])
def test_convolution_matches_torch(torch, dims, params):
    rng = numpy.random.default_rng(0)
    groups = params["groups"]
    x = rng.standard_normal((2, 4) + (7,) * dims)
    w = rng.standard_normal((6, 4 // groups) + (3,) * dims)
    b = rng.standard_normal(6)
    functional = getattr(torch.nn.functional, f"conv{dims}d")
    ours = {"stride": params["stride"], "pad": params["padding"], "dilate": params["dilation"],
            "num_group": groups}
    for key in ("stride", "pad", "dilate"):
        if isinstance(ours[key], int):
            ours[key] = (ours[key],) * dims
    against_torch(torch, lambda x, w, b: npx.convolution(x, w, b, **ours),
                  lambda x, w, b: functional(x, w, b, **params), x, w, b)


@pytest.mark.parametrize("pool_type, kernel, stride, pad, include", [
    ("max", 2, 2, 0, True), ("max", 3, 2, 1, True), ("avg", 3, 1, 1, True),
    ("avg", 3, 2, 1, False), ("avg", 2, 2, 0, True),
])
def test_pooling_matches_torch(torch, pool_type, kernel, stride, pad, include):
    x = numpy.random.default_rng(1).standard_normal((2, 3, 7, 6))
    F = torch.nn.functional
    if pool_type == "max":
        def theirs(x):
            return F.max_pool2d(x, kernel, stride, pad)
    else:
        def theirs(x):
            return F.avg_pool2d(x, kernel, stride, pad, count_include_pad=include)
    against_torch(torch, lambda x: npx.pooling(x, kernel=(kernel,) * 2, stride=(stride,) * 2,
                                               pad=(pad,) * 2, pool_type=pool_type,
                                               count_include_pad=include), theirs, x)


def test_normalisations_and_dense_layers_match_torch(torch):
    rng = numpy.random.default_rng(2)
    F = torch.nn.functional
    x, gamma, beta = rng.standard_normal((4, 3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    against_torch(torch, lambda x, g, b: npx.layer_norm(x, g, b),
                  lambda x, g, b: F.layer_norm(x, (5,), g, b, eps=1e-5), x, gamma, beta)
    mean, var = numpy.zeros(3), numpy.ones(3)

    def ours_bn(x, g, b):
        with autograd.train_mode():
            return npx.batch_norm(x, g, b, mean.copy(), var.copy(), eps=1e-5)
    against_torch(torch, ours_bn, lambda x, g, b: F.batch_norm(
        x, torch.zeros(3, dtype=x.dtype), torch.ones(3, dtype=x.dtype), g, b, training=True,
        eps=1e-5), x, gamma[:3], beta[:3])
    weight, bias = rng.standard_normal((6, 15)), rng.standard_normal(6)
    against_torch(torch, lambda x, w, b: npx.fully_connected(x, w, b),
                  lambda x, w, b: F.linear(x.flatten(1), w, b), x, weight, bias)
    table = rng.standard_normal((5, 2))
    indices = numpy.array([[0, 4, 4], [1, 0, 2]])
    against_torch(torch, lambda w: npx.embedding(indices, w),
                  lambda w: F.embedding(torch.tensor(indices), w), table)


@pytest.mark.parametrize("ours, theirs", [
    (npx.gelu, "gelu"), (npx.softplus, "softplus"),
    (lambda x: npx.leaky_relu(x, act_type="elu", slope=0.7), lambda F: lambda x: F.elu(x, 0.7)),
    (lambda x: npx.leaky_relu(x, act_type="selu"), "selu"),
    (lambda x: npx.leaky_relu(x, slope=0.1), lambda F: lambda x: F.leaky_relu(x, 0.1)),
    (lambda x: npx.activation(x, "mish"), "mish"),
    (lambda x: npx.activation(x, "log_sigmoid"), "logsigmoid"),
    (lambda x: npx.activation(x, "softsign"), "softsign"),
])
def test_activations_match_torch(torch, ours, theirs):
    F = torch.nn.functional
    theirs = getattr(F, theirs) if isinstance(theirs, str) else theirs(F)
    x = numpy.random.default_rng(3).standard_normal(20) * 3
    against_torch(torch, ours, theirs, x)
