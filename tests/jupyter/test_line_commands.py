"""``%loco fix``, ``status``, ``config``, ``history`` and the subcommand help in a real kernel."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from loco_nb.jupyter.commands import COMMANDS
from tests.jupyter.kernel import RunCells
from tests.scripted_server import ScriptedServer

ANSWER_DECISION = '{"name": "answer"}'

# The braces in the f-string must reach the model as written, not as the value of count.
FAILING_CELL = """\
def average(values):
    return sum(values) / len(values)

print(f"{count} values")
average([])"""
FIXED_CELL = """\
def average(values):
    return sum(values) / len(values) if values else 0.0

print(f"{count} values")
average([])"""

# Port 9 is the discard service, which test machines do not normally run.
DOWN_URL = "http://127.0.0.1:9/v1"


def sent_text(request: dict[str, Any]) -> str:
    return "\n".join(str(message.get("content", "")) for message in request["messages"])


def table_rows(table_html: str) -> list[list[str]]:
    """Return the body rows of a loco_nb Table's HTML as lists of cell texts."""
    body = table_html.split("<tbody>", 1)[1]
    return [
        [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def setting_rows(table_html: str) -> dict[str, list[str]]:
    """Return %loco config's rows by setting name: [value, origin, meaning]."""
    return {row[0]: row[1:] for row in table_rows(table_html)}


def test_fix_sends_cell_and_traceback(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER_DECISION).reply(f"```python\n{FIXED_CELL}\n```")

    run_cells([*setup_cells, "count = 3", FAILING_CELL, "%loco fix"], allow_errors=True)
    sent = sent_text(scripted.requests[0])

    assert FAILING_CELL in sent
    assert "ZeroDivisionError: division by zero" in sent
    assert "3 values" not in sent


def test_fix_puts_code_below(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER_DECISION).reply(f"```python\n{FIXED_CELL}\n```")

    run = run_cells([*setup_cells, "count = 3", FAILING_CELL, "%loco fix"], allow_errors=True)
    payloads = run.next_input(4)

    assert run.reply(4)["status"] == "ok"
    assert len(payloads) == 1
    assert payloads[0]["text"] == FIXED_CELL
    # The planner is skipped: one decision and one answer.
    assert len(scripted.requests) == 2


def test_fix_finds_cell_of_deepest_frame(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    # The exception is raised in a function defined two cells earlier. The deepest frame of
    # the traceback is in that cell, so fix sends it rather than the cell that called it.
    scripted.reply(ANSWER_DECISION).reply("```python\npass\n```")
    helper = "def explode():\n    return {}['missing']"

    run_cells([*setup_cells, helper, "x = 1", "explode()", "%loco fix"], allow_errors=True)

    assert helper in sent_text(scripted.requests[0])


def test_fix_without_error_explains(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%loco fix"], allow_errors=True)

    assert run.reply(2)["ename"] == "UsageError"
    assert "No exception to fix" in run.reply(2)["evalue"]
    assert scripted.requests == []


def test_fix_retry_sends_same_failure(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    # The first %loco fix fails with a UsageError (the server's HTTP 500). Retrying must
    # send the division by zero again, not that UsageError and the %loco fix cell.
    scripted.fail(500, '{"error": "model is loading"}')
    scripted.reply(ANSWER_DECISION).reply("```python\nratio = 1 / 1\n```")

    run = run_cells([*setup_cells, "ratio = 1 / 0", "%loco fix", "%loco fix"], allow_errors=True)
    retried = sent_text(scripted.requests[1])

    assert run.reply(3)["ename"] == "UsageError"
    assert "ratio = 1 / 0" in retried
    assert "ZeroDivisionError" in retried
    assert "UsageError" not in retried
    assert [p["text"] for p in run.next_input(4)] == ["ratio = 1 / 1"]


def test_fix_after_usage_error_explains(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%loco nosuch", "%loco fix"], allow_errors=True)

    assert run.reply(3)["ename"] == "UsageError"
    assert "the last error was a magic's usage error" in run.reply(3)["evalue"]
    assert scripted.requests == []


def test_status_lists_server_and_model(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str], project: Path
) -> None:
    run = run_cells([*setup_cells, "%loco status"])
    rows = table_rows(run.displays(2, "text/html")[0])
    printed = run.stream(2)

    # The 7b in the id makes it size L; the server reports no context length.
    assert rows == [[scripted.url, "up", "L", "scripted-coder-7b", "?"]]
    assert f"Project: {project.resolve()}" in printed
    assert "Session: " in printed
    assert run.displays(2, "text/markdown")[0] == "1 of 1 servers answer"


def test_status_shows_server_down(
    monkeypatch: pytest.MonkeyPatch, run_cells: RunCells, setup_cells: list[str]
) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", DOWN_URL)

    run = run_cells([*setup_cells, "%loco status"], allow_errors=True)
    rows = table_rows(run.displays(2, "text/html")[0])

    assert rows[0][0] == DOWN_URL
    assert rows[0][1].startswith("down: ")
    assert run.displays(2, "text/markdown")[0] == "0 of 1 servers answer"


def test_config_shows_origins(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str], project: Path
) -> None:
    config_file = project / ".loco" / "config.toml"
    config_file.parent.mkdir()
    config_file.write_text("max_steps = 4\n")

    run = run_cells([*setup_cells, '%config LocoMagics.default_size = "S"', "%loco config"])
    rows = setting_rows(run.displays(3, "text/html")[0])

    assert rows["default_size"][:2] == ["S", "%config LocoMagics"]
    assert rows["max_steps"][:2] == ["4", str(config_file)]
    assert rows["base_url"][:2] == [scripted.url, "LOCO_BASE_URL"]
    assert rows["tool_protocol"][:2] == ["auto", "default"]


def test_config_lists_every_setting(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    from loco_nb.config import Settings

    run = run_cells([*setup_cells, "%loco config"])
    rows = setting_rows(run.displays(2, "text/html")[0])

    assert sorted(rows) == sorted(Settings.model_fields)


def test_config_hides_api_key(
    scripted: ScriptedServer,
    monkeypatch: pytest.MonkeyPatch,
    run_cells: RunCells,
    setup_cells: list[str],
) -> None:
    monkeypatch.setenv("LOCO_API_KEY", "sk-very-secret")

    run = run_cells([*setup_cells, "%loco config"])
    shown = run.displays(2, "text/html")[0] + run.displays(2, "text/plain")[0]

    assert "sk-very-secret" not in shown
    assert setting_rows(run.displays(2, "text/html")[0])["api_key"][1] == "LOCO_API_KEY"


def test_history_lists_messages(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("It greets the world.")

    run = run_cells([*setup_cells, "%%loco --no-tools\nWhat does main.py do?", "%loco history"])
    rows = table_rows(run.displays(3, "text/html")[0])

    assert [row[1] for row in rows] == ["user", "assistant"]
    assert rows[0][3] == "What does main.py do?"
    assert rows[1][3] == "It greets the world."


def test_history_of_new_session(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%loco history"])

    assert run.stream(2).endswith("has no messages yet.\n")


def test_changed_setting_keeps_session(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("First answer.").reply("Second answer.")

    run_cells(
        [
            *setup_cells,
            "%%loco --no-tools\nFirst question",
            "%config LocoMagics.max_steps = 3",
            "%%loco --no-tools\nSecond question",
        ]
    )

    assert "First question" in sent_text(scripted.requests[1])


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("stauts", "status"),
        ("confg", "config"),
        ("histroy", "history"),
        ("fxi", "fix"),
    ],
)
def test_misspelt_command_suggests(
    run_cells: RunCells, setup_cells: list[str], typed: str, suggested: str
) -> None:
    run = run_cells([*setup_cells, f"%loco {typed}"], allow_errors=True)

    assert run.reply(2)["ename"] == "UsageError"
    assert f"Did you mean %loco {suggested}?" in run.reply(2)["evalue"]


def test_help_lists_every_command(run_cells: RunCells) -> None:
    run = run_cells(["%load_ext loco_nb", "%loco?"])
    help_text = " ".join(run.pager(1).split())

    for command in COMMANDS.values():
        assert f"{command.name} {' '.join(command.summary.split())}" in help_text, command.name


@pytest.mark.parametrize("name", ["fix", "status", "config", "history"])
def test_command_help_prints_usage(run_cells: RunCells, name: str) -> None:
    run = run_cells(["%load_ext loco_nb", f"%loco help {name}"])
    usage = run.stream(1).split("\n\n")[1].strip()

    assert usage.startswith(f"%loco {name}")
