"""The text protocol: a server that rejects response_format gets <tool> tags in free text."""

from __future__ import annotations

import json
from collections.abc import Callable

from loco_nb import Assistant
from loco_nb.agent.events import Event, ToolResultReady
from tests.integration.helpers import decision_requests, last_user_message
from tests.scripted_server import ScriptedServer

READ_MAIN = '<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>'


def test_rejected_schema_falls_back_to_tags(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply(f"Let me look at the file. {READ_MAIN}")
    text_server.reply("main.py prints a greeting from util.")
    events: list[Event] = []

    message = make_assistant().ask("What does main.py do?", on_event=events.append)

    assert message.content == "main.py prints a greeting from util."
    assert [r.name for r in message.tool_results] == ["read_file"]
    assert message.tool_results[0].ok is True
    assert "   1 | import util" in message.tool_results[0].content
    assert sum(isinstance(e, ToolResultReady) for e in events) == 1


def test_fallback_requests_stream_without_schema(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply(READ_MAIN)
    text_server.reply("main.py prints a greeting from util.")

    make_assistant().ask("What does main.py do?")

    assert [("response_format" in body) for body in text_server.requests] == [True, False, False]
    for body in text_server.requests[1:]:
        assert body["stream"] is True
    system = text_server.requests[1]["messages"][0]["content"]
    assert "To call a tool, reply with only the call:" in system


def test_tag_call_and_result_sent_back(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply(f"Let me look. {READ_MAIN}")
    text_server.reply("main.py prints a greeting from util.")

    make_assistant().ask("What does main.py do?")

    follow_up = text_server.requests[2]["messages"]
    assert follow_up[-2] == {"role": "assistant", "content": READ_MAIN}
    assert follow_up[-1]["role"] == "user"
    assert follow_up[-1]["content"].startswith("Result of read_file:")
    assert '   3 | print(util.greet("world"))' in follow_up[-1]["content"]


def test_fallback_kept_for_next_request(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply("First answer.")
    text_server.reply("Second answer.")
    assistant = make_assistant()

    first = assistant.ask("First question?")
    second = assistant.ask("Second question?")

    assert first.content == "First answer."
    assert second.content == "Second answer."
    assert len(decision_requests(text_server)) == 1


def test_unreadable_tag_gets_correction(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply("<tool>read the file main.py please</tool>")
    text_server.reply(READ_MAIN)
    text_server.reply("It prints hello world.")

    message = make_assistant().ask("What does main.py print?")

    correction = last_user_message(text_server.requests[2])
    assert correction.startswith("Your tool call could not be used:")
    assert "Could not read 'read the file main.py please' as a tool call" in correction
    assert correction.endswith("Try again.")
    assert message.content == "It prints hello world."
    assert [r.name for r in message.tool_results] == ["read_file"]
    assert message.tool_results[0].ok is True


def test_tag_without_name_gets_correction(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply('<tool>{"params": {"path": "main.py"}}</tool>')
    text_server.reply("I could not call the tool.")

    make_assistant().ask("What does main.py print?")

    correction = last_user_message(text_server.requests[2])
    assert 'has no "name"' in correction


def test_unknown_tool_reported_to_model(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply('<tool>{"name": "rename_file", "params": {"path": "main.py"}}</tool>')
    text_server.reply("I cannot rename files.")

    message = make_assistant().ask("Rename main.py.")

    result = message.tool_results[0]
    assert result.ok is False
    assert "There is no tool 'rename_file'" in result.content
    assert "list_files, read_file, run_command" in result.content
    assert last_user_message(text_server.requests[2]).startswith("Error of rename_file:")


def test_invalid_params_reported_to_model(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply('<tool>{"name": "read_file", "params": {"file": "main.py"}}</tool>')
    text_server.reply("I used the wrong parameter.")

    message = make_assistant().ask("Show main.py.")

    result = message.tool_results[0]
    assert result.ok is False
    assert "Invalid parameters for read_file" in result.content
    assert "path: Field required" in result.content
    assert "Expected: read_file(path, start_line?, num_lines?)" in result.content


def test_mid_task_fallback_reruns_tool(
    scripted: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    # The second decision gets HTTP 400 after a tool already ran, so the task restarts
    # with the text protocol and a fresh conversation.
    scripted.reply('{"name": "read_file", "params": {"path": "main.py"}}')
    scripted.fail(400, '{"error": "response_format is not supported"}')
    scripted.reply(READ_MAIN)
    scripted.reply("main.py prints a greeting from util.")

    message = make_assistant().ask("What does main.py do?")

    assert [r.name for r in message.tool_results] == ["read_file"]
    assert "Result of read_file" in json.dumps(scripted.requests[-1]["messages"])
