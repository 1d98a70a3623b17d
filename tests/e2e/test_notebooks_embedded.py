"""notebooks/ask.ipynb executed in a real kernel against the embedded model.

The model's wording varies, so the checks are on structure: which outputs
each cell made, what reached the session, and what went to the next cell.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO, WEIGHTS_CACHE
from tests.jupyter.kernel import ExecutedNotebook, execute_notebook

pytestmark = pytest.mark.slow

# About a minute per question on two cores; the first also starts the server.
CELL_TIMEOUT = 900


def loco_cells(run: ExecutedNotebook) -> list[int]:
    return [
        index
        for index, cell in enumerate(run.notebook.cells)
        if cell.cell_type == "code" and cell.source.startswith(("%%loco", "%loco fix"))
    ]


def cell_at(run: ExecutedNotebook, source_start: str) -> int:
    for index, cell in enumerate(run.notebook.cells):
        if cell.cell_type == "code" and cell.source.startswith(source_start):
            return index
    raise AssertionError(f"no cell starts with {source_start!r}")


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The isolation of tests/conftest.py and tests/jupyter/conftest.py, for the whole module.

    Module-scoped fixtures run before the function-scoped autouse ones, so
    without this the kernel would use the user's ~/.loco and IPython profile.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("LOCO_"):
                patch.delenv(name)
        patch.setenv("LOCO_HOME", str(tmp_path_factory.mktemp("loco_home")))
        patch.setenv("LOCO_MODELS_DIR", str(WEIGHTS_CACHE))
        patch.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path_factory.mktemp("jupyter_runtime")))
        patch.setenv("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))
        yield


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ask_embedded")
    shutil.copy(REPO / "notebooks" / "ask.ipynb", folder)
    shutil.copytree(
        REPO / "notebooks" / "sample_project",
        folder / "sample_project",
        ignore=shutil.ignore_patterns(".loco", "__pycache__"),
    )
    return folder


@pytest.fixture(scope="module")
def executed(module_env: None, workdir: Path) -> ExecutedNotebook:
    """Run ask.ipynb once; the tests below read what it left."""
    notebook = nbformat.read(workdir / "ask.ipynb", as_version=4)
    run = execute_notebook(notebook, workdir, timeout=CELL_TIMEOUT)
    nbformat.write(notebook, workdir / "ask-executed.ipynb")
    return run


def test_every_question_answered(executed: ExecutedNotebook) -> None:
    for index in loco_cells(executed):
        status = executed.displays(index, "text/markdown")[0]
        assert status.startswith("✓"), (executed.notebook.cells[index].source, status)


def test_only_planned_cell_failed(executed: ExecutedNotebook) -> None:
    failed = [
        (index, output.ename)
        for index, cell in enumerate(executed.notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]

    assert failed == [(cell_at(executed, "import sys"), "AttributeError")]


def test_first_question_reads_file(executed: ExecutedNotebook) -> None:
    index = cell_at(executed, "%%loco\nWhat does inventory.py do?")
    results = [text for text in executed.displays(index, "text/plain") if text.startswith("===")]

    assert results


def test_reference_value_in_session(executed: ExecutedNotebook, workdir: Path) -> None:
    sessions = list((workdir / "sample_project" / ".loco" / "sessions").glob("*.json"))
    assert len(sessions) == 1
    messages = json.loads(sessions[0].read_text())["messages"]
    questions = [m["content"] for m in messages if m["role"] == "user"]

    assert any("['name', 'quantity', 'unit_price']" in question for question in questions)
    assert not any("{header}" in question for question in questions)


@pytest.mark.parametrize("source_start", ["%%loco --format code", "%loco fix"])
def test_code_goes_to_next_cell(executed: ExecutedNotebook, source_start: str) -> None:
    payloads = executed.next_input(cell_at(executed, source_start))

    assert len(payloads) == 1
    assert payloads[0]["text"].strip()
    assert "```" not in payloads[0]["text"]
