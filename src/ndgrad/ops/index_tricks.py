"""Index tricks and grids: ``np.r_`` and ``np.c_`` (concatenation written as indexing),
``meshgrid``, and the index generators ``mgrid``, ``ogrid``, ``ix_``, ``indices``,
``tril_indices`` and their relatives.

``r_`` and ``c_`` keep the gradients of the arrays they join. NumPy's own ``r_``/``c_`` decides
the layout (directives, slices, scalars, ``ndmin`` and transposes): it runs once on the data,
for the values and the dtype, and once on markers (each element of an ndgrad operand stands
in as ``1j * (its position + 1)``, everything else as 0), which says where every element of
the answer came from; the answer is then gathered from the operands, a differentiable
selection. meshgrid is reshapes and broadcasts. The index generators give integer (or
constant) arrays, as NumPy's.
"""

from __future__ import annotations

import numpy

from .._ndarray import _wrap, holds_history, ndarray, raw
from .._primitive import primitive
from .._publish import public, publish
from .._shaping import broadcast_to_, concatenate_, reshape_
from .creation import asarray
from .elementwise import where_
from .shape import astype, copy_, getitem_


def constants(found):
    """NumPy's answer (an array, or a tuple or list of them) as ndgrad arrays."""
    if isinstance(found, (tuple, list)):
        return type(found)(_wrap(numpy.asarray(part), ndarray) for part in found)
    return _wrap(numpy.asarray(found), ndarray)


class _IndexTrick:
    """An object that is indexed, not called (``np.r_[...]``), standing for NumPy's."""

    example = ""            # an index expression for the error message

    def __init__(self, name, numpy_form):
        self._name = name
        self._numpy = numpy_form

    def __repr__(self):
        return f"ndgrad.np.{self._name}"

    def __call__(self, *args, **kwargs):
        raise TypeError(f"np.{self._name} is indexed, not called: write "
                        f"np.{self._name}[{self.example}]")


class AxisConcatenator(_IndexTrick):
    """``np.r_[...]`` and ``np.c_[...]``: NumPy's index-expression concatenation, keeping the
    operands' gradients (see the module docstring). Matrix output ('r' and 'c' directives)
    is not supported: ndgrad has no matrix type."""

    example = "a, b, 1:3"

    def __getitem__(self, key):
        items = list(key) if isinstance(key, tuple) else [key]
        if items and isinstance(items[0], str) and items[0] in ("r", "c"):
            raise NotImplementedError(f"np.{self._name}['{items[0]}', ...] makes a NumPy "
                                      "matrix, which ndgrad does not have; use np.vstack or "
                                      "np.column_stack")
        # a list holding arrays being differentiated is one recorded operand, as elsewhere
        items = [asarray(item) if isinstance(item, (list, tuple)) and holds_history(item)
                 else item for item in items]
        operands = [item for item in items if isinstance(item, ndarray)]
        values = numpy.asarray(self._numpy[tuple(raw(item) for item in items)])
        if not operands:
            return _wrap(values, ndarray)
        markers, count = [], 0
        for item in items:
            if isinstance(item, ndarray):
                markers.append(1j * numpy.arange(count + 1, count + 1 + item.size).reshape(
                    item.shape))
                count += item.size
            elif isinstance(item, (slice, str)):
                markers.append(item)
            elif type(item) in numpy.ScalarType:
                markers.append(0j)            # still a scalar: NumPy treats those apart
            else:
                markers.append(numpy.zeros(numpy.shape(item), dtype=numpy.complex128))
        origin = numpy.asarray(self._numpy[tuple(markers)]).imag.astype(numpy.intp) - 1
        flat = concatenate_(*[reshape_(a, shape=(-1,)) for a in operands], axis=0)
        gathered = getitem_(flat, key=numpy.maximum(origin, 0))
        if (origin < 0).any():
            gathered = where_(origin >= 0, gathered, values)
        return astype(gathered, values.dtype, copy=False)


r_ = AxisConcatenator("r_", numpy.r_)
c_ = AxisConcatenator("c_", numpy.c_)


# the index-trick objects are published as they are: they are indexed, not called
publish(r_, "r_")
publish(c_, "c_")


class GridMaker(_IndexTrick):
    """``np.mgrid[...]`` and ``np.ogrid[...]``: NumPy's dense and open grids, as constant
    ndgrad arrays (of NumPy's dtype)."""

    example = "0:5, 0:3"

    def __getitem__(self, key):
        return constants(self._numpy[key])


mgrid = GridMaker("mgrid", numpy.mgrid)
ogrid = GridMaker("ogrid", numpy.ogrid)
publish(mgrid, "mgrid")
publish(ogrid, "ogrid")


@public(numpy=numpy.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """ndgrad's differentiable numpy.meshgrid: a tuple of coordinate arrays, each input
    (flattened) laid along its own axis ('xy': the first two swapped, Cartesian; 'ij':
    matrix indexing) and broadcast to the full grid unless ``sparse``. Each output's gradient
    is summed back over the axes it was broadcast along."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    single = (1,) * ndim
    output = [reshape_(asarray(x), shape=single[:i] + (-1,) + single[i + 1:])
              for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        output[0] = reshape_(output[0], shape=(1, -1) + single[2:])
        output[1] = reshape_(output[1], shape=(-1, 1) + single[2:])
    if not sparse:
        shape = numpy.broadcast_shapes(*(x.shape for x in output))
        output = [broadcast_to_(x, shape=shape) for x in output]
    if copy:
        output = [copy_(x) for x in output]
    return tuple(output)


# -- index generators: integer arrays, as NumPy's --------------------------------------------
@public(numpy=numpy.ix_)
def ix_(*args):
    """ndgrad's numpy.ix_: open-mesh index arrays (no gradient)."""
    return constants(numpy.ix_(*(raw(a) for a in args)))


@public(numpy=numpy.indices)
def indices(dimensions, dtype=int, sparse=False):
    """ndgrad's numpy.indices: the index grid of a shape (no gradient)."""
    return constants(numpy.indices(dimensions, dtype=dtype, sparse=sparse))


@public(numpy=numpy.tril_indices)
def tril_indices(n, k=0, m=None):
    """ndgrad's numpy.tril_indices: the row and column indices of a lower triangle."""
    return constants(numpy.tril_indices(n, k, m))


@public(numpy=numpy.triu_indices)
def triu_indices(n, k=0, m=None):
    """ndgrad's numpy.triu_indices: the row and column indices of an upper triangle."""
    return constants(numpy.triu_indices(n, k, m))


@public(numpy=numpy.tril_indices_from)
def tril_indices_from(arr, k=0):
    """ndgrad's numpy.tril_indices_from: tril_indices for ``arr``'s shape."""
    return constants(numpy.tril_indices_from(raw(arr), k))


@public(numpy=numpy.triu_indices_from)
def triu_indices_from(arr, k=0):
    """ndgrad's numpy.triu_indices_from: triu_indices for ``arr``'s shape."""
    return constants(numpy.triu_indices_from(raw(arr), k))


@public(numpy=numpy.diag_indices)
def diag_indices(n, ndim=2):
    """ndgrad's numpy.diag_indices: the indices of the main diagonal."""
    return constants(numpy.diag_indices(n, ndim))


@public(numpy=numpy.diag_indices_from)
def diag_indices_from(arr):
    """ndgrad's numpy.diag_indices_from: diag_indices for ``arr``'s shape."""
    return constants(numpy.diag_indices_from(raw(arr)))


@public(numpy=numpy.unravel_index)
def unravel_index(indices, shape, order="C"):
    """ndgrad's numpy.unravel_index: flat indices as a tuple of coordinate arrays."""
    return constants(numpy.unravel_index(raw(indices), shape, order=order))


@public(numpy=numpy.ravel_multi_index)
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """ndgrad's numpy.ravel_multi_index: coordinate arrays as flat indices."""
    return constants(numpy.ravel_multi_index(tuple(raw(i) for i in multi_index), dims,
                                             mode=mode, order=order))


flatnonzero = primitive("flatnonzero", numpy.flatnonzero, public="np", nondiff=True)
argwhere = primitive("argwhere", numpy.argwhere, public="np", nondiff=True)
