"""The feature notebooks in notebooks/, executed in a real kernel against the scripted server.

Each test runs a copy of notebooks/ (the notebook and sample_project/) and
scripts the replies its questions need, in order: a tool call, then
``{"name": "answer"}``, then the answer, for each question that reads a file.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

from tests.conftest import REPO
from tests.jupyter.kernel import ExecutedNotebook, execute_notebook
from tests.scripted_server import ScriptedServer

NOTEBOOKS = REPO / "notebooks"
ANSWER_DECISION = '{"name": "answer"}'

LOW_STOCK = (
    "def low_stock(items, limit):\n    return [item for item in items if item.quantity < limit]"
)
FIXED_MIN = "cheapest = min(items, key=lambda item: item.unit_price)"
TOTAL_LINE = "    return sum(item.quantity * item.unit_price for item in items)"
ROUNDED_LINE = "    return round(sum(item.quantity * item.unit_price for item in items), 2)"

# A notebook cell waits at most this long, in seconds, for the scripted server.
NOTEBOOK_CELL_TIMEOUT = 120


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", REPO / "scripts" / "build_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_call(path: str) -> str:
    return json.dumps({"name": "read_file", "params": {"path": path}})


def sent_text(request: dict[str, Any]) -> str:
    return "\n".join(str(message.get("content", "")) for message in request["messages"])


def cell_at(run: ExecutedNotebook, source_start: str) -> int:
    """Return the index of the only code cell whose source starts with ``source_start``."""
    found = [
        index
        for index, cell in enumerate(run.notebook.cells)
        if cell.cell_type == "code" and cell.source.startswith(source_start)
    ]
    assert len(found) == 1, f"{len(found)} cells start with {source_start!r}"
    return found[0]


def cells_at(run: ExecutedNotebook, source: str) -> list[int]:
    return [
        index
        for index, cell in enumerate(run.notebook.cells)
        if cell.cell_type == "code" and cell.source == source
    ]


def table_row_count(table_html: str) -> int:
    return table_html.split("<tbody>", 1)[1].count("<tr>")


def errors_in(run: ExecutedNotebook) -> list[str]:
    return [
        f"cell {index}: {output.ename}: {output.evalue}"
        for index, cell in enumerate(run.notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """A copy of notebooks/ without the sessions or exports a local run left there."""
    folder = tmp_path / "notebooks"
    shutil.copytree(
        NOTEBOOKS,
        folder,
        ignore=shutil.ignore_patterns(
            ".loco", "__pycache__", "*-executed.ipynb", "*-export.ipynb", ".ipynb_checkpoints"
        ),
    )
    return folder


def run_notebook(folder: Path, name: str, parameters: str | None = None) -> ExecutedNotebook:
    """Execute notebooks/``name`` in ``folder``; ``parameters`` replaces its parameters cell."""
    notebook = nbformat.read(folder / name, as_version=4)
    if parameters is not None:
        tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1
        tagged[0].source = parameters
    return execute_notebook(notebook, folder, timeout=NOTEBOOK_CELL_TIMEOUT)


# The notebooks as files: built by scripts/build_notebooks.py, valid, without outputs.


def test_notebooks_match_builder() -> None:
    builder = load_builder()

    for name, built in builder.built_notebooks().items():
        stored = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert stored == built, f"{name} differs; run scripts/build_notebooks.py"


@pytest.mark.parametrize(
    "name", ["ask.ipynb", "edit.ipynb", "panel.ipynb", "sessions.ipynb", "servers.ipynb"]
)
def test_notebook_valid_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)

    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source
            assert cell.execution_count is None, cell.source


# The notebooks executed.


def test_ask_notebook_runs(scripted: ScriptedServer, copied: Path) -> None:
    scripted.reply(read_call("inventory.py")).reply(ANSWER_DECISION)
    scripted.reply("inventory.py loads the items of a CSV file and totals their value.")
    scripted.reply(read_call("inventory.py")).reply(ANSWER_DECISION)
    scripted.reply("The `Item` dataclass holds name, quantity and unit_price.")
    scripted.reply(f"```python\n{LOW_STOCK}\n```")
    scripted.reply(ANSWER_DECISION).reply(f"```python\n{FIXED_MIN}\n```")

    run = run_notebook(copied, "ask.ipynb")
    first = cell_at(run, "%%loco\nWhat does inventory.py do?")
    failing = cell_at(run, "import sys")
    fix_request = sent_text(scripted.requests[7])

    # The first question: a tool result, then a status line that ends with a check mark.
    assert any(t.startswith("=== inventory.py ===") for t in run.displays(first, "text/plain"))
    assert run.displays(first, "text/markdown")[0].startswith("✓")
    # {header} reached the model as the list's value.
    expected = "stock.csv has the columns ['name', 'quantity', 'unit_price']."
    assert expected in sent_text(scripted.requests[3])
    # --format code and %loco fix put their code in the next cell.
    code_cell = cell_at(run, "%%loco --format code")
    assert [p["text"] for p in run.next_input(code_cell)] == [LOW_STOCK]
    assert "response_format" not in scripted.requests[6]
    assert "key=lambda item: item.price" in fix_request
    assert "AttributeError" in fix_request
    assert [p["text"] for p in run.next_input(cell_at(run, "%loco fix"))] == [FIXED_MIN]
    # Only the cell that fails on purpose failed, and every scripted reply was used.
    assert errors_in(run) == [
        f"cell {failing}: AttributeError: 'Item' object has no attribute 'price'"
    ]
    assert len(scripted.requests) == 9


def test_edit_changes_copy_only(scripted: ScriptedServer, copied: Path) -> None:
    edit = {"search": TOTAL_LINE, "replace": ROUNDED_LINE}
    scripted.reply(
        json.dumps({"name": "edit_file", "params": {"path": "inventory.py", "edits": [edit]}})
    )
    scripted.reply(ANSWER_DECISION).reply("total_value now rounds to 2 decimal places.")

    run = run_notebook(copied, "edit.ipynb")
    printed = run.stream(cell_at(run, "print((project"))
    diffs = run.displays(cell_at(run, "%%loco --yes"), "text/html")

    assert ROUNDED_LINE in printed
    assert any("round(" in html for html in diffs)
    assert TOTAL_LINE in (copied / "sample_project" / "inventory.py").read_text()
    assert errors_in(run) == []


def test_panel_shares_session(scripted: ScriptedServer, copied: Path) -> None:
    scripted.reply(ANSWER_DECISION).reply("main.py passes stock.csv to load_items.")
    scripted.reply(read_call("inventory.py")).reply(ANSWER_DECISION)
    scripted.reply("`load_items` in inventory.py reads it with `csv.DictReader`.")

    run = run_notebook(copied, "panel.ipynb")
    widgets = run.displays(cell_at(run, "%loco panel"), "application/vnd.jupyter.widget-view+json")
    history = run.displays(cell_at(run, "%loco history"), "text/html")[0]

    assert len(widgets) == 1
    assert "Which file reads stock.csv?" in sent_text(scripted.requests[2])
    assert table_row_count(history) == 4
    assert errors_in(run) == []


def test_sessions_export_and_import(scripted: ScriptedServer, copied: Path) -> None:
    scripted.reply(read_call("main.py")).reply(ANSWER_DECISION)
    scripted.reply("It prints how many items there are and their total value.")
    scripted.reply(read_call("stock.csv")).reply(ANSWER_DECISION)
    scripted.reply("The columns are name, quantity and unit_price.")

    run = run_notebook(copied, "sessions.ipynb")
    listings = [run.displays(i, "text/html")[0] for i in cells_at(run, "%loco sessions")]
    exported = nbformat.read(copied / "sessions-export.ipynb", as_version=4)

    assert errors_in(run) == []
    assert run.stream(cell_at(run, "%loco new")).startswith("Started session ")
    assert [table_row_count(listing) for listing in listings] == [2, 3]
    assert "columns" in run.displays(cell_at(run, "%loco search"), "text/html")[0]
    nbformat.validate(exported)
    assert run.stream(cell_at(run, "%loco import")).startswith("Imported sessions-export.ipynb")


@pytest.fixture
def lm_studio() -> Iterator[ScriptedServer]:
    """A scripted server in LM Studio's place; no LOCO_BASE_URL points at it."""
    with ScriptedServer(models=("qwen2.5-coder-7b-instruct",)) as server:
        yield server


def test_servers_notebook_sets_url(lm_studio: ScriptedServer, copied: Path) -> None:
    lm_studio.reply(read_call("main.py")).reply(ANSWER_DECISION)
    lm_studio.reply("main.py totals the inventory in stock.csv.")

    run = run_notebook(
        copied, "servers.ipynb", parameters=f'server_url = "{lm_studio.url}"\nmodel_id = ""'
    )
    status = run.displays(cell_at(run, "%loco status"), "text/html")[0]
    config = run.displays(cell_at(run, "%loco config"), "text/html")[0]
    answer = run.displays(cell_at(run, "%%loco"), "text/markdown")[-1]

    assert errors_in(run) == []
    assert (
        f"<td style='text-align:left'>{lm_studio.url}</td><td style='text-align:left'>up" in status
    )
    assert f"{lm_studio.url}</td><td style='text-align:left'>%config LocoMagics" in config
    assert answer == "main.py totals the inventory in stock.csv."
    assert len(lm_studio.requests) == 3
