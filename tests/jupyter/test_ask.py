"""``%%loco`` cells in a real kernel, with replies from the scripted server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.jupyter.kernel import RunCells
from tests.scripted_server import ScriptedServer

QUESTION = "What does main.py do?"
ANSWER = "main.py imports **util** and prints `greet('world')`."
WRITE_CALL = json.dumps(
    {"name": "write_file", "params": {"path": "notes.txt", "content": "written by loco\n"}}
)


def script_read_file(scripted: ScriptedServer) -> None:
    scripted.reply('{"name": "read_file", "params": {"path": "main.py"}}')
    scripted.reply('{"name": "answer"}')
    scripted.reply(ANSWER)


def script_write_file(scripted: ScriptedServer) -> None:
    scripted.reply(WRITE_CALL)
    scripted.reply('{"name": "answer"}')
    scripted.reply("I wrote notes.txt.")


def test_tool_result_shows_highlighted_code(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    script_read_file(scripted)

    run = run_cells([*setup_cells, f"%%loco\n{QUESTION}"])
    results = [
        out.data
        for out in run.outputs(2)
        if out.output_type == "display_data"
        and str(out.data.get("text/plain", "")).startswith("=== main.py ===")
    ]

    assert len(results) == 1
    assert "   1 | import util" in results[0]["text/plain"]
    assert "main.py" in results[0]["text/html"]
    # pygments' inline styles: keywords such as `import` get a coloured span.
    assert '<span style="color' in results[0]["text/html"]


def test_answer_is_markdown_output(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    script_read_file(scripted)

    run = run_cells([*setup_cells, f"%%loco\n{QUESTION}"])
    markdown = run.displays(2, "text/markdown")

    assert markdown[-1] == ANSWER


def test_status_ends_with_check(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    script_read_file(scripted)

    run = run_cells([*setup_cells, f"%%loco\n{QUESTION}"])
    status = run.displays(2, "text/markdown")[0]

    assert status.startswith("✓")
    assert "1 tool call" in status


def test_cell_prints_no_stream_text(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    script_read_file(scripted)

    run = run_cells([*setup_cells, f"%%loco\n{QUESTION}"])

    assert run.stream(2, "stdout") == ""
    assert run.stream(2, "stderr") == ""


def test_question_reaches_server(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    script_read_file(scripted)

    run_cells([*setup_cells, f"%%loco\n{QUESTION}"])
    first_request = json.dumps(scripted.requests[0]["messages"])

    assert len(scripted.requests) == 3
    assert QUESTION in first_request


def test_yes_lets_write_file_run(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str], project: Path
) -> None:
    script_write_file(scripted)

    run = run_cells([*setup_cells, "%%loco --yes\nWrite notes.txt."])
    results = run.displays(2, "text/plain")

    assert (project / "notes.txt").read_text() == "written by loco\n"
    assert any(text.startswith("Created notes.txt") for text in results)


