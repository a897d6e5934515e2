"""A short tour of ndgrad, answering the questions readers asked under D2L's autograd chapter.

Run it with `make demo` or `python examples/walkthrough.py [--out-dir DIR]`. It ends by
drawing two files: the head-gradient example's recorded graph, DIR/head_gradient.svg (or
DIR/head_gradient.dot, the Graphviz text, when Graphviz's `dot` is not installed), and the plot
DIR/sin_and_derivative.png. DIR defaults to `build/` at the repository root, whatever the current
directory is.
"""

import argparse
import math
import shutil
from pathlib import Path

import ndgrad as mx
from ndgrad import autograd, np, plot, viz

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "build"


def section(title, explanation):
    print(f"\n== {title}\n{explanation}")


def head_gradient():
    """Run the example; return y and the head gradient, y's graph kept for drawing it."""
    section("Head gradient",
            "y.backward(dw_dy) passes dw/dy of a w computed outside autograd; "
            "x.grad = dw/dy * dy/dx.")
    x = mx.nd.array([0., 1., 2., 3.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    dw_dy = mx.nd.array([10, 1., .1, .01])   # worked out by hand, outside autograd
    y.backward(dw_dy, retain_graph=True)      # kept: the demo ends by drawing this graph
    print("x.grad =", x.grad)                 # prints as MXNet 1.x: [20. 2. 0.2 0.02]
    return y, dw_dy


def non_scalar_backward():
    section("Non-scalar backward",
            "backward() on a vector y uses ones as the head gradient: the gradient of y.sum().")
    x = np.arange(4)
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    print("d(x*x)/dx       =", x.grad)
    with autograd.record():
        s = (x * x).sum()
    s.backward()
    print("d(sum(x*x))/dx  =", x.grad)


def detach():
    section("Detach: partial versus total derivative",
            "z = u * x with u = x * y: detaching u holds it constant (dz/dx = u), "
            "otherwise both paths count (dz/dx = 2xy).")
    x, y = np.array([1, 2, 3, 4]), np.array([5, 6, 7, 8])
    x.attach_grad()
    with autograd.record():
        v = (x * y).detach()
        z = v * x
    z.backward()
    print("partial, u detached =", x.grad)
    with autograd.record():
        z = (x * y) * x
    z.backward()
    print("total               =", x.grad)


def f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def control_flow():
    section("Python control flow",
            "Autograd differentiates the path the loop and the if actually took; "
            "f is linear along it, so df/da = f(a) / a.")
    a = np.random.normal()
    a.attach_grad()
    with autograd.record():
        d = f(a)
    d.backward()
    print(f"a = {a.item():.6f}  f(a) = {d.item():.4f}  a.grad = {a.grad.item():g}  "
          f"f(a)/a = {(d / a).item():g}")


def second_price_auction():
    section("Second-price auction",
            "The price (second-highest bid) moves only with the runner-up's bid: the winner's "
            "bid has zero marginal effect on what the winner pays.")
    for bids in ([3., 7., 5., 1.], [3., 7., 7., 1.]):
        bids = np.array(bids)
        bids.attach_grad()
        with autograd.record():
            price = np.sort(bids)[-2]
        price.backward()
        print(f"bids {bids}  price {price.item():g}  d price/d bids {bids.grad}")
    print("With a tie at the top the tied bidders share the gradient (API.md item 10).")


def intermediate_and_input():
    section("Gradients of an intermediate and of the input",
            "z.attach_grad() inside record keeps z's history (API.md item 8; MXNet would "
            "detach z and leave x.grad at zero): both z.grad and x.grad are filled.")
    x = np.arange(3)
    x.attach_grad()
    with autograd.record():
        z = 2 * x
        z.attach_grad()
        y = np.dot(z, z)
    y.backward()
    print(f"x=>{x.grad} z=>{z.grad}    (dy/dx = 8x, dy/dz = 2z = 4x)")


def sin_domain(n=100):
    """n points on [-2 pi, 2 pi]."""
    return np.linspace(-2 * math.pi, 2 * math.pi, n)


def sin_and_derivative(n=100):
    """x on [-2 pi, 2 pi], sin x and autograd's d sin x / dx, as NumPy arrays."""
    x = sin_domain(n)
    x.attach_grad()
    with autograd.record():
        y = np.sin(x)
    y.backward()
    return x.asnumpy(), y.asnumpy(), x.grad.asnumpy()


def plot_sin(out_dir):
    """Plot sin and its autograd derivative into out_dir; return the PNG's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "sin_and_derivative.png"
    plot.function_and_derivative(np.sin, sin_domain(), path=path)
    return path


def draw_head_gradient(y, dw_dy, out_dir):
    """Draw y's recorded graph, its head gradient and every value's gradient into out_dir:
    SVG with Graphviz's dot, else the DOT text. Return the file's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = ".svg" if shutil.which("dot") else ".dot"
    picture = viz.graph(y, head_grads=[dw_dy], gradients=True)
    return picture.render(out_dir / f"head_gradient{suffix}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR,
                        help=f"where the graph and the plot go (default: {DEFAULT_OUT_DIR})")
    args = parser.parse_args(argv)
    np.random.seed(0)   # the control-flow example draws its input at random

    y, dw_dy = head_gradient()
    non_scalar_backward()
    detach()
    control_flow()
    second_price_auction()
    intermediate_and_input()
    section("sin and its derivative",
            "x.grad after sin(x).backward() is cos(x), computed by autograd, not by hand.")
    x, _, dydx = sin_and_derivative()
    print(f"max |autograd derivative - cos x| = {abs(dydx - np.cos(x).asnumpy()).max():.1e}")
    print(f"graph of the head-gradient example written to "
          f"{draw_head_gradient(y, dw_dy, args.out_dir)}")
    print(f"plot written to {plot_sin(args.out_dir)}")


if __name__ == "__main__":
    main()
