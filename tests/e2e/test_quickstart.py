"""The quickstart notebook, executed in a real kernel against the embedded model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def outputs_of(notebook: nbformat.NotebookNode, source_start: str) -> list[dict]:
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith(source_start):
            return cell.outputs
    raise AssertionError(f"no cell starts with {source_start!r}")


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run a copy of notebooks/ once; the tests below read what it left."""
    workdir = tmp_path_factory.mktemp("quickstart")
    shutil.copy(REPO / "notebooks" / "quickstart.ipynb", workdir)
    shutil.copytree(
        REPO / "notebooks" / "sample_project",
        workdir / "sample_project",
        ignore=shutil.ignore_patterns(".loco", "__pycache__"),
    )

    notebook = nbformat.read(workdir / "quickstart.ipynb", as_version=4)
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=900, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    nbformat.write(notebook, workdir / "quickstart-executed.ipynb")
    return workdir


def test_read_file_shows_real_lines(executed: Path) -> None:
    notebook = nbformat.read(executed / "quickstart-executed.ipynb", as_version=4)
    texts = [o["data"]["text/plain"] for o in outputs_of(notebook, "%%loco") if "data" in o]
    tool_output = next(t for t in texts if t.startswith("=== main.py ==="))

    real = (executed / "sample_project" / "main.py").read_text().splitlines()
    for number, line in enumerate(real, start=1):
        assert f"{number:4d} | {line}" in tool_output


def test_session_records_model_tool_call(executed: Path) -> None:
    sessions = list((executed / "sample_project" / ".loco" / "sessions").glob("*.json"))
    assert len(sessions) == 1
    session = json.loads(sessions[0].read_text())

    answer = session["messages"][-1]
    assert answer["role"] == "assistant"
    assert {"name": "read_file", "params": {"path": "main.py"}} in [
        {"name": c["name"], "params": {"path": c["params"].get("path")}}
        for c in answer["tool_calls"]
    ]
    assert session["tasks"][0]["model_id"] == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert session["tasks"][0]["status"] == "completed"


def test_answer_streamed_as_markdown(executed: Path) -> None:
    notebook = nbformat.read(executed / "quickstart-executed.ipynb", as_version=4)
    markdown = [
        o["data"]["text/markdown"]
        for o in outputs_of(notebook, "%%loco")
        if "data" in o and "text/markdown" in o["data"]
    ]
    assert markdown[0].startswith("✓")
    assert "load_items" in markdown[-1]


def test_export_validates_with_tool_output(executed: Path) -> None:
    export = nbformat.read(executed / "quickstart-export.ipynb", as_version=4)
    nbformat.validate(export)

    outputs = [o for cell in export.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any(o["data"]["text/plain"].startswith("=== main.py ===") for o in outputs)
    assert export.cells[1].source == "**You:** Show me the main.py file"
