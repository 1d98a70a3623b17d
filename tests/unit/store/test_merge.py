"""Unit tests of loco_nb.store.merge and of two writers saving the same session."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from loco_nb.models import Message, Role, Session, Task, TaskStatus
from loco_nb.store.merge import merge_from_disk
from loco_nb.store.sessions import SessionStore


def message(text: str, identifier: str) -> Message:
    return Message(id=identifier, role=Role.USER, content=text)


def contents(session: Session) -> list[str]:
    return [m.content for m in session.messages]


# merge_from_disk


def test_disk_only_messages_added() -> None:
    mine = Session(id="chat_1", messages=[message("a", "1"), message("mine", "3")])
    disk = Session(id="chat_1", messages=[message("a", "1"), message("theirs", "2")])

    merge_from_disk(mine, disk)

    assert contents(mine) == ["a", "theirs", "mine"]


def test_shared_message_keeps_mine() -> None:
    kept = message("edited here", "1")
    mine = Session(id="chat_1", messages=[kept])
    disk = Session(id="chat_1", messages=[message("old text", "1")])

    merge_from_disk(mine, disk)

    assert mine.messages[0] is kept


def test_task_further_along_wins() -> None:
    mine = Session(id="chat_1", tasks=[Task(id="t1", status=TaskStatus.IN_PROGRESS)])
    disk = Session(id="chat_1", tasks=[Task(id="t1", status=TaskStatus.COMPLETED, output="done")])

    merge_from_disk(mine, disk)

    assert mine.tasks[0].status == TaskStatus.COMPLETED
    assert mine.tasks[0].output == "done"


def test_task_of_same_rank_keeps_mine() -> None:
    running = Task(id="t1", status=TaskStatus.IN_PROGRESS)
    mine = Session(id="chat_1", tasks=[running])
    disk = Session(id="chat_1", tasks=[Task(id="t1", status=TaskStatus.PENDING)])

    merge_from_disk(mine, disk)

    assert mine.tasks[0] is running


def test_disk_title_wins() -> None:
    mine = Session(id="chat_1", title="stale")
    disk = Session(id="chat_1", title="renamed")

    merge_from_disk(mine, disk)

    assert mine.title == "renamed"


def test_empty_disk_title_kept_out() -> None:
    mine = Session(id="chat_1", title="mine")

    merge_from_disk(mine, Session(id="chat_1"))

    assert mine.title == "mine"


def test_earliest_created_kept() -> None:
    early = datetime(2020, 1, 1)  # naive, as a hand-edited file may have
    mine = Session(id="chat_1", created=datetime(2024, 1, 1, tzinfo=timezone.utc))

    merge_from_disk(mine, Session(id="chat_1", created=early))

    assert mine.created == early


def test_disk_extra_fields_added() -> None:
    mine = Session.model_validate({"id": "chat_1", "pinned": True})
    disk = Session.model_validate({"id": "chat_1", "pinned": False, "colour": "blue"})

    merge_from_disk(mine, disk)

    assert mine.model_extra == {"pinned": True, "colour": "blue"}


# two stores on one project, as two kernels are


@pytest.fixture
def stores(tmp_path: Path) -> tuple[SessionStore, SessionStore]:
    return SessionStore(tmp_path / "project"), SessionStore(tmp_path / "project")


def test_interleaved_appends_kept(stores: tuple[SessionStore, SessionStore]) -> None:
    first_store, second_store = stores
    first = first_store.create()
    second = second_store.load(first.id)

    for turn in range(5):
        first.messages.append(Message(role=Role.USER, content=f"first {turn}"))
        first_store.save(first)
        second.messages.append(Message(role=Role.USER, content=f"second {turn}"))
        second_store.save(second)

    saved = contents(first_store.load(first.id))
    assert sorted(saved) == sorted(
        [f"first {t}" for t in range(5)] + [f"second {t}" for t in range(5)]
    )


def test_writer_sees_merged_messages(stores: tuple[SessionStore, SessionStore]) -> None:
    first_store, second_store = stores
    first = first_store.create()
    second = second_store.load(first.id)
    second.messages.append(Message(role=Role.USER, content="from the other kernel"))
    second_store.save(second)

    first.messages.append(Message(role=Role.USER, content="from this kernel"))
    first_store.save(first)

    assert contents(first) == ["from the other kernel", "from this kernel"]


def test_rename_survives_stale_writer(stores: tuple[SessionStore, SessionStore]) -> None:
    first_store, second_store = stores
    session = first_store.create()
    session.messages.append(Message(role=Role.USER, content="first question"))
    first_store.save(session)

    second_store.rename(session.id, "A better title")
    first_store.save(session)

    assert first_store.load(session.id).title == "A better title"


def test_unchanged_file_not_read_again(
    stores: tuple[SessionStore, SessionStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stores
    session = store.create()
    reads: list[Path] = []
    monkeypatch.setattr(store, "_read", lambda path: reads.append(path) or Session(id="x"))

    session.messages.append(Message(role=Role.USER, content="hi"))
    store.save(session)

    assert reads == []
