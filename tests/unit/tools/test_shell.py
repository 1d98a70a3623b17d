"""Unit tests of loco_nb.tools.shell: run_command's folder, timeout, output cap and approval."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from loco_nb.errors import PathOutsideProject, ToolError
from loco_nb.models import ToolResult
from loco_nb.tools.registry import ToolContext
from loco_nb.tools.shell import MAX_OUTPUT_CHARS, RunCommand, RunCommandParams


@pytest.fixture
def context(project: Path) -> ToolContext:
    (project / "sub").mkdir()
    return ToolContext(root=project)


def run(context: ToolContext, command: str, **options: object) -> ToolResult:
    params = RunCommandParams(command=command, **options)  # type: ignore[arg-type]
    return RunCommand().run(params, context)


def test_exit_status_and_output(context: ToolContext) -> None:
    result = run(context, "echo out; echo err >&2; exit 3")

    assert result.ok is False
    assert result.kind == "command"
    assert result.data["exit_code"] == 3
    assert result.data["output"] == "out\nerr"
    assert "exit status 3" in result.content.splitlines()[0]


def test_success_is_ok(context: ToolContext) -> None:
    result = run(context, "true")

    assert result.ok is True
    assert result.content.endswith("(no output)")


def test_runs_in_working_folder(context: ToolContext, project: Path) -> None:
    result = run(context, "pwd", cwd="sub")

    assert result.data["output"] == str((project / "sub").resolve())
    assert result.data["cwd"] == "sub"


def test_folder_outside_rejected(context: ToolContext) -> None:
    with pytest.raises(PathOutsideProject):
        run(context, "pwd", cwd="..")


def test_missing_folder_rejected(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="'nowhere' is not a folder"):
        run(context, "pwd", cwd="nowhere")


def test_timeout_stops_process_group(context: ToolContext, project: Path) -> None:
    started = time.monotonic()

    result = run(context, "(sleep 30; touch late.txt) & sleep 30", timeout=1)

    assert result.data["timed_out"] is True
    assert result.ok is False
    assert "timed out after 1 s" in result.content
    assert time.monotonic() - started < 15
    time.sleep(0.5)
    assert not (project / "late.txt").exists()


def test_output_capped_keeps_both_ends(context: ToolContext) -> None:
    result = run(context, "echo START; head -c 100000 /dev/zero | tr '\\0' x; echo; echo END")

    output = result.data["output"]
    assert result.data["truncated"] is True
    assert len(output) < MAX_OUTPUT_CHARS + 100
    assert output.startswith("START")
    assert output.endswith("END")
    assert "characters left out" in output


def test_stdin_is_empty(context: ToolContext) -> None:
    assert run(context, "cat", timeout=5).data["timed_out"] is False


def test_always_asks_approval() -> None:
    tool = RunCommand()

    assert tool.needs_approval is True
    assert tool.auto_approvable is False


def test_approval_key_is_exact_command() -> None:
    tool = RunCommand()
    key = tool.approval_key(RunCommandParams(command="pytest -q"))

    assert key != tool.approval_key(RunCommandParams(command="pytest -q; rm -rf x"))
    assert key != tool.approval_key(RunCommandParams(command="pytest -q", cwd="sub"))
    assert key == tool.approval_key(RunCommandParams(command="pytest -q", timeout=5))


def test_preview_shows_command(context: ToolContext) -> None:
    preview = RunCommand().preview(RunCommandParams(command="ls", cwd="sub"), context)

    assert preview == "$ ls\n(in sub, timeout 60 s)"
