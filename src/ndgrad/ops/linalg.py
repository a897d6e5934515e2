"""Products and norms: tensordot, matmul and einsum (the contraction primitives), the
products built on them (dot vdot inner outer kron cross multi_dot), and linalg.norm."""

from __future__ import annotations

import math
import string
import warnings

import numpy

from .._axes import ndim_of, normalize_axis, shape_of
from .._ndarray import ndarray, to_numpy
from .._primitive import MULTILINEAR, OTHER_INPUTS, primitive
from .._publish import public
from .elementwise import conjugate, multiply
from .shape import astype, reshape_, swapaxes, transpose_


def _tensordot_vjp_a(g, ans, a, b, axes):
    """Contract g with b over b's free axes, then put a's axes back in order."""
    axes_a, axes_b = axes
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    n_free_a = a.ndim - len(axes_a)
    grad = tensordot_(g, b, axes=(tuple(range(n_free_a, g.ndim)), tuple(free_b)))
    # b's contracted axes come out in b's order, each standing for the a axis paired with it
    matched = [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
    order = [i for i in range(a.ndim) if i not in axes_a] + matched
    return transpose_(grad, axes=tuple(numpy.argsort(order)))


def _tensordot_vjp_b(g, ans, a, b, axes):
    """Contract a with g over a's free axes, then put b's axes back in order."""
    axes_a, axes_b = axes
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    grad = tensordot_(a, g, axes=(tuple(free_a), tuple(range(len(free_a)))))
    # a's contracted axes come out in a's order, each standing for the b axis paired with it
    matched = [axes_b[axes_a.index(i)] for i in sorted(axes_a)]
    order = matched + [i for i in range(b.ndim) if i not in axes_b]
    return transpose_(grad, axes=tuple(numpy.argsort(order)))


tensordot_ = primitive("tensordot", lambda a, b, axes: numpy.tensordot(a, b, axes=axes),
                       vjp=(_tensordot_vjp_a, _tensordot_vjp_b), jvp=MULTILINEAR,
                       saves=OTHER_INPUTS)


def _matrix_transpose(x):
    return swapaxes(x, -1, -2)


def _matmul_vjp_a(g, ans, a, b):
    if b.ndim == 1:                                  # (..., m, k) @ (k,) -> (..., m)
        return multiply(reshape_(g, shape=g.shape + (1,)), b)
    if a.ndim == 1:                                  # (k,) @ (..., k, n) -> (..., n)
        g = reshape_(g, shape=g.shape[:-1] + (1, g.shape[-1]))
        grad = matmul_(g, _matrix_transpose(b))
        return reshape_(grad, shape=grad.shape[:-2] + grad.shape[-1:])
    return matmul_(g, _matrix_transpose(b))


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return multiply(g, a)
    if a.ndim == 1:                                  # outer product of a with each row of g
        return multiply(reshape_(a, shape=a.shape + (1,)),
                        reshape_(g, shape=g.shape[:-1] + (1, g.shape[-1])))
    if b.ndim == 1:
        grad = matmul_(_matrix_transpose(a), reshape_(g, shape=g.shape + (1,)))
        return reshape_(grad, shape=grad.shape[:-1])
    return matmul_(_matrix_transpose(a), g)


matmul_ = primitive("matmul", numpy.matmul, vjp=(_matmul_vjp_a, _matmul_vjp_b),
                    jvp=MULTILINEAR, saves=OTHER_INPUTS)


@public(numpy=numpy.matmul)
def matmul(x1, x2):
    """ndgrad's differentiable numpy.matmul (the ``@`` operator)."""
    if ndim_of(x1) == 0 or ndim_of(x2) == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are "
                         "not allowed; use * to multiply by a scalar)")
    return matmul_(x1, x2)


@public(numpy=numpy.tensordot)
def tensordot(a, b, axes=2):
    """ndgrad's differentiable numpy.tensordot."""
    a_ndim, b_ndim = ndim_of(a), ndim_of(b)
    if isinstance(axes, (int, numpy.integer)):
        axes_a = tuple(range(a_ndim - axes, a_ndim))
        axes_b = tuple(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = (axes_a,) if isinstance(axes_a, int) else tuple(axes_a)
        axes_b = (axes_b,) if isinstance(axes_b, int) else tuple(axes_b)
    axes_a = tuple(normalize_axis(i, a_ndim) for i in axes_a)
    axes_b = tuple(normalize_axis(i, b_ndim) for i in axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: axes {axes_a} and {axes_b} differ in length")
    for i, j in zip(axes_a, axes_b):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise ValueError(f"shape-mismatch for sum: a has shape {shape_of(a)} and b has "
                             f"shape {shape_of(b)}, contracted axes {axes_a} and {axes_b}")
    return tensordot_(a, b, axes=(axes_a, axes_b))


@public(numpy=numpy.dot)
def dot(a, b, out=None):
    """ndgrad's differentiable numpy.dot: inner product of vectors, matrix product of
    matrices, and for N-D a sum product over the last axis of ``a`` and the second-to-last
    of ``b``."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    return _contract_axes(a, b, ndim_of(a) - 1, 0 if ndim_of(b) == 1 else ndim_of(b) - 2)


def _contract_axes(a, b, a_axis, b_axis):
    """tensordot over one axis of each, with NumPy's error when their lengths differ."""
    if shape_of(a)[a_axis] != shape_of(b)[b_axis]:
        raise ValueError(f"shapes {shape_of(a)} and {shape_of(b)} not aligned: "
                         f"{shape_of(a)[a_axis]} (dim {a_axis}) != "
                         f"{shape_of(b)[b_axis]} (dim {b_axis})")
    return tensordot_(a, b, axes=((a_axis,), (b_axis,)))


@public(numpy=numpy.vdot)
def vdot(a, b):
    """ndgrad's differentiable numpy.vdot: the dot product of the flattened arrays, ``a``
    conjugated if complex (as NumPy)."""
    if int(numpy.prod(shape_of(a))) != int(numpy.prod(shape_of(b))):
        raise ValueError(f"vdot: cannot take the dot product of arrays of shapes "
                         f"{shape_of(a)} and {shape_of(b)}: their sizes differ")
    if to_numpy(a).dtype.kind == "c":
        a = conjugate(a)
    return tensordot_(reshape_(a, shape=(-1,)), reshape_(b, shape=(-1,)), axes=((0,), (0,)))


@public(numpy=numpy.inner)
def inner(a, b):
    """ndgrad's differentiable numpy.inner: a sum product over the last axes."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    return _contract_axes(a, b, ndim_of(a) - 1, ndim_of(b) - 1)


@public(numpy=numpy.outer)
def outer(a, b, out=None):
    """ndgrad's differentiable numpy.outer of the flattened arrays."""
    return multiply(reshape_(a, shape=(-1, 1)), reshape_(b, shape=(-1,)))


@public(numpy=numpy.kron)
def kron(a, b):
    """ndgrad's differentiable numpy.kron: the Kronecker product, block (i, j, ...) being
    ``a[i, j, ...] * b``."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    ndim = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (ndim - len(a_shape)) + a_shape
    b_shape = (1,) * (ndim - len(b_shape)) + b_shape
    # each axis of a beside the matching axis of b, (a0, b0, a1, b1, ...), then each pair merged
    product = multiply(reshape_(a, shape=tuple(x for n in a_shape for x in (n, 1))),
                       reshape_(b, shape=tuple(x for n in b_shape for x in (1, n))))
    return reshape_(product, shape=tuple(m * n for m, n in zip(a_shape, b_shape)))


# The Levi-Civita symbol, (a x b)_i = epsilon_ijk a_j b_k: +1 and -1 on the even and odd
# permutations of (0, 1, 2), which is what (i - j)(j - k)(k - i) / 2 gives, and 0 elsewhere.
_LEVI_CIVITA = numpy.fromfunction(lambda i, j, k: (i - j) * (j - k) * (k - i) / 2,
                                  (3, 3, 3)).astype(numpy.int8)


def _move_axis(a, source, destination):
    """numpy.moveaxis with non-negative axes (no primitive when nothing moves)."""
    if source == destination:
        return a
    order = [i for i in range(ndim_of(a)) if i != source]
    order.insert(destination, source)
    return transpose_(a, axes=tuple(order))


@public(numpy=numpy.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """ndgrad's differentiable numpy.cross, computed as an einsum with the Levi-Civita
    symbol (a 2-vector's missing z component is 0, as in NumPy). Differs from NumPy: with
    infinite entries a component may be nan where NumPy gives inf (0 * inf terms)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    if ndim_of(a) < 1 or ndim_of(b) < 1:
        raise ValueError("At least one array has zero dimension")
    a = _move_axis(a, normalize_axis(axisa, ndim_of(a)), ndim_of(a) - 1)
    b = _move_axis(b, normalize_axis(axisb, ndim_of(b)), ndim_of(b) - 1)
    size_a, size_b = shape_of(a)[-1], shape_of(b)[-1]
    if size_a not in (2, 3) or size_b not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    if size_a == 2 or size_b == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=2)
    dtype = numpy.promote_types(to_numpy(a).dtype, to_numpy(b).dtype)
    if dtype == numpy.bool_:
        raise TypeError("cross of boolean arrays is not supported: it needs the boolean "
                        "subtraction NumPy refuses; convert them to integers or floats")
    if size_a == size_b == 2:                        # the z component only
        return _contract(*_parse_einsum(("...j,...k,jk->...", a, b,
                                         _LEVI_CIVITA[2, :2, :2].astype(dtype))), True)
    product = _contract(*_parse_einsum(("...j,...k,ijk->...i", a, b,
                                        _LEVI_CIVITA[:, :size_a, :size_b].astype(dtype))), True)
    ndim = ndim_of(product)
    return _move_axis(product, ndim - 1, normalize_axis(axisc, ndim))


# -- einsum ----------------------------------------------------------------------------------
_LABELS = string.ascii_uppercase + string.ascii_lowercase   # sublist labels 0..51, as NumPy


def _sublist_subscripts(operands):
    """``einsum(op0, sublist0, op1, sublist1, ..., [sublist_out])`` as a subscripts string
    and the operands."""
    def letters(sublist):
        out = []
        for label in sublist:
            if label is Ellipsis:
                out.append("...")
            elif isinstance(label, (int, numpy.integer)) and 0 <= label < len(_LABELS):
                out.append(_LABELS[label])
            else:
                raise ValueError(f"einsum: subscript {label!r} is neither an integer within "
                                 "the valid range [0, 52) nor an Ellipsis")
        return "".join(out)

    pairs = operands[:len(operands) - len(operands) % 2]
    subscripts = ",".join(letters(sublist) for sublist in pairs[1::2])
    if len(operands) % 2:
        subscripts += "->" + letters(operands[-1])
    return subscripts, list(pairs[0::2])


def _check_term(term, context):
    """Letters and at most one '...' only."""
    rest = term.replace("...", "", 1)
    for char in rest:
        if char not in _LABELS:
            if char == ".":
                raise ValueError(f"einstein sum subscripts string contains a '.' that is not "
                                 f"part of an ellipsis ('...') in {context}")
            raise ValueError(f"invalid subscript {char!r} in einstein sum subscripts string, "
                             "subscripts must be letters")


def _label_sizes(terms, shapes):
    """Each subscript's size, broadcast over the operands (a size 1 stretches); NumPy's
    ValueError where sizes clash."""
    sizes = {}
    for index, (term, shape) in enumerate(zip(terms, shapes)):
        own = {}
        for letter, n in zip(term, shape):
            if own.setdefault(letter, n) != n:
                raise ValueError(f"dimensions in operand {index} for collapsing index "
                                 f"{letter!r} don't match ({own[letter]} != {n})")
            known = sizes.get(letter)
            if known is None or known == 1:
                sizes[letter] = n
            elif n not in (1, known):
                raise ValueError(f"einsum: operand {index} has size {n} for subscript "
                                 f"{letter!r} where another operand has size {known}; the "
                                 "sizes must agree or be 1")
    return sizes


def _parse_einsum(operands):
    """The operands, their subscripts and the output's, as letters only: each '...' is spelt
    out with letters the subscripts do not use, and an implicit output is NumPy's (the
    broadcast axes, then the letters used once, sorted). Raises NumPy's ValueErrors."""
    if not operands:
        raise ValueError("must specify the einstein sum subscripts string and at least one "
                         "operand")
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        subscripts, arrays = _sublist_subscripts(operands)
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(arrays):
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(terms)} operands "
                         f"but {len(arrays)} were given")
    shapes = [shape_of(a) for a in arrays]
    spare = [c for c in _LABELS if c not in subscripts]
    hidden = []                                      # how many axes each '...' stands for
    for index, (term, shape) in enumerate(zip(terms, shapes)):
        _check_term(term, f"operand {index}")
        named = len(term.replace("...", ""))
        if named > len(shape):
            raise ValueError(f"einstein sum subscripts string contains too many subscripts "
                             f"for operand {index}")
        if named < len(shape) and "..." not in term:
            raise ValueError("operand has more dimensions than subscripts given in einstein "
                             "sum, but no '...' ellipsis provided to broadcast the extra "
                             "dimensions.")
        hidden.append(len(shape) - named)
    width = max(hidden, default=0)
    if width > len(spare):
        raise ValueError("einsum: too many axes under '...' for the letters left unused")
    broadcast = "".join(spare[:width])
    inputs = [term.replace("...", broadcast[width - n:]) for term, n in zip(terms, hidden)]
    if arrow:
        _check_term(rhs, "the output")
        if width and "..." not in rhs:
            raise ValueError("output has more dimensions than subscripts given in einstein "
                             "sum, but no '...' ellipsis provided to broadcast the extra "
                             "dimensions.")
        output = rhs.replace("...", broadcast)
        for letter in output:
            if output.count(letter) > 1:
                raise ValueError(f"einstein sum subscripts string includes output subscript "
                                 f"{letter!r} multiple times")
            if letter not in lhs and letter not in broadcast:
                raise ValueError(f"einstein sum subscripts string included output subscript "
                                 f"{letter!r} which never appeared in an input")
    else:
        named = lhs.replace("...", "").replace(",", "")
        output = broadcast + "".join(sorted(c for c in set(named) if named.count(c) == 1))
    _label_sizes(inputs, shapes)
    return arrays, inputs, output


def _contract(arrays, inputs, output, optimize):
    """The einsum of ``arrays``: in one call, or pairwise in the order numpy.einsum_path
    chooses (``optimize`` is its argument: True, 'greedy', 'optimal' or a path)."""
    if optimize is False or len(arrays) <= 2:
        return einsum_(*arrays, subscripts=",".join(inputs) + "->" + output)
    # the path depends on the shapes only: placeholders that take no memory stand in
    placeholders = [numpy.broadcast_to(numpy.empty((), numpy.int8), shape_of(a))
                    for a in arrays]
    path = numpy.einsum_path(",".join(inputs) + "->" + output, *placeholders,
                             optimize=optimize)[0]
    terms = list(zip(arrays, inputs))
    for step in path[1:]:
        picked = [terms[i] for i in step]
        terms = [term for i, term in enumerate(terms) if i not in step]
        if terms:                                    # keep the letters still needed later
            needed = set(output).union(*(term for _, term in terms))
            joined = "".join(term for _, term in picked)
            result = "".join(dict.fromkeys(c for c in joined if c in needed))
        else:
            result = output
        subscripts = ",".join(term for _, term in picked) + "->" + result
        terms.append((einsum_(*[array for array, _ in picked], subscripts=subscripts), result))
    return terms[0][0]


def _einsum_forward(*operands, subscripts):
    # NumPy's BLAS route for two operands (optimize=True) costs some 10 us of planning:
    # worth it from about 32 x 32 x 32 multiply-adds
    terms = subscripts.split("->")[0].split(",")
    sizes = _label_sizes(terms, [numpy.shape(x) for x in operands])
    blas = len(operands) == 2 and math.prod(sizes.values()) >= 2**15
    result = numpy.einsum(subscripts, *operands, optimize=blas)
    # NumPy returns a view of a lone operand for a transpose or a diagonal; results own
    # their data in ndgrad, so that writing into one never changes an operand
    if any(numpy.may_share_memory(result, operand) for operand in operands):
        result = numpy.array(result)
    return result


def _einsum_operand_gradient(g, output, operands, terms, k):
    """Operand k's gradient: the einsum of g with the other operands onto k's subscripts.

    A letter repeated in k (a diagonal) gets a fresh letter, tied to the first by an identity
    matrix; a letter nothing else carries at k's size (summed out, or broadcast from size 1)
    comes back through a vector of ones."""
    arrays = [g] + [x for i, x in enumerate(operands) if i != k]
    subs = [output] + [term for i, term in enumerate(terms) if i != k]
    sizes = _label_sizes(subs, [shape_of(x) for x in arrays])
    spare = iter(c for c in _LABELS if c not in "".join(terms) + output)
    own = list(zip(terms[k], shape_of(operands[k])))
    target = ""
    for letter, n in own:
        if letter in target:
            fresh = next(spare)
            arrays.append(numpy.eye(n, dtype=g.dtype))
            subs.append(letter + fresh)
            sizes[letter] = n
            target += fresh
        else:
            target += letter
    for letter, n in dict(own).items():
        if letter not in sizes or (n != 1 and sizes[letter] == 1):
            arrays.append(numpy.ones(n, dtype=g.dtype))
            subs.append(letter)
    return _contract(arrays, subs, target, optimize=True)


def _einsum_pullback(g, ans, inputs, params, wanted):
    lhs, output = params["subscripts"].split("->")
    terms = lhs.split(",")
    return [_einsum_operand_gradient(g, output, inputs, terms, k) if want else None
            for k, want in enumerate(wanted)]


# subscripts: letters only, explicit output (as _parse_einsum gives them)
einsum_ = primitive("einsum", _einsum_forward, pullback=_einsum_pullback, jvp=MULTILINEAR)


@public(numpy=numpy.einsum)
def einsum(*operands, out=None, optimize=True, dtype=None, order="K", casting="safe"):
    """ndgrad's differentiable numpy.einsum: every subscripts form NumPy accepts (implicit or
    explicit output, '...', repeated subscripts for diagonals, the sublist form).

    Differs from NumPy: ``optimize`` defaults to True, so three or more operands are
    contracted pairwise in the order ``numpy.einsum_path`` chooses ('greedy'); pass
    ``optimize=False`` for one NumPy call. ``order`` is ignored (results are C-contiguous).
    """
    arrays, inputs, output = _parse_einsum(operands)
    if dtype is not None:
        arrays = [_cast(a, numpy.dtype(dtype), casting) for a in arrays]
    return _contract(arrays, inputs, output, optimize)


def _cast(a, dtype, casting):
    source = to_numpy(a).dtype
    if not numpy.can_cast(source, dtype, casting):
        raise TypeError(f"Cannot cast array data from {source!r} to {dtype!r} according to "
                        f"the rule {casting!r}")
    return astype(a if isinstance(a, ndarray) else to_numpy(a), dtype)


@public(namespaces=("np.linalg",), numpy=numpy.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    """ndgrad's differentiable numpy.linalg.multi_dot: the product of a chain of matrices
    in the order of fewest scalar multiplications (NumPy's order, ties included). The first
    and last arrays may be vectors."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:
        return dot(arrays[0], arrays[1])
    first_ndim, last_ndim = ndim_of(arrays[0]), ndim_of(arrays[-1])
    if first_ndim == 1:
        arrays[0] = reshape_(arrays[0], shape=(1, -1))
    if last_ndim == 1:
        arrays[-1] = reshape_(arrays[-1], shape=(-1, 1))
    for array in arrays:
        if ndim_of(array) != 2:
            raise numpy.linalg.LinAlgError(f"{ndim_of(array)}-dimensional array given. Array "
                                           "must be two-dimensional")
    splits = _chain_order([shape_of(array) for array in arrays])
    result = _chain_product(arrays, splits, 0, len(arrays) - 1)
    if first_ndim == 1 or last_ndim == 1:
        return reshape_(result, shape=() if first_ndim == last_ndim == 1 else (-1,))
    return result


def _chain_order(shapes):
    """``splits[i][j]``: where the product of matrices i..j splits, for the fewest scalar
    multiplications (dynamic programming; the first best split wins ties, as NumPy's)."""
    count = len(shapes)
    dims = [shapes[0][0]] + [shape[1] for shape in shapes]
    cost = [[0] * count for _ in range(count)]
    splits = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                candidate = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or candidate < cost[i][j]:
                    cost[i][j], splits[i][j] = candidate, k
    return splits


def _chain_product(arrays, splits, i, j):
    if i == j:
        return arrays[i]
    k = splits[i][j]
    return matmul_(_chain_product(arrays, splits, i, k), _chain_product(arrays, splits, k + 1, j))
