"""Matrix decompositions and solvers: inv, det, solve, cholesky, qr, eigh, svd and their kin,
with the gradients of the literature."""

from __future__ import annotations
