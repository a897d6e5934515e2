"""ndgrad: MXNet's imperative autograd, on NumPy.

>>> from ndgrad import autograd, np
>>> x = np.arange(4.0)
>>> x.attach_grad()
>>> with autograd.record():
...     y = 2 * np.dot(x, x)
>>> y.backward()
>>> x.grad
array([ 0.,  4.,  8., 12.])
"""

# plot and testing too, so every documented submodule is an attribute of the package:
# plot imports matplotlib only when it draws, so this costs no optional dependency
from . import autograd, errors, func, nd, np, npx, plot, scipy, testing, viz
from ._device import Device, cpu, gpu
from ._ndarray import default_dtype, ndarray, set_default_dtype

__version__ = "0.1.0"

__all__ = ["Device", "__version__", "autograd", "cpu", "default_dtype", "errors", "func", "gpu",
           "nd", "ndarray", "np", "npx", "plot", "scipy", "set_default_dtype", "testing", "viz"]
