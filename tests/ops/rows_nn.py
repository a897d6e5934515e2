"""Test-table rows for the nn family (see specs.py for what every row gets)."""

from __future__ import annotations

from .table import OpSpec

ROWS: tuple[OpSpec, ...] = ()

# Public names of this family with no row, by reason (their results carry no gradient).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
