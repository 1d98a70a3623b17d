"""Session files written by other versions of loco_nb load, and survive a save."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from loco_nb.models import Message, Role
from loco_nb.store.sessions import SessionStore

FIXTURES = Path(__file__).parent / "fixtures"
NEWER = "chat_1700000000000"
OLDER = "chat_1600000000000"


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    store = SessionStore(tmp_path / "project")
    store.directory.mkdir(parents=True)
    shutil.copy(FIXTURES / "session_from_newer_version.json", store.path_for(NEWER))
    shutil.copy(FIXTURES / "session_from_older_version.json", store.path_for(OLDER))
    return store


def saved_json(store: SessionStore, session_id: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(store.path_for(session_id).read_text())
    return data


# a file from a newer version: unknown fields


def test_newer_file_loads(store: SessionStore) -> None:
    session = store.load(NEWER)

    assert session.title == "Explain util.py"
    assert [m.id for m in session.messages] == ["msg_a1", "msg_a2"]
    assert session.messages[1].tool_results[0].content == "=== util.py ==="


def test_unknown_fields_readable(store: SessionStore) -> None:
    session = store.load(NEWER)

    assert session.model_extra == {"workspace": {"kind": "notebook", "path": "analysis.ipynb"}}
    assert session.messages[0].model_extra == {"attachments": ["util.py"]}


def test_unknown_fields_survive_save(store: SessionStore) -> None:
    session = store.load(NEWER)
    session.messages.append(Message(role=Role.USER, content="And main.py?"))

    store.save(session)
    saved = saved_json(store, NEWER)

    messages = saved["messages"]
    assert isinstance(messages, list)
    tasks = saved["tasks"]
    assert isinstance(tasks, list)
    assert saved["workspace"] == {"kind": "notebook", "path": "analysis.ipynb"}
    assert messages[0]["attachments"] == ["util.py"]
    assert messages[1]["rating"] == 5
    assert messages[1]["tool_results"][0]["duration_ms"] == 12
    assert tasks[0]["cost"] == {"joules": 3.5}
    assert messages[2]["content"] == "And main.py?"


# a file from an older version: missing fields


def test_older_file_gets_defaults(store: SessionStore) -> None:
    session = store.load(OLDER)

    assert session.title == ""
    assert session.model is None
    assert session.tasks == []
    assert session.messages[0].tool_results == []
    assert session.messages[0].task_ids == []


def test_older_messages_get_stable_ids(store: SessionStore, tmp_path: Path) -> None:
    first = [m.id for m in store.load(OLDER).messages]
    again = [m.id for m in SessionStore(store.project_dir).load(OLDER).messages]

    assert first == again
    assert len(set(first)) == 3


def test_older_save_writes_ids(store: SessionStore) -> None:
    ids = [m.id for m in store.load(OLDER).messages]

    store.save(store.load(OLDER))
    messages = saved_json(store, OLDER)["messages"]

    assert isinstance(messages, list)
    assert [m["id"] for m in messages] == ids


def test_older_title_filled_on_save(store: SessionStore) -> None:
    store.save(store.load(OLDER))

    assert store.load(OLDER).title == "What does main.py do?"


def test_two_readers_of_older_file_merge(store: SessionStore) -> None:
    # Both derive the same ids for the old messages, so merging keeps three, not six.
    first = store.load(OLDER)
    second = SessionStore(store.project_dir).load(OLDER)
    first.messages.append(Message(role=Role.ASSISTANT, content="from the first kernel"))
    second.messages.append(Message(role=Role.ASSISTANT, content="from the second kernel"))

    store.save(first)
    SessionStore(store.project_dir).save(second)
    contents = [m.content for m in store.load(OLDER).messages]

    assert len(contents) == 5
    assert contents[3:] == ["from the first kernel", "from the second kernel"]
