"""The Assistant's sessions, notebooks and project context against the scripted server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from loco_nb import Assistant
from loco_nb.errors import SessionNotFound, StoreError
from loco_nb.store.project import ProjectCache
from tests.integration.helpers import ANSWER, tool_call
from tests.integration.test_history_export import ask_plain as ask
from tests.scripted_server import ScriptedServer

# the project context in requests


def test_system_prompt_has_project(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask(scripted, assistant, "What is this?", "A greeting.")

    system = scripted.requests[-1]["messages"][0]["content"]

    assert "Entry points: main.py" in system


def test_analyze_writes_description(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    scripted.reply("A script that greets the world through util.greet.")

    context = assistant.analyze_project()
    cached = ProjectCache(project).load()

    assert context.description == "A script that greets the world through util.greet."
    assert cached is not None
    assert cached.description == context.description
    assert "Entry points: main.py" in scripted.requests[-1]["messages"][1]["content"]


def test_description_reaches_prompt(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply("A greeting script.")
    assistant.analyze_project()

    ask(scripted, assistant, "What is this?", "A greeting.")

    assert (
        "About the project: A greeting script." in scripted.requests[-1]["messages"][0]["content"]
    )


def test_analyze_offline_keeps_static(
    monkeypatch: pytest.MonkeyPatch, make_assistant: Callable[..., Assistant]
) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", "http://127.0.0.1:9/v1")
    assistant = make_assistant()

    context = assistant.analyze_project()

    assert context.entry_points == ["main.py"]
    assert context.description == ""
    assert "127.0.0.1:9" in context.description_error


# sessions through the facade


def test_rename_current(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask(scripted, assistant, "What is util.py?", "A helper.")

    assistant.rename_session("Helpers")
    ask(scripted, assistant, "And main.py?", "The entry point.")

    assert assistant.session.title == "Helpers"
    assert assistant.store.load(assistant.session.id).title == "Helpers"


def test_delete_current_then_restore(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask(scripted, assistant, "What is util.py?", "A helper.")
    deleted = assistant.session.id

    entry = assistant.delete_sessions([deleted])
    assert assistant.current_session_id is None
    restored_entry, paths = assistant.restore_from_trash()

    assert restored_entry.folder == entry.folder
    assert paths == [assistant.store.path_for(deleted)]
    assert assistant.switch(deleted).messages[1].content == "A helper."


def test_restore_unknown_name(assistant: Assistant) -> None:
    with pytest.raises(StoreError) as caught:
        assistant.restore_from_trash("loco_sessions_19990101_000000")

    assert "%loco trash" in str(caught.value)


def test_export_then_import(scripted: ScriptedServer, assistant: Assistant, tmp_path: Path) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(ANSWER)
    scripted.reply("It prints a greeting:\n\n```python\nprint('hello')\n```")
    assistant.ask("What does main.py do?")
    original = assistant.session

    [(session_id, path)] = assistant.export_sessions(output=tmp_path / "chat.ipynb")
    imported = assistant.import_notebook(path)

    assert session_id == original.id
    assert imported.id != original.id
    assert assistant.session is imported
    assert imported.messages == original.messages
    assert assistant.store.load(imported.id).messages == original.messages


def test_export_several_to_folder(
    scripted: ScriptedServer, assistant: Assistant, tmp_path: Path
) -> None:
    ask(scripted, assistant, "First?", "One.")
    first = assistant.session.id
    assistant.new_session()
    ask(scripted, assistant, "Second?", "Two.")

    written = assistant.export_sessions(all_sessions=True, output=tmp_path / "out")

    assert sorted(written) == sorted(
        [
            (first, tmp_path / "out" / f"{first}.ipynb"),
            (assistant.session.id, tmp_path / "out" / f"{assistant.session.id}.ipynb"),
        ]
    )


def test_export_several_to_notebook_rejected(
    scripted: ScriptedServer, assistant: Assistant, tmp_path: Path
) -> None:
    ask(scripted, assistant, "First?", "One.")

    with pytest.raises(StoreError):
        assistant.export_sessions(all_sessions=True, output=tmp_path / "one.ipynb")


def test_export_unknown_session(assistant: Assistant) -> None:
    with pytest.raises(SessionNotFound):
        assistant.export_sessions(["chat_404"])


def test_search_finds_answer(scripted: ScriptedServer, assistant: Assistant) -> None:
    ask(scripted, assistant, "What is util.py?", "A helper with a greet function.")

    hits = assistant.search("greet")

    assert [(hit.session_id, hit.role) for hit in hits] == [(assistant.session.id, "assistant")]
