"""MXNet's ``npx`` operations that reshape, multiply and rank (``mxnet.numpy_extension``):
``batch_dot``, ``reshape`` with MXNet's special codes, ``batch_flatten`` and ``topk``.

Each is a composite of primitives declared elsewhere (matmul, reshape, sort, getitem), so
its derivatives are theirs; topk's indices and mask are constants.
"""

from __future__ import annotations

import math
import operator

import numpy

from .._axes import normalize_axis
from .._ndarray import _wrap, ndarray
from .._publish import public
from .._shaping import reshape_
from .creation import asarray
from .linalg import matmul_
from .shape import getitem_, swapaxes
from .sorting import sort_


def _flag(name, value):
    """A boolean option, as MXNet takes them: True/False or 1/0 (a string, which would be
    true whatever it says, is refused)."""
    if isinstance(value, str) or value not in (0, 1):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return bool(value)


# -- batch_dot ---------------------------------------------------------------------------------
@public(namespaces=("npx",))
def batch_dot(a, b, transpose_a=False, transpose_b=False):
    """MXNet's ``npx.batch_dot``: the matrix product of each pair of matrices in ``a`` and
    ``b``, (..., n, m) and (..., m, k) giving (..., n, k).

    Both operands have the same number of dimensions, at least 3, and the same leading
    (batch) dimensions: there is no broadcasting (``np.matmul`` broadcasts).
    ``transpose_a``/``transpose_b`` multiply by each matrix's transpose instead. Differs from
    MXNet: operands of different dtypes are promoted, as ``np.matmul`` (MXNet refuses them).
    """
    a, b = asarray(a), asarray(b)
    if a.ndim < 3 or a.ndim != b.ndim:
        raise ValueError(f"batch_dot: a and b need the same number of dimensions, at least 3 "
                         f"(batch, rows, columns), not shapes {a.shape} and {b.shape}; use "
                         "np.matmul for single matrices or broadcasting batches")
    if a.shape[:-2] != b.shape[:-2]:
        raise ValueError(f"batch_dot: the batch dimensions of a {a.shape} and b {b.shape} "
                         "differ; they must be equal")
    if _flag("transpose_a", transpose_a):
        a = swapaxes(a, -1, -2)
    if _flag("transpose_b", transpose_b):
        b = swapaxes(b, -1, -2)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"batch_dot: matrices of shape {a.shape[-2:]} and {b.shape[-2:]} "
                         f"(after transpose_a={bool(transpose_a)}, "
                         f"transpose_b={bool(transpose_b)}) cannot be multiplied")
    return matmul_(a, b)


# -- reshape with MXNet's codes ------------------------------------------------------------------
# What each special code of a new shape means, in npx.reshape (MXNet 1.9.1's numpy mode) and
# in the legacy mx.nd.reshape, which numbers the same operations differently
NPX_CODES = {-1: "infer", -2: "copy", -3: "drop", -4: "rest", -5: "merge", -6: "split"}
ND_CODES = {-1: "infer", 0: "copy", -2: "rest", -3: "merge", -4: "split"}


def _target_shape(source, target, meanings):
    """MXNet's shape inference for a new shape with special codes (NumpyXReshapeInferShape,
    InferReshapeShape), read left to right through ``source``: "infer" stands for the one
    size left, "copy" copies one dimension, "drop" drops one of size 1, "rest" copies all
    the rest, "merge" merges two into their product, "split" splits one into the two sizes
    that follow the code (one may be -1); a plain size is taken as it is and steps over one
    dimension. Returns the shape, or raises ValueError saying which code does not fit."""
    size = math.prod(source)
    if not any(n in meanings for n in target):
        if math.prod(target) != size:
            raise ValueError(f"an array of {size} elements does not fit")
        return target
    shape, known, unknown, position, i = [], 1, None, 0, 0
    while i < len(target):
        code = target[i]
        meaning = meanings.get(code, "size")
        if meaning == "infer":
            unknown = len(shape)
            shape.append(1)
            position += 1
        elif meaning in ("copy", "drop", "merge", "split") and \
                position >= len(source) - (meaning == "merge"):
            raise ValueError(f"{code} has no dimension of the array left to use")
        elif meaning == "copy":
            shape.append(source[position])
            known *= source[position]
            position += 1
        elif meaning == "drop":
            if source[position] != 1:
                raise ValueError(f"{code} drops a dimension of size 1, not {source[position]}")
            position += 1
        elif meaning == "rest":
            shape.extend(source[position:])
            known *= math.prod(source[position:])
            position = len(source)
        elif meaning == "merge":
            merged = source[position] * source[position + 1]
            shape.append(merged)
            known *= merged
            position += 2
        elif meaning == "split":
            if i + 2 >= len(target):
                raise ValueError(f"{code} needs the two sizes to split into after it")
            whole, (first, second) = source[position], target[i + 1:i + 3]
            if first == -1 and second > 0:
                first = whole // second
            elif second == -1 and first > 0:
                second = whole // first
            if first < 0 or second < 0 or first * second != whole:
                raise ValueError(f"{code} cannot split a dimension of size {whole} into "
                                 f"{target[i + 1]} and {target[i + 2]}")
            shape.extend((first, second))
            known *= whole
            position += 1
            i += 2
        else:
            shape.append(code)
            known *= code
            position += 1
        i += 1
    if unknown is not None:
        if known == 0 or size % known:
            raise ValueError("the size that -1 stands for cannot be inferred")
        shape[unknown] = size // known
    if math.prod(shape) != size:
        raise ValueError(f"the shape it describes, {tuple(shape)}, does not hold "
                         f"{size} elements")
    return tuple(shape)


def reshape_with_codes(a, newshape, reverse, meanings, name):
    """``a`` reshaped to ``newshape``, whose special codes mean what ``meanings`` says
    (NPX_CODES or ND_CODES), read from the right with ``reverse``; ``name`` is the caller,
    for messages."""
    a = asarray(a)
    codes = (newshape,) if isinstance(newshape, (int, numpy.integer)) else tuple(newshape)
    if any(isinstance(n, (bool, numpy.bool_)) for n in codes):
        raise TypeError(f"{name}: the new shape holds integers, not booleans: {newshape!r}")
    codes = tuple(operator.index(n) for n in codes)
    lowest = min(meanings)
    if any(n < lowest for n in codes):
        raise ValueError(f"{name}: {newshape} holds a code below {lowest}; the special "
                         f"codes are {sorted(meanings, reverse=True)}")
    if codes.count(-1) > 1:
        raise ValueError(f"{name}: {newshape} holds -1 more than once; only one size can "
                         "be inferred")
    reverse = _flag("reverse", reverse)
    try:                    # from the right: MXNet reverses both, infers, reverses back
        shape = (_target_shape(a.shape[::-1], codes[::-1], meanings)[::-1] if reverse
                 else _target_shape(a.shape, codes, meanings))
    except ValueError as error:
        raise ValueError(f"{name}: cannot reshape an array of shape {a.shape} into {codes} "
                         f"(reverse={reverse}): {error}") from None
    return reshape_(a, shape=shape)


@public("reshape", namespaces=("npx",))
def npx_reshape(a, newshape, reverse=False, order="C"):
    """MXNet's ``npx.reshape``: ``a`` in a new shape, where ``newshape`` may hold MXNet's
    special codes besides sizes (MXNet 1.9.1's numpy-mode codes; ``nd.reshape`` numbers
    them differently):

    - ``-1`` infers the one size left (at most one -1 in ``newshape``);
    - ``-2`` copies this dimension of ``a``; ``-4`` copies all its remaining dimensions;
    - ``-3`` drops this dimension of ``a``, which must have size 1;
    - ``-5`` merges the next two dimensions of ``a`` into their product;
    - ``-6, p, q`` splits this dimension of ``a`` into ``p`` by ``q`` (either may be -1).

    A plain size (0 included) also steps over one dimension of ``a``. ``reverse=True``
    reads the codes and the dimensions from the right. ``(-2, -2, 2, -1)`` turns (2, 3, 8)
    into (2, 3, 2, 4); ``(-5, -4)`` turns (8, 3, 3) into (24, 3). Only ``order="C"``.
    """
    if order != "C":
        raise NotImplementedError("npx.reshape supports order='C' only (as MXNet)")
    return reshape_with_codes(a, newshape, reverse, NPX_CODES, "npx.reshape")


@public(namespaces=("npx",))
def batch_flatten(data):
    """MXNet's ``npx.batch_flatten``: ``data`` of shape (batch, ...) as a matrix of shape
    (batch, the product of the rest); a 1-D array becomes a column."""
    data = asarray(data)
    if data.ndim == 0:
        raise ValueError("batch_flatten needs an array with a batch axis, not a 0-d array")
    return reshape_(data, shape=(data.shape[0], math.prod(data.shape[1:])))


# -- topk ----------------------------------------------------------------------------------------
_RETURN_TYPES = ("indices", "value", "mask", "both")


def _index_dtype(dtype, length):
    """The dtype of topk's indices: a number dtype that holds every index exactly."""
    dtype = numpy.dtype(dtype)
    if dtype.kind not in "iuf":
        raise TypeError(f"topk: indices are returned as numbers; dtype {dtype} is not a float "
                        "or integer dtype")
    largest = length - 1
    exact = (largest <= 2 ** (numpy.finfo(dtype).nmant + 1) if dtype.kind == "f"
             else largest <= numpy.iinfo(dtype).max)
    if not exact:
        raise ValueError(f"topk: dtype {dtype} cannot hold the index {largest} exactly; "
                         "use 'int64' or 'float64'")
    return dtype


def _ranking(data, axis, ascending):
    """The stable ordering of ``data`` along ``axis``: ascending, or descending with equal
    values in the order they come (the reversed array's stable ascending order, reversed)."""
    if ascending:
        return numpy.argsort(data, axis=axis, kind="stable")
    last = data.shape[axis] - 1
    backwards = numpy.flip(data, axis=axis)
    return last - numpy.flip(numpy.argsort(backwards, axis=axis, kind="stable"), axis=axis)


@public(namespaces=("npx",))
def topk(data, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    """MXNet's ``npx.topk``: the ``k`` largest elements along ``axis`` (the smallest with
    ``is_ascend=True``), largest first (smallest first); ``axis=None`` ranks the flattened
    array, and ``k < 1`` ranks all elements.

    ``ret_typ`` chooses the result: "indices" (their positions, in ``dtype``, float32 by
    default as in MXNet), "value" (the elements, differentiable), "both" (the list
    ``[values, indices]``) or "mask" (``data``'s shape and dtype, 1 at the elements chosen,
    0 elsewhere). Equal elements keep their order (the first is ranked higher); where the
    k-th element ties with others, the gradient of "value" is shared among the ties, as
    ``np.sort``'s. Indices and mask are constants.
    """
    if ret_typ not in _RETURN_TYPES:
        raise ValueError(f"topk: ret_typ must be one of {_RETURN_TYPES}, not {ret_typ!r}")
    if isinstance(k, (bool, numpy.bool_)):
        raise TypeError("topk: k must be an integer, not a boolean")
    k = operator.index(k)
    ascending = _flag("is_ascend", is_ascend)
    data = asarray(data)
    ranked = reshape_(data, shape=(-1,)) if axis is None else data
    axis = 0 if axis is None else normalize_axis(axis, data.ndim)
    length = ranked.shape[axis]
    if k < 1:
        k = length
    elif k > length:
        raise ValueError(f"topk: k={k} is more than the {length} elements along axis {axis}")
    leading = (slice(None),) * axis + (slice(0, k),)
    if ret_typ == "value":
        return _top_values(ranked, axis, ascending, leading)
    order = _ranking(ranked._data, axis, ascending)[leading]
    if ret_typ == "mask":
        mask = numpy.zeros(ranked.shape, dtype=data.dtype)
        numpy.put_along_axis(mask, order, 1, axis=axis)
        return _wrap(mask.reshape(data.shape), ndarray)
    indices = _wrap(order.astype(_index_dtype(dtype, length)), ndarray)
    if ret_typ == "indices":
        return indices
    return [_top_values(ranked, axis, ascending, leading), indices]


def _top_values(data, axis, ascending, leading):
    """The first ``k`` elements of ``data`` sorted along ``axis`` (``leading`` selects them),
    through ``np.sort``'s primitive, so that its gradient is np.sort's."""
    ordered = sort_(data, axis=axis)
    if not ascending:
        ordered = getitem_(ordered, key=(slice(None),) * axis + (slice(None, None, -1),))
    return getitem_(ordered, key=leading)
