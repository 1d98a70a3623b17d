"""Unit tests of loco_nb.agent.plan: plan validation and the tasks made from it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from loco_nb.agent.plan import PlannedTask, WorkPlan
from loco_nb.models import ModelSize, TaskStatus, TaskType


def _step(key: str, *dependencies: str, size: str = "M") -> dict[str, Any]:
    return {
        "key": key,
        "type": "code",
        "description": f"do {key}",
        "size": size,
        "dependencies": list(dependencies),
    }


def _plan(*steps: dict[str, Any]) -> WorkPlan:
    return WorkPlan.model_validate({"tasks": list(steps)})


# validation


def test_two_task_cycle_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(_step("a", "b"), _step("b", "a"))

    assert "cycle" in str(caught.value)


def test_self_dependency_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(_step("a", "a"))

    assert "a -> a" in str(caught.value)


def test_long_cycle_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(_step("start"), _step("a", "start", "c"), _step("b", "a"), _step("c", "b"))

    assert "cycle" in str(caught.value)


def test_unknown_dependency_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(_step("a"), _step("b", "a", "ghost"))

    assert "'b'" in str(caught.value)
    assert "ghost" in str(caught.value)


def test_repeated_key_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(_step("a"), _step("b"), _step("a"))

    assert "repeat" in str(caught.value)


def test_empty_plan_rejected() -> None:
    with pytest.raises(ValidationError):
        WorkPlan(tasks=[])


@pytest.mark.parametrize(
    ("field", "value"),
    [("type", "dance"), ("size", "XXL"), ("description", ""), ("priority", 1)],
)
def test_invalid_step_rejected(field: str, value: object) -> None:
    step = _step("a")
    step[field] = value

    with pytest.raises(ValidationError):
        _plan(step)


def test_diamond_accepted() -> None:
    plan = _plan(_step("a"), _step("b", "a"), _step("c", "a"), _step("d", "b", "c"))

    assert [t.key for t in plan.tasks] == ["a", "b", "c", "d"]


def test_dependency_before_definition() -> None:
    plan = _plan(_step("late", "early"), _step("early"))

    assert plan.tasks[0].dependencies == ["early"]


# to_tasks


def test_to_tasks_maps_dependencies() -> None:
    plan = _plan(_step("a"), _step("b", "a"), _step("c", "a", "b"))

    tasks = plan.to_tasks("request")

    ids = [t.id for t in tasks]
    assert len(set(ids)) == 3
    assert tasks[0].dependencies == []
    assert tasks[1].dependencies == [ids[0]]
    assert tasks[2].dependencies == [ids[0], ids[1]]


def test_to_tasks_forward_reference() -> None:
    tasks = _plan(_step("late", "early"), _step("early")).to_tasks("request")

    assert tasks[0].dependencies == [tasks[1].id]


def test_to_tasks_copies_fields() -> None:
    plan = WorkPlan(
        tasks=[
            PlannedTask(key="a", type=TaskType.SEARCH, description="find it", size=ModelSize.S),
            PlannedTask(key="b", type=TaskType.EDIT, description="fix it", dependencies=["a"]),
        ]
    )

    first, second = plan.to_tasks("fix the bug")

    assert first.type is TaskType.SEARCH
    assert first.model_size is ModelSize.S
    assert first.description == "find it"
    assert first.status is TaskStatus.PENDING
    assert second.model_size is ModelSize.M


def test_multi_step_input_is_description() -> None:
    tasks = _plan(_step("a"), _step("b", "a")).to_tasks("the whole request")

    assert [t.input for t in tasks] == ["do a", "do b"]


def test_single_plan_input_is_request() -> None:
    plan = WorkPlan.single("What does main.py do?", ModelSize.L)

    (task,) = plan.to_tasks("What does main.py do?")

    assert task.input == "What does main.py do?"
    assert task.type is TaskType.ANSWER
    assert task.model_size is ModelSize.L
    assert task.dependencies == []


def test_to_tasks_fresh_ids_each_call() -> None:
    plan = _plan(_step("a"))

    assert plan.to_tasks("x")[0].id != plan.to_tasks("x")[0].id
