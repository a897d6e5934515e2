"""``ndgrad.scipy``: the parts of SciPy's interface that autograd users reach for."""

from . import special  # noqa: F401
