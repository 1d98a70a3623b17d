"""The structured protocol: JSON decisions constrained by a schema, then a streamed answer."""

from __future__ import annotations

from pathlib import Path

from loco_nb import Assistant
from tests.integration.helpers import (
    ANSWER,
    decision_requests,
    last_user_message,
    tool_call,
    tool_option,
)
from tests.scripted_server import ScriptedServer


def add_nested_and_ignored_files(project: Path) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "mod.py").write_text("VALUE = 1\n")
    (project / "build").mkdir()
    (project / "build" / "generated.py").write_text("# ignored by .gitignore\n")
    (project / "run.log").write_text("ignored by .gitignore\n")


def test_decisions_carry_json_schema(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    add_nested_and_ignored_files(project)
    scripted.reply(tool_call("read_file", path="util.py"))
    scripted.reply(ANSWER)
    scripted.reply("util.greet returns a greeting.")

    assistant.ask("What does util.greet return?")

    decisions = decision_requests(scripted)
    assert len(decisions) == 2
    for body in decisions:
        assert body["stream"] is False
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
        assert body["model"] == "scripted-coder-7b"


def test_read_file_path_enum_lists_files(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    add_nested_and_ignored_files(project)
    scripted.reply(ANSWER)
    scripted.reply("Nothing to read.")

    assistant.ask("Which files are there?")

    read_file = tool_option(decision_requests(scripted)[0], "read_file")
    path_schema = read_file["properties"]["params"]["properties"]["path"]
    assert path_schema["enum"] == [".gitignore", "main.py", "pkg/mod.py", "util.py"]


def test_schema_offers_answer_marker(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.reply("Hello.")

    assistant.ask("Say hello.")

    answer = tool_option(decision_requests(scripted)[0], "answer")
    assert answer["required"] == ["name"]
    assert answer["additionalProperties"] is False


def test_tool_result_reaches_next_decision(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(tool_call("read_file", path="util.py"))
    scripted.reply(ANSWER)
    scripted.reply("util.greet returns a greeting.")

    message = assistant.ask("What does util.greet return?")

    second = decision_requests(scripted)[1]
    assert second["messages"][-2]["role"] == "assistant"
    assert '"path": "util.py"' in second["messages"][-2]["content"]
    feedback = last_user_message(second)
    assert feedback.startswith("Result of read_file:")
    assert '   2 |     return f"hello {name}"' in feedback
    assert message.tool_results[0].ok is True


def test_final_answer_streamed_unconstrained(
    scripted: ScriptedServer, assistant: Assistant
) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(ANSWER)
    scripted.reply("main.py prints hello world.")

    message = assistant.ask("What does main.py print?")

    assert message.content == "main.py prints hello world."
    assert len(scripted.requests) == 3
    final = scripted.requests[-1]
    assert final["stream"] is True
    assert "response_format" not in final
    assert final["stream_options"] == {"include_usage": True}
    instruction = last_user_message(final)
    assert instruction.startswith("Now answer this request")
    assert instruction.endswith("Request: What does main.py print?")


def test_system_prompt_uses_json_protocol(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    scripted.reply(ANSWER)
    scripted.reply("Hello.")

    assistant.ask("Say hello.")

    system = scripted.requests[0]["messages"][0]
    assert system["role"] == "system"
    assert "reply with one JSON object." in system["content"]
    assert "<tool>" not in system["content"]
    assert str(project.resolve()) in system["content"]


def test_prose_decision_taken_as_answer(scripted: ScriptedServer, assistant: Assistant) -> None:
    # A server that ignores response_format returns prose, which the loop takes as the answer.
    scripted.reply("A list comprehension builds a list from an iterable.")

    message = assistant.ask("What is a list comprehension?")

    assert message.content == "A list comprehension builds a list from an iterable."
    assert len(scripted.requests) == 1
    assert message.tool_results == []


def test_usage_counted_on_task(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.reply("A fairly short answer about nothing in particular.")

    assistant.ask("Say something.")

    task = assistant.session.tasks[0]
    assert task.prompt_tokens > 0
    assert task.completion_tokens > 0
    assert task.model_id == "scripted-coder-7b"
