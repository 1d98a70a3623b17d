"""Unit tests of loco_nb.store.sessions: session files under .loco/sessions."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from loco_nb.errors import CorruptFile, SessionNotFound, StoreError
from loco_nb.models import Message, Role, Session
from loco_nb.store import sessions
from loco_nb.store.sessions import TITLE_LENGTH, SessionStore, title_from


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "project")


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make every save one second later than the one before."""
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    ticks = iter(range(1_000_000))
    monkeypatch.setattr(sessions, "utc_now", lambda: start + timedelta(seconds=next(ticks)))
    yield


def _with_user_message(session: Session, text: str) -> Session:
    session.messages.append(Message(role=Role.USER, content=text))
    return session


# create / save / load


def test_create_reserves_file(store: SessionStore) -> None:
    session = store.create(model="tiny")

    path = store.directory / f"{session.id}.json"
    assert path.is_file()
    assert json.loads(path.read_text())["model"] == "tiny"


def test_create_gives_unique_ids(store: SessionStore) -> None:
    ids = [store.create().id for _ in range(50)]

    assert len(set(ids)) == 50


def test_create_skips_taken_id(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.directory.mkdir(parents=True)
    (store.directory / "chat_1.json").write_text('{"id": "chat_1", "title": "keep me"}')
    ids = iter(["chat_1", "chat_2"])
    monkeypatch.setattr(sessions, "new_session_id", lambda: next(ids))

    session = store.create()

    assert session.id == "chat_2"
    assert store.load("chat_1").title == "keep me"


def test_save_then_load(store: SessionStore) -> None:
    session = _with_user_message(store.create(), "What does main.py do?")
    session.messages.append(Message(role=Role.ASSISTANT, content="It prints."))

    store.save(session)
    loaded = store.load(session.id)

    assert [m.content for m in loaded.messages] == ["What does main.py do?", "It prints."]
    assert loaded.id == session.id


def test_save_updates_last_updated(store: SessionStore, ticking_clock: None) -> None:
    session = store.create()
    first = store.load(session.id).last_updated

    store.save(session)

    assert store.load(session.id).last_updated > first


def test_save_returns_path(store: SessionStore) -> None:
    session = store.create()

    assert store.save(session) == store.directory / f"{session.id}.json"


def test_load_missing_session(store: SessionStore) -> None:
    with pytest.raises(SessionNotFound) as caught:
        store.load("chat_404")

    assert "chat_404" in str(caught.value)


# list


def test_list_without_folder(store: SessionStore) -> None:
    assert store.list() == []


def test_list_newest_first(store: SessionStore, ticking_clock: None) -> None:
    first = store.create()
    second = store.create()
    third = store.create()
    store.save(first)

    assert [s.id for s in store.list()] == [first.id, third.id, second.id]


def test_list_moves_corrupt_aside(store: SessionStore, caplog: pytest.LogCaptureFixture) -> None:
    valid = store.create()
    broken = store.directory / "chat_1.json"
    broken.write_text('{"id": "chat_1", "messages": [')

    with caplog.at_level(logging.WARNING, logger="loco_nb"):
        listed = store.list()

    assert [s.id for s in listed] == [valid.id]
    assert str(broken) in caplog.text
    assert not broken.exists()


def test_list_ignores_temp_files(store: SessionStore) -> None:
    valid = store.create()
    (store.directory / f".{valid.id}.json.abc.tmp").write_text("{")

    assert [s.id for s in store.list()] == [valid.id]


def test_list_mixed_naive_timestamps(store: SessionStore) -> None:
    # A hand-edited file may carry a timestamp without a time zone.
    aware = store.create()
    (store.directory / "chat_1.json").write_text(
        '{"id": "chat_1", "last_updated": "2020-01-01T00:00:00"}'
    )

    listed = store.list()

    assert [s.id for s in listed] == [aware.id, "chat_1"]


# corrupt files


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": "chat_1", "messages": [',
        b"",
        b"[]",
        b'{"id": "chat_1", "messages": [{"role": "wizard"}]}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_corrupt_file_names_path(store: SessionStore, content: bytes) -> None:
    store.directory.mkdir(parents=True)
    path = store.directory / "chat_1.json"
    path.write_bytes(content)

    with pytest.raises(StoreError) as caught:
        store.load("chat_1")

    assert caught.value.path == path
    assert str(path) in str(caught.value)


def test_corrupt_file_moved_aside(store: SessionStore) -> None:
    store.directory.mkdir(parents=True)
    path = store.directory / "chat_1.json"
    content = b'{"id": "chat_1", "messages": ['
    path.write_bytes(content)

    with pytest.raises(CorruptFile) as caught:
        store.load("chat_1")

    moved = caught.value.moved_to
    assert not path.exists()
    assert moved.parent == path.parent
    assert moved.name.startswith("chat_1.json.corrupt-")
    assert moved.read_bytes() == content
    assert str(moved) in str(caught.value)


def test_second_corrupt_file_kept_too(store: SessionStore) -> None:
    store.directory.mkdir(parents=True)
    path = store.directory / "chat_1.json"
    path.write_text("{")
    with pytest.raises(CorruptFile):
        store.load("chat_1")
    path.write_text("[")

    with pytest.raises(CorruptFile) as caught:
        store.load("chat_1")

    assert caught.value.moved_to.read_text() == "["
    assert len(list(store.directory.glob("chat_1.json.corrupt-*"))) == 2


def test_save_over_corrupt_keeps_it(store: SessionStore) -> None:
    session = store.create()
    path = store.path_for(session.id)
    path.write_text("not json")
    session.messages.append(Message(role=Role.USER, content="still here"))

    store.save(session)

    kept = list(store.directory.glob(f"{session.id}.json.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_text() == "not json"
    assert store.load(session.id).messages[0].content == "still here"


def test_corrupt_file_not_session_missing(store: SessionStore) -> None:
    store.directory.mkdir(parents=True)
    (store.directory / "chat_1.json").write_text("{")

    with pytest.raises(StoreError) as caught:
        store.load("chat_1")

    assert not isinstance(caught.value, SessionNotFound)


# session ids


@pytest.mark.parametrize(
    "session_id",
    ["", "..", "../outside", "a/b", "a\\b", ".hidden", "/etc/passwd", "chat\x00_1"],
)
def test_invalid_session_id_rejected(store: SessionStore, session_id: str) -> None:
    with pytest.raises(StoreError):
        store.load(session_id)


def test_invalid_id_cannot_save(store: SessionStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        store.save(Session(id="../escaped"))

    assert not (store.directory.parent / "escaped.json").exists()
    assert list(tmp_path.rglob("escaped.json")) == []


# titles


def test_title_from_first_user_message(store: SessionStore) -> None:
    session = store.create()
    session.messages.append(Message(role=Role.ASSISTANT, content="Hello, ask me."))
    session.messages.append(Message(role=Role.USER, content="   "))
    session.messages.append(Message(role=Role.USER, content="  Explain util.py\nin detail"))
    session.messages.append(Message(role=Role.USER, content="second question"))

    store.save(session)

    assert store.load(session.id).title == "Explain util.py"


def test_title_truncated_with_ellipsis() -> None:
    session = _with_user_message(Session(id="chat_1"), "word " * 40)

    title = title_from(session)

    assert len(title) <= TITLE_LENGTH
    assert title.endswith("…")
    assert title.startswith("word word")


def test_title_at_limit_not_truncated() -> None:
    text = "x" * TITLE_LENGTH
    session = _with_user_message(Session(id="chat_1"), text)

    assert title_from(session) == text


def test_title_one_over_limit() -> None:
    session = _with_user_message(Session(id="chat_1"), "x" * (TITLE_LENGTH + 1))

    assert title_from(session) == "x" * (TITLE_LENGTH - 1) + "…"


def test_title_empty_without_user() -> None:
    session = Session(id="chat_1", messages=[Message(role=Role.ASSISTANT, content="hi")])

    assert title_from(session) == ""


def test_title_kept_once_set(store: SessionStore) -> None:
    session = _with_user_message(store.create(), "first topic")
    store.save(session)
    session.messages.insert(0, Message(role=Role.USER, content="other topic"))

    store.save(session)

    assert store.load(session.id).title == "first topic"
