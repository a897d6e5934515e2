"""``ndgrad.scipy``: the parts of SciPy's interface that autograd users reach for."""

from . import integrate, linalg, signal, special, stats  # noqa: F401
