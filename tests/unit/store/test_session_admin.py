"""Renaming sessions, deleting them to the trash and restoring them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from loco_nb.errors import SessionNotFound, StoreError
from loco_nb.models import Message, Role, Session
from loco_nb.store.sessions import MAX_TITLE_LENGTH, TRASH_LABEL, SessionStore
from loco_nb.store.trash import list_trash, restore

# tmpfs is another filesystem than the temporary folders on most Linux machines.
SHM = Path("/dev/shm")


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "project")


def asked(store: SessionStore, text: str) -> Session:
    session = store.create()
    session.messages.append(Message(role=Role.USER, content=text))
    store.save(session)
    return session


# rename


def test_rename_sets_title(store: SessionStore) -> None:
    session = asked(store, "first question")

    store.rename(session.id, "  Release   notes ")

    assert store.load(session.id).title == "Release notes"


def test_rename_keeps_messages(store: SessionStore) -> None:
    session = asked(store, "first question")

    renamed = store.rename(session.id, "New")

    assert [m.content for m in renamed.messages] == ["first question"]


def test_rename_empty_rejected(store: SessionStore) -> None:
    session = asked(store, "first question")

    with pytest.raises(StoreError) as caught:
        store.rename(session.id, "   ")

    assert "empty" in str(caught.value)


def test_rename_too_long_rejected(store: SessionStore) -> None:
    session = asked(store, "first question")

    with pytest.raises(StoreError):
        store.rename(session.id, "x" * (MAX_TITLE_LENGTH + 1))


def test_rename_missing_session(store: SessionStore) -> None:
    with pytest.raises(SessionNotFound):
        store.rename("chat_404", "title")


# delete and restore


def test_delete_moves_to_trash(store: SessionStore, tmp_path: Path) -> None:
    session = asked(store, "to delete")
    path = store.path_for(session.id)

    entry = store.delete([session.id], tmp_path / "trash")

    assert not path.exists()
    assert entry.folder.parent == tmp_path / "trash"
    assert entry.folder.name.startswith(f"{TRASH_LABEL}_")
    assert (entry.folder / path.name).is_file()
    assert entry.originals == {path.name: str(path.resolve())}


def test_delete_several_one_folder(store: SessionStore, tmp_path: Path) -> None:
    ids = [asked(store, f"question {n}").id for n in range(3)]

    entry = store.delete(ids, tmp_path / "trash")

    assert len(entry.originals) == 3
    assert store.summaries().sessions == []


def test_delete_unknown_moves_nothing(store: SessionStore, tmp_path: Path) -> None:
    session = asked(store, "keep me")

    with pytest.raises(SessionNotFound):
        store.delete([session.id, "chat_404"], tmp_path / "trash")

    assert store.path_for(session.id).is_file()
    assert not (tmp_path / "trash").exists()


def test_restore_brings_back(store: SessionStore, tmp_path: Path) -> None:
    session = asked(store, "come back")
    store.delete([session.id], tmp_path / "trash")
    entries = list_trash(tmp_path / "trash", TRASH_LABEL)

    restore(entries[0])

    assert [m.content for m in store.load(session.id).messages] == ["come back"]
    assert [s.id for s in store.summaries().sessions] == [session.id]


@pytest.mark.skipif(not SHM.is_dir(), reason="needs /dev/shm")
def test_trash_on_other_filesystem(store: SessionStore, tmp_path: Path) -> None:
    trash = SHM / f"loco_test_trash_{os.getpid()}_{tmp_path.name}"
    session = asked(store, "cross the filesystem")
    if os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("/dev/shm is on the same filesystem here")

    try:
        entry = store.delete([session.id], trash)
        moved = (entry.folder / f"{session.id}.json").is_file()
        restore(list_trash(trash, TRASH_LABEL)[0])
    finally:
        shutil.rmtree(trash, ignore_errors=True)

    assert moved
    assert store.load(session.id).messages[0].content == "cross the filesystem"
