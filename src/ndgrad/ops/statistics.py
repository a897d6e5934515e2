"""Statistics: median, quantile, percentile, average, ptp and the nan-ignoring reductions."""

from __future__ import annotations
