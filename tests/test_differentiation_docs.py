"""docs/differentiation.md, the list of what ndgrad differentiates, is generated from the op
test table: a function is listed as differentiable only if it has a row (so its gradients
are checked against finite differences, forward and reverse, to second order, and by the
composition matrix), and as forward-only with the reason its row table gives. The page must
match the table; after adding functions, regenerate it with

    NDGRAD_WRITE_DOCS=1 .venv/bin/python -m pytest tests/test_differentiation_docs.py
"""

import os
import pathlib

from ops.specs import NOT_DIFFERENTIABLE, SPECS
from ops.test_registry import public_functions

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "differentiation.md"
HEADER = """# What ndgrad differentiates

Generated from the op test table (`tests/ops/`): every function listed as differentiable
has a test row, so its gradients are checked against finite differences in float64 (forward
and reverse mode, first and second order), and the composition matrix runs it through
`jvp`, `vjp`, higher-order derivatives and `vmap`. Complex arguments are differentiated in
the convention of JAX and HIPS autograd (see *Complex numbers* in `autograd.md`). Functions
outside this page's first list return values without a gradient, for the reason given.
Aliases (`np.abs` for `np.absolute`) share their original's entry.
"""


def generate() -> str:
    functions = public_functions()
    rows = {spec.function for spec in SPECS}
    names: dict[str, list[str]] = {}            # a row's public name: its aliases
    for name, function in sorted(functions.items()):
        original = None if name in rows else next(
            (other for other in sorted(rows) if functions.get(other) is function), None)
        if original is None:
            names.setdefault(name, [])
        else:
            names.setdefault(original, []).append(name)
    differentiable = sorted(name for name in names if name in rows)
    lines = [HEADER, f"## Differentiable ({len(differentiable)} functions)", ""]
    by_space: dict[str, list[str]] = {}
    for name in differentiable:
        space, _, short = name.rpartition(".")
        aliases = [alias.rpartition(".")[2] if alias.rpartition(".")[0] == space else alias
                   for alias in names[name]]
        by_space.setdefault(space, []).append(
            f"`{short}`" + (f" ({', '.join(aliases)})" if aliases else ""))
    for space in sorted(by_space):
        lines += [f"**{space}**: " + ", ".join(by_space[space]), ""]
    # a row-less entry whose reason begins "differentiable" has its gradient checked by its
    # family's own tests (a sampler's implicit gradient: finite differences cannot follow it)
    elsewhere = sorted(reason for reason in NOT_DIFFERENTIABLE
                       if reason.startswith("differentiable"))
    for title, reasons in (("## Differentiable, checked outside the table", elsewhere),
                           ("## Forward only, and why",
                            sorted(set(NOT_DIFFERENTIABLE) - set(elsewhere)))):
        lines += [title, ""] if reasons else []
        for reason in reasons:
            listed = sorted(NOT_DIFFERENTIABLE[reason])
            lines += [f"- **{reason}**: " + ", ".join(f"`{name}`" for name in listed)]
        lines += [""] if reasons else []
    return "\n".join(lines).rstrip("\n") + "\n"


def test_the_differentiation_page_matches_the_op_table():
    text = generate()
    if os.environ.get("NDGRAD_WRITE_DOCS") == "1":
        PAGE.write_text(text)
    assert PAGE.read_text() == text, ("docs/differentiation.md is out of date; regenerate "
                                      "it: NDGRAD_WRITE_DOCS=1 pytest "
                                      "tests/test_differentiation_docs.py")
