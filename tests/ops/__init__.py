"""The op test table's rows, one module per op family (gathered by specs.py)."""

from . import rows_elementwise, rows_linalg, rows_nn, rows_reductions, rows_shape, rows_special

ROW_MODULES = (rows_elementwise, rows_reductions, rows_shape, rows_linalg, rows_special, rows_nn)
