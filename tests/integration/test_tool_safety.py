"""Tools stay inside the project, and writes need approval."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from loco_nb import Assistant, ToolCall
from tests.integration.helpers import ANSWER, saved_session, tool_call
from tests.scripted_server import ScriptedServer

SECRET = "TOP-SECRET-VALUE-42"


@pytest.fixture
def outside_file(project: Path) -> Path:
    """A file next to the project folder, with a symbolic link to it from inside."""
    secret = project.parent / "secret.txt"
    secret.write_text(f"{SECRET}\n")
    (project / "link.txt").symlink_to(secret)
    return secret


@pytest.mark.parametrize("path", ["../secret.txt", "/etc/passwd", "link.txt"])
def test_read_outside_project_rejected(
    scripted: ScriptedServer, assistant: Assistant, project: Path, outside_file: Path, path: str
) -> None:
    scripted.reply(tool_call("read_file", path=path))
    scripted.reply(ANSWER)
    scripted.reply("That file is outside the project.")

    message = assistant.ask("Show me the secret file.")

    result = message.tool_results[0]
    assert result.ok is False
    assert result.kind == "error"
    assert repr(path) in result.content
    assert repr(str(project.resolve())) in result.content
    assert "   1 | " not in result.content
    assert SECRET not in json.dumps(scripted.requests)
    assert message.content == "That file is outside the project."


def test_rejected_read_saved_in_session(
    scripted: ScriptedServer, assistant: Assistant, outside_file: Path
) -> None:
    scripted.reply(tool_call("read_file", path="../secret.txt"))
    scripted.reply(ANSWER)
    scripted.reply("That file is outside the project.")

    assistant.ask("Show me the secret file.")

    saved = saved_session(assistant)
    assert [m["role"] for m in saved["messages"]] == ["user", "assistant"]
    assert saved["messages"][1]["tool_results"][0]["ok"] is False
    assert saved["tasks"][0]["status"] == "completed"


def test_list_files_outside_rejected(
    scripted: ScriptedServer, assistant: Assistant, outside_file: Path
) -> None:
    scripted.reply(tool_call("list_files", path=".."))
    scripted.reply(ANSWER)
    scripted.reply("I can only list the project.")

    message = assistant.ask("List the parent folder.")

    result = message.tool_results[0]
    assert result.ok is False
    assert "resolves outside the project root" in result.content
    assert "secret.txt" not in result.content


def test_write_outside_project_rejected(
    scripted: ScriptedServer, make_assistant: Callable[..., Assistant], project: Path
) -> None:
    scripted.reply(tool_call("write_file", path="../escaped.py", content="x = 1\n"))
    scripted.reply(ANSWER)
    scripted.reply("I cannot write there.")

    message = make_assistant(auto_approve=True).ask("Write ../escaped.py.")

    assert message.tool_results[0].ok is False
    assert "resolves outside the project root" in message.tool_results[0].content
    assert not (project.parent / "escaped.py").exists()


def script_write(scripted: ScriptedServer) -> None:
    scripted.reply(tool_call("write_file", path="new.py", content="x = 1\n"))
    scripted.reply(ANSWER)
    scripted.reply("Wrote new.py.")


def test_write_without_approval_rejected(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    script_write(scripted)

    message = assistant.ask("Create new.py with x = 1.")

    result = message.tool_results[0]
    assert result.ok is False
    assert "write_file changes files and was not approved" in result.content
    assert "--yes" in result.content
    assert "auto_approve=True" in result.content
    assert not (project / "new.py").exists()
    assert message.content == "Wrote new.py."


def test_write_with_auto_approve(
    scripted: ScriptedServer, make_assistant: Callable[..., Assistant], project: Path
) -> None:
    script_write(scripted)

    message = make_assistant(auto_approve=True).ask("Create new.py with x = 1.")

    result = message.tool_results[0]
    assert result.ok is True
    assert result.content == "Created new.py (1 lines)."
    assert result.kind == "diff"
    assert (project / "new.py").read_text() == "x = 1\n"


def test_ask_auto_approve_overrides_default(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    script_write(scripted)

    message = assistant.ask("Create new.py with x = 1.", auto_approve=True)

    assert message.tool_results[0].ok is True
    assert (project / "new.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("verdict", [False, True])
def test_approver_decides_write(
    scripted: ScriptedServer,
    make_assistant: Callable[..., Assistant],
    project: Path,
    verdict: bool,
) -> None:
    script_write(scripted)
    seen: list[ToolCall] = []

    def approver(call: ToolCall) -> bool:
        seen.append(call)
        return verdict

    message = make_assistant(approver=approver).ask("Create new.py with x = 1.")

    assert seen == [ToolCall(name="write_file", params={"path": "new.py", "content": "x = 1\n"})]
    assert message.tool_results[0].ok is verdict
    assert (project / "new.py").exists() is verdict


@pytest.mark.parametrize("verdict", [False, True])
def test_async_approver_decides_write(
    scripted: ScriptedServer,
    make_assistant: Callable[..., Assistant],
    project: Path,
    verdict: bool,
) -> None:
    script_write(scripted)

    async def approver(call: ToolCall) -> bool:
        return verdict

    message = make_assistant(approver=approver).ask("Create new.py with x = 1.")

    assert message.tool_results[0].ok is verdict
    assert (project / "new.py").exists() is verdict


def test_rejected_write_explains_approval(
    scripted: ScriptedServer, make_assistant: Callable[..., Assistant], project: Path
) -> None:
    script_write(scripted)

    message = make_assistant(approver=lambda call: False).ask("Create new.py with x = 1.")

    content = message.tool_results[0].content
    assert "--yes" in content
    assert "auto_approve=True" in content


def test_read_needs_no_approval(
    scripted: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(ANSWER)
    scripted.reply("It imports util.")
    seen: list[ToolCall] = []

    def approver(call: ToolCall) -> bool:
        seen.append(call)
        return False

    message = make_assistant(approver=approver).ask("What does main.py import?")

    assert message.tool_results[0].ok is True
    assert seen == []
