"""Unit tests of the session index: listing and search, kept in step with the files."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from loco_nb.errors import CorruptFile, StoreError
from loco_nb.models import Message, Role, Session
from loco_nb.store import sessions as sessions_module
from loco_nb.store.index import SCHEMA_VERSION, fts_query
from loco_nb.store.sessions import SessionStore


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "project")


def ask(store: SessionStore, *texts: str, model: str | None = None) -> Session:
    session = store.create(model=model)
    for text in texts:
        session.messages.append(Message(role=Role.USER, content=text))
    store.save(session)
    return session


def write_file(store: SessionStore, session: Session) -> None:
    """Write a session file the way another program would, without the store."""
    store.directory.mkdir(parents=True, exist_ok=True)
    store.path_for(session.id).write_text(session.model_dump_json())


# listing


def test_summaries_newest_first(store: SessionStore) -> None:
    older = ask(store, "first topic")
    newer = ask(store, "second topic")

    listed = store.summaries().sessions

    assert [s.id for s in listed] == [newer.id, older.id]


def test_summary_fields(store: SessionStore) -> None:
    session = ask(store, "What does main.py do?", "And util.py?", model="tiny-coder")

    summary = store.summaries().sessions[0]

    assert summary.title == "What does main.py do?"
    assert summary.model == "tiny-coder"
    assert summary.message_count == 2
    assert summary.size == store.path_for(session.id).stat().st_size


def test_empty_project_lists_nothing(store: SessionStore) -> None:
    assert store.summaries().sessions == []


def test_file_added_by_hand_listed(store: SessionStore) -> None:
    ask(store, "indexed")
    write_file(store, Session(id="chat_5", title="written elsewhere"))

    titles = [s.title for s in store.summaries().sessions]

    assert "written elsewhere" in titles


def test_file_removed_by_hand_dropped(store: SessionStore) -> None:
    session = ask(store, "soon gone")
    store.summaries()

    store.path_for(session.id).unlink()

    assert store.summaries().sessions == []


def test_file_changed_in_place_seen(store: SessionStore) -> None:
    session = ask(store, "old title")
    store.summaries()
    path = store.path_for(session.id)
    data = json.loads(path.read_text())
    data["title"] = "edited by hand, and longer"
    path.write_text(json.dumps(data))

    assert store.summaries().sessions[0].title == "edited by hand, and longer"


def test_deleted_index_rebuilt(store: SessionStore) -> None:
    ask(store, "survives")
    store.index.path.unlink()

    assert [s.title for s in store.summaries().sessions] == ["survives"]


def test_unreadable_index_rebuilt(store: SessionStore) -> None:
    ask(store, "survives")
    store.index.path.write_bytes(b"this is not a database" * 100)

    assert [s.title for s in store.summaries().sessions] == ["survives"]


def test_old_schema_rebuilt(store: SessionStore) -> None:
    ask(store, "survives")
    with sqlite3.connect(store.index.path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    assert [s.title for s in store.summaries().sessions] == ["survives"]


def test_corrupt_file_reported_once(store: SessionStore) -> None:
    ask(store, "good")
    store.path_for("chat_9").write_text('{"id": "chat_9", "messages": [')

    first = store.summaries()
    second = store.summaries()

    assert [s.title for s in first.sessions] == ["good"]
    assert len(first.moved_aside) == 1
    assert isinstance(first.moved_aside[0], CorruptFile)
    assert first.moved_aside[0].moved_to.read_text() == '{"id": "chat_9", "messages": ['
    assert second.moved_aside == []


def test_unchanged_folder_not_scanned(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ask(store, "indexed")
    folder = store.directory
    past = folder.stat().st_mtime_ns - 10_000_000_000
    os.utime(folder, ns=(past, past))
    store.summaries()
    scans: list[int] = []
    monkeypatch.setattr(sessions_module, "_file_states", lambda paths: scans.append(1) or {})

    store.summaries()

    assert scans == []


def test_recent_folder_change_scanned(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder changed within the last tick may change again without a new mtime.
    ask(store, "indexed")
    store.summaries()
    scans: list[int] = []
    real = sessions_module._file_states
    monkeypatch.setattr(
        sessions_module, "_file_states", lambda paths: scans.append(1) or real(paths)
    )

    store.summaries()

    assert scans == [1]


# search


def test_search_finds_message(store: SessionStore) -> None:
    session = ask(store, "How do I parse TOML files?", "unrelated")

    hits = store.search("toml")

    assert len(hits) == 1
    assert hits[0].session_id == session.id
    assert hits[0].role == "user"
    assert "«TOML»" in hits[0].snippet


def test_search_across_sessions(store: SessionStore) -> None:
    ask(store, "greet the world")
    ask(store, "the world is round")
    ask(store, "nothing here")

    assert len(store.search("world")) == 2


def test_search_every_word_needed(store: SessionStore) -> None:
    ask(store, "alpha beta")
    ask(store, "alpha gamma")

    assert len(store.search("alpha beta")) == 1


def test_search_prefix(store: SessionStore) -> None:
    ask(store, "configuration loading")

    assert len(store.search("config*")) == 1


def test_search_dotted_name(store: SessionStore) -> None:
    ask(store, "open main.py please")

    assert len(store.search("main.py")) == 1


def test_search_finds_renamed_title(store: SessionStore) -> None:
    session = ask(store, "first question")
    store.rename(session.id, "Quarterly report")

    hits = store.search("quarterly")

    assert [hit.role for hit in hits] == ["title"]


def test_search_sees_new_message(store: SessionStore) -> None:
    session = ask(store, "first")
    session.messages.append(Message(role=Role.ASSISTANT, content="an elephant appears"))
    store.save(session)

    assert len(store.search("elephant")) == 1


def test_search_forgets_deleted(store: SessionStore, tmp_path: Path) -> None:
    session = ask(store, "ephemeral words")

    store.delete([session.id], tmp_path / "trash")

    assert store.search("ephemeral") == []


def test_search_without_words(store: SessionStore) -> None:
    with pytest.raises(StoreError) as caught:
        store.search("*** ()")

    assert "no words" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("toml", '"toml"'),
        ("main.py", '"main py"'),
        ("config*", '"config"*'),
        ('say "hi" NOT', '"say" "hi" "NOT"'),
        ("a-b (c)", '"a b" "c"'),
    ],
)
def test_fts_query(text: str, query: str) -> None:
    assert fts_query(text) == query
