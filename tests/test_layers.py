"""The package's floors (docs/architecture.md): a module imports only from its own floor or
the floors below, the imports form no circle, and no ndgrad import hides inside a function.

The imports are read from the source (every ``import`` and ``from ... import`` statement,
wherever it is), so a new module must be given a floor here, and an import that points up
fails this test before it can form a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ndgrad

PACKAGE = Path(ndgrad.__file__).parent

# lowest first; "ops.*" stands for every module of the ops package
FLOORS = (
    ("foundations: errors, thread state, pytrees, tables, axes",
     ("errors", "_state", "_pytree", "_registry", "_axes")),
    ("device and anomaly mode", ("_device", "_anomaly")),
    ("the graph node", ("_node",)),
    ("the array", ("_ndarray",)),
    ("the primitive", ("_primitive",)),
    ("gradient and tangent shapes, the core's shape primitives", ("_shaping",)),
    ("publishing, the backward engine, forward mode, reading the graph",
     ("_publish", "_engine", "_forward", "_graph")),
    ("the op families", ("ops", "ops.*")),
    ("operators and methods bound onto the array; custom rules; saving; explaining",
     ("_methods", "_custom", "io", "_explain", "viz")),
    ("the public faces", ("np", "np.fft", "np.linalg", "np.random", "npx", "scipy",
                          "_npx_random", "scipy.integrate", "scipy.linalg", "scipy.signal",
                          "scipy.special", "scipy.stats", "scipy.stats.*", "nd", "autograd")),
    ("transforms and tools on them", ("func", "testing", "plot")),
    ("the command line", ("_cli", "__main__")),
    ("the package", ("",)),
)


def module_name(path: Path) -> str:
    """``ops.shape`` for ops/shape.py; ``ops`` for ops/__init__.py; "" for the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def floor_of(name: str, floors=FLOORS) -> int:
    for level, (_, members) in enumerate(floors):
        for member in members:
            if name == member or (member.endswith(".*") and name.startswith(member[:-1])):
                return level
    raise AssertionError(f"module ndgrad.{name} has no floor: add it to FLOORS in "
                         "tests/test_layers.py and to docs/architecture.md")


def imports_of(path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported ndgrad module, line, inside a function or class) for each import in
    ``path``; ``from . import x`` names module x when x is one."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [part for part in package if part]
    found = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.ClassDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[:len(package) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                elif (child.module or "").split(".")[0] == "ndgrad":
                    target = child.module.partition(".")[2]
                else:
                    continue
                for alias in child.names:
                    candidate = f"{target}.{alias.name}".lstrip(".")
                    found.append((candidate if candidate in known else target,
                                  child.lineno, nested))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "ndgrad":
                        found.append((alias.name.partition(".")[2], child.lineno, nested))
            visit(child, inner)

    visit(ast.parse(path.read_text()), False)
    return found


def import_graph() -> dict[str, list[tuple[str, int, bool]]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, known) for path in paths}


def upward_imports(graph, floors=FLOORS) -> list[str]:
    return [f"ndgrad.{name or '(package)'} (floor {floor_of(name, floors)}) imports "
            f"ndgrad.{target} (floor {floor_of(target, floors)}) at line {line}"
            for name, imports in graph.items() for target, line, _ in imports
            if target != name and floor_of(target, floors) > floor_of(name, floors)]


def circles(graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    edges = {name: sorted({t for t, _, _ in imports if t != name and t in graph})
             for name, imports in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root, targets in edges.items():
        if root in index:
            continue
        work = [(root, iter(targets))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


GRAPH = import_graph()


def test_every_module_has_a_floor():
    for name in GRAPH:
        floor_of(name)


def test_no_import_points_up():
    assert upward_imports(GRAPH) == []


def test_the_imports_form_no_circle():
    assert circles(GRAPH) == []


def test_no_ndgrad_import_hides_in_a_function():
    hidden = [f"ndgrad.{name}:{line} imports ndgrad.{target}"
              for name, imports in GRAPH.items() for target, line, nested in imports if nested]
    assert hidden == []


def test_the_checks_see_an_upward_import_and_a_circle():
    floors = (("low", ("a",)), ("high", ("b",)))
    graph = {"a": [("b", 3, False)], "b": [("a", 1, False)]}
    assert upward_imports(graph, floors) == [("ndgrad.a (floor 0) imports ndgrad.b (floor 1) "
                                              "at line 3")]
    assert circles(graph) == [["a", "b"]]
    with pytest.raises(AssertionError, match="has no floor"):
        floor_of("c", floors)


# The tests mirror the source: tests/test_<m>.py tests module <m> (or _<m>), tests/ops/
# test_<family>.py the family ops/<family>.py. The suites below cut across modules instead.
TESTS = Path(__file__).parent
CROSS_CUTTING = {
    "": {"dispatch_and_types", "docs", "fuzz_arguments", "fuzz_programs", "io_hostile",
         "layers", "memory_and_debugging", "misuse", "recorded_writes", "seed_snippets",
         "semantics", "walkthrough", "hips_coverage", "mxnet_behaviour", "aliasing",
         "differentiation_docs"},
    # the table-driven suites: every family's rows, one check each
    "ops": {"bad_inputs", "composition", "forward", "grads", "layouts", "registry",
            "subgradients"},
}


@pytest.mark.parametrize("folder", sorted(CROSS_CUTTING))
def test_the_tests_mirror_the_source_layout(folder):
    source = PACKAGE / folder
    strays = []
    for path in sorted((TESTS / folder).glob("test_*.py")):
        subject = path.stem[len("test_"):]
        if subject in CROSS_CUTTING[folder]:
            continue
        if not any((source / name).exists() for name in
                   (f"{subject}.py", f"_{subject}.py", subject, f"_{subject}")):
            strays.append(path.name)
    assert not strays, (f"{strays} in tests/{folder} test no module of src/ndgrad/{folder}: "
                        "name them after the module they test, or list them in CROSS_CUTTING")
