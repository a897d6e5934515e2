"""``python -m ndgrad``: explain or draw the gradient of a formula, from the command line.

    python -m ndgrad explain "x * y + x" --x 1,2,3,4 --y 2
    python -m ndgrad graph "x * y + x" --x 1,2,3,4 --y 2 --out graph.svg --gradients

The argument handling lives here; the expression language is ``ndgrad._cli``.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import autograd, np, viz
from ._cli import FUNCTIONS, MAX_DEPTH, MAX_ELEMENTS, Expression, ExpressionError, parse

_LANGUAGE_HELP = f"""\
variables:
  --NAME VALUES         a variable of the expression and its values: comma-separated numbers
                        (--x 1,2,3,4), an array of float64; one number (--y 2) is a 0-d array
                        that broadcasts. Every variable is attached (attach_grad) and
                        recorded. A variable cannot be named help, wrt, out or gradients.

expressions:
  A formula of the variables, parsed with Python's ast and run by ndgrad's own tree walk
  (never eval): names, real numbers, + - * / ** @, unary - and +, parentheses, indexing by
  whole numbers and slices (x[0], x[1:], x[::-1], m[..., 0]), one comparison > >= < <= == !=
  as the condition of where (where(x > 0, x, 0)), and calls by bare name with positional
  arguments of
{textwrap.fill(", ".join(FUNCTIONS) + ".", 94, initial_indent="    ",
              subsequent_indent="    ")}
  Anything else (attribute access, indexing by arrays, imports, lambdas, keyword arguments,
  other calls) is refused with exit status 2; an unknown function is answered with the
  nearest name ("did you mean `tanh`?").

  Numbers are float64, as the variables are: arithmetic on numbers alone is done in float64
  and refused when it leaves float64's range (x * 9**9**9), never wrapped round. So that a
  formula cannot hang or exhaust memory, it may nest at most {MAX_DEPTH} levels deep and the
  values it computes may hold at most {MAX_ELEMENTS:,} elements in all (outer(x, x) of a
  4,000-element x has 16,000,000); a formula beyond these is refused before it runs.
"""

_DESCRIPTION = "Show how autograd differentiates a formula: the chain rule, or the graph."
_EPILOG = _LANGUAGE_HELP + """
examples:
  python -m ndgrad explain "x * y + x" --x 1,2,3,4 --y 2
  python -m ndgrad explain "x * 2" --x 0,1,2,3 --head-grad 10,1,.1,.01
  python -m ndgrad graph "sum(sin(x) * y)" --x 0,1,2 --y 3 --out sin.svg --gradients
"""

# The options of the commands named like identifiers; any other --NAME is a variable.
_RESERVED = {"help", "wrt", "out", "gradients"}


def _values(text: str) -> Any:
    """Comma-separated numbers as a float64 ndgrad array; one number as a 0-d array."""
    try:
        numbers = [float(item) for item in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers, as 1,2,3.5") from None
    return np.array(numbers[0] if len(numbers) == 1 else numbers, dtype="float64")


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="python -m ndgrad", description=_DESCRIPTION,
                                     epilog=_EPILOG, formatter_class=formatter,
                                     allow_abbrev=False)
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument("expression", help='the formula, as "x * y + x"; start one that '
                        'begins with - with a space: " -x * y"')
    common.add_argument("--head-grad", type=_values, metavar="VALUES",
                        help="the head gradient, comma-separated, one value per element of the "
                             "result (default: ones); write --head-grad=-1,2 when it starts "
                             "with '-'")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, summary: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], formatter_class=formatter,
                                  epilog=_LANGUAGE_HELP, allow_abbrev=False, help=summary,
                                  description=description)
        sub.set_defaults(run=run, command_parser=sub)   # errors print this command's usage
        return sub

    explain = command("explain", _explain,
                      "print the chain rule for each variable (autograd.explain)",
                      "Print every path from each variable to the result, its local "
                      "derivatives, their product, the sum over paths and the head gradient's "
                      "role (ndgrad.autograd.explain).")
    explain.add_argument("--wrt", action="append", metavar="NAME",
                         help="explain only this variable (repeat for more; default: all)")
    graph = command("graph", _graph, "draw the recorded graph to a file (ndgrad.viz.graph)",
                    "Write the recorded graph of the formula (ndgrad.viz.graph). An .svg, .png "
                    "or .pdf file needs Graphviz's dot program (Debian package graphviz); a "
                    ".dot file does not.")
    graph.add_argument("--out", type=Path, required=True, metavar="FILE",
                       help="where to write: FILE.svg, .png, .pdf or .dot")
    graph.add_argument("--gradients", action="store_true",
                       help="also run backward and show each value's gradient")
    return parser


def _split_variables(argv: list[str],
                     parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, str]]:
    """``argv`` without its ``--NAME VALUES`` pairs, and those pairs. argparse cannot declare
    options whose names are only known from the expression, so they are taken out first."""
    rest: list[str] = []
    variables: dict[str, str] = {}
    tokens = iter(argv)
    for token in tokens:
        name, equals, value = token[2:].partition("=")
        if token == "--":            # everything after it is positional
            rest += [token, *tokens]
        elif not token.startswith("--") or name in _RESERVED or not name.isidentifier():
            rest.append(token)
        elif name in variables:
            parser.error(f"--{name} is given twice")
        elif equals:
            variables[name] = value
        else:
            values = next(tokens, None)
            if values is None:
                parser.error(f"--{name} needs its values, as --{name} 1,2,3")
            variables[name] = values
    return rest, variables


def _record(expression: Expression, variables: dict[str, Any]) -> Any:
    """The expression's value, recorded, with every variable attached."""
    for variable in variables.values():
        variable.attach_grad()
    with autograd.record():
        return expression.evaluate(variables)


def _explain(args: argparse.Namespace, expression: Expression, variables: dict[str, Any]) -> None:
    for name in args.wrt or ():
        if name not in expression.names:
            raise ExpressionError(f"--wrt {name}: {name} is not a variable of "
                                  f"{expression.text!r}; its variables are "
                                  f"{', '.join(expression.names)}")
    result = _record(expression, variables)
    head = "f"
    while head in variables:     # the printout names the result f, unless a variable is f
        head += "_"
    for number, name in enumerate(args.wrt or expression.names):
        if number:
            print()
        autograd.explain(result, variables[name], head_grad=args.head_grad,
                         names={**variables, head: result})


def _graph(args: argparse.Namespace, expression: Expression,
           variables: dict[str, Any]) -> None:
    result = _record(expression, variables)
    head_grads = None if args.head_grad is None else [args.head_grad]
    path = viz.graph(result, head_grads=head_grads, gradients=args.gradients,
                     names={"f": result, **variables}).render(args.out)
    print(f"graph written to {path}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status.
    Errors in the arguments or the expression exit with status 2, as argparse's own."""
    parser = _parser()
    rest, texts = _split_variables(list(sys.argv[1:] if argv is None else argv), parser)
    args = parser.parse_args(rest)
    command = args.command_parser
    variables = {}
    for name, text in texts.items():
        try:
            variables[name] = _values(text)
        except argparse.ArgumentTypeError as error:
            command.error(f"--{name}: {error}")
    try:
        expression = parse(args.expression)
        if not expression.names:
            raise ExpressionError(f"{expression.text!r} has no variables: nothing to "
                                  "differentiate")
        args.run(args, expression, variables)
    except ValueError as error:      # ExpressionError, or a head gradient that does not fit
        command.error(str(error))
    except (RuntimeError, OSError) as error:   # no `dot` program, or the file not writable
        command.exit(1, f"{command.prog}: error: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
