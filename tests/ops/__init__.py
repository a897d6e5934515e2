"""The op test table's rows, one module per op family (gathered by specs.py)."""

from . import (
    rows_complex,
    rows_elementwise,
    rows_fft,
    rows_linalg,
    rows_nn,
    rows_npx,
    rows_numpy,
    rows_random,
    rows_reductions,
    rows_shape,
    rows_signal,
    rows_special,
    rows_stats,
)

ROW_MODULES = (
    rows_complex,
    rows_elementwise,
    rows_reductions,
    rows_shape,
    rows_linalg,
    rows_special,
    rows_nn,
    rows_signal,
    rows_fft,
    rows_stats,
    rows_numpy,
    rows_npx,
    rows_random,
)
