"""Unit tests of loco_nb.agent.planner: which requests get planned, and the plan schema."""

from __future__ import annotations

import asyncio
import json

import pytest

from loco_nb.agent.plan import WorkPlan
from loco_nb.agent.planner import (
    MAX_TASKS,
    make_plan,
    needs_plan,
    plan_schema,
    planner_prompt,
)
from loco_nb.models import ModelSize, TaskType

# which requests read as several steps


@pytest.mark.parametrize(
    "request_text",
    [
        "Read main.py, then explain what it prints, and list the files of the project",
        "Fix the failing test and then run it again.",
        "Rename the function; after that, update the callers.",
        "Summarise util.py as well as its tests.",
        "Add type hints. Once that is done, run mypy.",
        "Please:\n1. read config.py\n2. add a timeout setting",
        "Do these:\n- list the files\n- read README.md",
        "What does main.py print? And why does it import util?",
    ],
)
def test_multi_step_requests_planned(request_text: str) -> None:
    assert needs_plan(request_text) is True


@pytest.mark.parametrize(
    "request_text",
    [
        "What does main.py do?",
        "Show me the main.py file",
        "Explain the difference between a list and a tuple.",
        "Write a function that returns the first line of a file.",
        "Fix the bug in util.greet",
        "Step 1. is a single list item only",
        "Which file defines greet, first of all?",
        "Authentication is done by the middleware; where is it configured?",
    ],
)
def test_one_step_requests_not_planned(request_text: str) -> None:
    assert needs_plan(request_text) is False


def test_sequence_word_needs_word_boundary() -> None:
    # "then" inside "authenticate" or "thence" is not a step separator.
    assert needs_plan("How do we authenticate users? Thence nothing.") is False


# the schema the planner's reply must follow


def test_schema_requires_tasks() -> None:
    schema = plan_schema()

    assert schema["required"] == ["tasks"]
    assert schema["additionalProperties"] is False


def test_schema_bounds_task_count() -> None:
    tasks = plan_schema()["properties"]["tasks"]

    assert tasks["minItems"] == 1
    assert tasks["maxItems"] == MAX_TASKS


def test_schema_task_fields_required() -> None:
    task = plan_schema()["properties"]["tasks"]["items"]

    assert set(task["required"]) == {"key", "type", "description", "size", "dependencies"}
    assert task["additionalProperties"] is False


def test_schema_types_are_task_types() -> None:
    task = plan_schema()["properties"]["tasks"]["items"]

    assert task["properties"]["type"]["enum"] == [t.value for t in TaskType]


def test_schema_sizes_are_model_sizes() -> None:
    task = plan_schema()["properties"]["tasks"]["items"]

    assert task["properties"]["size"]["enum"] == ["XS", "S", "M", "L", "XL"]


def test_schema_dependencies_are_strings() -> None:
    dependencies = plan_schema()["properties"]["tasks"]["items"]["properties"]["dependencies"]

    assert dependencies["type"] == "array"
    assert dependencies["items"] == {"type": "string"}


def test_schema_is_json_serialisable() -> None:
    assert json.loads(json.dumps(plan_schema())) == plan_schema()


def test_prompt_example_is_valid_plan() -> None:
    prompt = planner_prompt()
    example = prompt.split("Example plan: ", 1)[1].strip()

    plan = WorkPlan.model_validate_json(example)

    assert len(plan.tasks) == 3


def test_prompt_lists_every_type() -> None:
    prompt = planner_prompt()

    for task_type in TaskType:
        assert task_type.value in prompt


# the one-task shortcut


def test_one_step_request_skips_model() -> None:
    outcome = asyncio.run(make_plan("What does main.py do?", ModelSize.M, None, None))

    assert outcome.planned is False
    assert outcome.attempts == 0
    assert [t.description for t in outcome.plan.tasks] == ["What does main.py do?"]


def test_shortcut_uses_default_size() -> None:
    outcome = asyncio.run(make_plan("What does main.py do?", ModelSize.L, None, None))

    assert outcome.plan.tasks[0].size == ModelSize.L
