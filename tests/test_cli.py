"""python -m ndgrad: explain and graph from the command line; the expression language refuses
everything but arithmetic and ndgrad's math functions, with status 2 and no traceback."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

import ndgrad
from ndgrad import _cli, autograd, np
from ndgrad.__main__ import main


def run(argv, capsys):
    """main(argv) in-process: (exit status, stdout, stderr)."""
    try:
        status = main(argv)
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


def gradients(text):
    """{name: gradient} from explain's "NAME.grad = [...]" lines."""
    found = {}
    for name, values in re.findall(r"^(\w+)\.grad = (.*)$", text, re.MULTILINE):
        found[name] = numpy.array([float(v) for v in values.strip("[]").split(",")])
    return found


def backward_gradients(x, y, head_grad=None):
    """The gradients of x * y + x by ndgrad's backward, to compare explain with."""
    x, y = np.array(x, dtype="float64"), np.array(y, dtype="float64")
    x.attach_grad()
    y.attach_grad()
    with autograd.record():
        result = x * y + x
    result.backward(None if head_grad is None else np.array(head_grad, dtype="float64"))
    return x.grad.asnumpy(), y.grad.asnumpy()


# -- explain ----------------------------------------------------------------------------------
def test_explain_gives_the_gradients(capsys):
    status, out, err = run(["explain", "x * y + x", "--x", "1,2,3,4", "--y", "2"], capsys)
    assert (status, err) == (0, "")
    found = gradients(out)
    numpy.testing.assert_allclose(found["x"], [3, 3, 3, 3])   # y + 1
    numpy.testing.assert_allclose(found["y"], [10])           # sum(x): y broadcast
    x_grad, y_grad = backward_gradients([1, 2, 3, 4], 2)
    numpy.testing.assert_allclose(found["x"], x_grad)
    numpy.testing.assert_allclose(found["y"], y_grad.reshape(1))
    assert "df/dx" in out and "sum over the 2 paths" in out   # the result is named f


def test_explain_with_a_head_gradient(capsys):
    status, out, _ = run(["explain", "x * y + x", "--x", "1,2,3,4", "--y", "2",
                          "--head-grad", "10,1,.1,.01"], capsys)
    assert status == 0
    found = gradients(out)
    x_grad, y_grad = backward_gradients([1, 2, 3, 4], 2, [10, 1, .1, .01])
    numpy.testing.assert_allclose(found["x"], x_grad)          # head_grad * (y + 1)
    numpy.testing.assert_allclose(found["y"], y_grad.reshape(1))
    numpy.testing.assert_allclose(found["x"], [30, 3, .3, .03])


def test_explain_only_wrt(capsys):
    status, out, _ = run(["explain", "x * y + x", "--x", "1,2", "--y", "2", "--wrt", "y"],
                         capsys)
    assert status == 0
    assert list(gradients(out)) == ["y"]


def test_explain_calls_ndgrad_functions(capsys):
    status, out, _ = run(["explain", "sum(sin(x) * y) + dot(x, x)", "--x", "0,1,2",
                          "--y=-3"], capsys)
    assert status == 0
    x = numpy.array([0.0, 1.0, 2.0])
    expected = -3 * numpy.cos(x) + 2 * x
    numpy.testing.assert_allclose(gradients(out)["x"], expected, atol=1e-4)   # printed rounded


def test_a_variable_named_f_leaves_the_result_another_name(capsys):
    status, out, _ = run(["explain", "f * 2", "--f", "1,2"], capsys)
    assert status == 0
    assert out.startswith("df_/df:")


def test_python_dash_m_runs_it():
    done = subprocess.run([sys.executable, "-m", "ndgrad", "explain", "x * y + x",
                           "--x", "1,2,3,4", "--y", "2", "--wrt", "x"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert "x.grad = [3., 3., 3., 3.]" in done.stdout


def test_help_documents_the_language(capsys):
    status, out, _ = run(["--help"], capsys)
    assert status == 0
    for text in ("explain", "graph", "--NAME VALUES", "never eval", "attribute access",
                 f"at most {_cli.MAX_DEPTH} levels", f"at most {_cli.MAX_ELEMENTS:,} elements"):
        assert text in out
    assert all(re.search(rf"\b{name}\b", out) for name in _cli.FUNCTIONS)


# -- graph ------------------------------------------------------------------------------------
def test_graph_writes_dot_text(tmp_path, capsys):
    path = tmp_path / "graph.dot"
    status, out, _ = run(["graph", "x * y + x", "--x", "1,2,3,4", "--y", "2", "--out",
                          str(path), "--gradients", "--head-grad", "10,1,.1,.01"], capsys)
    assert status == 0
    assert out == f"graph written to {path}\n"
    dot = path.read_text()
    assert dot.startswith("digraph")
    assert dot.count("variable, grad_req=write") == 2
    assert "multiply" in dot and "add" in dot and "head gradient" in dot
    assert "grad = [30.  ,  3.  ,  0.3 ,  0.03]" in dot     # x's gradient, shown


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_writes_svg(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    status, _, _ = run(["graph", "exp(x) * y", "--x", "1,2", "--y", "3", "--out", str(path)],
                       capsys)
    assert status == 0
    assert "<svg" in path.read_text()


def test_graph_without_dot_names_the_package(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    status, _, err = run(["graph", "x * 2", "--x", "1,2", "--out", str(tmp_path / "g.svg")],
                         capsys)
    assert status == 1
    assert "graphviz" in err and "Traceback" not in err


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("expression, construct", [
    ("x.__class__", "attribute access (x.__class__)"),
    ("np.sin(x)", "attribute access (np.sin)"),
    ("__import__('os')", "unknown function '__import__'"),
    ("import os", "statement (import)"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('x')", "unknown function 'eval'"),
    ("linspace(x, x, 3)", "calling linspace"),     # in ndgrad.np, but not math to differentiate
    ("x[y]", "the index y is not allowed"),
    ("x[0.5]", "the index 0.5 is not allowed"),
    ("tahn(x)", "unknown function 'tahn': did you mean `tanh`?"),
    ("where(0 < x < 1, x, 0)", "chained comparison"),
    ("(lambda: x)()", "lambda"),
    ("sum(x, axis=0)", "keyword argument axis="),
    ("sum(**x)", "** argument"),
    ("sum(*x)", "starred argument"),
    ("[v for v in x]", "list comprehension"),
    ("x + z", "unknown name z"),
    ("sin + x", "sin is a function"),
    ("x // 2", "operator //"),
    ("x if x else x", "conditional expression"),
    ("x < 2", "comparison"),
    ("'os' + x", "constant 'os'"),
    ("sin(x)(x)", "calling sin(x)"),
    ("x +", "not a valid expression"),
    ("", "empty"),
    (" + ".join(["x"] * 3000), "nested too deeply"),
])
def test_refuses_with_status_2(capsys, expression, construct):
    status, out, err = run(["explain", expression, "--x", "1,2"], capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: python -m ndgrad explain")
    assert construct in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["--x", "1,a"], "'1,a' is not a comma-separated list of numbers"),
    (["--x", "1,2", "--x", "3"], "--x is given twice"),
    (["--x"], "--x needs its values"),
    (["--x", "1,2", "--w", "1"], "--w is given but 'x * 2' does not use w"),
    (["--x", "1,2", "--head-grad", "1,2,3"], "head gradient of shape (3,)"),
    (["--x", "1,2", "--wrt", "y"], "y is not a variable of 'x * 2'"),
])
def test_refuses_bad_values_with_status_2(capsys, argv, message):
    status, _, err = run(["explain", "x * 2", *argv], capsys)
    assert status == 2
    assert message in err


def refused(argv, capsys):
    """The one-line error of a refused command line, once its status is checked to be 2."""
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert "Traceback" not in err and "Error:" not in err       # no Python exception shown
    lines = err.splitlines()
    assert lines[-1].startswith("python -m ndgrad ") and ": error: " in lines[-1]
    assert all(line.startswith(("usage:", " ")) for line in lines[:-1])   # argparse's usage
    return lines[-1]


@pytest.mark.parametrize("expression, message", [
    ("sin(x, x)", "sin takes one argument, not 2 (in sin(x, x))"),
    ("add(x, x, x)", "add takes two arguments, not 3"),
    ("dot(x)", "dot takes two arguments, not 1"),
    ("sum(x, 0, 0)", "sum takes an array and optionally an axis, as sum(x, 0), not 3"),
    ("transpose(x, 0)", "transpose takes one argument, not 2"),
    ("clip(x)", "clip takes an array and its bounds, as clip(x, 0, 1), not 1"),
    ("sum(x, 1.5)", "sum(x, 1.5) failed: "),
    ("sum(x, 5)", "sum(x, 5) failed: "),
    ("sum(x, 100000000000000000000000)", "failed: "),    # beyond int64: read as a float
])
def test_wrong_arguments(capsys, expression, message):
    assert message in refused(["explain", expression, "--x", "1,2"], capsys)


@pytest.mark.parametrize("argv, message", [
    (["x @ y", "--x", "1,2", "--y", "1,2,3"], "x @ y failed: "),
    (["dot(outer(x, y), x)", "--x", "1,2", "--y", "1,2,3"], "dot(outer(x, y), x) failed: "),
])
def test_shapes_that_do_not_fit(capsys, argv, message):
    assert message in refused(["explain", *argv], capsys)


@pytest.mark.parametrize("expression, message", [
    ("x * 9**9**9", "9**9**9 is beyond float64's range"),      # no huge Python int is built
    ("x * 10**400", "10**400 is beyond float64's range"),
    ("x * 1" + "0" * 400, "1000000000...0000 (401 characters) is beyond float64's range"),
    ("x * 1e999", "1e999 is beyond float64's range"),
    ("x * (1 / 0)", "1 / 0 is beyond float64's range"),
    ("x + exp(1000)", "exp(1000) is beyond float64's range"),
    ("x * log(-1)", "log(-1) is not a number (nan)"),
])
def test_numbers_beyond_float64_are_refused(capsys, expression, message):
    assert message in refused(["explain", expression, "--x", "1,2"], capsys)


@pytest.mark.parametrize("expression, value", [
    ("x * (2**62 * 4)", 2.0 ** 64),         # int64 arithmetic would give 0
    ("x * 3**40", 3.0 ** 40),               # beyond int64
    ("x * -(2**63)", -(2.0 ** 63)),
])
def test_arithmetic_on_numbers_never_wraps_round(capsys, expression, value):
    status, out, err = run(["explain", expression, "--x", "1"], capsys)
    assert (status, err) == (0, "")
    numpy.testing.assert_allclose(gradients(out)["x"], [value], rtol=1e-4)   # printed rounded
    assert _cli.parse(expression).tree.args[1].value == value


def test_numbers_alone_are_folded_in_float64_and_small_integers_stay_ints():
    tree = _cli.parse("sum(x, 1 - 1) * (2 + 3)").tree
    assert tree.args[1] == _cli.Number(5)
    axis = tree.args[0].args[1]
    assert axis == _cli.Number(0) and type(axis.value) is int
    assert type(_cli.parse("x * 2**53").tree.args[1].value) is int
    assert type(_cli.parse("x * 2**54").tree.args[1].value) is float
    assert _cli.parse("x * 0.5 * 2").tree.args[1] == _cli.Number(2)   # (x * 0.5) * 2


@pytest.mark.parametrize("argv, message", [
    # 60**4 = 12,960,000 elements
    (["explain", "outer(outer(x, x), outer(x, x))", "--x", ",".join(["1"] * 60)],
     ("outer(outer(x, x), outer(x, x)) would make 12,960,000 elements, and an expression may "
      "compute at most 10,000,000 in all (7,200 before it): use smaller variables")),
    (["graph", "kron(kron(x, x), kron(x, x))", "--x", ",".join(["1"] * 60),
      "--out", "missing-dir/g.dot"],
     "kron(kron(x, x), kron(x, x)) would make 12,960,000 elements"),
    (["explain", "sum(x * y)", "--x", ",".join(["1"] * 3000), "--y", ",".join(["1"] * 4000)],
     "x * y failed: operands could not be broadcast"),         # a mismatch, not a size
])
def test_values_too_large_are_refused_before_they_are_made(capsys, argv, message):
    assert message in refused(argv, capsys)


def test_the_size_is_checked_before_the_operation_runs(monkeypatch):
    def never(*args):
        raise AssertionError("outer ran")

    monkeypatch.setattr(np, "outer", never)
    expression = _cli.parse("outer(x, x)")
    with pytest.raises(_cli.ExpressionError, match="would make 16,000,000 elements"):
        expression.evaluate({"x": np.zeros(4000, dtype="float64")})


def test_all_values_together_are_bounded():
    # each product fits, but not the twenty of them: 20 * 640,000 elements
    expression = _cli.parse(" + ".join(["sum(outer(x, x))"] * 20))
    with pytest.raises(_cli.ExpressionError, match=r"at most 10,000,000 in all \(9,6"):
        expression.evaluate({"x": np.ones(800, dtype="float64")})


@pytest.mark.parametrize("expression", [
    "ones(10**12)", "np.ones(10**12)", "zeros((10**6, 10**6))", "np.zeros((10**6, 10**6))",
    "arange(1e15)", "np.arange(1e15)", "empty(10**12)", "full(10**9, x)",
])
def test_array_creation_is_not_in_the_language(capsys, expression):
    message = refused(["explain", f"x + sum({expression})", "--x", "1,2"], capsys)
    assert "is not allowed" in message


@pytest.mark.parametrize("expression", [
    " " + "-" * 1000 + "x",                 # deeper than the limit
    " " + "-" * 100_000 + "x",              # Python's parser runs out of memory
    "(" * 250 + "x" + ")" * 250,            # Python's parser: too many nested parentheses
    "sin(" * 300 + "x" + ")" * 300,
    "x" + "**x" * 20_000,                   # Python's parser: recursion
])
def test_too_deep_is_refused(capsys, expression):
    message = refused(["explain", expression, "--x", "1,2"], capsys)
    assert f"nested too deeply (at most {_cli.MAX_DEPTH} levels)" in message


def test_as_deep_as_allowed_runs():
    expression = " + ".join(["x"] * _cli.MAX_DEPTH)
    result = _cli.parse(expression).evaluate({"x": np.array([1.0, 2.0])})
    numpy.testing.assert_allclose(result.asnumpy(), [_cli.MAX_DEPTH, 2 * _cli.MAX_DEPTH])


def test_explain_counts_the_paths_it_leaves_out(capsys):
    # x * x * ... * x, 40 factors: one path per factor, 32 of them listed
    status, out, _ = run(["explain", " * ".join(["x"] * 40), "--x", "1.01,0.99"], capsys)
    assert status == 0
    assert "\n... and 8 more paths (not shown)\n" in out and "sum over all 40 paths" in out
    x = numpy.array([1.01, 0.99])
    numpy.testing.assert_allclose(gradients(out)["x"], 40 * x ** 39, rtol=1e-4)


def test_shapes_that_do_not_broadcast(capsys):
    status, _, err = run(["explain", "x * y", "--x", "1,2", "--y", "1,2,3"], capsys)
    assert status == 2
    assert "x * y failed: operands could not be broadcast" in err


def test_expression_without_variables(capsys):
    status, _, err = run(["explain", "2 * 3"], capsys)
    assert status == 2
    assert "has no variables" in err


def test_negative_values_and_a_leading_minus(capsys):
    # argparse takes "-x * x" for an option; a leading space makes it the expression
    status, out, _ = run(["explain", " -x * x", "--x", "-1,2"], capsys)
    assert status == 0
    numpy.testing.assert_allclose(gradients(out)["x"], [2, -4])


# -- the interpreter --------------------------------------------------------------------------
def test_parse_builds_calls_of_ndgrad_operations():
    expression = _cli.parse("x * y + -sin(x) ** 2")
    assert expression.names == ("x", "y")
    tree = expression.tree
    assert (tree.function, tree.args[0].function, tree.args[1].function) == (
        "add", "multiply", "negative")
    assert tree.args[1].args[0].function == "power"


def test_every_allowed_function_is_public_in_ndgrad_np():
    assert set(_cli.FUNCTIONS) - {"relu", "detach"} <= set(np.__all__)
    assert len(set(_cli.FUNCTIONS)) == len(_cli.FUNCTIONS)


def test_the_interpreter_never_calls_eval_exec_or_compile():
    source = Path(ndgrad.__file__).with_name("_cli.py").read_text()
    called = {node.func.id for node in ast.walk(ast.parse(source))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}
    # getattr is used once: on ndgrad.np, with a name parse() checked against FUNCTIONS
    assert source.count("getattr(") == 1 and "getattr(np, node.function)" in source


@pytest.mark.parametrize("expression, expected", [
    ("sum(detach(x) * x)", lambda x: x),                       # detach: a constant factor
    ("sum(sort(x) * w)", lambda x: numpy.array([3.0, 0.0, 2.0, 1.0])),   # w at x's rank
    ("x[1:] * x[:-1]", lambda x: numpy.r_[x[1], x[2:] + x[:-2], x[-2]]),
    ("x[::-1][0] + x[0]", lambda x: numpy.array([1.0, 0.0, 0.0, 1.0])),
    ("relu(x) * 2", lambda x: 2.0 * (x > 0)),
    ("where(x > 0, x ** 2, 3 * x)", lambda x: numpy.where(x > 0, 2 * x, 3.0)),
    ("maximum(x, 0.5) * x", lambda x: numpy.maximum(x, 0.5) + x * (x > 0.5)),
])
def test_new_functions_differentiate_as_their_closed_form(capsys, expression, expected):
    x = numpy.array([3.0, -1.0, 2.0, 1.0])
    argv = ["explain", expression, "--x", "3,-1,2,1", "--wrt", "x"]
    if "w" in _cli.parse(expression).names:
        argv += ["--w", "0,1,2,3"]
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    numpy.testing.assert_allclose(gradients(out)["x"], expected(x), atol=1e-4)


def test_an_unknown_variable_suggests_a_given_one(capsys):
    assert "did you mean `--y`?" in refused(["explain", "x * yy", "--x", "1", "--y", "2"],
                                            capsys)
