"""The task loop stops calling tools after max_steps, or early when a call repeats."""

from __future__ import annotations

from collections.abc import Callable

from loco_nb import Assistant, load_settings
from tests.integration.helpers import (
    decision_requests,
    last_user_message,
    streamed_requests,
    tool_call,
)
from tests.scripted_server import ScriptedServer

READ_MAIN = '<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>'
READ_UTIL = '<tool>{"name": "read_file", "params": {"path": "util.py"}}</tool>'


def test_max_steps_forces_answer(
    scripted: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(tool_call("read_file", path="util.py"))
    scripted.reply(tool_call("list_files", path="."))
    # A fourth decision request would take this text as its answer, so the count below
    # checks the limit.
    scripted.reply("Done looking around.")
    assistant = make_assistant(settings=load_settings(max_steps=3))

    message = assistant.ask("Explain the project.")

    assert len(decision_requests(scripted)) == 3
    assert [r.name for r in message.tool_results] == ["read_file", "read_file", "list_files"]
    assert message.content == "Done looking around."
    final = scripted.requests[-1]
    assert final["stream"] is True
    assert final["messages"][-2]["content"].startswith("Result of list_files:")
    assert last_user_message(final).startswith("Now answer this request")


def test_repeated_call_answers_early(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply("main.py prints a greeting.")

    message = assistant.ask("What does main.py do?")

    assert len(decision_requests(scripted)) == 2
    assert len(message.tool_results) == 1
    assert message.content == "main.py prints a greeting."
    assert last_user_message(scripted.requests[-1]).startswith("Now answer this request")


def test_text_max_steps_forces_answer(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply(READ_MAIN)
    text_server.reply(READ_UTIL)
    text_server.reply("Both files work together.")
    assistant = make_assistant(settings=load_settings(max_steps=2))

    message = assistant.ask("How do the files fit together?")

    assert len(streamed_requests(text_server)) == 3
    assert [r.params["path"] for r in message.tool_results] == ["main.py", "util.py"]
    assert message.content == "Both files work together."
    assert last_user_message(text_server.requests[-1]).startswith("Now answer this request")


def test_text_repeated_call_answers_early(
    text_server: ScriptedServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_server.reply(READ_MAIN)
    text_server.reply(READ_MAIN)
    text_server.reply("main.py prints a greeting.")

    message = make_assistant().ask("What does main.py do?")

    assert len(streamed_requests(text_server)) == 3
    assert len(message.tool_results) == 1
    assert message.content == "main.py prints a greeting."
