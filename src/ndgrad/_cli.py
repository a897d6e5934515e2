"""The expression language of ``python -m ndgrad``: parsed with ``ast``, run by a tree walk.

``parse("x * y + x")`` turns the text into a tree of calls of ndgrad operations
(``add(multiply(x, y), x)``), refusing every construct outside a small arithmetic language;
``Expression.evaluate`` walks that tree. Nothing is ever passed to ``eval``, ``exec`` or
``compile``: a name can only be a variable the caller supplies or a function of ``FUNCTIONS``,
so ``x.__class__``, ``__import__('os')`` or ``open(...)`` cannot reach Python's objects.

The language: variable names, real numbers (``2``, ``0.5``, ``1e-3``), ``+ - * / ** @``, unary
``-`` and ``+``, parentheses, and calls of ``FUNCTIONS`` by bare name with positional
arguments (``sin(x)``, ``dot(x, y)``, ``sum(x, 0)``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Mapping

from . import np

#: What an expression may call, by bare name: the functions of ``ndgrad.np`` that are
#: differentiable math on arrays and take them positionally. Creation, random, I/O, indexing,
#: sorting and comparison functions are left out: they are not formulas to differentiate.
FUNCTIONS = (
    # elementwise, one argument
    "abs", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "cos", "cosh",
    "exp", "exp2", "expm1", "log", "log10", "log1p", "log2", "negative", "positive",
    "reciprocal", "sin", "sinc", "sinh", "sqrt", "square", "tan", "tanh",
    # elementwise, two or three arguments
    "add", "subtract", "multiply", "divide", "power", "arctan2", "hypot", "logaddexp",
    "maximum", "minimum", "clip",
    # products and matrices
    "dot", "vdot", "inner", "outer", "matmul", "kron", "trace", "transpose",
    # reductions; an axis may follow as a number: sum(x, 0)
    "sum", "mean", "prod", "max", "min", "var", "std", "cumsum", "cumprod",
)

_BINARY = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power", ast.MatMult: "matmul"}
_UNARY = {ast.USub: "negative", ast.UAdd: "positive"}
_OPERATOR_SYMBOLS = {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
                     ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not",
                     ast.Invert: "~"}

# What a refused node is called in an error, and, for some, what to write instead.
_CONSTRUCTS = {
    ast.Attribute: ("attribute access", "call functions by bare name, as sin(x)"),
    ast.Subscript: ("a subscript", "index outside the expression, or reduce with sum(x)"),
    ast.Lambda: ("a lambda", ""),
    ast.ListComp: ("a list comprehension", ""),
    ast.SetComp: ("a set comprehension", ""),
    ast.DictComp: ("a dict comprehension", ""),
    ast.GeneratorExp: ("a generator expression", ""),
    ast.IfExp: ("a conditional expression", ""),
    ast.Compare: ("a comparison", ""),
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
             "parentheses and calls of ndgrad functions by bare name (python -m ndgrad --help "
             "lists them)")


class ExpressionError(ValueError):
    """The expression is not in the language, or its variables do not fit it."""


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class Number:
    value: int | float


@dataclass(frozen=True)
class Call:
    function: str           # a name of FUNCTIONS
    args: tuple
    source: str             # the text it came from, for errors


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Variable | Number | Call
    names: tuple[str, ...]  # the variables, in order of first use

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The expression's value, each variable bound to ``values[name]``; every name of
        ``values`` must be used and every variable given."""
        missing = [name for name in self.names if name not in values]
        if missing:
            name = missing[0]
            hint = f"; {name} is a function: call it, as {name}(x)" if name in FUNCTIONS else ""
            raise ExpressionError(f"unknown name {name}: give its values with --{name}, "
                                  f"as --{name} 1,2,3{hint}")
        unused = [name for name in values if name not in self.names]
        if unused:
            raise ExpressionError(f"--{unused[0]} is given but {self.text!r} does not use "
                                  f"{unused[0]}; its variables are {', '.join(self.names)}")
        return _run(self.tree, values)


def _run(node: Variable | Number | Call, values: Mapping[str, Any]) -> Any:
    if isinstance(node, Variable):
        return values[node.name]
    if isinstance(node, Number):
        return node.value
    args = [_run(arg, values) for arg in node.args]
    try:
        return getattr(np, node.function)(*args)
    except (ValueError, TypeError) as error:   # shapes or argument counts that do not fit
        raise ExpressionError(f"{node.source} failed: {error}") from error


def parse(text: str) -> Expression:
    """``text`` as a tree of calls of ndgrad operations; ``ExpressionError`` names the first
    construct outside the language."""
    text = text.strip()
    if not text:
        raise ExpressionError("the expression is empty: give one formula, as 'x * y + x'")
    names: list[str] = []
    try:
        tree = _convert(ast.parse(text, mode="eval").body, text, names)
    except SyntaxError as error:
        raise ExpressionError(_syntax_message(text, error)) from None
    except RecursionError:
        raise ExpressionError(f"the expression is nested too deeply ({len(text)} characters): "
                              "split it, or sum(x) instead of x + x + ...") from None
    return Expression(text, tree, tuple(names))


def _convert(node: ast.AST, text: str, names: list[str]) -> Variable | Number | Call:
    source = ast.get_source_segment(text, node) or ""
    if isinstance(node, ast.Name):
        if node.id not in names:
            names.append(node.id)
        return Variable(node.id)
    if isinstance(node, ast.Constant):
        # bool is an int subclass, but True is not a number a formula means
        if type(node.value) in (int, float):
            return Number(node.value)
        raise ExpressionError(f"the constant {source} is not allowed: only real numbers, "
                              "as 2 or 0.5")
    if isinstance(node, ast.BinOp):
        operands = (node.left, node.right)
        function = _BINARY.get(type(node.op))
    elif isinstance(node, ast.UnaryOp):
        operands = (node.operand,)
        function = _UNARY.get(type(node.op))
    elif isinstance(node, ast.Call):
        operands, function = node.args, _called_function(node, text)
    else:
        construct, hint = _CONSTRUCTS.get(type(node), (type(node).__name__, ""))
        raise ExpressionError(f"{construct} ({source}) is not allowed: {hint or _LANGUAGE}")
    if function is None:
        symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
        raise ExpressionError(f"the operator {symbol} ({source}) is not allowed: use + - * / "
                              "** @ and unary - or +")
    return Call(function, tuple(_convert(arg, text, names) for arg in operands), source)


def _called_function(node: ast.Call, text: str) -> str:
    """The name ``node`` calls, once the call is known to be of an allowed function with
    positional arguments only."""
    if not isinstance(node.func, ast.Name):
        _convert(node.func, text, [])   # raises: it names what was called instead (x.f, ...)
        raise ExpressionError(f"calling {ast.get_source_segment(text, node.func)} is not "
                              "allowed: call a function by its bare name, as sin(x)")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(f"calling {name} is not allowed: only these ndgrad functions can "
                              f"be called: {', '.join(FUNCTIONS)}")
    if node.keywords:
        keyword = node.keywords[0]
        given = f"the keyword argument {keyword.arg}=" if keyword.arg else "a ** argument"
        raise ExpressionError(f"{given} in {ast.get_source_segment(text, node)} is not "
                              f"allowed: pass arguments by position, as sum(x, 0)")
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
