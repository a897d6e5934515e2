"""Test-table rows for the npx family (see specs.py for what every row gets)."""

from __future__ import annotations

ROWS: tuple = ()
# public functions of this family with no row, by the reason they have none
NOT_DIFFERENTIABLE: dict[str, set[str]] = {}
