"""The CNN training-step workload: one SGD step of a small convolutional network on a batch
of 32 one-channel 28x28 float32 images (forward, backward and the parameter update):

    conv 3x3, 8 filters -> ReLU -> max-pool 2x2 -> conv 3x3, 16 filters -> ReLU
    -> max-pool 2x2 -> fully connected 400 -> 10 -> softmax cross-entropy

in ndgrad (npx.convolution, npx.pooling, npx.fully_connected), in NumPy with the backward
pass written by hand on ndgrad's own im2col kernels (so the difference is what autograd
costs), and in PyTorch eager (CPU). Same parameters and batch for all three: their losses
agree step by step to float32 rounding (run.py checks that before reporting).

    python bench/cnn.py IMPL STEPS [--warmup N] [--threads N]
"""

from __future__ import annotations

import sys

import numpy
from mlp import (
    LEARNING_RATE,
    batch,
    initial_parameters,
    ndgrad_trainer,
    softmax_cross_entropy,
    torch_trainer,
    worker_main,
)

BATCH = 32
IMAGE = (1, 28, 28)
FILTERS = (8, 16)
FEATURES = FILTERS[1] * 5 * 5          # 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5
WEIGHT_SHAPES = [(FILTERS[0], IMAGE[0], 3, 3), (FILTERS[1], FILTERS[0], 3, 3), (10, FEATURES)]


# -- the three implementations: make_step(params, x, y) -> step() returning the loss -------------

def ndgrad_loss(weights, x, y):
    from ndgrad import npx

    c1, d1, c2, d2, w, b = weights
    h = npx.pooling(npx.relu(npx.convolution(x, c1, d1)), kernel=(2, 2), stride=(2, 2))
    h = npx.pooling(npx.relu(npx.convolution(h, c2, d2)), kernel=(2, 2), stride=(2, 2))
    z = npx.fully_connected(h, w, b)
    return -npx.pick(npx.log_softmax(z), y).mean()


def torch_loss(weights, x, y):
    import torch.nn.functional as F

    c1, d1, c2, d2, w, b = weights
    h = F.max_pool2d(F.relu(F.conv2d(x, c1, d1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, c2, d2)), 2)
    return F.cross_entropy(F.linear(h.flatten(1), w, b), y)


def numpy_step(params, x, y):
    """The same network with the chain rule written by hand, on ndgrad's raw im2col kernels
    (``_unfold`` gathers the windows, ``_fold`` adds them back)."""
    from ndgrad.ops.conv import _fold, _unfold

    weights = [p.copy() for p in params]
    one, none = (1, 1), (0, 0)

    def conv(h, w, b):
        windows = _unfold(h, w.shape[2:], one, one, none, 0)      # (N, C, 3, 3, H', W')
        columns = windows.reshape(len(h), -1, numpy.prod(windows.shape[4:]))
        out = (w.reshape(len(w), -1) @ columns).reshape((len(h), len(w)) + windows.shape[4:])
        return out + b[:, None, None], windows

    def conv_backward(g, h, w, windows):
        g = g.reshape(g.shape[0], g.shape[1], -1)
        columns = windows.reshape(len(h), -1, g.shape[2])
        grad_w = (g @ columns.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
        grad_windows = (w.reshape(len(w), -1).T @ g).reshape(windows.shape)
        grad_h = _fold(grad_windows, h.shape[2:], w.shape[2:], one, one, none)
        return grad_h, grad_w, g.sum(axis=(0, 2))

    def pool(h):
        windows = _unfold(h, (2, 2), (2, 2), one, none, -numpy.inf)
        return windows.max(axis=(2, 3)), windows

    def pool_backward(g, h, out, windows):
        winners = windows == out[:, :, None, None]
        return _fold(winners * g[:, :, None, None], h.shape[2:], (2, 2), (2, 2), one, none)

    def step():
        c1, d1, c2, d2, w, b = weights
        a1, windows_c1 = conv(x, c1, d1)
        r1 = numpy.maximum(a1, 0)
        p1, windows1 = pool(r1)
        a2, windows_c2 = conv(p1, c2, d2)
        r2 = numpy.maximum(a2, 0)
        p2, windows2 = pool(r2)
        flat = p2.reshape(len(p2), -1)
        loss, gz = softmax_cross_entropy(flat @ w.T + b, y)
        g_p2 = (gz @ w).reshape(p2.shape)
        g_a2 = pool_backward(g_p2, r2, p2, windows2) * (a2 > 0)
        g_p1, g_c2, g_d2 = conv_backward(g_a2, p1, c2, windows_c2)
        g_a1 = pool_backward(g_p1, r1, p1, windows1) * (a1 > 0)
        _, g_c1, g_d1 = conv_backward(g_a1, x, c1, windows_c1)
        grads = [g_c1, g_d1, g_c2, g_d2, gz.T @ flat, gz.sum(axis=0)]
        for param, grad in zip(weights, grads):
            param -= LEARNING_RATE * grad
        return loss
    return step


STEPS = {"ndgrad": ndgrad_trainer(ndgrad_loss), "numpy": numpy_step,
         "torch": torch_trainer(torch_loss)}


def make_step(impl: str):
    x, y = batch((BATCH,) + IMAGE)
    return STEPS[impl](initial_parameters(WEIGHT_SHAPES), x, y)


if __name__ == "__main__":
    worker_main(sys.argv[1:], make_step, STEPS, "time one implementation of the CNN step")
