"""``ndgrad.func``: functional transforms, as in JAX and ``torch.func``.

Each transform takes a function of ndgrad arrays and returns a function. Arguments and
results may be pytrees: nested tuples, lists and dicts of arrays. The transforms compose
(``grad(grad(f))``, ``jacfwd(jacrev(f))``, ``jvp(grad(f), ...)``) and work inside
``autograd.record()``, where what they return is itself recorded.

* ``grad``, ``value_and_grad``, ``vjp``, ``jacrev`` run reverse mode (the tape and backward
  engine of ``autograd``);
* ``jvp`` and ``jacfwd`` run forward mode: tangents travel beside the values through each
  primitive's JVP rule, with no backward pass;
* ``hvp`` is forward-over-reverse, ``hessian`` is ``jacfwd(jacrev(f))``;
* ``vmap`` maps ``f`` over an axis by a loop over the examples, stacking the results: always
  correct, differentiable, but not faster than the loop (no batching rules).

>>> from ndgrad import func, np
>>> f = lambda x: np.sum(np.sin(x) * x)
>>> func.grad(f)(np.array([0.0, 1.0]))                  # sin x + x cos x
array([0.       , 1.3817732])
>>> func.jvp(np.sin, (np.array(0.5),), (np.array(1.0),))[1]   # cos 0.5
array(0.87758255)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from . import autograd
from ._custom import custom_jvp, custom_vjp, start_variable
from ._forward import at_levels, tangents_of, with_tangent
from ._ndarray import _wrap, check_differentiable, ndarray
from ._pytree import broadcast_prefix, flatten, tree_map
from ._state import STATE, flags, new_forward_level
from .np import asarray, concatenate, moveaxis, reshape, stack, take

__all__ = [
    "custom_jvp",
    "custom_vjp",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linearize",
    "value_and_grad",
    "vjp",
    "vmap",
]


# -- arguments ---------------------------------------------------------------------------------
def _as_float_array(value: Any, what: str) -> ndarray:
    """A leaf to differentiate with respect to: an ndgrad array of a float dtype."""
    array = value if isinstance(value, ndarray) else asarray(value)
    check_differentiable(array.dtype, what)
    return array


def _argnums(argnums: int | Sequence[int], count: int) -> tuple[int, ...]:
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not numbers:
        raise ValueError("argnums must name at least one argument")
    for number in numbers:
        if not isinstance(number, int) or not -count <= number < count:
            raise ValueError(f"argnums {argnums!r} is out of range for a call with {count} "
                             "positional arguments")
    return tuple(number % count for number in numbers)


def _start_variable(leaf: Any, nested: bool) -> ndarray:
    """Where a differentiated argument's gradient is captured; while an outer recording is on
    (``nested``), it continues the leaf's history, so outer transforms differentiate through
    it."""
    return start_variable(_as_float_array(leaf, "a differentiated argument"), nested)


def _variables_for(args: Sequence[Any], numbers: tuple[int, ...],
                   nested: bool) -> tuple[list, list]:
    """``args`` with the leaves of the arguments ``numbers`` replaced by variables; returns
    the new argument list and, per number, the variables and tree of that argument."""
    args = list(args)
    trees = []
    for number in numbers:
        leaves, treedef = flatten(args[number])
        variables = [_start_variable(leaf, nested) for leaf in leaves]
        args[number] = treedef.unflatten(variables)
        trees.append((variables, treedef))
    return args, trees


def _output_leaves(out: Any, name: str) -> tuple[list, Any]:
    """The leaves and structure of a transformed function's output, which must be ndgrad
    arrays (or pytrees of them)."""
    leaves, treedef = flatten(out)
    for leaf in leaves:
        if not isinstance(leaf, ndarray):
            raise TypeError(f"{name} needs a function returning ndgrad arrays (or tuples, "
                            f"lists and dicts of them), not {type(leaf).__name__}")
    return leaves, treedef


def _split_aux(out: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{name}(has_aux=True): the function must return a pair (output, aux)")
    return out[0], out[1]


def _gradients(heads: list, head_grads: list, variables: list) -> list:
    """The gradients of ``heads`` (with cotangents ``head_grads``) with respect to
    ``variables``; recorded while an outer recording is on. A head with no history does not
    depend on the variables and contributes nothing."""
    pairs = [(h, g) for h, g in zip(heads, head_grads) if isinstance(h, ndarray)
             and h._node is not None]
    if not pairs or not variables:
        return [_zeros_like(v) for v in variables]
    nested = STATE.recording
    return autograd.grad([h for h, _ in pairs], variables, head_grads=[g for _, g in pairs],
                         retain_graph=True, create_graph=nested)


def _zeros_like(array: ndarray) -> ndarray:
    return _wrap(numpy.zeros(array.shape, array.dtype), ndarray)


# -- reverse mode ------------------------------------------------------------------------------
def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False, holomorphic: bool = False) -> Callable[..., Any]:
    """A function returning ``(f(*args), gradient)``, or ``((f(*args), aux), gradient)`` with
    ``has_aux``. ``f`` must return a scalar (shape ()). The gradient has the structure of
    argument ``argnums``, or is a tuple of those for a tuple of argnums.

    A complex output is refused unless ``holomorphic=True``, which declares ``f``
    holomorphic: the gradient is then its complex derivative ``f'(z)``, as in JAX. For a real
    loss of complex arguments the gradient is ``df/dx - i df/dy`` (docs/autograd.md)."""
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        numbers = _argnums(argnums, len(args))
        nested = STATE.recording
        with flags(recording=True):
            call_args, trees = _variables_for(args, numbers, nested)
            out = f(*call_args, **kwargs)
            out, aux = _split_aux(out, has_aux, "grad")
            if not isinstance(out, ndarray) or out.shape != ():
                shape = getattr(out, "shape", type(out).__name__)
                raise TypeError(f"grad needs a function with a scalar output (shape ()), but "
                                f"it returned {shape}; sum it, or use func.vjp or "
                                "func.jacrev for non-scalar outputs")
            if out.dtype.kind == "c" and not holomorphic:
                raise TypeError("grad needs a real scalar output, but f returned a complex "
                                "one; take a real loss (np.real(y), np.abs(y) ** 2), or pass "
                                "holomorphic=True for the complex derivative f'(z) of a "
                                "holomorphic f")
        with flags(recording=nested):
            variables = [v for vs, _ in trees for v in vs]
            # a holomorphic f's head gradient 1 is given: backward refuses ones for complex
            seed = numpy.ones((), out.dtype) if out.dtype.kind == "c" else None
            grads = iter(_gradients([out], [seed], variables))
        results = tuple(treedef.unflatten([next(grads) for _ in vs]) for vs, treedef in trees)
        gradient = results[0] if isinstance(argnums, int) else results
        return ((out, aux) if has_aux else out), gradient
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False, holomorphic: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar function ``f`` with respect to argument ``argnums``
    (a tuple of gradients for a tuple); ``(gradient, aux)`` with ``has_aux``. A complex
    output needs ``holomorphic=True`` (see ``value_and_grad``)."""
    value_and_grad_f = value_and_grad(f, argnums, has_aux, holomorphic)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, gradient = value_and_grad_f(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return grad_f


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(f(*primals), pullback)``: ``pullback(cotangent)`` returns a tuple with one gradient
    per primal, for a cotangent of the output's structure, and can be called many times."""
    nested = STATE.recording
    with flags(recording=True):
        args, trees = _variables_for(primals, tuple(range(len(primals))), nested)
        out = f(*args)
        out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_def = _output_leaves(out, "vjp")

    def pullback(cotangent: Any) -> tuple:
        leaves, treedef = flatten(cotangent)
        if treedef != out_def:
            raise ValueError(f"the cotangent's structure {treedef!r} differs from the "
                             f"output's {out_def!r}")
        for leaf, c in zip(out_leaves, leaves):
            if tuple(numpy.shape(c)) != leaf.shape:
                raise ValueError(f"a cotangent of shape {numpy.shape(c)} for an output of "
                                 f"shape {leaf.shape}; they must be equal")
        variables = [v for vs, _ in trees for v in vs]
        grads = iter(_gradients(out_leaves, list(leaves), variables))
        return tuple(treedef.unflatten([next(grads) for _ in vs]) for vs, treedef in trees)

    return (out, pullback, aux) if has_aux else (out, pullback)


# -- forward mode ------------------------------------------------------------------------------
def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> Any:
    """``(f(*primals), J u)``: the output and its directional derivative along ``tangents``
    (one per primal, of the same structure and shapes), by forward mode: no backward pass.
    With ``has_aux``, ``(output, J u, aux)``."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples, one entry per argument: "
                        "jvp(f, (x,), (u,))")
    primal_leaves, primal_def = flatten(tuple(primals))
    tangent_leaves, tangent_def = flatten(tuple(tangents))
    if primal_def != tangent_def:
        raise ValueError(f"tangents' structure {tangent_def!r} differs from the primals' "
                         f"{primal_def!r}")
    level = new_forward_level()
    duals = []
    for primal, tangent in zip(primal_leaves, tangent_leaves):
        primal = _as_float_array(primal, "a primal")
        tangent = _as_float_array(tangent, "a tangent")
        if tangent.shape != primal.shape:
            raise ValueError(f"a tangent of shape {tangent.shape} for a primal of shape "
                             f"{primal.shape}; they must be equal")
        if tangent.dtype.kind == "c" and primal.dtype.kind != "c":
            raise TypeError(f"a complex tangent ({tangent.dtype}) for a real primal "
                            f"({primal.dtype}) would lose its imaginary part; make the "
                            "primal complex too (x.astype('complex128'))")
        if tangent.dtype != primal.dtype:
            tangent = tangent.astype(primal.dtype)
        duals.append(with_tangent(primal, level, tangent))
    with at_levels(STATE.forward_levels + (level,)):
        out = f(*primal_def.unflatten(duals))
    out, aux = _split_aux(out, has_aux, "jvp")
    out_leaves, out_def = _output_leaves(out, "jvp")
    values, derivatives = [], []
    for leaf in out_leaves:
        derivative = (tangents_of(leaf) or {}).get(level)
        derivatives.append(_zeros_like(leaf) if derivative is None else derivative)
        values.append(with_tangent(leaf, level, None))
    if has_aux:
        aux = tree_map(lambda a: with_tangent(a, level, None) if isinstance(a, ndarray) else a,
                       aux)
        return out_def.unflatten(values), out_def.unflatten(derivatives), aux
    return out_def.unflatten(values), out_def.unflatten(derivatives)


def linearize(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(f(*primals), f_jvp)``, as JAX's ``linearize``: ``f_jvp(*tangents)`` is the JVP of
    ``f`` at ``primals`` (one tangent per primal, of its structure). ndgrad keeps no staged
    linear program: each ``f_jvp`` call runs forward mode through ``f`` at the same point,
    the cost of one ``jvp`` and the same numbers.

    >>> from ndgrad import func, np
    >>> y, f_jvp = func.linearize(np.sin, np.array(0.0))
    >>> f_jvp(np.array(2.0))                               # cos 0 * 2
    array(2.)
    """
    out = f(*primals)

    def f_jvp(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise TypeError(f"f_jvp takes one tangent per primal: {len(primals)}, not "
                            f"{len(tangents)}")
        return jvp(f, primals, tangents)[1]
    return out, f_jvp


# -- Jacobians and Hessians --------------------------------------------------------------------
def _one_hot(shape: tuple, dtype: Any, index: int) -> ndarray:
    basis = numpy.zeros(int(numpy.prod(shape, dtype=numpy.int64)), dtype)
    basis[index] = 1
    return _wrap(basis.reshape(shape), ndarray)


def _stack_rows(rows: list, shape: tuple, template: ndarray) -> ndarray:
    """Rows (one per element of an array of ``shape``) stacked into ``shape + row shape``,
    with the rows' dtype; zeros of ``template``'s dtype when ``shape`` has no elements."""
    if not rows:
        return _wrap(numpy.zeros(shape + template.shape, template.dtype), ndarray)
    return reshape(stack(rows), shape + rows[0].shape)


def _check_holomorphic(name: str, arrays: Sequence[Any], holomorphic: bool) -> None:
    if not holomorphic and any(isinstance(a, ndarray) and a.dtype.kind == "c" for a in arrays):
        raise TypeError(f"{name} of a function with complex arguments or outputs needs "
                        "holomorphic=True, which declares it holomorphic (the Jacobian is "
                        "then f'(z)); for a function that is not, take real and imaginary "
                        "parts as separate real arrays")


def jacrev(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
           has_aux: bool = False, holomorphic: bool = False) -> Callable[..., Any]:
    """The Jacobian of ``f`` by reverse mode, one backward pass per output element: for an
    output of shape S and an argument of shape T, an array of shape S + T. Pytrees: the
    output's structure outside, the arguments' (a tuple for a tuple of argnums) inside.
    With ``has_aux``, ``f`` returns ``(output, aux)`` and the result is ``(jacobian, aux)``,
    aux returned as computed, not differentiated. Complex arguments or outputs need
    ``holomorphic=True`` (the Jacobian is then the complex derivative, as in JAX): a complex
    Jacobian of a function that is not holomorphic is no one matrix."""
    def jacrev_f(*args: Any) -> Any:
        numbers = _argnums(argnums, len(args))
        nested = STATE.recording
        with flags(recording=True):
            call_args, trees = _variables_for(args, numbers, nested)
            out, aux = _split_aux(f(*call_args), has_aux, "jacrev")
        variables = [v for vs, _ in trees for v in vs]
        _check_holomorphic("jacrev", variables + flatten(out)[0], holomorphic)

        def jacobian_of(head: ndarray) -> Any:
            rows = []
            with flags(recording=nested):
                for index in range(head.size):
                    rows.append(_gradients([head], [_one_hot(head.shape, head.dtype, index)],
                                           variables))
                per_variable = [_stack_rows([row[k] for row in rows], head.shape, v)
                                for k, v in enumerate(variables)]
            blocks = iter(per_variable)
            results = tuple(td.unflatten([next(blocks) for _ in vs]) for vs, td in trees)
            return results[0] if isinstance(argnums, int) else results
        _output_leaves(out, "jacrev")
        jacobian = tree_map(jacobian_of, out)
        return (jacobian, aux) if has_aux else jacobian
    return jacrev_f


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
           has_aux: bool = False, holomorphic: bool = False) -> Callable[..., Any]:
    """The Jacobian of ``f`` by forward mode, one JVP per input element; the same layout as
    ``jacrev`` (output shape + argument shape), and the same ``has_aux`` and
    ``holomorphic``."""
    def jacfwd_f(*args: Any) -> Any:
        numbers = _argnums(argnums, len(args))
        arguments = list(args)
        leaves_by_number = []
        for number in numbers:
            leaves, treedef = flatten(arguments[number])
            leaves_by_number.append(([_as_float_array(leaf, "a differentiated argument")
                                      for leaf in leaves], treedef))
            arguments[number] = treedef.unflatten(leaves_by_number[-1][0])
        differentiated = [leaf for leaves, _ in leaves_by_number for leaf in leaves]
        _check_holomorphic("jacfwd", differentiated, holomorphic)

        def call(*leaves: Any) -> tuple[Any, Any]:
            """``(output, aux)`` of ``f`` at the differentiated leaves (aux None without
            ``has_aux``), so that every JVP below can take the aux apart from the output."""
            call_args = list(arguments)
            position = iter(leaves)
            for number, (originals, treedef) in zip(numbers, leaves_by_number):
                call_args[number] = treedef.unflatten([next(position) for _ in originals])
            return _split_aux(f(*call_args), has_aux, "jacfwd")

        columns: list = []     # per differentiated leaf: per element, the output's tangents
        out = aux = None
        for k, leaf in enumerate(differentiated):
            per_element = []
            for index in range(leaf.size):
                tangents = [_one_hot(x.shape, x.dtype, index) if j == k else _zeros_like(x)
                            for j, x in enumerate(differentiated)]
                out, derivative, aux = jvp(call, tuple(differentiated), tuple(tangents),
                                           has_aux=True)
                per_element.append(flatten(derivative)[0])
            columns.append(per_element)
        if not any(leaf.size for leaf in differentiated):     # no JVP ran
            out, aux = call(*differentiated)
        out_leaves, out_def = _output_leaves(out, "jacfwd")
        _check_holomorphic("jacfwd", out_leaves, holomorphic)
        blocks = []
        for o, head in enumerate(out_leaves):
            per_leaf = []
            for leaf, per_element in zip(differentiated, columns):
                stacked = _stack_rows([element[o] for element in per_element], leaf.shape,
                                      head)
                # (input shape + output shape) -> (output shape + input shape)
                per_leaf.append(moveaxis(stacked, tuple(range(leaf.ndim)),
                                         tuple(range(head.ndim, head.ndim + leaf.ndim)))
                                if leaf.ndim and head.ndim else stacked)
            parts = iter(per_leaf)
            results = tuple(td.unflatten([next(parts) for _ in leaves])
                            for leaves, td in leaves_by_number)
            blocks.append(results[0] if isinstance(argnums, int) else results)
        jacobian = out_def.unflatten(blocks)
        return (jacobian, aux) if has_aux else jacobian
    return jacfwd_f


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
             has_aux: bool = False) -> Callable[..., Any]:
    """The Jacobian of ``f``, by forward mode when the arguments have fewer elements than the
    output (fewer passes), else by reverse mode; the layout and ``has_aux`` of ``jacrev``."""
    def jacobian_f(*args: Any) -> Any:
        numbers = _argnums(argnums, len(args))
        n_in = sum(numpy.size(getattr(leaf, "_data", leaf))
                   for number in numbers for leaf in flatten(args[number])[0])
        with flags(recording=False):
            out, _ = _split_aux(f(*args), has_aux, "jacobian")
        n_out = sum(leaf.size for leaf in _output_leaves(out, "jacobian")[0])
        transform = jacfwd if n_in < n_out else jacrev
        return transform(f, argnums, has_aux)(*args)
    return jacobian_f


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
            has_aux: bool = False) -> Callable[..., Any]:
    """The Hessian of a scalar ``f``: ``jacfwd(jacrev(f))``, of shape T + T for an argument
    of shape T. With ``has_aux``, ``f`` returns ``(scalar, aux)`` and the result is
    ``(hessian, aux)``, as in JAX."""
    return jacfwd(jacrev(f, argnums, has_aux), argnums, has_aux)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of a scalar ``f`` times ``tangents``, by forward-over-reverse
    (``jvp(grad(f), primals, tangents)``): one pass, never the whole Hessian. One product per
    primal (the primal itself for one primal)."""
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(f, argnums), primals, tangents)[1]


# -- batching ----------------------------------------------------------------------------------
def _check_axis_types(axes: Any, name: str) -> None:
    """Refuse an ``in_axes``/``out_axes`` holding anything but ints and None."""
    for axis in flatten(axes)[0]:          # None is an empty subtree: only the rest remains
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"vmap {name} must be an int, None, or a container of those, but "
                            f"it holds {axis!r} of type {type(axis).__name__}")


def _shape(leaf: Any) -> tuple:
    return numpy.shape(getattr(leaf, "_data", leaf))


def _example_of(leaf: ndarray, axis: int, index: int | None) -> ndarray:
    """Example ``index`` of a mapped leaf along ``axis``; for None, zeros of an example's
    shape and dtype (what an empty batch calls ``f`` on)."""
    if index is None:
        return _wrap(numpy.zeros(leaf.shape[:axis] + leaf.shape[axis + 1:], leaf.dtype), ndarray)
    return take(leaf, index, axis=axis)


def _out_axes_of(result: Any, out_axes: Any) -> list:
    """Per leaf of one example's result, the axis its batch axis goes to (from 0), or None
    for an unbatched result."""
    axes = []
    for leaf, axis in zip(flatten(result)[0], broadcast_prefix(out_axes, result, "vmap out_axes")):
        if axis is not None:
            rank = len(_shape(leaf)) + 1          # the result's rank once batched
            if not -rank <= axis < rank:
                raise ValueError(f"vmap out_axes puts the batch axis at {axis} of a result of "
                                 f"shape {_shape(leaf)}, of rank {rank} once batched; use an "
                                 f"axis in [{-rank}, {rank}), or None for an unbatched result")
            axis %= rank
        axes.append(axis)
    return axes


def _empty_batch(leaf: Any, axis: int) -> ndarray:
    """A batch of no examples of ``leaf``'s shape and dtype, its batch axis at ``axis``."""
    value = numpy.asarray(getattr(leaf, "_data", leaf))
    return _wrap(numpy.zeros(value.shape[:axis] + (0,) + value.shape[axis:], value.dtype),
                 ndarray)


def _same_value(a: Any, b: Any) -> bool:
    a, b = (numpy.asarray(getattr(value, "_data", value)) for value in (a, b))
    # a NaN result that stays NaN is the same; isnan exists only for float dtypes
    floats = a.dtype.kind in "fc" and b.dtype.kind in "fc"
    return numpy.array_equal(a, b, equal_nan=floats)


def vmap(f: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """``f`` mapped over an axis of its positional arguments, its results stacked along
    ``out_axes``, as ``jax.vmap``. A loop over the examples: correct and differentiable for
    any ``f`` (inside ``autograd.record()`` and under ``jvp``), as fast as the loop (no
    batching rules).

    Parameters
    ----------
    in_axes : int, None or tuple
        The axis of every argument to map over; or a tuple (a list is read as one) with an
        entry per positional argument, each an int, None (the argument is passed whole to
        every example) or a pytree prefix of that argument with an axis or None per subtree,
        as ``({"x": 0, "w": None},)`` for ``f(params)``. Negative axes count from the end.
    out_axes : int, None or a pytree prefix of the output
        Where each result's batch axis goes, e.g. ``(0, 1)`` for a pair of results. None
        marks a result that is not batched: ``f`` must return the same value for every
        example, and that value is returned once.
    chunk_size : int or None
        Run the examples in chunks of this many, each chunk stacked before the next starts,
        so that at most this many examples' results are alive at once
        (``torch.func.vmap``); None for one chunk.

    A batch of size 0 calls ``f`` once on zeros of an example's shape (so ``f`` must accept
    zeros) to learn its results' structure, shapes and dtypes, and returns them with a batch
    axis of length 0 (an unbatched result as that call returned it).

    Raises
    ------
    TypeError
        An axis that is not an int or None, or an ``in_axes`` that is neither an int, None
        nor a tuple.
    ValueError
        ``in_axes`` or ``out_axes`` not a prefix of the arguments or the output, an ``in_axes``
        tuple of the wrong length, an axis out of range, mapped axes of different sizes, no
        mapped axis at all, examples returning different structures, a result with
        ``out_axes`` None that differs between examples, or a ``chunk_size`` below 1.

    Examples
    --------
    >>> from ndgrad import func, np
    >>> func.vmap(lambda d: d["x"] * d["w"], in_axes=({"x": 0, "w": None},))(
    ...     {"x": np.array([[1.0, 2.0], [3.0, 4.0]]), "w": np.array([10.0, 100.0])})
    array([[ 10., 200.],
           [ 30., 400.]])
    """
    if isinstance(in_axes, list):          # JAX reads a list of per-argument entries as a tuple
        in_axes = tuple(in_axes)
    if in_axes is not None and not isinstance(in_axes, (int, tuple)):
        raise TypeError(f"vmap in_axes must be an int, None, or a tuple with one entry per "
                        f"positional argument, not {type(in_axes).__name__}")
    _check_axis_types(in_axes, "in_axes")
    _check_axis_types(out_axes, "out_axes")
    if chunk_size is not None:
        if not isinstance(chunk_size, int) or isinstance(chunk_size, bool):
            raise TypeError(f"vmap chunk_size must be an int or None, not "
                            f"{type(chunk_size).__name__}")
        if chunk_size < 1:
            raise ValueError(f"vmap chunk_size must be at least 1, not {chunk_size}; pass None "
                             "to run every example in one chunk")

    def vmap_f(*args: Any) -> Any:
        per_argument = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        if len(per_argument) != len(args):
            raise ValueError(f"vmap in_axes has {len(per_argument)} entries for {len(args)} "
                             "positional arguments; give one entry per argument")
        arguments = []        # per argument: its structure, its leaves, and their batch axes
        sizes: dict = {}      # argument number -> the sizes of its mapped axes
        for number, (arg, prefix) in enumerate(zip(args, per_argument)):
            leaves, treedef = flatten(arg)
            axes = broadcast_prefix(prefix, arg, f"vmap in_axes[{number}]")
            for k, axis in enumerate(axes):
                if axis is None:
                    continue
                leaves[k] = leaf = asarray(leaves[k])
                if not -leaf.ndim <= axis < leaf.ndim:
                    raise ValueError(f"vmap in_axes[{number}] maps axis {axis} of an argument "
                                     f"of rank {leaf.ndim} (shape {leaf.shape}); use an axis "
                                     f"in [{-leaf.ndim}, {leaf.ndim}), or None to pass it whole")
                axes[k] = axis % leaf.ndim
                sizes.setdefault(number, set()).add(leaf.shape[axes[k]])
            arguments.append((treedef, leaves, axes))
        every_size = set().union(*sizes.values())
        if not every_size:
            raise ValueError("vmap needs at least one mapped axis, but every in_axes entry is "
                             "None or names an argument with no array leaves; map one with an "
                             "int in_axes")
        if len(every_size) > 1:
            listed = "; ".join(f"argument {number}: {', '.join(map(str, sorted(found)))}"
                               for number, found in sizes.items())
            raise ValueError(f"vmap needs one batch size, but the mapped axes have sizes "
                             f"({listed}); map axes of one length")
        size = every_size.pop()

        def example(index: int | None) -> Any:
            return f(*[treedef.unflatten([leaf if axis is None else _example_of(leaf, axis, index)
                                          for leaf, axis in zip(leaves, axes)])
                       for treedef, leaves, axes in arguments])

        if size == 0:
            # results are only looked at for their shapes: zeros may well hit log(0)
            with flags(recording=False), numpy.errstate(all="ignore"):
                result = example(None)
            out_leaves, out_def = flatten(result)
            return out_def.unflatten([leaf if axis is None else _empty_batch(leaf, axis)
                                      for leaf, axis in zip(out_leaves,
                                                            _out_axes_of(result, out_axes))])

        step = chunk_size or size
        chunks = []           # per chunk, per result leaf: the chunk's results stacked
        for start in range(0, size, step):
            rows = []
            for index in range(start, min(start + step, size)):
                result = example(index)
                leaves, treedef = flatten(result)
                if index == 0:
                    out_def, out_leaf_axes = treedef, _out_axes_of(result, out_axes)
                    unbatched = {k: leaves[k] for k, axis in enumerate(out_leaf_axes)
                                 if axis is None}
                elif treedef != out_def:
                    raise ValueError(f"vmap: f returned a result of structure {treedef!r} for "
                                     f"example {index} but {out_def!r} for example 0; vmap "
                                     "needs one structure for every example")
                for k, value in unbatched.items():
                    if not _same_value(leaves[k], value):
                        raise ValueError(f"vmap out_axes is None for a result that differs "
                                         f"between examples 0 and {index}; a result with "
                                         "out_axes None must be the same for every example: "
                                         "give it an int out_axes to stack it")
                rows.append(leaves)
            chunks.append([unbatched[k] if axis is None else
                           stack([row[k] for row in rows], axis=axis)
                           for k, axis in enumerate(out_leaf_axes)])
        return out_def.unflatten([
            chunks[0][k] if axis is None or len(chunks) == 1 else
            concatenate([chunk[k] for chunk in chunks], axis=axis)
            for k, axis in enumerate(out_leaf_axes)])
    return vmap_f
