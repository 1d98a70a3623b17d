"""Conversation history across requests, new sessions, and export as a notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat

from loco_nb import Assistant
from tests.integration.helpers import ANSWER, saved_session, tool_call
from tests.scripted_server import ScriptedServer


def ask_plain(scripted: ScriptedServer, assistant: Assistant, question: str, answer: str) -> None:
    scripted.reply(ANSWER)
    scripted.reply(answer)
    assistant.ask(question)


def test_second_ask_sends_history(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask_plain(scripted, assistant, "What is util.py?", "A helper module.")
    first_count = len(scripted.requests)

    ask_plain(scripted, assistant, "And main.py?", "The entry point.")

    second = scripted.requests[first_count]
    assert second["messages"][1:] == [
        {"role": "user", "content": "What is util.py?"},
        {"role": "assistant", "content": "A helper module."},
        {"role": "user", "content": "And main.py?"},
    ]


def test_history_reaches_final_answer(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask_plain(scripted, assistant, "What is util.py?", "A helper module.")

    ask_plain(scripted, assistant, "And main.py?", "The entry point.")

    contents = [m["content"] for m in scripted.requests[-1]["messages"]]
    assert "What is util.py?" in contents
    assert "A helper module." in contents


def test_new_session_starts_clean(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask_plain(scripted, assistant, "What is util.py?", "A helper module.")
    first_id = assistant.session.id

    fresh = assistant.new_session()
    ask_plain(scripted, assistant, "What is main.py?", "The entry point.")

    assert fresh.id != first_id
    assert assistant.session.id == fresh.id
    roles = [m["role"] for m in scripted.requests[-2]["messages"]]
    assert roles == ["system", "user"]
    assert scripted.requests[-2]["messages"][1]["content"] == "What is main.py?"


def test_new_session_keeps_old_file(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask_plain(scripted, assistant, "What is util.py?", "A helper module.")
    first_id = assistant.session.id

    assistant.new_session()
    ask_plain(scripted, assistant, "What is main.py?", "The entry point.")

    old = assistant.store.load(first_id)
    assert [m.content for m in old.messages] == ["What is util.py?", "A helper module."]
    assert [m["content"] for m in saved_session(assistant)["messages"]] == [
        "What is main.py?",
        "The entry point.",
    ]


def test_switch_restores_history(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask_plain(scripted, assistant, "What is util.py?", "A helper module.")
    first_id = assistant.session.id
    assistant.new_session()
    ask_plain(scripted, assistant, "What is main.py?", "The entry point.")

    assistant.switch(first_id)
    ask_plain(scripted, assistant, "Who calls greet?", "main.py does.")

    contents = [m["content"] for m in scripted.requests[-2]["messages"][1:]]
    assert contents == ["What is util.py?", "A helper module.", "Who calls greet?"]


def exchange_with_tool(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(ANSWER)
    scripted.reply('main.py greets the world:\n\n```python\nprint(util.greet("world"))\n```')
    assistant.ask("What does main.py do?")


def test_export_passes_nbformat_validate(
    scripted: ScriptedServer, assistant: Assistant, tmp_path: Path
) -> None:
    exchange_with_tool(scripted, assistant)

    written = assistant.export(tmp_path / "chat.ipynb")

    assert written == tmp_path / "chat.ipynb"
    notebook = nbformat.read(written, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["loco_nb"]["session_id"] == assistant.session.id


def test_export_has_tool_display_data(
    scripted: ScriptedServer, assistant: Assistant, tmp_path: Path
) -> None:
    exchange_with_tool(scripted, assistant)

    notebook = nbformat.read(assistant.export(tmp_path / "chat.ipynb"), as_version=4)

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert [o.output_type for o in outputs] == ["display_data"]
    assert "   1 | import util" in outputs[0].data["text/plain"]
    assert "main.py" in outputs[0].data["text/html"]


def test_export_turns_code_into_cells(
    scripted: ScriptedServer, assistant: Assistant, tmp_path: Path
) -> None:
    exchange_with_tool(scripted, assistant)

    notebook = nbformat.read(assistant.export(tmp_path / "chat.ipynb"), as_version=4)

    sources = [cell.source for cell in notebook.cells]
    assert "**You:** What does main.py do?" in sources
    assert "# loco_nb ran read_file(path='main.py')" in sources
    assert "main.py greets the world:" in sources
    assert 'print(util.greet("world"))' in sources


def test_export_default_path_in_project(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    exchange_with_tool(scripted, assistant)

    written = assistant.export()

    assert written == project.resolve() / f"{assistant.session.id}.ipynb"
    nbformat.validate(nbformat.read(written, as_version=4))
