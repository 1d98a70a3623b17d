"""``%loco sessions``, ``%loco new`` and ``%loco export`` in a real kernel."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tests.jupyter.kernel import ExecutedNotebook, RunCells
from tests.scripted_server import ScriptedServer

QUESTION = "What does main.py do?"
ANSWER = "It prints a greeting from util.greet."

# Cell indexes of the notebook run by run_session_commands, after the setup and %%loco cells.
SESSIONS, EXPORT, NEW, SESSIONS_AFTER_NEW = 3, 4, 5, 6


def run_session_commands(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> ExecutedNotebook:
    scripted.reply('{"name": "read_file", "params": {"path": "main.py"}}')
    scripted.reply('{"name": "answer"}')
    scripted.reply(ANSWER)
    return run_cells(
        [
            *setup_cells,
            f"%%loco\n{QUESTION}",
            "%loco sessions",
            "%loco export out.ipynb",
            "%loco new",
            "%loco sessions",
        ]
    )


def started_session_id(run: ExecutedNotebook) -> str:
    found = re.fullmatch(r"Started session (\S+)\.\n", run.stream(NEW))
    assert found is not None, run.stream(NEW)
    return found.group(1)


def test_sessions_then_new_session(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_session_commands(scripted, run_cells, setup_cells)
    new_id = started_session_id(run)
    before = run.displays(SESSIONS, "text/html")
    after = run.displays(SESSIONS_AFTER_NEW, "text/html")

    assert len(before) == 1
    assert QUESTION in before[0]
    assert "scripted-coder-7b" in before[0]
    assert new_id not in before[0]
    assert new_id in after[0]
    assert QUESTION in after[0]


def test_sessions_before_asking_explains(run_cells: RunCells, setup_cells: list[str]) -> None:
    run = run_cells([*setup_cells, "%loco sessions"])

    assert "No sessions yet" in run.stream(2)


def test_new_flag_starts_another_session(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str], project: Path
) -> None:
    for _ in range(2):
        scripted.reply('{"name": "answer"}')
        scripted.reply(ANSWER)

    run_cells([*setup_cells, "%%loco\nFirst question", "%%loco --new\nSecond question"])
    saved = sorted((project / ".loco" / "sessions").glob("*.json"))

    assert len(saved) == 2


def test_export_writes_valid_notebook(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str], workdir: Path
) -> None:
    run = run_session_commands(scripted, run_cells, setup_cells)
    exported = nbformat.read(workdir / "out.ipynb", as_version=4)
    markdown = [cell.source for cell in exported.cells if cell.cell_type == "markdown"]
    outputs = [out for cell in exported.cells if cell.cell_type == "code" for out in cell.outputs]

    assert run.stream(EXPORT).startswith("Exported session ")
    assert run.stream(EXPORT).endswith(" to out.ipynb\n")
    nbformat.validate(exported)
    assert any(QUESTION in source for source in markdown)
    assert any(ANSWER in source for source in markdown)
    assert len(outputs) == 1
    assert outputs[0].output_type == "display_data"
    assert outputs[0].data["text/plain"].startswith("=== main.py ===")
    assert "text/html" in outputs[0].data
