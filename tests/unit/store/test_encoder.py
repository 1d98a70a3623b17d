"""Unit tests of loco_nb.store.encoder: the JSON of session files, re-encoded where changed."""

from __future__ import annotations

import json

import pytest

from loco_nb.models import Message, Role, Session, Task, ToolResult
from loco_nb.store.encoder import CACHED_SESSIONS, SessionEncoder


def session_with(count: int) -> Session:
    messages = [Message(role=Role.USER, content=f"question {i}") for i in range(count)]
    return Session.model_validate(
        {"id": "chat_1", "title": "t", "messages": messages, "tasks": [Task(id="t1")], "tag": 1}
    )


def decoded(data: bytes) -> object:
    return json.loads(data)


@pytest.fixture
def encoder() -> SessionEncoder:
    return SessionEncoder()


def test_same_json_as_pydantic(encoder: SessionEncoder) -> None:
    session = session_with(3)

    encoded = encoder.encode(session)

    assert decoded(encoded.data) == json.loads(session.model_dump_json())


def test_empty_session(encoder: SessionEncoder) -> None:
    session = Session(id="chat_1")

    encoded = encoder.encode(session)

    assert decoded(encoded.data) == json.loads(session.model_dump_json())


def test_one_item_per_line(encoder: SessionEncoder) -> None:
    lines = encoder.encode(session_with(3)).data.decode().splitlines()

    assert sum(1 for line in lines if line.startswith('{"id":"msg_')) == 3


def test_first_encode_changes_all(encoder: SessionEncoder) -> None:
    session = session_with(3)

    encoded = encoder.encode(session)

    assert encoded.changed_messages == session.messages


def test_appended_message_only_change(encoder: SessionEncoder) -> None:
    session = session_with(3)
    encoder.encode(session)
    added = Message(role=Role.ASSISTANT, content="answer")
    session.messages.append(added)

    encoded = encoder.encode(session)

    assert encoded.changed_messages == [added]
    assert decoded(encoded.data) == json.loads(session.model_dump_json())


def test_reassigned_field_seen(encoder: SessionEncoder) -> None:
    session = session_with(2)
    encoder.encode(session)
    session.messages[0].content = "rewritten"

    encoded = encoder.encode(session)

    assert encoded.changed_messages == [session.messages[0]]
    assert "rewritten" in encoded.data.decode()


def test_list_append_seen(encoder: SessionEncoder) -> None:
    session = session_with(2)
    encoder.encode(session)
    session.messages[1].tool_results.append(ToolResult(name="read_file", content="body"))

    encoded = encoder.encode(session)

    assert encoded.changed_messages == [session.messages[1]]
    assert '"content":"body"' in encoded.data.decode()


def test_task_change_seen(encoder: SessionEncoder) -> None:
    session = session_with(1)
    encoder.encode(session)
    session.tasks[0].output = "done"

    encoded = encoder.encode(session)

    assert decoded(encoded.data) == json.loads(session.model_dump_json())


def test_extra_field_change_seen(encoder: SessionEncoder) -> None:
    session = session_with(1)
    message = Message.model_validate({"role": "user", "content": "x", "rating": 1})
    session.messages.append(message)
    encoder.encode(session)
    assert message.model_extra is not None
    message.model_extra["rating"] = 5

    encoded = encoder.encode(session)

    assert encoded.changed_messages == [message]


def test_equal_copy_reencoded(encoder: SessionEncoder) -> None:
    # A different object with the same id (read from disk) is encoded anew.
    session = session_with(1)
    encoder.encode(session)
    session.messages[0] = session.messages[0].model_copy()

    encoded = encoder.encode(session)

    assert encoded.changed_messages == [session.messages[0]]


def test_forget_reencodes(encoder: SessionEncoder) -> None:
    session = session_with(2)
    encoder.encode(session)

    encoder.forget(session.id)

    assert encoder.encode(session).changed_messages == session.messages


def test_cache_bounded(encoder: SessionEncoder) -> None:
    first = session_with(1)
    encoder.encode(first)
    for number in range(CACHED_SESSIONS):
        encoder.encode(Session(id=f"chat_{number + 10}"))

    assert encoder.encode(first).changed_messages == first.messages
