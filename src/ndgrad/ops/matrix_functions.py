"""Matrix functions and triangular solves (ndgrad.scipy.linalg)."""
