"""Special functions (ndgrad.scipy.special): erf, gammaln, digamma, logsumexp, expit, ...
written on NumPy alone (no SciPy dependency)."""

from __future__ import annotations
