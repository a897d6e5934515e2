"""``ndgrad.scipy.stats``: probability distributions, differentiable in their continuous
arguments. Each distribution is a module of functions named as SciPy's methods, so both
``from ndgrad.scipy.stats import norm; norm.logpdf(x, loc, scale)`` and HIPS autograd's
``import ndgrad.scipy.stats.norm as norm`` work."""

from . import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t

__all__ = ["beta", "chi2", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]
