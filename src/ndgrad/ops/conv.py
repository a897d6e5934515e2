"""Convolution and pooling (npx.convolution, npx.pooling), 1-D and 2-D."""

from __future__ import annotations
