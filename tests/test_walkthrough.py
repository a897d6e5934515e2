"""examples/walkthrough.py runs, prints the numbers it promises and writes a valid PNG.

The script takes `--out-dir` (default: `build/` at the repository root); the tests point it at
a tmp dir and run it from another tmp dir, so the checkout is left untouched.
"""

import importlib.util
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "walkthrough.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def walkthrough():
    """The script, imported as a module (its main() only runs under __main__)."""
    spec = importlib.util.spec_from_file_location("walkthrough", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("out")
    cwd = tmp_path_factory.mktemp("cwd")
    done = subprocess.run([sys.executable, str(SCRIPT), "--out-dir", str(out_dir)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)
    return done, out_dir, cwd


def test_exits_cleanly(run):
    done, _, cwd = run
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert list(cwd.iterdir()) == []          # nothing written relative to the cwd


@pytest.mark.parametrize("expected", [
    # the head gradient, printed as MXNet 1.x
    "x.grad = \n[20.    2.    0.2   0.02]\n<NDArray 4 @cpu(0)>",
    # non-scalar backward equals the gradient of the sum
    "d(x*x)/dx       = [0. 2. 4. 6.]",
    "d(sum(x*x))/dx  = [0. 2. 4. 6.]",
    # detach: partial versus total derivative
    "partial, u detached = [ 5. 12. 21. 32.]",
    "total               = [10. 24. 42. 64.]",
    # control flow, with np.random.seed(0): a.grad == f(a) / a
    "a.grad = 8192  f(a)/a = 8192",
    # the second-price auction: only the runner-up moves the price; a top tie is shared
    "bids [3. 7. 5. 1.]  price 5  d price/d bids [0. 0. 1. 0.]",
    "bids [3. 7. 7. 1.]  price 7  d price/d bids [0.  0.5 0.5 0. ]",
    # the intermediate and the input both get their gradient (API.md item 8)
    "x=>[ 0.  8. 16.] z=>[0. 4. 8.]",
    "max |autograd derivative - cos x| = 0.0e+00",
])
def test_prints_the_key_numbers(run, expected):
    done, _, _ = run
    assert expected in done.stdout


def test_explains_each_section(run):
    done, _, _ = run
    titles = [line[3:] for line in done.stdout.splitlines() if line.startswith("== ")]
    assert titles == ["Head gradient", "Non-scalar backward",
                      "Detach: partial versus total derivative", "Python control flow",
                      "Second-price auction", "Gradients of an intermediate and of the input",
                      "sin and its derivative"]
    assert "zero marginal effect" in done.stdout
    assert "dw/dy" in done.stdout


def test_is_deterministic(run, tmp_path):
    done, out_dir, _ = run
    again = subprocess.run([sys.executable, str(SCRIPT), "--out-dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=120, check=True)
    assert again.stdout.replace(str(tmp_path), "OUT") == done.stdout.replace(str(out_dir), "OUT")


def test_writes_a_valid_png_and_says_where(run):
    done, out_dir, _ = run
    path = out_dir / "sin_and_derivative.png"
    assert done.stdout.rstrip().endswith(f"plot written to {path}")
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    # The first chunk is IHDR: length 13, then width and height, with a matching CRC.
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100
    (crc,) = struct.unpack(">I", data[16 + length:20 + length])
    assert crc == zlib.crc32(data[12:16 + length])
    assert data.endswith(b"IEND\xaeB`\x82")
    # And matplotlib can read it back as an image of that size.
    from matplotlib.image import imread
    assert imread(path).shape[:2] == (height, width)


def test_default_out_dir_is_build_at_the_repo_root(walkthrough):
    assert walkthrough.DEFAULT_OUT_DIR == SCRIPT.parent.parent / "build"


def test_plotted_derivative_is_cos(walkthrough):
    x, y, dydx = walkthrough.sin_and_derivative()
    assert x.shape == (100,)
    numpy.testing.assert_allclose(x[[0, -1]], [-2 * numpy.pi, 2 * numpy.pi], rtol=1e-6)
    numpy.testing.assert_allclose(y, numpy.sin(x), atol=1e-6)
    numpy.testing.assert_allclose(dydx, numpy.cos(x), atol=1e-6)


def test_plot_sin_creates_its_out_dir(walkthrough, tmp_path):
    path = walkthrough.plot_sin(tmp_path / "nested" / "dir")
    assert path == tmp_path / "nested" / "dir" / "sin_and_derivative.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_writes_the_head_gradient_graph_and_says_where(run):
    done, out_dir, _ = run
    path = out_dir / ("head_gradient.svg" if shutil.which("dot") else "head_gradient.dot")
    assert f"graph of the head-gradient example written to {path}" in done.stdout
    assert "head gradient" in path.read_text()
