"""The protocol fallback chain: JSON schema, then the OpenAI tools field, then <tool> tags."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from loco_nb import Assistant
from tests.integration.helpers import last_user_message
from tests.integration.orchestration import (
    NativeCalls,
    TaskServer,
    plan_reply,
    planner_visits,
    task_marker,
)

QUESTION = "What do main.py and util.py contain?"


@pytest.fixture
def no_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[TaskServer]:
    """A server that rejects ``response_format`` but streams native tool calls."""
    with TaskServer(reject_schema=True) as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server


@pytest.fixture
def text_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[TaskServer]:
    """A server that rejects both ``response_format`` and ``tools``."""
    with TaskServer(reject_schema=True, reject_tools=True) as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server


def native(*calls: tuple[str, dict[str, Any]], content: str = "") -> NativeCalls:
    return NativeCalls(
        content=content, calls=[(name, json.dumps(params)) for name, params in calls]
    )


def read(path: str) -> tuple[str, dict[str, Any]]:
    return ("read_file", {"path": path})


def script_two_reads(server: TaskServer) -> None:
    server.reply(native(read("main.py"), read("util.py")))
    server.reply("main.py prints a greeting from util.greet.")


# schema rejected: the tools field


def test_schema_rejected_then_tools(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)

    make_assistant().ask(QUESTION)

    first, second = no_schema.requests[:2]
    assert "response_format" in first
    assert "response_format" not in second
    assert [tool["function"]["name"] for tool in second["tools"]][:1] == ["read_file"]
    assert second["tool_choice"] == "auto"


def test_tools_request_streams(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)

    make_assistant().ask(QUESTION)

    assert no_schema.requests[1]["stream"] is True


def test_native_calls_run_in_order(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)

    message = make_assistant().ask(QUESTION)

    assert [(r.name, r.params["path"]) for r in message.tool_results] == [
        ("read_file", "main.py"),
        ("read_file", "util.py"),
    ]
    assert all(result.ok for result in message.tool_results)


def test_native_results_sent_as_tool_turns(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)

    make_assistant().ask(QUESTION)

    messages = no_schema.requests[2]["messages"]
    call_turn = messages[-3]
    assert call_turn["role"] == "assistant"
    assert [c["id"] for c in call_turn["tool_calls"]] == ["call_0", "call_1"]
    assert json.loads(call_turn["tool_calls"][1]["function"]["arguments"]) == {"path": "util.py"}
    assert [m["role"] for m in messages[-2:]] == ["tool", "tool"]
    assert [m["tool_call_id"] for m in messages[-2:]] == ["call_0", "call_1"]
    assert "=== main.py ===" in messages[-2]["content"]
    assert "=== util.py ===" in messages[-1]["content"]


def test_native_answer_is_text_reply(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)

    message = make_assistant().ask(QUESTION)

    assert message.content == "main.py prints a greeting from util.greet."
    assert len(no_schema.requests) == 3


def test_native_calls_stored_on_task(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)
    assistant = make_assistant()

    assistant.ask(QUESTION)

    calls = assistant.session.tasks[0].tool_calls
    assert [(c.name, c.params) for c in calls] == [
        ("read_file", {"path": "main.py"}),
        ("read_file", {"path": "util.py"}),
    ]


def test_native_bad_arguments_reported(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    no_schema.reply(NativeCalls(calls=[("read_file", "[1, 2]")]))
    no_schema.reply("I could not read it.")

    make_assistant().ask(QUESTION)

    tool_turn = no_schema.requests[2]["messages"][-1]
    assert tool_turn["role"] == "tool"
    assert tool_turn["content"].startswith("The arguments of read_file are not a JSON object")


def test_native_unknown_tool_reported(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    no_schema.reply(native(("open_file", {"path": "main.py"})))
    no_schema.reply("Sorry.")

    message = make_assistant().ask(QUESTION)

    assert message.tool_results[0].ok is False
    assert "There is no tool 'open_file'" in message.tool_results[0].content


def test_protocol_remembered_next_request(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_reads(no_schema)
    no_schema.reply("Hello again.")
    assistant = make_assistant()

    assistant.ask(QUESTION)
    assistant.ask("Say hello.")

    assert "response_format" not in no_schema.requests[3]
    assert "tools" in no_schema.requests[3]


# tools rejected too: <tool> tags


def test_tools_rejected_then_tags(
    text_only: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_only.reply('<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>')
    text_only.reply("main.py prints a greeting.")

    message = make_assistant().ask("What does main.py print?")

    first, second, third = text_only.requests[:3]
    assert "response_format" in first
    assert "tools" in second
    assert "tools" not in third
    assert "response_format" not in third
    assert message.content == "main.py prints a greeting."


def test_tags_prompt_after_fallback(
    text_only: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_only.reply('<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>')
    text_only.reply("main.py prints a greeting.")

    make_assistant().ask("What does main.py print?")

    system = text_only.requests[2]["messages"][0]["content"]
    assert "<tool>" in system


def test_several_tags_run_in_order(
    text_only: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    text_only.reply(
        '<tool>{"name": "read_file", "params": {"path": "util.py"}}</tool>\n'
        '<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>'
    )
    text_only.reply("Both read.")

    message = make_assistant().ask(QUESTION)

    assert [r.params["path"] for r in message.tool_results] == ["util.py", "main.py"]
    feedback = last_user_message(text_only.requests[3])
    assert feedback.index("=== util.py ===") < feedback.index("=== main.py ===")


# concurrent tasks on a server without structured output

FIRST = "Read main.py and say what it prints."
SECOND = "Read util.py and say what it does."
TWO_TASKS_REQUEST = f"{FIRST} Then {SECOND}"


def script_two_tasks(server: TaskServer) -> None:
    """Script a plan of two independent tasks, each answered by its first reply."""
    server.reply(plan_reply(("main", "analyze", FIRST, []), ("util", "analyze", SECOND, [])))
    server.route(task_marker(FIRST), "main.py prints a greeting.")
    server.route(task_marker(SECOND), "util.py defines greet.")


def test_parallel_tasks_keep_tools_field(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    # Both tasks' first requests carry the schema and are rejected; the second
    # rejection must not demote the server past the tools field.
    script_two_tasks(no_schema)

    make_assistant().ask(TWO_TASKS_REQUEST)

    retries = [
        visit.body
        for visit in no_schema.visits
        if "response_format" not in visit.body and visit not in planner_visits(no_schema)
    ]
    assert len(retries) == 2
    assert all("tools" in body for body in retries)


def test_planner_without_schema_support(
    no_schema: TaskServer, make_assistant: Callable[..., Assistant]
) -> None:
    script_two_tasks(no_schema)
    assistant = make_assistant()

    assistant.ask(TWO_TASKS_REQUEST, plan=True)

    planning = planner_visits(no_schema)
    assert "response_format" in planning[0].body
    assert "response_format" not in planning[1].body
    assert len(assistant.session.tasks) == 2
