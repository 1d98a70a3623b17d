"""Server errors reach the caller, and the session keeps the request and the failure."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from loco_nb import Assistant, ServerResponseError, StreamInterrupted
from loco_nb.agent.events import Event, TaskFailed, Token
from tests.integration.helpers import ANSWER, saved_session, tool_call
from tests.scripted_server import ScriptedServer


def test_decision_http_500_raises(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.fail(500, '{"error": "the model crashed"}')

    with pytest.raises(ServerResponseError) as caught:
        assistant.ask("What does main.py do?")

    assert caught.value.status_code == 500
    assert "HTTP 500" in str(caught.value)
    assert "the model crashed" in str(caught.value)


def test_decision_http_500_saved(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.fail(500, '{"error": "the model crashed"}')
    events: list[Event] = []

    with pytest.raises(ServerResponseError):
        assistant.ask("What does main.py do?", on_event=events.append)

    saved = saved_session(assistant)
    assert [(m["role"], m["content"]) for m in saved["messages"]] == [
        ("user", "What does main.py do?"),
        ("assistant", ""),
    ]
    assert "HTTP 500" in saved["messages"][1]["error"]
    assert saved["tasks"][0]["status"] == "failed"
    assert "HTTP 500" in saved["tasks"][0]["error"]
    assert sum(isinstance(e, TaskFailed) for e in events) == 1


def test_answer_stream_http_500_raises(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.fail(503, '{"error": "overloaded"}')

    with pytest.raises(ServerResponseError) as caught:
        assistant.ask("Say hello.")

    assert caught.value.status_code == 503
    assert "overloaded" in caught.value.body
    assert saved_session(assistant)["tasks"][0]["status"] == "failed"


def test_http_500_after_tool_saved(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.fail(500)

    with pytest.raises(ServerResponseError):
        assistant.ask("What does main.py do?")

    task = saved_session(assistant)["tasks"][0]
    assert task["status"] == "failed"
    assert task["tool_calls"] == [{"name": "read_file", "params": {"path": "main.py"}}]


def test_cut_stream_raises_interrupted(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.cut("The reply stops half way through the sentence.", after=3)
    tokens: list[str] = []

    def collect(event: Event) -> None:
        if isinstance(event, Token):
            tokens.append(event.text)

    with pytest.raises(StreamInterrupted) as caught:
        assistant.ask("Say something long.", on_event=collect)

    assert "ended before [DONE]" in str(caught.value)
    assert "".join(tokens) == "The reply stops "


def test_cut_stream_saved_as_failed(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.cut("The reply stops half way through the sentence.", after=3)

    with pytest.raises(StreamInterrupted):
        assistant.ask("Say something long.")

    saved = saved_session(assistant)
    assert [m["role"] for m in saved["messages"]] == ["user", "assistant"]
    assert saved["messages"][1]["error"]
    assert saved["messages"][0]["content"] == "Say something long."
    assert saved["tasks"][0]["status"] == "failed"
    assert "ended before [DONE]" in saved["tasks"][0]["error"]


def test_text_protocol_cut_stream(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.cut("The reply stops half way through the sentence.", after=2)
    assistant = make_assistant()

    with pytest.raises(StreamInterrupted):
        assistant.ask("Say something long.")

    assert saved_session(assistant)["tasks"][0]["status"] == "failed"


def test_assistant_usable_after_failure(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.fail(500)
    scripted.reply(ANSWER)
    scripted.reply("Working again.")

    with pytest.raises(ServerResponseError):
        assistant.ask("First try.")
    message = assistant.ask("Second try.")

    assert message.content == "Working again."
    statuses = [task["status"] for task in saved_session(assistant)["tasks"]]
    assert statuses == ["failed", "completed"]
