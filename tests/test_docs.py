"""docs/autograd.md and the guides for users of other libraries (docs/from-*.md) run as
written, so they cannot go stale: a wrong statement in a guide fails the suite.

In each page, every ```python block is executed, top to bottom, in one namespace (state carries over from
block to block, as for a reader running them in turn), in a tmp working directory (files the
page writes land there) with matplotlib on its Agg backend. Every ```sh block holds
`python -m ndgrad ...` command lines, run in the same directory with this interpreter. A
```text block right after a code block (nothing but blank lines between them) must equal what
that block printed.
"""

import contextlib
import difflib
import io
import re
import shlex
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest

from ndgrad import autograd
from ndgrad.ops import random as random_ops

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
DOC = DOCS_DIR / "autograd.md"
# The guides for people coming from other libraries; each one's blocks use ndgrad only.
GUIDES = tuple(DOCS_DIR / f"from-{name}.md" for name in ("mxnet", "pytorch", "jax", "hips-autograd"))
PAGES = (DOC, *GUIDES)
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
EXECUTED = ("python", "sh")
COMMAND = "python -m ndgrad "


@dataclass
class Block:
    kind: str            # the fence's language: "python", "sh", "text"
    line: int            # line of the page where the block's content starts
    source: str
    page: Path = DOC
    number: int = 0      # 1-based among the executed (python and sh) blocks
    output: "Block | None" = None   # the text block showing what this one prints


def read_blocks(text: str, page: Path = DOC) -> list[Block]:
    """The fenced blocks of ``text`` (the contents of ``page``), each executed block linked to
    the text block right after it."""
    blocks: list[Block] = []
    executed = 0
    previous_end = 0
    for match in FENCE.finditer(text):
        block = Block(match.group(1), text.count("\n", 0, match.start(2)) + 1, match.group(2),
                      page)
        if block.kind in EXECUTED:
            executed += 1
            block.number = executed
        elif (block.kind == "text" and blocks and blocks[-1].kind in EXECUTED
                and not text[previous_end:match.start()].strip()):
            blocks[-1].output = block
        blocks.append(block)
        previous_end = match.end()
    return blocks


def where(block: Block, line: int | None = None) -> str:
    return f"{block.kind} block {block.number} ({block.page.name} line {line or block.line})"


def run_python(block: Block, namespace: dict) -> str:
    """Execute ``block`` in ``namespace``; return what it printed. An error fails the test
    with the block's number and the line of its page that raised."""
    # Padding with newlines makes line numbers in tracebacks those of the Markdown file.
    code = compile("\n" * (block.line - 1) + block.source, str(block.page), "exec")
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)  # noqa: S102  (running the document's code is the test)
    except Exception as error:  # noqa: BLE001  (any error fails the test, located in the page)
        lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__)
                 if frame.filename == str(block.page)]
        pytest.fail(f"{where(block, lines[-1] if lines else None)} raised "
                    f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}",
                    pytrace=False)
    return printed.getvalue()


def run_commands(block: Block) -> str:
    """Run the ``python -m ndgrad`` lines of an sh block with this interpreter; return their
    output."""
    printed = []
    for offset, line in enumerate(block.source.splitlines()):
        if not line.startswith(COMMAND):
            pytest.fail(f"{where(block, block.line + offset)}: only '{COMMAND}...' lines can "
                        f"be checked, not {line!r}", pytrace=False)
        done = subprocess.run([sys.executable, *shlex.split(line)[1:]], capture_output=True,
                              text=True, timeout=60, check=False)
        if done.returncode != 0:
            pytest.fail(f"{where(block, block.line + offset)}: {line!r} exited with "
                        f"{done.returncode}:\n{done.stderr}", pytrace=False)
        printed.append(done.stdout)
    return "".join(printed)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_text_block_shows_the_output_of_a_code_block(page):
    # A text block anywhere else would never be checked against anything, and could go stale.
    blocks = read_blocks(page.read_text(), page)
    shown = {id(block.output) for block in blocks if block.output is not None}
    loose = [block.line for block in blocks if block.kind == "text" and id(block) not in shown]
    assert not loose, (f"text blocks at lines {loose} of {page.name} do not directly follow a "
                       "python or sh block, so nothing checks them")
    other = [block.line for block in blocks if block.kind not in (*EXECUTED, "text")]
    assert not other, f"blocks at lines {other} are neither run nor checked"


# The tutorial and each guide are long enough that a page losing its blocks would be a bug.
LEAST_BLOCKS = {DOC: 20} | dict.fromkeys(GUIDES, 8)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_page_runs_and_prints_what_it_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    matplotlib.use("Agg")
    blocks = [block for block in read_blocks(page.read_text(), page) if block.kind in EXECUTED]
    assert len(blocks) >= LEAST_BLOCKS[page]
    namespace: dict = {"__name__": f"__{page.stem.replace('-', '_')}_md__"}
    recording, training = autograd.is_recording(), autograd.is_training()
    # a page that reseeds np.random must not change the numbers later tests draw
    random_state = random_ops._GENERATOR[0].bit_generator.state
    try:
        for block in blocks:
            printed = (run_python(block, namespace) if block.kind == "python"
                       else run_commands(block))
            if block.output is None or printed == block.output.source:
                continue
            diff = "".join(difflib.unified_diff(
                block.output.source.splitlines(keepends=True),
                printed.splitlines(keepends=True),
                f"the text block at line {block.output.line}", "printed"))
            pytest.fail(f"{where(block)} printed something other than the text block after "
                        f"it:\n{diff}", pytrace=False)
    finally:
        # a block that failed half-way through a set_recording(True) must not leak it
        autograd.set_recording(recording)
        autograd.set_training(training)
        random_ops._GENERATOR[0].bit_generator.state = random_state


def test_no_file_refers_to_the_internal_shared_folder():
    """Users never see the project's shared/ folder: nothing in the repository points there."""
    import pathlib
    import subprocess
    root = pathlib.Path(__file__).resolve().parents[1]
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                           check=True).stdout.split()
    marker = "../" + "shared/"
    offenders = [name for name in files if (root / name).is_file()
                 and marker in (root / name).read_text(errors="ignore")]
    assert offenders == []
