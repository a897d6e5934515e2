"""Probability distributions (ndgrad.scipy.stats)."""
