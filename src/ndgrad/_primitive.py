"""Primitive: a NumPy forward with its derivative rules, declared once, side by side.

A primitive is called like the NumPy function it wraps: array operands positional, static
parameters (axis, keepdims, shape) as keywords. Calling one

* with any ndgrad array among the operands runs the NumPy forward on the raw data, wraps the
  answer in an ndarray and, while recording, attaches a graph node to it;
* with no ndgrad array while the backward engine runs first-order rules returns raw NumPy, so
  a rule such as ``g * cos(x)`` costs what NumPy costs and nothing is recorded;
* with no ndgrad array otherwise (``np.sin([1, 2])``) converts Python data to the default float
  dtype and returns an ndarray.

Python lists among the operands become arrays of the default float dtype; Python scalars stay
scalars, so NumPy 2's promotion keeps the array's dtype (``x * 2`` is float32 for float32 x).

Derivative rules (``vjp=``) are written with ndgrad's own primitives, so when the engine runs
them on recorded arrays (``create_graph=True``) they are differentiated again, to any order.
A rule receives ``(g, ans, *inputs, **params)`` and returns the gradient for its input *before*
un-broadcasting: the engine sums it down to the input's shape (``fit_gradient``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy

from ._ndarray import (
    NUMPY_MEMORY,
    _wrap,
    borrow,
    check_current,
    holds_history,
    ndarray,
    share_version,
    to_numpy,
    write_out,
)
from ._node import CUTS, EMPTY, Cut, Node
from ._registry import REGISTRY
from ._state import STATE

# What a node keeps for the derivative rules: fewer saved values, lower peak memory.
INPUTS = frozenset({"inputs"})
ANSWER = frozenset({"answer"})
SHAPES = frozenset({"shapes"})            # only the inputs' shapes and dtypes
# The inputs, where each operand's rule reads only the other operands (multiply, matmul): an
# operand's value is then needed only when another operand is recorded, and only then is a
# later in-place change to it an error at backward (PyTorch's rule for x * 2).
OTHER_INPUTS = frozenset({"inputs", "others"})
NOTHING: frozenset[str] = frozenset()


class _JvpDeclaration:
    """A JVP that follows from what the forward is (see Primitive's ``jvp``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ELEMENTWISE = _JvpDeclaration("ELEMENTWISE")
LINEAR = _JvpDeclaration("LINEAR")
MULTILINEAR = _JvpDeclaration("MULTILINEAR")
# view=COPY_ON_WRITE: the result is a new array, as in MXNet, that borrows the input's memory
COPY_ON_WRITE = "copy-on-write"


class Aval:
    """The shape and dtype of an input whose value a rule does not need (JAX's abstract value)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape: tuple[int, ...], dtype: numpy.dtype) -> None:
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(numpy.prod(self.shape, dtype=numpy.int64))

    def __repr__(self) -> str:
        return f"Aval(shape={self.shape}, dtype={self.dtype})"


Rule = Callable[..., Any]


class Primitive:
    """An operation the engine differentiates through its declared rules.

    Parameters
    ----------
    name : the op's name, NumPy's where NumPy has one; used in errors and graph pictures.
    forward : NumPy function of raw arrays and keyword parameters.
    vjp : one rule per array operand (a tuple), or one rule for a one-operand op. ``None`` in
        the tuple declares that operand non-differentiable (its gradient is zero).
    pullback : alternative to ``vjp`` for ops whose gradients are computed together; called
        as ``pullback(g, ans, inputs, params, wanted)`` and returning one gradient per operand.
    jvp : the forward-mode rules, one per operand as ``vjp``: ``rule(t, ans, *inputs,
        **params)`` maps the operand's tangent ``t`` to its part of the output's tangent (a
        tuple of parts for a multi-output op); the parts are summed and broadcast to the
        output's shape. Or one of three declarations that need no rule:
        ``ELEMENTWISE`` (the Jacobian is diagonal, so the ``vjp`` rules, applied to ``t``,
        are the JVP rules), ``LINEAR`` (the forward is linear in its float operands jointly,
        and its int/bool operands are indices or masks: it is applied to the tangents, zero
        for float operands with none) and ``MULTILINEAR`` (linear in each float operand
        separately: it is applied with one operand replaced by its tangent, per operand).
    pushforward : alternative to ``jvp`` for ops whose tangent is computed jointly:
        ``pushforward(tangents, ans, inputs, params)``, with None for an operand with no
        tangent, returning the output's tangent (a tuple for a multi-output op).
    saves : which values the node keeps for the rules: INPUTS, ANSWER, SHAPES, NOTHING or a union.
    nondiff : the derivative is zero wherever it exists (comparisons, argmax, sign, floor).
        A float result of recorded operands is recorded all the same, with no rules, so it
        stays a function of them and its derivatives are zeros, not "not recorded" errors;
        an integer or boolean result is never recorded.
    complex : the rules are right for complex operands and results, in the convention of
        JAX and HIPS autograd (docs/autograd.md, "Complex numbers"): a holomorphic op's rules are its real rules,
        ``g * f'(z)`` with no conjugation, and a linear op's VJP is its plain transpose.
        Primitives declared ``jvp=LINEAR`` or ``MULTILINEAR`` are complex-capable unless they
        say ``complex=False``. Differentiating a complex value through any other primitive
        raises TypeError instead of returning a wrong gradient.
    view : the forward may return a view of its first operand. True: a view as NumPy's
        (basic slicing), so the two share a version counter and an in-place change to one is
        seen on the other. COPY_ON_WRITE: MXNet's new array (reshape, transpose), which
        shares the memory only until one of the two is written into (_ndarray.borrow).
    n_outputs : how many arrays the forward returns (a tuple when more than one), or None
        when the count depends on the call (``split``): a tuple then, always.
    kinks : where the derivative is not unique (a tie, a kink, a singular slope), for
        ``autograd.kinks``: ``kinks(ans, *inputs, **params)`` on the raw arrays gives the
        number of such elements and the convention the rules apply there.
    """

    __slots__ = (
        "arity",
        "complex",
        "custom_pullback",
        "custom_pushforward",
        "doc",
        "forward",
        "jvp",
        "kinks",
        "n_outputs",
        "name",
        "nondiff",
        "reads_others_only",
        "save_answer",
        "save_inputs",
        "save_shapes",
        "view",
        "vjp",
    )

    def __init__(self, name: str, forward: Callable[..., Any], *,
                 vjp: Rule | Sequence[Rule | None] | None = None,
                 pullback: Callable[..., Sequence[Any]] | None = None,
                 jvp: Any = None, pushforward: Callable[..., Any] | None = None,
                 saves: Iterable[str] = INPUTS, nondiff: bool = False,
                 complex: bool | None = None, view: bool = False, n_outputs: int | None = 1,
                 doc: str | None = None, kinks: Callable[..., Any] | None = None) -> None:
        if not nondiff and vjp is None and pullback is None:
            raise TypeError(f"primitive {name!r} needs vjp= or pullback= rules, or nondiff=True")
        self.name = name
        self.forward = forward
        # a ufunc's operand count: one more positional array would be NumPy's out= and be
        # silently overwritten (np.sin(x, y) writing into y)
        self.arity = forward.nin if isinstance(forward, numpy.ufunc) else None
        self.vjp = (vjp,) if callable(vjp) else (tuple(vjp) if vjp is not None else None)
        self.jvp = (jvp,) if callable(jvp) else (tuple(jvp) if isinstance(jvp, (tuple, list))
                                                 else jvp)
        self.custom_pushforward = pushforward
        self.custom_pullback = pullback
        saves = frozenset(saves)
        unknown = saves - {"inputs", "answer", "shapes", "others"}
        if unknown:
            raise ValueError(f"primitive {name!r}: unknown saves= entries {sorted(unknown)}")
        self.save_inputs = "inputs" in saves and not nondiff
        self.reads_others_only = "others" in saves
        self.save_answer = "answer" in saves and not nondiff
        self.save_shapes = "shapes" in saves and not nondiff
        self.nondiff = nondiff
        self.complex = (jvp is LINEAR or jvp is MULTILINEAR) if complex is None else complex
        self.view = view
        self.n_outputs = n_outputs
        self.doc = doc or f"ndgrad's differentiable {name}."
        self.kinks = kinks

    # help(np.sin) and Jupyter's np.sin? show the op's doc, not this class's (the class's
    # docstring above is for readers of this module)
    __doc__ = property(lambda self: self.doc)  # type: ignore[assignment]

    def __get__(self, instance: Any, owner: Any = None) -> Primitive:
        """Never bound, as a class attribute either; the method makes a primitive a routine
        to pydoc, which then documents it as a function (with its doc)."""
        return self

    def __repr__(self) -> str:
        return f"<ndgrad primitive {self.name}>"

    @property
    def __name__(self) -> str:          # as a function's, for tools that label callables
        return self.name

    @property
    def has_jvp(self) -> bool:
        return self.jvp is not None or self.custom_pushforward is not None

    def __call__(self, *args: Any, **params: Any) -> Any:
        # The common calls (one array; an array and an array or a Python number; a rule's
        # call on raw NumPy) take the short paths; per-op overhead is what they save.
        if params and ("out" in params or ("where" in params and self.arity is not None)):
            return self._call_with_out(args, params)
        count = len(args)
        if count != self.arity and self.arity is not None:
            raise TypeError(f"{self.name} takes {self.arity} array operand"
                            f"{'s' if self.arity > 1 else ''}, not {count} (NumPy's out= is a "
                            "keyword: out=array)")
        first: Any = args[0] if count else None
        kind = type(first)
        if kind is ndarray and (count == 1 or (count == 2 and type(args[1]) in _FAST_OPERANDS)):
            if count == 1:
                out = self.forward(first._data, **params)
            else:
                second = args[1]
                out = self.forward(first._data, second._data if type(second) is ndarray
                                   else second, **params)
            cls = ndarray
        elif kind is numpy.ndarray and STATE.raw_rules and (
                count == 1 or type(args[1]) is not ndarray):
            return self.forward(*args, **params)      # inside a first-order rule
        else:
            args, cls, out = self._general(args, params)
            if cls is None:
                return out
        if params:
            params = dict(params)       # the node keeps them: never the caller's dict
        else:
            params = EMPTY
        state = STATE
        if self.n_outputs == 1:
            # _wrap, inline
            result = object.__new__(cls)
            result._data = out if type(out) is numpy.ndarray else numpy.asarray(out)
            result._node = result._cut = result._sink = None
            result._index = 0
            result._version = [0]
            if self.view and kind is ndarray and result._data.base is not None:
                # first-order rules only read their results: they need no copy-on-write
                if self.view is COPY_ON_WRITE and not state.raw_rules:
                    borrow(result, first)
                else:
                    share_version(result, first)
            results: tuple[ndarray, ...] = (result,)
            if state.recording:
                if result._data.dtype.kind in "fc":
                    self._record(args, params, results)
            else:
                mark_cut(args, results)
            if state.watchers:
                notify(self, args, params, results)
            return result
        results = tuple(_wrap(part, cls) for part in out)
        if self.view and isinstance(args[0], ndarray):
            for part, result in zip(out, results):
                if part.base is not None:
                    if self.view is COPY_ON_WRITE and not state.raw_rules:
                        borrow(result, args[0])
                    else:
                        share_version(result, args[0])
        if state.recording:
            if not self.nondiff:
                self._record(args, params, results)
        else:
            mark_cut(args, results)
        if state.watchers:
            notify(self, args, params, results)
        return results

    def _general(self, args: tuple, params: dict) -> tuple:
        """Any other call: lists, NumPy or Python operands first, ndarray subclasses. Returns
        (operands, array class, raw answer); the class is None when the answer is final (a
        rule's call with no ndarray operand returns raw NumPy)."""
        if any(isinstance(arg, (list, tuple)) and holds_history(arg) for arg in args):
            pack = REGISTRY.services["as_operand"]
            args = tuple(pack(arg) if isinstance(arg, (list, tuple)) else arg for arg in args)
        cls = None
        for arg in args:
            if isinstance(arg, ndarray):
                cls = arg.__class__
                break
        for arg in args:
            if not isinstance(arg, _OPERAND_TYPES) and not hasattr(arg, "__array__"):
                # NumPy would make an object array of it, and fail as the object does
                # ({}[()] raises KeyError) or, worse, answer
                raise TypeError(f"{self.name}: an operand must be an array, a number or a "
                                f"(nested) list of numbers, not {type(arg).__name__}")
        if cls is None:
            if STATE.raw_rules:
                return args, None, self.forward(*args, **params)
            cls = ndarray
        if any(isinstance(arg, (list, tuple)) for arg in args):
            # the array the forward computes with is the operand the node saves (a rule
            # reads its .ndim, as tensordot's), never the list
            args = tuple(_wrap(to_numpy(arg), ndarray) if isinstance(arg, (list, tuple))
                         else arg for arg in args)
        datas = [arg._data if isinstance(arg, ndarray) else arg for arg in args]
        return args, cls, self.forward(*datas, **params)

    def _call_with_out(self, args: tuple, params: dict) -> Any:
        """NumPy's ``out=`` on a primitive published as is (``np.add(x, y, out=z)``), and a
        ufunc's ``where=``: only the entries where it is True are written; ``out`` keeps the
        others, as in NumPy."""
        out = params.pop("out", None)
        where = params.pop("where", True) if self.arity is not None else True
        if out is None and where is not True:
            raise ValueError(f"{self.name}(where=...) without out= leaves the masked-off "
                             "entries uninitialised (NumPy fills them with whatever memory "
                             "held); pass out= with the values to keep there, or use "
                             "np.where(mask, result, other)")
        result = self(*args, **params)
        if out is None:
            return result
        if isinstance(out, tuple):    # the ufunc form, out=(z,)
            if len(out) != 1:
                raise TypeError(f"{self.name} has one output, not {len(out)}")
            out = out[0]
        return write_out(result, out, self.name, where=where)

    def _record(self, args: tuple, params: dict, results: tuple) -> None:
        """Attach a graph node to ``results`` if any operand has one (is differentiable)."""
        parents = []
        recorded = versioned = special = complex_operand = False
        for arg in args:
            if isinstance(arg, ndarray):
                node = arg._node
                if node is not None:
                    recorded = True
                    special = special or arg._index != 0
                    complex_operand = complex_operand or arg._data.dtype.kind == "c"
                elif arg._cut is not None:
                    special = True
                version = arg._version
                if len(version) != 1:           # marked: stale, or NumPy's memory
                    special = True
                versioned = versioned or version[0] != 0
            else:
                node = None
                special = special or isinstance(arg, numpy.ndarray)
            parents.append(node)
        if not recorded:
            if special:     # a result of cut values only: it remembers the cut, for errors
                for arg in args:
                    if isinstance(arg, ndarray) and len(arg._version) != 1:
                        check_current(arg)
                cut = next((arg._cut for arg in args
                            if isinstance(arg, ndarray) and arg._cut is not None), None)
                if cut is not None:
                    for result in results:
                        result._cut = cut
            return
        data = results[0]._data
        if (complex_operand or data.dtype.kind == "c") and not self.complex:
            raise TypeError(
                f"'{self.name}' has no derivative rules for complex numbers, and a gradient "
                "through it would be wrong; differentiate the real and imaginary parts as "
                "real arrays (np.real(z), np.imag(z)), or compute outside autograd.record()")
        node = Node(self, tuple(parents), params, results)
        saved = args
        if special:
            saved = self._note_special(node, args)
        if self.save_inputs:
            node.inputs = saved
            if versioned:
                node.versions = tuple([arg._version[0] if isinstance(arg, ndarray) else None
                                       for arg in args])
        elif self.save_shapes:
            node.inputs = tuple([Aval(arg.shape, arg.dtype) if isinstance(arg, ndarray) else arg
                                 for arg in args])
        if self.save_answer:
            if node.more is None:
                node.ans = data
                node.ans_counter = results[0]._version
                node.ans_version = node.ans_counter[0]
            else:
                node.ans = tuple([r._data for r in results])
                node.ans_counter = tuple([r._version for r in results])
                node.ans_version = tuple([r._version[0] for r in results])
        if node.more is None:
            results[0]._node = node
        else:
            for index, result in enumerate(results):
                result._node = node
                result._index = index

    def _note_special(self, node: Node, args: tuple) -> tuple:
        """What the uncommon operands need: which output of a multi-output op an operand is,
        the cut an operand carries (for pictures), a refusal of a stale array, and private
        copies of memory the user shares with NumPy. Returns the operands to save."""
        if any(isinstance(arg, ndarray) and arg._index != 0 for arg in args):
            node.parent_indices = tuple(arg._index if isinstance(arg, ndarray) else 0
                                        for arg in args)
        cuts = {position: arg._cut for position, arg in enumerate(args)
                if isinstance(arg, ndarray) and arg._node is None and arg._cut is not None}
        if cuts:
            CUTS[node] = cuts
        foreign = False
        for arg in args:
            if isinstance(arg, ndarray):
                if len(arg._version) != 1:
                    foreign = check_current(arg) or foreign
            elif isinstance(arg, numpy.ndarray):
                foreign = True
        return _private_copies(args) if foreign and self.save_inputs else args

    def pullback(self, g: Any, ans: Any, inputs: Sequence[Any], params: dict,
                 wanted: Sequence[bool]) -> Sequence[Any]:
        """The gradients for the operands whose ``wanted`` entry is truthy (None for the
        others)."""
        if self.custom_pullback is not None:
            return self.custom_pullback(g, ans, inputs, params, wanted)
        if self.nondiff:
            return (None,) * len(inputs)
        rules = self.vjp
        assert rules is not None        # the constructor's check: vjp, pullback or nondiff
        if len(inputs) == 1:
            rule = rules[0]
            return (rule(g, ans, inputs[0], **params) if wanted[0] and rule is not None
                    else None,)
        if len(rules) != len(inputs):
            if len(rules) != 1:
                raise TypeError(f"primitive {self.name!r} has {len(rules)} vjp rules but was "
                                f"called with {len(inputs)} operands")
            rules = rules * len(inputs)   # one rule shared by all operands
        grads = []
        for rule, want in zip(rules, wanted):
            grads.append(rule(g, ans, *inputs, **params) if want and rule is not None else None)
        return grads


    def pushforward(self, tangents: Sequence[Any], ans: Any, inputs: Sequence[Any],
                    params: dict) -> Any:
        """The output's tangent (a tuple for a multi-output op; None for zero) from the
        operands' ``tangents`` (None where an operand has none)."""
        if self.custom_pushforward is not None:
            return self.custom_pushforward(tangents, ans, inputs, params)
        rules = self.jvp
        if rules is LINEAR:
            return self(*[_tangent_or_zero(t, x) for t, x in zip(tangents, inputs)], **params)
        if rules is MULTILINEAR:
            parts = [self(*inputs[:i], t, *inputs[i + 1:], **params)
                     for i, t in enumerate(tangents) if t is not None]
        else:
            if rules is ELEMENTWISE:
                rules = self.vjp
            if len(rules) == 1 and len(inputs) > 1:
                rules = rules * len(inputs)
            parts = [rule(t, ans, *inputs, **params)
                     for rule, t in zip(rules, tangents) if t is not None and rule is not None]
        return _sum_parts(parts, self.n_outputs)


def _private_copies(args: tuple) -> tuple:
    """The operands to save, with copies of those whose memory the user shares with NumPy (a
    raw NumPy operand, or an array made by np.asarray or np.from_dlpack without a copy): a
    change through NumPy before backward would otherwise reach the derivative rules unseen."""
    saved = []
    for arg in args:
        if isinstance(arg, numpy.ndarray):
            arg = arg.copy()
        elif isinstance(arg, ndarray) and NUMPY_MEMORY in arg._version:
            copy = _wrap(arg._data.copy(), type(arg), arg._node, arg._index)
            copy._version = [arg._version[0]]
            arg = copy
        saved.append(arg)
    return tuple(saved)


def mark_cut(args: Sequence[Any], results: Sequence[Any]) -> None:
    """A result computed, while nothing records, from arrays with history (inside pause(),
    or outside record() as in ``w = w - lr * w.grad``) remembers where its history was cut:
    the first such operand's node, for pictures, explanations and NotRecordedError. A result
    of cut values only keeps their cut."""
    cut = None
    for arg in args:
        if not isinstance(arg, ndarray):
            continue
        node = arg._node
        if node is not None:
            cut = Cut(node, arg._index, STATE.cut_how)
            break
        cut = cut or getattr(arg, "_cut", None)      # a result of cut values only keeps the cut
    if cut is not None:
        for result in results:
            result._cut = cut


def _tangent_or_zero(tangent: Any, operand: Any) -> Any:
    """A linear op's operand in its forward-mode call: the tangent; zero for a float operand
    with none (ndgrad, NumPy or Python); an int or bool operand as it is, which a LINEAR
    primitive may take only as an index or a mask (an op that adds a constant is affine, not
    linear: it needs its own rule)."""
    if tangent is not None:
        return tangent
    data = operand._data if isinstance(operand, ndarray) else operand
    if isinstance(data, (numpy.ndarray, numpy.generic)) and data.dtype.kind in "fc":
        return _wrap(numpy.zeros_like(data), ndarray)
    if isinstance(data, (float, complex)):
        return 0.0
    return operand


def _sum_parts(parts: list, n_outputs: int | None) -> Any:
    if not parts:
        return None
    total = parts[0]
    for part in parts[1:]:
        if n_outputs == 1:
            total = total + part
        else:
            total = tuple(a if b is None else b if a is None else a + b
                          for a, b in zip(total, part))
    return total


def notify(primitive: Any, args: Sequence[Any], params: dict, results: tuple) -> None:
    """Tell the watchers on (forward mode, anomaly mode, operand logs) of a call."""
    for watcher in STATE.watchers:
        watcher.after_call(primitive, args, params, results)


def _numpy_function(name: str, forward: Callable[..., Any]) -> Any:
    """``forward`` when it is NumPy's own function of that name (so NumPy dispatches to the
    primitive), else None."""
    return forward if getattr(numpy, name, None) is forward else None


def primitive(name: str, forward: Callable[..., Any], *, public: str | Iterable[str] = (),
              aliases: Iterable[str] = (), numpy: Any = None, **rules: Any) -> Primitive:
    """Declare a primitive: the one way every op family does it. ``forward`` and the rules
    (``vjp``/``pullback``, ``jvp``/``pushforward``, ``saves``, ...; see ``Primitive``) side by
    side. ``public`` names the namespaces that publish the primitive as it stands, under
    ``name`` and each of ``aliases``; ``numpy`` is the NumPy callable (or tuple) that dispatches
    to it, by default the forward when that is NumPy's function of the same name. A primitive
    whose public face needs NumPy's signature (``axis=None``, defaults, checks) is left
    unpublished and wrapped by a ``@public`` function that calls it."""
    prim = Primitive(name, forward, **rules)
    REGISTRY.primitives[name] = prim
    namespaces = (public,) if isinstance(public, str) else tuple(public)
    if namespaces:
        if numpy is None:
            numpy = _numpy_function(name, forward)
        if "doc" not in rules:
            prim.doc = published_doc(f"{namespaces[0]}.{name}", numpy, not prim.nondiff)
        for published in (name, *aliases):
            REGISTRY.add(prim, published, namespaces=namespaces,
                         numpy=numpy if published == name else None)
    elif aliases or numpy is not None:
        raise TypeError(f"primitive {name!r}: aliases= and numpy= publish it; name public=")
    return prim


def published_doc(label: str, numpy_function: Any, differentiable: bool) -> str:
    """The doc of a published function that has none of its own ("np.sin"): what it is (the
    summary line of NumPy's function, where there is one), and "differentiable" where that
    is known (a primitive's rules; docs/differentiation.md lists every function)."""
    label = label.replace("np.", "numpy.", 1) if label.startswith("np.") else label
    what = "ndgrad's differentiable" if differentiable else "ndgrad's"
    first = numpy_function[0] if isinstance(numpy_function, tuple) else numpy_function
    paragraphs = (getattr(first, "__doc__", None) or "").strip().split("\n\n")
    if paragraphs and "(" in paragraphs[0].split("\n")[0]:   # a ufunc's opens with its call
        paragraphs = paragraphs[1:]
    summary = paragraphs[0].replace("\n", " ").strip() if paragraphs else ""
    if not summary:
        return f"{what} {label}."
    return (f"{what} {label}: {summary}\n\nIt takes and returns ndgrad arrays, with NumPy's "
            f"parameters; see NumPy's documentation of {label} for them.")


_FAST_OPERANDS = (ndarray, int, float)
# what an operand may be besides an object with __array__ (None: an absent bound, as clip's)
_OPERAND_TYPES = (ndarray, numpy.ndarray, numpy.generic, bool, int, float, complex, list,
                  tuple, type(None))
