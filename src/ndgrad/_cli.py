"""The expression language of ``python -m ndgrad``: parsed with ``ast``, run by a tree walk.

``parse("x * y + x")`` turns the text into a tree of calls of ndgrad operations
(``add(multiply(x, y), x)``), refusing every construct outside a small arithmetic language;
``Expression.evaluate`` walks that tree. Nothing is ever passed to ``eval``, ``exec`` or
``compile``: a name can only be a variable the caller supplies or a function of ``FUNCTIONS``,
so ``x.__class__``, ``__import__('os')`` or ``open(...)`` cannot reach Python's objects.

The language: variable names, real numbers (``2``, ``0.5``, ``1e-3``), ``+ - * / ** @``, unary
``-`` and ``+``, parentheses, calls of ``FUNCTIONS`` by bare name with positional arguments
(``sin(x)``, ``dot(x, y)``, ``sum(x, 0)``, ``detach(x)``), indexing by whole numbers, slices
and ``...`` (``x[0]``, ``x[1:]``, ``x[::-1]``, ``m[..., 0]``), and one comparison as the
condition of ``where`` (``where(x > 0, x, 0)``). An unknown function is answered with the
nearest known name ("did you mean `tanh`?").

Numbers are float64, as the variables are: arithmetic on numbers alone (``9**9**9``, ``2**62 *
4``) is done once, at parse time, in float64, so it can neither wrap round as int64 nor build a
huge Python int, and a result beyond float64's range is refused. An integer stays an int (an
axis, an exponent) while float64 holds it exactly, up to 2**53. Bounds that keep a bad formula
from hanging or exhausting memory: ``MAX_DEPTH`` levels of nesting, and ``MAX_ELEMENTS``
elements in all the values a formula computes, checked before each operation allocates.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from . import np
from ._ndarray import ndarray
from .ops.nn import relu  # the object npx.relu is, visible to type checkers

_ELEMENTWISE_1 = (
    "abs", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "cos", "cosh",
    "exp", "exp2", "expm1", "log", "log10", "log1p", "log2", "negative", "positive",
    "reciprocal", "sin", "sinc", "sinh", "sqrt", "square", "tan", "tanh",
)
_ELEMENTWISE_2 = ("add", "subtract", "multiply", "divide", "power", "arctan2", "hypot",
                  "logaddexp", "maximum", "minimum")
_PRODUCTS = ("dot", "vdot", "inner", "outer", "matmul", "kron")
# one array, then optionally a number: an axis (sum(x, 0)) or trace's offset
_ONE_ARRAY = ("trace", "transpose", "sum", "mean", "prod", "max", "min", "var", "std", "cumsum",
              "cumprod", "sort")


def _detach(value: Any) -> ndarray:
    """``value.detach()``: the same values, cut from the graph (a number folded at parse time
    is made an array first)."""
    return (value if isinstance(value, ndarray) else np.array(value)).detach()


# Callable by bare name but not functions of ndgrad.np: npx's relu, and the method detach,
# which a formula cannot call as x.detach() (no attribute access).
_OUTSIDE_NP: dict[str, Callable[..., Any]] = {"relu": relu, "detach": _detach}
#: What an expression may call, by bare name: the functions of ``ndgrad.np`` that are
#: differentiable math on arrays and take them positionally, and ``relu`` and ``detach``.
#: Creation, random and I/O functions are left out: they are not formulas to differentiate.
#: Comparisons are written as operators, only as the condition of ``where``.
FUNCTIONS = (_ELEMENTWISE_1 + tuple(_OUTSIDE_NP) + _ELEMENTWISE_2 + ("clip", "where")
             + _PRODUCTS + _ONE_ARRAY)

# How many arguments each takes, checked at parse time: ndgrad's functions take more
# (out=, dtype=) that a formula cannot mean, and a stray one would fail only in backward.
_ARITY = {**{name: (1, 1) for name in _ELEMENTWISE_1 + tuple(_OUTSIDE_NP)},
          **{name: (2, 2) for name in _ELEMENTWISE_2 + _PRODUCTS},
          **{name: (1, 2) for name in _ONE_ARRAY},
          "transpose": (1, 1), "clip": (2, 3), "where": (3, 3)}
_ARGUMENTS = {(1, 1): "one argument", (2, 2): "two arguments",
              (1, 2): "an array and optionally an axis, as sum(x, 0)",
              (2, 3): "an array and its bounds, as clip(x, 0, 1)",
              (3, 3): "a condition and two values, as where(x > 0, x, 0)"}

MAX_DEPTH = 200             # levels of nesting; Python's own parser stops at 200 parentheses
MAX_ELEMENTS = 10 ** 7      # in all the values a formula computes: 80 MB of float64
_EXACT_INT = 2 ** 53        # the integers float64 holds exactly

_BINARY = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power", ast.MatMult: "matmul"}
_UNARY = {ast.USub: "negative", ast.UAdd: "positive"}
_COMPARISONS = {ast.Gt: "greater", ast.GtE: "greater_equal", ast.Lt: "less",
                ast.LtE: "less_equal", ast.Eq: "equal", ast.NotEq: "not_equal"}
_OPERATOR_SYMBOLS = {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
                     ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not",
                     ast.Invert: "~"}

# What a refused node is called in an error, and, for some, what to write instead.
_CONSTRUCTS = {
    ast.Attribute: ("attribute access", "call functions by bare name, as sin(x)"),
    ast.Lambda: ("a lambda", ""),
    ast.ListComp: ("a list comprehension", ""),
    ast.SetComp: ("a set comprehension", ""),
    ast.DictComp: ("a dict comprehension", ""),
    ast.GeneratorExp: ("a generator expression", ""),
    ast.IfExp: ("a conditional expression", ""),
    ast.Compare: ("a comparison", "only as the condition of where, as where(x > 0, x, 0)"),
    ast.BoolOp: ("a boolean operator", ""),
    ast.NamedExpr: ("an assignment expression (:=)", ""),
    ast.JoinedStr: ("an f-string", ""),
    ast.Tuple: ("a tuple", "give a variable's values with --NAME 1,2,3"),
    ast.List: ("a list", "give a variable's values with --NAME 1,2,3"),
    ast.Set: ("a set", ""),
    ast.Dict: ("a dict", ""),
    ast.Starred: ("a starred argument", "pass arguments one by one"),
}

_LANGUAGE = ("an expression may use variable names, real numbers, + - * / ** @, unary - and +, "
             "parentheses, calls of ndgrad functions by bare name (python -m ndgrad --help "
             "lists them), indexing as x[0], x[1:] or m[..., 0], and a comparison as where's "
             "condition")
_INDEX = "an index is whole numbers, slices and ..., as x[0], x[1:], x[::-1] or m[..., 0]"


class ExpressionError(ValueError):
    """The expression is not in the language, or its variables do not fit it."""


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class Number:
    value: Any              # int (|n| <= 2**53), float, or a float64 array folded from numbers


@dataclass(frozen=True)
class Call:
    function: str           # a name of FUNCTIONS
    args: tuple
    source: str             # the text it came from, for errors


@dataclass(frozen=True)
class Index:
    array: Variable | Number | Call | Index
    index: Any              # an int, a slice of ints, Ellipsis, or a tuple of them
    source: str


Node = Variable | Number | Call | Index


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Node
    names: tuple[str, ...]  # the variables, in order of first use

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The expression's value, each variable bound to ``values[name]``; every name of
        ``values`` must be used and every variable given."""
        missing = [name for name in self.names if name not in values]
        if missing:
            name = missing[0]
            if name in FUNCTIONS:
                hint = f"; {name} is a function: call it, as {name}(x)"
            else:
                suggestion = _did_you_mean(name, [given for given in values
                                                  if given not in self.names], "--")
                hint = f"; {suggestion}" if suggestion else ""
            raise ExpressionError(f"unknown name {name}: give its values with --{name}, "
                                  f"as --{name} 1,2,3{hint}")
        unused = [name for name in values if name not in self.names]
        if unused:
            raise ExpressionError(f"--{unused[0]} is given but {self.text!r} does not use "
                                  f"{unused[0]}; its variables are {', '.join(self.names)}")
        return _run(self.tree, values, [0])


def _did_you_mean(name: str, known: Sequence[str], prefix: str = "") -> str:
    """"did you mean `tanh`?" for the known name nearest ``name``; "" when none is near."""
    close = difflib.get_close_matches(name, known, n=3)
    # two letters swapped (tahn) is the likelier slip than one left out (tan)
    close.sort(key=lambda candidate: sorted(candidate) != sorted(name))
    return f"did you mean `{prefix}{close[0]}`?" if close else ""


def _run(node: Node, values: Mapping[str, Any], used: list[int]) -> Any:
    """``node``'s value; ``used[0]`` counts the elements computed so far, against
    MAX_ELEMENTS."""
    if isinstance(node, Variable):
        return values[node.name]
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Index):      # never larger than its array: counted once made
        array = _run(node.array, values, used)
        try:
            result = array[node.index]
        except (IndexError, ValueError, TypeError) as error:   # beyond the array's shape
            raise ExpressionError(f"{node.source} failed: {error}") from error
        _spend(used, result.size, node.source)
        return result
    args = [_run(arg, values, used) for arg in node.args]
    largest = _largest_result(node.function, args)
    if largest is not None:
        _spend(used, largest, node.source)
    function = _OUTSIDE_NP.get(node.function) or getattr(np, node.function)
    try:
        result = function(*args)
    except (ValueError, TypeError, ArithmeticError) as error:   # shapes, axes that do not fit
        raise ExpressionError(f"{node.source} failed: {error}") from error
    if largest is None:          # no larger than its array, which fitted: counted once made
        _spend(used, result.size, node.source)
    return result


def _spend(used: list[int], elements: int, source: str) -> None:
    if used[0] + elements > MAX_ELEMENTS:
        raise ExpressionError(
            f"{source} would make {elements:,} elements, and an expression may compute at most "
            f"{MAX_ELEMENTS:,} in all ({used[0]:,} before it): use smaller variables")
    used[0] += elements


def _largest_result(function: str, args: list) -> int | None:
    """The most elements ``function(*args)`` can return, from the shapes alone (so before it
    allocates them); None for the functions of one array, never larger than it; 0 where the
    arguments do not fit, which the call itself then reports."""
    shapes = [arg.shape if isinstance(arg, (ndarray, numpy.ndarray)) else () for arg in args]
    if function in _ONE_ARRAY:
        return None
    try:
        if function in ("outer", "kron"):
            return _size(shapes[0]) * _size(shapes[1])
        if function in _PRODUCTS:
            return _size(_product_shape(function, *shapes))
        return _size(numpy.broadcast_shapes(*shapes))
    except (ValueError, TypeError, IndexError):
        return 0


def _product_shape(function: str, a: tuple, b: tuple) -> tuple:
    """The shape NumPy's dot, vdot, inner or matmul gives operands of shapes a and b."""
    if function == "vdot":
        return ()
    if function != "matmul" and (not a or not b):    # a number times an array
        return a or b
    if function == "dot":
        return a[:-1] + b[:-2] + b[-1:]
    if function == "inner":
        return a[:-1] + b[:-1]
    batch = numpy.broadcast_shapes(a[:-2], b[:-2])
    return batch + a[-2:-1] + (b[-1:] if len(b) > 1 else ())


def _size(shape: tuple) -> int:
    return int(numpy.prod(shape, dtype=object))     # Python ints: never wraps


def parse(text: str) -> Expression:
    """``text`` as a tree of calls of ndgrad operations; ``ExpressionError`` names the first
    construct outside the language."""
    text = text.strip()
    if not text:
        raise ExpressionError("the expression is empty: give one formula, as 'x * y + x'")
    names: list[str] = []
    too_deep = ExpressionError(f"the expression is nested too deeply (at most {MAX_DEPTH} "
                               "levels): split it, or sum(x) instead of x + x + ...")
    try:
        syntax = ast.parse(text, mode="eval")
    except SyntaxError as error:
        if "too many nested" in error.msg:
            raise too_deep from None
        raise ExpressionError(_syntax_message(text, error)) from None
    except (RecursionError, MemoryError):    # how Python's parser gives up on deep nesting
        raise too_deep from None
    if _depth(syntax.body) > MAX_DEPTH:
        raise too_deep
    return Expression(text, _convert(syntax.body, text, names), tuple(names))


def _depth(tree: ast.AST) -> int:
    """How deeply the expressions of ``tree`` nest, counted without recursion (it may be
    deeper than Python's recursion limit)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if isinstance(child, ast.expr))   # not the operators and contexts
    return deepest


def _convert(node: ast.AST, text: str, names: list[str]) -> Node:
    source = ast.get_source_segment(text, node) or ""
    if isinstance(node, ast.Name):
        if node.id not in names:
            names.append(node.id)
        return Variable(node.id)
    if isinstance(node, ast.Constant):
        # bool is an int subclass, but True is not a number a formula means
        if type(node.value) in (int, float):
            assert isinstance(node.value, (int, float))     # (for type checkers: it is)
            return _number(node.value, source)
        raise ExpressionError(f"the constant {source} is not allowed: only real numbers, "
                              "as 2 or 0.5")
    operands: Sequence[ast.expr]
    if isinstance(node, ast.BinOp):
        operands = (node.left, node.right)
        function = _BINARY.get(type(node.op))
    elif isinstance(node, ast.UnaryOp):
        operands = (node.operand,)
        function = _UNARY.get(type(node.op))
    elif isinstance(node, ast.Call):
        operands, function = node.args, _called_function(node, text)
        if function == "where":
            # a comparison only here: as a value, its booleans have no derivative to explain
            args = (_condition(operands[0], text, names),
                    *(_convert(arg, text, names) for arg in operands[1:]))
            if all(isinstance(arg, Number) for arg in args):
                return _fold(function, args, source)
            return Call(function, args, source)
    elif isinstance(node, ast.Subscript):
        array = _convert(node.value, text, names)
        if isinstance(array, Number):
            raise ExpressionError(f"indexing a number ({source}) is not allowed: index a "
                                  "variable or a value computed from one")
        return Index(array, _index(node.slice, text), source)
    else:
        construct, hint = _CONSTRUCTS.get(type(node), (type(node).__name__, ""))
        if isinstance(node, ast.Attribute) and node.attr in FUNCTIONS:
            hint = f"call functions by bare name, as {node.attr}(...)"
        raise ExpressionError(f"{construct} ({source}) is not allowed: {hint or _LANGUAGE}")
    if function is None:
        assert not isinstance(node, ast.Call)   # a call's function is a name, never None
        symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
        raise ExpressionError(f"the operator {symbol} ({source}) is not allowed: use + - * / "
                              "** @ and unary - or +")
    args = tuple(_convert(arg, text, names) for arg in operands)
    if all(isinstance(arg, Number) for arg in args):
        return _fold(function, args, source)
    return Call(function, args, source)


def _condition(node: ast.expr, text: str, names: list[str]) -> Node:
    """where's condition: one comparison of two values (never folded: its result is boolean),
    or any value, true where nonzero."""
    if not isinstance(node, ast.Compare):
        return _convert(node, text, names)
    source = ast.get_source_segment(text, node) or ""
    if len(node.ops) > 1:
        raise ExpressionError(f"a chained comparison ({source}) is not allowed: compare two "
                              "values, and nest where for a range, as "
                              "where(x > 0, where(x < 1, x, 1), 0)")
    function = _COMPARISONS.get(type(node.ops[0]))
    if function is None:        # is, in: not comparisons of numbers
        raise ExpressionError(f"the comparison {source} is not allowed: use > >= < <= == !=")
    return Call(function, (_convert(node.left, text, names),
                           _convert(node.comparators[0], text, names)), source)


def _index(node: ast.expr, text: str) -> Any:
    """An index of whole numbers, slices of them and ``...``, or a tuple of these; refused
    otherwise (an array of indices, a variable)."""
    if isinstance(node, ast.Tuple):
        return tuple(_index_item(item, text) for item in node.elts)
    return _index_item(node, text)


def _index_item(node: ast.expr, text: str) -> Any:
    if isinstance(node, ast.Slice):
        return slice(*(None if part is None else _whole(part, text)
                       for part in (node.lower, node.upper, node.step)))
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return Ellipsis
    return _whole(node, text)


def _whole(node: ast.expr, text: str) -> int:
    """A whole number of an index, folded from numbers alone (x[-1], x[2 * 3])."""
    source = ast.get_source_segment(text, node) or ""
    try:
        value = _convert(node, text, [])
    except ExpressionError:
        value = None
    if not (isinstance(value, Number) and isinstance(value.value, int)):
        raise ExpressionError(f"the index {source} is not allowed: {_INDEX}")
    return value.value


def _number(value: float, source: str) -> Number:
    """A number of the formula: an int while float64 holds it exactly, else float64; refused
    when it is not a finite float64."""
    if isinstance(value, int) and abs(value) <= _EXACT_INT:
        return Number(value)
    try:
        number = float(value)
    except OverflowError:
        number = float("inf")
    if len(source) > 24:      # a number of hundreds of digits would drown the message
        source = f"{source[:10]}...{source[-4:]} ({len(source)} characters)"
    _check_finite(number, source)
    return Number(number)


def _fold(function: str, args: tuple, source: str) -> Number:
    """A call of numbers alone, computed now in float64; the options after the array of a
    function of one array (an axis) are passed as they are."""
    data = args[:1] if function in _ONE_ARRAY else args
    in_float = tuple(Number(numpy.asarray(arg.value, dtype=numpy.float64)) for arg in data)
    with numpy.errstate(all="ignore"):      # an overflow is refused below, not warned of
        result = _run(Call(function, in_float + args[len(data):], source), {}, [0]).asnumpy()
    _check_finite(result, source)
    if result.ndim:
        return Number(result)
    value = result.item()
    if all(isinstance(arg.value, int) for arg in data) and value.is_integer() \
            and abs(value) <= _EXACT_INT:
        value = int(value)          # 1 - 1 stays an int: it may be an axis
    return Number(value)


def _check_finite(value: Any, source: str) -> None:
    if numpy.isnan(value).any():
        raise ExpressionError(f"{source} is not a number (nan) in float64: give the functions "
                              "arguments within their domain")
    if numpy.isinf(value).any():
        raise ExpressionError(f"{source} is beyond float64's range (about 1.8e308): numbers "
                              "must be finite; use smaller ones")


def _called_function(node: ast.Call, text: str) -> str:
    """The name ``node`` calls, once the call is known to be of an allowed function with
    positional arguments only."""
    if not isinstance(node.func, ast.Name):
        _convert(node.func, text, [])   # raises: it names what was called instead (x.f, ...)
        raise ExpressionError(f"calling {ast.get_source_segment(text, node.func)} is not "
                              "allowed: call a function by its bare name, as sin(x)")
    name = node.func.id
    if name in np.__all__ and name not in FUNCTIONS:
        raise ExpressionError(f"calling {name} is not allowed: it is a function of ndgrad.np "
                              "but not differentiable math on arrays; these can be called: "
                              f"{', '.join(FUNCTIONS)}")
    if name not in FUNCTIONS:
        suggestion = _did_you_mean(name, FUNCTIONS)
        known = (f"{suggestion} (python -m ndgrad --help lists the functions)" if suggestion
                 else f"only these ndgrad functions can be called: {', '.join(FUNCTIONS)}")
        raise ExpressionError(f"unknown function {name!r}: {known}")
    if node.keywords:
        keyword = node.keywords[0]
        given = f"the keyword argument {keyword.arg}=" if keyword.arg else "a ** argument"
        raise ExpressionError(f"{given} in {ast.get_source_segment(text, node)} is not "
                              f"allowed: pass arguments by position, as sum(x, 0)")
    fewest, most = _ARITY[name]
    if not fewest <= len(node.args) <= most:
        raise ExpressionError(f"{name} takes {_ARGUMENTS[fewest, most]}, not {len(node.args)} "
                              f"(in {ast.get_source_segment(text, node)})")
    return name


def _syntax_message(text: str, error: SyntaxError) -> str:
    """Why ``text`` is not one expression: a statement (``import os``, ``x = 1``) is named as
    such; otherwise Python's own message, with the column."""
    try:
        statements = ast.parse(text, mode="exec").body
    except SyntaxError:
        where = f" at column {error.offset}" if error.offset else ""
        return f"{text!r} is not a valid expression: {error.msg}{where}"
    kind = type(statements[0]).__name__.lower()
    return (f"{text!r} is a statement ({kind}), not an expression: give one formula, as "
            f"'x * y + x'")
