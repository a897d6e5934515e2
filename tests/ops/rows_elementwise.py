"""Test-table rows for the elementwise family (see specs.py for what every row gets)."""

from __future__ import annotations

import numpy

from ndgrad import np

from .table import OpSpec, binary, distinct, nonzero, normal, per_operand, positive, unary, uniform


# -- samplers: each keeps finite differences valid (>= 0.06 from a pole, kink or jump) ---------
def away_from_quotient_jumps(rng, shapes):
    """x1, x2 with x1 / x2 at least 0.06 from every integer, under any broadcasting.

    x2 is +-1 or +-2 (times 1 +- 0.01) and x1 is k + f with k in [-3, 2], f in [0.2, 0.3]:
    x1 / x2 then lies within 0.034 of +-(k + f) or +-(k + f) / 2, whose fractional parts are
    f, f / 2 or 0.5 + f / 2, at least 0.1 from an integer, whichever x2 meets which x1."""
    x1_shape, x2_shape = shapes
    x1 = rng.integers(-3, 3, x1_shape) + rng.uniform(0.2, 0.3, x1_shape)
    x2 = (rng.choice([-2.0, -1.0, 1.0, 2.0], x2_shape)
          * (1 + rng.uniform(-0.01, 0.01, x2_shape)))
    return [x1, x2]


def with_zeros(rng, shapes):
    """Normal values with some exact zeros and near-zeros, where sinc's slope is a limit."""
    values = []
    for shape in shapes:
        x = rng.standard_normal(shape)
        x[rng.random(shape) < 0.3] = 0.0
        tiny = rng.random(shape) < 0.2
        x[tiny] = 1e-9 * numpy.sign(x[tiny] + 0.5)
        values.append(x)
    return values


bounded_by_0_9 = uniform(-0.9, 0.9)

# name -> sampler of its domain, for the functions called as np.name(x) and np.name(x1, x2)
UNARY_DOMAINS = {
    "reciprocal": nonzero, "fabs": nonzero, "cbrt": nonzero,   # pole, kink, infinite slope at 0
    "exp2": normal, "expm1": normal, "log2": positive, "log10": positive, "log1p": positive,
    "tan": uniform(-1.2, 1.2),                                   # poles at +-pi/2
    "arcsin": bounded_by_0_9, "arccos": bounded_by_0_9, "arctan": normal,
    "sinh": normal, "cosh": normal, "arcsinh": normal, "arccosh": uniform(1.1, 3.0),
    "arctanh": bounded_by_0_9, "deg2rad": normal, "rad2deg": normal, "sinc": with_zeros,
}
BINARY_DOMAINS = {
    "float_power": per_operand(positive, normal),
    # away from the origin and from arctan2's jump across the negative x2 axis
    "arctan2": nonzero, "hypot": nonzero,
    "logaddexp": normal, "logaddexp2": normal, "fmax": distinct, "fmin": distinct,
    "remainder": away_from_quotient_jumps, "fmod": away_from_quotient_jumps,
    "copysign": nonzero,                             # x2 away from 0, where its sign flips
}

ROWS: tuple[OpSpec, ...] = (
    tuple(unary(name, getattr(np, name), getattr(numpy, name), sample=sample)
          for name, sample in UNARY_DOMAINS.items())
    + tuple(binary(name, getattr(np, name), getattr(numpy, name), sample=sample)
            for name, sample in BINARY_DOMAINS.items())
    + (unary("nan_to_num", np.nan_to_num, numpy.nan_to_num,
             variants=({}, {"nan": 1.0, "posinf": 5.0, "neginf": -5.0})),)
)

# Public names of this family with no row, by reason (their results carry no gradient).
NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "piecewise constant": {"np.trunc", "np.rint", "np.floor_divide"},
}
