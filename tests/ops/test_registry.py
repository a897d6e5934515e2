"""The registry against the spec table: nothing is declared without rules, every
differentiable primitive and public function has a row, every public name resolves, and
every primitive is declared the one way."""

import ast
import importlib
import pathlib

import numpy
import pytest
from hypothesis import Phase, find, settings

from ndgrad import autograd, np
from ndgrad._registry import REGISTRY
from ndgrad.errors import NotRecordedError

from .specs import NOT_DIFFERENTIABLE, SPECS

# hypothesis draws the simplest example first; that one is enough, and deterministic
FIRST_DRAW = settings(max_examples=1, phases=[Phase.generate], database=None)
# every namespace the registry publishes (the array's method table aside), as its module
NAMESPACES = {space: importlib.import_module(f"ndgrad.{space}")
              for space in sorted(REGISTRY.namespaces) if space != "ndarray"}


def public_functions():
    """Every name the registry publishes, qualified: {"np.sum": function, ...}."""
    return {f"{space}.{name}": function for space in NAMESPACES
            for name, function in REGISTRY.namespace(space).items()}


def recorded_primitives(heads):
    """The names of the primitives in the graphs that produced ``heads``."""
    names, seen = set(), set()
    stack = [head._node for head in heads if head._node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.primitive is not None:
            names.add(node.primitive.name)
        stack.extend(parent for parent in node.parents if parent is not None)
    return names


SOURCE = pathlib.Path(__file__).resolve().parents[2] / "src" / "ndgrad"


def calls_to(tree, name):
    """The calls to ``name`` in ``tree``, each with whether it sits inside a function."""
    found = []

    def visit(node, in_function):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            found.append((node.lineno, in_function))
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


@pytest.mark.parametrize("path", sorted(SOURCE.rglob("*.py")), ids=lambda p: p.name)
def test_every_primitive_is_declared_by_one_module_level_call(path):
    """One declaration style: ``name = primitive(...)`` at module level, forward and rules
    side by side. A factory function that declares primitives (a second style) fails here;
    only ``_custom`` builds a Primitive per user function."""
    tree = ast.parse(path.read_text())
    hidden = [line for line, in_function in calls_to(tree, "primitive") if in_function]
    assert not hidden, f"{path.name}: primitive() called inside a function at lines {hidden}"
    if path.name not in ("_primitive.py", "_custom.py"):
        assert not calls_to(tree, "Primitive"), f"{path.name} builds a Primitive directly"


def test_audit_finds_no_primitive_without_rules():
    assert REGISTRY.audit() == []


def test_every_differentiable_primitive_has_a_forward_mode_rule():
    assert REGISTRY.audit_forward() == []


def test_every_differentiable_primitive_has_a_row():
    differentiable = {name for name, primitive in REGISTRY.primitives.items()
                      if not primitive.nondiff}
    covered = {name for spec in SPECS for name in spec.primitives}
    assert differentiable - covered == set()
    assert covered - differentiable == set(), "a row names a primitive that does not exist"


def test_every_public_function_has_a_row_or_a_reason_not_to():
    functions = public_functions()
    covered = {spec.function for spec in SPECS}
    # an alias (np.abs for np.absolute) is covered by its original's row
    covered |= {name for name, function in functions.items()
                if any(function is functions.get(other) for other in covered)}
    excused = set().union(*NOT_DIFFERENTIABLE.values())
    assert set(functions) - covered - excused == set()
    assert excused - set(functions) == set(), "an excused name is not published"
    assert excused & covered == set()


@pytest.mark.parametrize("space", sorted(NAMESPACES))
def test_every_public_name_resolves_to_a_callable(space):
    module = NAMESPACES[space]
    names = REGISTRY.namespace(space)
    assert names
    for name, function in names.items():
        assert callable(getattr(module, name)), f"{space}.{name}"
        assert getattr(module, name) is function
    for name in module.__all__:
        assert hasattr(module, name), f"{space}.__all__ lists {name!r}"


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_a_row_records_the_primitives_it_declares(spec):
    recorded = set()
    for variant in spec.variants:
        shapes = find(spec.operand_shapes(variant), lambda shapes: True, settings=FIRST_DRAW)
        operands = [np.array(a) for a in spec.sample(numpy.random.default_rng(0), shapes)]
        for operand in operands:
            operand.attach_grad()
        with autograd.record():
            result = spec.fn(*operands, **variant)
        recorded |= recorded_primitives([result])
    assert set(spec.primitives) <= recorded


@pytest.mark.parametrize("function", [np.argmax, np.argsort, np.isfinite, lambda x: x > 0,
                                      lambda x: np.equal(x, x)])
def test_integer_and_boolean_results_record_nothing(function):
    x = np.array(numpy.array([0.5, -1.5, 2.0]))
    x.attach_grad()
    with autograd.record():
        y = function(x)
    with pytest.raises(NotRecordedError):
        y.backward()


@pytest.mark.parametrize("function", [np.sign, np.floor, np.ceil, np.round])
def test_piecewise_constant_float_results_have_gradient_zero(function):
    x = np.array(numpy.array([0.5, -1.5, 2.0]))
    x.attach_grad()
    x.grad[:] = 7.0
    with autograd.record():
        y = function(x)
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 0.0, 0.0])


def test_help_shows_what_each_public_function_does():
    """help(np.sin) and Jupyter's np.sin? show the function's own doc, never the Primitive
    machinery's (the class's parameters, vjp=, pullback=)."""
    import inspect
    import pydoc
    undocumented, machinery = [], []
    for name, function in public_functions().items():
        doc = inspect.getdoc(function)
        if not doc:
            undocumented.append(name)
        elif "pullback" in pydoc.render_doc(function):
            machinery.append(name)
    assert undocumented == []
    assert machinery == []
