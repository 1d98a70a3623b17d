"""Unit tests of the live task list in loco_nb.jupyter.cell_view, with display recorded."""

from __future__ import annotations

from typing import Any

import pytest

from loco_nb.agent.events import PlanCreated, TaskFailed, TaskStarted
from loco_nb.jupyter import cell_view
from loco_nb.jupyter.cell_view import CellView
from loco_nb.models import Task, TaskStatus


class Handle:
    """Stands in for IPython's DisplayHandle: keeps the latest object shown."""

    def __init__(self, shown: Any) -> None:
        self.shown = shown

    def update(self, shown: Any) -> None:
        self.shown = shown


@pytest.fixture
def handles(monkeypatch: pytest.MonkeyPatch) -> list[Handle]:
    created: list[Handle] = []

    def display(shown: Any, display_id: bool = False) -> Handle:
        handle = Handle(shown)
        created.append(handle)
        return handle

    monkeypatch.setattr(cell_view, "display", display)
    return created


def plain(handle: Handle) -> str:
    return str(handle.shown._repr_mimebundle_()["text/plain"])


def two_tasks() -> list[Task]:
    return [
        Task(id="a", description="Read main.py."),
        Task(id="b", description="Explain it.", dependencies=["a"]),
    ]


def test_plan_shows_task_list(handles: list[Handle]) -> None:
    view = CellView()

    view(PlanCreated(tasks=tuple(two_tasks())))

    table = plain(handles[1])
    assert "Read main.py." in table
    assert "Explain it." in table


def test_started_without_model_status(handles: list[Handle]) -> None:
    view = CellView()
    tasks = two_tasks()
    view(PlanCreated(tasks=tuple(tasks)))

    view(TaskStarted(task=tasks[0]))

    assert "None" not in plain(handles[0])
    assert plain(handles[0]) == "⏳ *answer task (M)…*"


def test_started_with_model_status(handles: list[Handle]) -> None:
    view = CellView()
    task = Task(id="a", model_id="coder-7b")

    view(TaskStarted(task=task))

    assert plain(handles[0]) == "⏳ *answer task on `coder-7b` (M)…*"


def test_failed_task_row_updated(handles: list[Handle]) -> None:
    view = CellView()
    tasks = two_tasks()
    view(PlanCreated(tasks=tuple(tasks)))
    tasks[0].status = TaskStatus.FAILED

    view(TaskFailed(task=tasks[0], error="boom"))

    assert "failed" in plain(handles[1]).splitlines()[1]


def test_cancel_refreshes_task_list(handles: list[Handle]) -> None:
    view = CellView()
    tasks = two_tasks()
    view(PlanCreated(tasks=tuple(tasks)))
    for task in tasks:
        task.status = TaskStatus.CANCELLED

    view.cancel()

    rows = plain(handles[1]).splitlines()[1:]
    assert all("cancelled" in row for row in rows)


def test_fail_refreshes_task_list(handles: list[Handle]) -> None:
    view = CellView()
    tasks = two_tasks()
    view(PlanCreated(tasks=tuple(tasks)))
    tasks[1].status = TaskStatus.FAILED

    view.fail(RuntimeError("no server"))

    assert "failed" in plain(handles[1]).splitlines()[2]


def test_approval_request_waits_in_cell(
    handles: list[Handle], monkeypatch: pytest.MonkeyPatch
) -> None:
    from loco_nb.agent.events import ApprovalRequested
    from loco_nb.models import ToolCall
    from loco_nb.tools.approvals import ApprovalRequest

    asked: list[ApprovalRequest] = []
    monkeypatch.setattr(cell_view, "ask_in_cell", asked.append)
    request = ApprovalRequest(
        ToolCall(name="write_file", params={"path": "a.py"}), key="write_file"
    )
    view = CellView()

    view(ApprovalRequested(task_id="t1", request=request))

    assert asked == [request]
    assert plain(handles[0]) == "✋ *write_file(path='a.py') waits for your approval…*"
