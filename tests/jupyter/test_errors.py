"""Bad input and an unreachable server give a one-line UsageError and leave the kernel running."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jupyter.kernel import ExecutedNotebook, RunCells
from tests.scripted_server import ScriptedServer

# Port 9 is the discard service, which test machines do not normally run.
DOWN_URL = "http://127.0.0.1:9/v1"

BAD_CELLS = [
    pytest.param("%%loco\n", "cell body is empty", id="empty-cell"),
    pytest.param("%%loco\n   \n\t\n", "The %%loco cell is empty", id="blank-cell"),
    pytest.param("%%loco --bogus\nWhat does main.py do?", "unrecognized arguments: --bogus",
                 id="unknown-option"),
    pytest.param("%loco frobnicate", "Unknown command 'frobnicate'", id="unknown-command"),
    pytest.param("%loco sesions", "Did you mean %loco sessions?", id="misspelt-command"),
    pytest.param("%loco sessions extra", "%loco sessions: unrecognized arguments: extra",
                 id="extra-argument"),
]  # fmt: skip


def assert_one_line_usage_error(run: ExecutedNotebook, index: int) -> None:
    reply = run.reply(index)
    stderr = run.stream(index, "stderr")

    assert reply["ename"] == "UsageError"
    assert reply["traceback"] == []
    assert stderr == f"UsageError: {reply['evalue']}\n"
    assert "\n" not in reply["evalue"]
    assert [out for out in run.outputs(index) if out.output_type == "error"] == []


@pytest.mark.parametrize(("source", "message"), BAD_CELLS)
def test_bad_input_raises_usage_error(
    run_cells: RunCells, setup_cells: list[str], source: str, message: str
) -> None:
    run = run_cells([*setup_cells, source, "1+1"], allow_errors=True)

    assert_one_line_usage_error(run, 2)
    assert message in run.reply(2)["evalue"]
    assert run.reply(3)["status"] == "ok"
    assert run.result(3) == "2"


def test_unknown_command_suggests_nothing(run_cells: RunCells, setup_cells: list[str]) -> None:
    run = run_cells([*setup_cells, "%loco frobnicate"], allow_errors=True)
    message = run.reply(2)["evalue"]

    assert "Did you mean" not in message
    assert "Commands: " in message
    assert "sessions" in message.split("Commands: ")[1]


def test_server_down_names_url(
    monkeypatch: pytest.MonkeyPatch, run_cells: RunCells, setup_cells: list[str]
) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", DOWN_URL)

    run = run_cells([*setup_cells, "%%loco\nWhat does main.py do?", "1+1"], allow_errors=True)
    message = run.reply(2)["evalue"]

    assert_one_line_usage_error(run, 2)
    assert DOWN_URL in message
    assert "start the server there" in message
    assert "unset LOCO_BASE_URL" in message
    assert run.result(3) == "2"


def test_server_down_status_shows_cross(
    monkeypatch: pytest.MonkeyPatch, run_cells: RunCells, setup_cells: list[str]
) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", DOWN_URL)

    run = run_cells([*setup_cells, "%%loco\nWhat does main.py do?"], allow_errors=True)
    status = run.displays(2, "text/markdown")

    assert len(status) == 1
    assert status[0].startswith("✗")
    assert DOWN_URL in status[0]


def test_server_error_names_model(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    # With LOCO_BASE_URL set, a model id missing from /v1/models still goes to the server,
    # because servers may load models on demand. The server's error reaches the user.
    scripted.fail(500, '{"error": "model no-such-model is not loaded"}')

    run = run_cells([*setup_cells, "%%loco --model no-such-model\nHello?"], allow_errors=True)
    message = run.reply(2)["evalue"]

    assert_one_line_usage_error(run, 2)
    assert "HTTP 500 for model 'no-such-model'" in message
    assert "is not loaded" in message


def test_missing_project_folder_explained(run_cells: RunCells, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-folder")
    cells = ["%load_ext loco_nb", f"%config LocoMagics.project_dir = {missing!r}", "%loco sessions"]

    run = run_cells(cells, allow_errors=True)

    assert_one_line_usage_error(run, 2)
    assert missing in run.reply(2)["evalue"]
