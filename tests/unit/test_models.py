"""Unit tests of loco_nb.models: size order, the stored JSON format and session ids."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import datetime, timezone

import pytest

from loco_nb import models
from loco_nb.models import (
    Message,
    ModelSize,
    Role,
    Session,
    Task,
    TaskStatus,
    TaskType,
    ToolCall,
    ToolResult,
    new_session_id,
    new_task_id,
)

SIZES_BY_SIZE = [ModelSize.XS, ModelSize.S, ModelSize.M, ModelSize.L, ModelSize.XL]


def _full_session() -> Session:
    """Return a session with every field set to a value other than its default."""
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
    call = ToolCall(name="read_file", params={"path": "main.py", "start_line": 3})
    result = ToolResult(
        name="read_file",
        params={"path": "main.py"},
        ok=False,
        content="main.py does not exist",
        kind="error",
        data={"lines": ["a", "b"], "nested": {"n": 1}},
    )
    task = Task(
        id="task_1_0",
        type=TaskType.EDIT,
        description="edit main.py",
        status=TaskStatus.FAILED,
        model_size=ModelSize.XL,
        model_id="qwen2.5-coder-7b",
        input="please edit",
        output="partial",
        error="boom",
        created_at=when,
        started_at=when,
        completed_at=when,
        dependencies=["task_0_0"],
        tool_calls=[call],
        prompt_tokens=11,
        completion_tokens=22,
    )
    messages = [
        Message(role=Role.USER, content="Fix main.py", task_ids=["task_1_0"], created=when),
        Message(
            role=Role.ASSISTANT,
            content="Done",
            tool_calls=[call],
            tool_results=[result],
            created=when,
        ),
    ]
    return Session(
        id="chat_123",
        title="Fix main.py",
        messages=messages,
        created=when,
        last_updated=when,
        model="qwen2.5-coder-7b",
        tasks=[task],
    )


# ModelSize order


def test_sizes_sort_by_size() -> None:
    shuffled = [ModelSize.L, ModelSize.XS, ModelSize.XL, ModelSize.M, ModelSize.S]

    assert sorted(shuffled) == SIZES_BY_SIZE


def test_sizes_not_string_order() -> None:
    # In string order "L" < "M" < "S" < "XL" < "XS".
    assert ModelSize.XS < ModelSize.S
    assert ModelSize.S < ModelSize.M
    assert ModelSize.M < ModelSize.L
    assert ModelSize.L < ModelSize.XL


@pytest.mark.parametrize("smaller_index", range(len(SIZES_BY_SIZE)))
def test_size_operators_agree(smaller_index: int) -> None:
    small = SIZES_BY_SIZE[smaller_index]
    for larger in SIZES_BY_SIZE[smaller_index + 1 :]:
        assert small < larger
        assert small <= larger
        assert larger > small
        assert larger >= small
        assert not larger < small
        assert not small > larger
    assert small <= small
    assert small >= small
    assert not small < small


def test_size_max_and_min() -> None:
    assert max(SIZES_BY_SIZE[::-1]) is ModelSize.XL
    assert min(SIZES_BY_SIZE[::-1]) is ModelSize.XS


def test_size_against_string_value() -> None:
    # A size compared with its plain string value must still use size order.
    assert not ModelSize.L < "M"
    assert ModelSize.M < "L"
    assert ModelSize.XS <= "S"
    assert ModelSize.XL > "S"


def test_size_against_unknown_string() -> None:
    with pytest.raises(TypeError):
        _ = ModelSize.M < "huge"


def test_size_against_number_raises() -> None:
    with pytest.raises(TypeError):
        _ = ModelSize.M < 3


def test_size_equals_its_value() -> None:
    assert ModelSize("M") is ModelSize.M
    assert ModelSize.M == "M"


# Session JSON format


def test_session_round_trip_all_fields() -> None:
    session = _full_session()

    loaded = Session.model_validate_json(session.model_dump_json())

    assert loaded == session


def test_session_round_trip_keeps_types() -> None:
    loaded = Session.model_validate_json(_full_session().model_dump_json())

    assert loaded.messages[0].role is Role.USER
    assert loaded.tasks[0].model_size is ModelSize.XL
    assert loaded.tasks[0].status is TaskStatus.FAILED
    assert loaded.created.tzinfo is not None
    assert loaded.messages[1].tool_results[0].data["nested"] == {"n": 1}


def test_session_json_field_names() -> None:
    dumped = json.loads(_full_session().model_dump_json())

    assert set(dumped) == {
        "id",
        "title",
        "messages",
        "created",
        "last_updated",
        "model",
        "tasks",
    }
    assert dumped["messages"][1]["role"] == "assistant"
    assert dumped["tasks"][0]["model_size"] == "XL"


def test_unknown_fields_survive_round_trip() -> None:
    raw = json.loads(_full_session().model_dump_json())
    raw["from_newer_version"] = {"flag": True}
    raw["messages"][0]["reaction"] = "thumbs-up"
    raw["messages"][1]["tool_results"][0]["elapsed_ms"] = 12
    raw["tasks"][0]["retries"] = 2

    dumped = json.loads(Session.model_validate(raw).model_dump_json())

    assert dumped["from_newer_version"] == {"flag": True}
    assert dumped["messages"][0]["reaction"] == "thumbs-up"
    assert dumped["messages"][1]["tool_results"][0]["elapsed_ms"] == 12
    assert dumped["tasks"][0]["retries"] == 2


def test_minimal_session_gets_defaults() -> None:
    session = Session.model_validate_json('{"id": "chat_1"}')

    assert session.messages == []
    assert session.tasks == []
    assert session.title == ""
    assert session.created.tzinfo is not None


# Ids


def test_session_ids_unique_same_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen_ns = 1_700_000_000_000 * 1_000_000
    monkeypatch.setattr(models.time, "time_ns", lambda: frozen_ns)

    ids = [new_session_id() for _ in range(1000)]

    assert len(set(ids)) == len(ids)


def test_session_ids_strictly_increase(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen_ns = 1_700_000_000_000 * 1_000_000
    monkeypatch.setattr(models.time, "time_ns", lambda: frozen_ns)

    numbers = [int(new_session_id().removeprefix("chat_")) for _ in range(1000)]

    assert all(a < b for a, b in itertools.pairwise(numbers))


def test_session_ids_survive_clock_step_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before = int(new_session_id().removeprefix("chat_"))
    monkeypatch.setattr(models.time, "time_ns", lambda: 0)

    after = int(new_session_id().removeprefix("chat_"))

    assert after > before


def test_session_ids_unique_across_threads() -> None:
    per_thread = 500
    results: list[list[str]] = [[] for _ in range(8)]
    barrier = threading.Barrier(len(results))

    def make_ids(out: list[str]) -> None:
        barrier.wait()
        out.extend(new_session_id() for _ in range(per_thread))

    threads = [threading.Thread(target=make_ids, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    all_ids = [i for out in results for i in out]
    assert len(all_ids) == 8 * per_thread
    assert len(set(all_ids)) == len(all_ids)
    for out in results:
        numbers = [int(i.removeprefix("chat_")) for i in out]
        assert numbers == sorted(numbers)


def test_session_id_format() -> None:
    session_id = new_session_id()

    assert session_id.startswith("chat_")
    assert session_id.removeprefix("chat_").isdigit()


def test_task_ids_unique() -> None:
    ids = [new_task_id() for _ in range(1000)]

    assert len(set(ids)) == len(ids)
