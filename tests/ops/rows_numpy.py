"""Test-table rows for the numpy family (see specs.py for what every row gets): NumPy 2's
array-API functions, the index tricks that join arrays (r_, c_, meshgrid), numerical methods
(gradient, ediff1d, trapezoid, interp, polynomials, select, piecewise) and the set routines.

Functions returning several arrays are checked through one array that weighs each part
differently (``weighted``), so a part's gradient cannot hide behind another's. The set rows
repeat some elements on purpose (``with_repeats``): finite differences then move each repeat
with its original, so which occurrence gets the gradient is tested, not assumed away.
"""

from __future__ import annotations

import warnings

import numpy
from hypothesis import strategies as st
from numpy.exceptions import RankWarning

from ndgrad import np

from .table import MAX_DIMS, OpSpec, distinct, positive, shapes_of


# -- helpers, the same on both sides ---------------------------------------------------------
def weighted(parts, xp):
    """Several arrays of one shape (or broadcasting) as one: sum of (i + 1) * part i."""
    total = 0.0
    for i, part in enumerate(parts):
        total = total + (i + 1.0) * part
    return xp.asarray(total) if xp is numpy or not parts else total


def vectors(count, low=1, high=4):
    """``count`` 1-D shapes, each of its own length in [low, high]."""
    return st.tuples(*[st.integers(low, high).map(lambda n: (n,)) for _ in range(count)])


def with_repeats(x, xp):
    """x flattened, then every other element of it again: values that occur twice."""
    flat = x.reshape(-1)
    return xp.concatenate([flat, flat[::2]])


def spacing_coordinates(n):
    """Fixed, non-uniform 1-D sample coordinates of length n: 0, 1, 3, 4, 6, ..."""
    return numpy.cumsum(numpy.arange(n) % 2 + 1.0) - 1.0


def gradient_call(module, f, variant):
    spacing = variant.get("spacing")
    axis = variant.get("axis")
    edge_order = variant.get("edge_order", 1)
    axes = range(f.ndim) if axis is None else ([axis] if isinstance(axis, int) else axis)
    if spacing == "scalar":
        args = (0.5,)
    elif spacing == "coordinates":
        # (an axis out of range is for gradient to refuse, not for this helper)
        args = tuple(spacing_coordinates(f.shape[a] if -f.ndim <= a < f.ndim else 3)
                     for a in axes)
    else:
        args = ()
    out = module.gradient(f, *args, axis=axis, edge_order=edge_order)
    return weighted(out, module) if isinstance(out, tuple) else out


# interp's fixed table: knots -1, -0.2, 0.5, 1.5 and values to interpolate at, all at least
# 0.05 from the knots (the slope jumps there); some fall outside the table
KNOTS = numpy.array([-1.0, -0.2, 0.5, 1.5])


def interp_points(rng, shapes):
    x_shape, fp_shape = shapes
    centres = rng.choice([-1.6, -0.6, 0.15, 1.0, 2.2], x_shape)
    return [centres + rng.uniform(-0.25, 0.25, x_shape), rng.standard_normal(fp_shape)]


def interp_shapes(variant):
    return shapes_of(0, 2).map(lambda s: (s, (4,)))


def interp_table(rng, shapes):
    """interp_points, and the knots moved by at most 0.03 (so still 0.07 from the points)."""
    return interp_points(rng, shapes[:2]) + [KNOTS + rng.uniform(-0.03, 0.03, 4)]


def polyfit_points(rng, shapes):
    """x distinct and spread (a well-conditioned fit), y and w ordinary (w positive)."""
    x_shape = shapes[0]
    x = numpy.linspace(-1.0, 1.0, x_shape[0]) + rng.uniform(-0.05, 0.05, x_shape)
    rest = [rng.standard_normal(shape) for shape in shapes[1:2]]
    rest += [rng.uniform(0.5, 2.0, shape) for shape in shapes[2:]]
    return [x] + rest


def polyfit_shapes(variant):
    n = st.integers(5, 7)
    y_extra = (3,) if variant.get("columns") else ()
    count = 3 if variant.get("weighted") else 2
    return n.map(lambda n: ((n,), (n,) + y_extra, (n,))[:count])


def polyfit_call(module, x, y, w=None, *, deg, cov=False):
    # integer and boolean points may repeat, and both sides then warn of a low rank
    # (test_numerical.py checks that warning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankWarning)
        out = module.polyfit(x, y, deg, w=w, cov=cov)
    if cov:
        coefficients, covariance = out
        return module.concatenate([coefficients.ravel(), covariance.ravel()])
    return out


def polyfit_row(name, **variant_flags):
    def fn(*operands, **variant):
        return polyfit_call(np, *operands, deg=variant["deg"], cov=variant.get("cov", False))

    def reference(*operands, **variant):
        return polyfit_call(numpy, *operands, deg=variant["deg"], cov=variant.get("cov", False))

    variants = ({"deg": 1, **variant_flags}, {"deg": 2, **variant_flags})
    nargs = 3 if variant_flags.get("weighted") else 2
    return OpSpec(name, "np.polyfit", fn, reference, ("lstsq",), nargs=nargs,
                  sample=polyfit_points, variants=variants, shapes=polyfit_shapes)


def select_call(module, x, y):
    shape = numpy.broadcast_shapes(x.shape, y.shape)
    board = numpy.indices(shape).sum(axis=0) % 3
    return module.select([board == 0, board == 1], [x, y], default=-2.0)


def piecewise_call(module, x):
    data = x.detach().asnumpy() if isinstance(x, np.ndarray) else x
    return module.piecewise(x, [data < -0.5, data > 0.5],
                            [lambda a: a * a, lambda a: 3.0 * a, lambda a: a - 1.0])


def unique_parts(module, x, variant):
    values = module.unique(with_repeats(x, module), **variant)
    return values[0] if isinstance(values, tuple) else values


def unique_family(module, name, x):
    """The values of unique_all, unique_counts, unique_inverse or unique_values."""
    found = getattr(module, name)(with_repeats(x, module))
    return found[0] if isinstance(found, tuple) else found


def set_pair(name):
    """A two-set row: the second set shares some values of the first."""
    def fn(x, y):
        flat = x.reshape(-1)
        return getattr(np, name)(flat, np.concatenate([y.reshape(-1), flat[::2]]))

    def reference(x, y):
        flat = x.reshape(-1)
        return getattr(numpy, name)(flat, numpy.concatenate([y.reshape(-1), flat[::2]]))
    return OpSpec(name, f"np.{name}", fn, reference, ("getitem",), nargs=2, sample=distinct,
                  shapes=lambda v: st.tuples(shapes_of(0, 2), shapes_of(0, 2)))


CUMULATIVE = ({"axis": 0}, {"axis": -1}, {"axis": -1, "include_initial": True},
              {"axis": 0, "include_initial": True})

ROWS: tuple[OpSpec, ...] = (
    # array-API functions (the aliases share their originals' rows)
    OpSpec("matrix_transpose", "np.matrix_transpose", np.matrix_transpose,
           numpy.matrix_transpose, ("transpose",), ndim=(2, MAX_DIMS)),
    OpSpec("unstack", "np.unstack", lambda x, axis: weighted(np.unstack(x, axis=axis), np),
           lambda x, axis: weighted(numpy.unstack(x, axis=axis), numpy), ("getitem",),
           variants=({"axis": 0}, {"axis": -1}), ndim=(1, MAX_DIMS)),
    OpSpec("cumulative_sum", "np.cumulative_sum", np.cumulative_sum, numpy.cumulative_sum,
           ("cumsum",), variants=CUMULATIVE),
    OpSpec("cumulative_sum-1d", "np.cumulative_sum", np.cumulative_sum, numpy.cumulative_sum,
           ("cumsum",), variants=({}, {"include_initial": True}), ndim=(0, 1)),
    OpSpec("cumulative_prod", "np.cumulative_prod", np.cumulative_prod,
           numpy.cumulative_prod, ("cumprod",), sample=positive, variants=CUMULATIVE),
    # joining by index expressions and grids
    OpSpec("r_", "np.r_", lambda x, y: np.r_[x, 0.5, y, -1:1], lambda x, y: numpy.r_[
        x, 0.5, y, -1:1], ("concatenate", "getitem", "where"), nargs=2,
           shapes=lambda v: vectors(2)),
    OpSpec("r_-directive", "np.r_", lambda x, y: np.r_["0,2,1", x, y],
           lambda x, y: numpy.r_["0,2,1", x, y], ("concatenate", "getitem"), nargs=2,
           shapes=lambda v: st.integers(1, 4).map(lambda n: ((n,), (n,)))),
    OpSpec("c_", "np.c_", lambda x, y: np.c_[x, y], lambda x, y: numpy.c_[x, y],
           ("concatenate", "getitem"), nargs=2,
           shapes=lambda v: st.integers(1, 4).map(lambda n: ((n,), (n,)))),
    OpSpec("meshgrid", "np.meshgrid",
           lambda x, y, z, **kw: weighted(np.meshgrid(x, y, z, **kw), np),
           lambda x, y, z, **kw: weighted(numpy.meshgrid(x, y, z, **kw), numpy),
           ("reshape", "broadcast_to"), nargs=3, shapes=lambda v: vectors(3),
           variants=({}, {"indexing": "ij"}, {"sparse": True}, {"copy": False})),
    # finite differences, integration, interpolation
    OpSpec("gradient", "np.gradient", lambda f, **v: gradient_call(np, f, v),
           lambda f, **v: gradient_call(numpy, f, v), ("getitem", "concatenate"),
           ndim=(1, MAX_DIMS), min_side=3,
           variants=({}, {"axis": 0}, {"axis": -1, "edge_order": 2},
                     {"spacing": "scalar"}, {"spacing": "coordinates"},
                     {"spacing": "coordinates", "edge_order": 2, "axis": 0})),
    OpSpec("ediff1d", "np.ediff1d", np.ediff1d, numpy.ediff1d, ("getitem", "subtract"),
           variants=({}, {"to_begin": -1.0, "to_end": [2.0, 3.0]})),
    OpSpec("ediff1d-ends", "np.ediff1d", lambda a, b, c: np.ediff1d(a, to_end=c, to_begin=b),
           lambda a, b, c: numpy.ediff1d(a, to_end=c, to_begin=b), ("concatenate",), nargs=3,
           shapes=lambda v: st.tuples(shapes_of(1, 2), shapes_of(0, 1), shapes_of(0, 1))),
    OpSpec("trapezoid", "np.trapezoid", np.trapezoid, numpy.trapezoid, ("sum", "getitem"),
           ndim=(1, MAX_DIMS), variants=({}, {"axis": 0}, {"dx": 0.5})),
    OpSpec("trapezoid-x", "np.trapezoid", lambda y, x: np.trapezoid(y, x, axis=0),
           lambda y, x: numpy.trapezoid(y, x, axis=0), ("sum", "subtract"), nargs=2,
           shapes=lambda v: shapes_of(1, MAX_DIMS).flatmap(lambda s: st.sampled_from(
               [(s, s), (s, s[:1])]))),
    OpSpec("interp", "np.interp", lambda x, fp, **kw: np.interp(x, KNOTS, fp, **kw),
           lambda x, fp, **kw: numpy.interp(x, KNOTS, fp, **kw), ("interp",), nargs=2,
           sample=interp_points, shapes=interp_shapes,
           variants=({}, {"left": -3.0, "right": 4.0}, {"period": 2.9})),
    OpSpec("interp-xp", "np.interp", lambda x, fp, xp, **kw: np.interp(x, xp, fp, **kw),
           lambda x, fp, xp, **kw: numpy.interp(x, xp, fp, **kw), ("interp",), nargs=3,
           sample=interp_table, shapes=lambda v: shapes_of(0, 2).map(lambda s: (s, (4,), (4,))),
           variants=({}, {"left": -3.0, "right": 4.0}, {"period": 2.9})),
    # polynomials
    OpSpec("polyval", "np.polyval", np.polyval, numpy.polyval, ("multiply", "add"), nargs=2,
           shapes=lambda v: st.tuples(shapes_of(1, 1), shapes_of(0, 2))),
    OpSpec("vander", "np.vander", np.vander, numpy.vander, ("cumprod",), ndim=(1, 1),
           variants=({}, {"N": 3, "increasing": True}, {"N": 1})),
    polyfit_row("polyfit"),
    polyfit_row("polyfit-columns", columns=True),
    polyfit_row("polyfit-weighted", weighted=True),
    OpSpec("polyfit-cov", "np.polyfit",
           lambda x, y, deg: polyfit_call(np, x, y, deg=deg, cov=True),
           lambda x, y, deg: polyfit_call(numpy, x, y, deg=deg, cov=True), ("lstsq", "inv"),
           nargs=2, sample=polyfit_points, shapes=polyfit_shapes, variants=({"deg": 2},)),
    OpSpec("polyder", "np.polyder", np.polyder, numpy.polyder, ("multiply",), ndim=(1, 1),
           variants=({}, {"m": 2}, {"m": 5})),
    OpSpec("polyint", "np.polyint", np.polyint, numpy.polyint, ("divide", "concatenate"),
           ndim=(1, 1), variants=({}, {"m": 2}, {"m": 2, "k": [1.0, -2.0]})),
    # selection by conditions
    OpSpec("select", "np.select", lambda x, y: select_call(np, x, y),
           lambda x, y: select_call(numpy, x, y), ("where",), nargs=2, broadcast=True),
    OpSpec("piecewise", "np.piecewise", lambda x: piecewise_call(np, x),
           lambda x: piecewise_call(numpy, x), ("index_set",),
           sample=lambda rng, shapes: [rng.choice([-1.0, 0.0, 1.0], s)
                                       + rng.uniform(-0.4, 0.4, s) for s in shapes]),
    # set routines: values gathered from their first occurrences
    OpSpec("unique", "np.unique", lambda x, **v: unique_parts(np, x, v),
           lambda x, **v: unique_parts(numpy, x, v), ("getitem",), sample=distinct,
           variants=({}, {"return_counts": True}, {"return_index": True,
                                                   "return_inverse": True})),
    OpSpec("unique-axis", "np.unique", lambda x: np.unique(np.concatenate([x, x[:1]]), axis=0),
           lambda x: numpy.unique(numpy.concatenate([x, x[:1]]), axis=0), ("getitem",),
           sample=distinct, ndim=(1, MAX_DIMS)),
    *(OpSpec(name, f"np.{name}", lambda x, name=name: unique_family(np, name, x),
             lambda x, name=name: unique_family(numpy, name, x), ("getitem",), sample=distinct)
      for name in ("unique_all", "unique_counts", "unique_inverse", "unique_values")),
    set_pair("union1d"),
    set_pair("intersect1d"),
    set_pair("setdiff1d"),
    set_pair("setxor1d"),
    # creation functions, differentiable in the values they are built from
    OpSpec("full", "np.full", lambda x: np.full((2,) + x.shape, x),
           lambda x: numpy.full((2,) + x.shape, x), ("broadcast_to",)),
    OpSpec("full_like", "np.full_like", lambda x: np.full_like(numpy.zeros((3,) + x.shape), x),
           lambda x: numpy.full_like(numpy.zeros((3,) + x.shape), x), ("broadcast_to",)),
    OpSpec("linspace", "np.linspace",
           lambda a, b, **v: np.linspace(a, b, dtype=numpy.result_type(a.dtype, b.dtype, 1.0),
                                           **v),
           lambda a, b, **v: numpy.linspace(a, b, **v), ("subtract", "multiply"), nargs=2,
           broadcast=True, variants=({"num": 4}, {"num": 3, "endpoint": False},
                                     {"num": 3, "axis": -1}, {"num": 1})),
)

# public functions of this family with no row, by the reason they have none
NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "integer results": {"np.ix_", "np.indices", "np.tril_indices", "np.tril_indices_from",
                        "np.triu_indices", "np.triu_indices_from", "np.diag_indices",
                        "np.diag_indices_from", "np.unravel_index", "np.ravel_multi_index",
                        "np.flatnonzero", "np.argwhere"},
    "creation (constants)": {"np.mgrid", "np.ogrid", "np.loadtxt", "np.genfromtxt"},
    "boolean results": {"np.isclose", "np.allclose", "np.array_equal", "np.array_equiv",
                        "np.isneginf", "np.isposinf", "np.signbit", "np.isin"},
    "bitwise (masks and integers)": {"np.bitwise_not", "np.bitwise_invert"},
    "writes a file (no array result)": {"np.savetxt"},
}
