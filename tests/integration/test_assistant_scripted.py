"""The Assistant end to end against the scripted server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loco_nb import Assistant, ServerUnavailable
from loco_nb.agent.events import Token, ToolResultReady
from tests.scripted_server import ScriptedServer


def test_tool_call_then_streamed_answer(scripted: ScriptedServer, project: Path) -> None:
    scripted.reply('{"name": "read_file", "params": {"path": "main.py"}}')
    scripted.reply('{"name": "answer"}')
    scripted.reply("main.py prints a greeting.")
    events = []

    assistant = Assistant(project)
    message = assistant.ask("What does main.py do?", on_event=events.append)
    assistant.close()

    assert message.content == "main.py prints a greeting."
    assert [r.name for r in message.tool_results] == ["read_file"]
    assert "   1 | import util" in message.tool_results[0].content
    assert any(isinstance(e, Token) for e in events)
    assert any(isinstance(e, ToolResultReady) for e in events)
    session_file = project / ".loco" / "sessions" / f"{assistant.session.id}.json"
    saved = json.loads(session_file.read_text())
    assert [m["role"] for m in saved["messages"]] == ["user", "assistant"]
    assert saved["tasks"][0]["status"] == "completed"


def test_server_down_names_url_and_ways_out(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", "http://127.0.0.1:9/v1")
    assistant = Assistant(project)

    with pytest.raises(ServerUnavailable) as caught:
        assistant.ask("hello")
    assistant.close()

    assert "http://127.0.0.1:9/v1" in str(caught.value)
    assert "unset LOCO_BASE_URL" in str(caught.value)
    assert assistant.store.load(assistant.session.id).messages[0].content == "hello"
