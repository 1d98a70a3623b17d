"""Unit tests of loco_nb.agent.runner with fake task bodies.

Overlap is proven with asyncio events, never with wall time: a body that
waits for another task's start can only finish if both run at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from loco_nb.agent.events import Event, TaskFailed, TaskFinished, TaskStarted
from loco_nb.agent.runner import PlanRunner
from loco_nb.models import Task, TaskStatus

GUARD_SECONDS = 5.0


def _tasks(**dependencies: list[str]) -> list[Task]:
    return [Task(id=key, dependencies=deps) for key, deps in dependencies.items()]


def _run(coroutine: Coroutine[Any, Any, Any], guard: float = GUARD_SECONDS) -> Any:
    # The guard turns a deadlock (tasks that never overlap) into a failure.
    return asyncio.run(asyncio.wait_for(coroutine, guard))


def _runner(
    tasks: list[Task], body: Callable[[Task], Awaitable[str]], limit: int = 2
) -> tuple[PlanRunner, list[Event]]:
    events: list[Event] = []
    return PlanRunner(tasks, body, events.append, limit=limit), events


def _status(runner: PlanRunner) -> dict[str, TaskStatus]:
    return {task_id: task.status for task_id, task in runner.tasks.items()}


# order and concurrency


def test_dependencies_run_first() -> None:
    log: list[str] = []

    async def body(task: Task) -> str:
        log.append(f"start {task.id}")
        await asyncio.sleep(0)
        log.append(f"end {task.id}")
        return task.id

    runner, _ = _runner(_tasks(c=["b"], b=["a"], a=[]), body)
    _run(runner.run())

    assert log == ["start a", "end a", "start b", "end b", "start c", "end c"]


def test_join_waits_for_all() -> None:
    log: list[str] = []

    async def body(task: Task) -> str:
        log.append(task.id)
        for _ in range(3 if task.id == "slow" else 0):
            await asyncio.sleep(0)
        return task.id

    runner, _ = _runner(_tasks(slow=[], fast=[], join=["slow", "fast"]), body)
    _run(runner.run())

    assert log[-1] == "join"


def test_independent_tasks_overlap() -> None:
    started = {"a": asyncio.Event(), "b": asyncio.Event()}
    other = {"a": "b", "b": "a"}

    async def body(task: Task) -> str:
        started[task.id].set()
        await started[other[task.id]].wait()
        return f"{task.id} saw {other[task.id]}"

    async def scenario() -> PlanRunner:
        runner, _ = _runner(_tasks(a=[], b=[]), body)
        await runner.run()
        return runner

    runner = _run(scenario())

    assert runner.tasks["a"].output == "a saw b"
    assert runner.tasks["b"].output == "b saw a"


def test_limit_one_serialises() -> None:
    started = {"a": asyncio.Event(), "b": asyncio.Event()}
    other = {"a": "b", "b": "a"}

    async def body(task: Task) -> str:
        started[task.id].set()
        await started[other[task.id]].wait()
        return "overlapped"

    runner, _ = _runner(_tasks(a=[], b=[]), body, limit=1)

    # With one slot the first body waits for a start that never comes.
    with pytest.raises(asyncio.TimeoutError):
        _run(runner.run(), guard=0.5)

    assert _status(runner) == {"a": TaskStatus.CANCELLED, "b": TaskStatus.CANCELLED}


def test_limit_caps_concurrency() -> None:
    active = 0
    peak = 0

    async def body(task: Task) -> str:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        for _ in range(3):
            await asyncio.sleep(0)
        active -= 1
        return task.id

    runner, _ = _runner(_tasks(a=[], b=[], c=[], d=[], e=[]), body, limit=2)
    _run(runner.run())

    assert peak == 2
    assert set(_status(runner).values()) == {TaskStatus.COMPLETED}


def test_completed_task_fields() -> None:
    async def body(task: Task) -> str:
        return f"output of {task.id}"

    runner, events = _runner(_tasks(a=[]), body)
    _run(runner.run())

    task = runner.tasks["a"]
    assert task.status is TaskStatus.COMPLETED
    assert task.output == "output of a"
    assert task.started_at is not None
    assert task.completed_at is not None
    assert task.completed_at >= task.started_at
    assert [type(e) for e in events] == [TaskStarted, TaskFinished]


def test_empty_plan_returns() -> None:
    async def body(task: Task) -> str:
        raise AssertionError("no task should run")

    runner, events = _runner([], body)
    _run(runner.run())

    assert events == []


# failures


def test_failure_fails_dependents_transitively() -> None:
    async def body(task: Task) -> str:
        if task.id == "a":
            raise RuntimeError("disk full")
        return f"{task.id} done"

    runner, _ = _runner(_tasks(a=[], b=["a"], c=["b"], d=[]), body)
    _run(runner.run())

    assert _status(runner) == {
        "a": TaskStatus.FAILED,
        "b": TaskStatus.FAILED,
        "c": TaskStatus.FAILED,
        "d": TaskStatus.COMPLETED,
    }
    assert runner.tasks["d"].output == "d done"


def test_failure_reason_reaches_dependents() -> None:
    async def body(task: Task) -> str:
        if task.id == "a":
            raise RuntimeError("disk full")
        return "done"

    runner, _ = _runner(_tasks(a=[], b=["a"], c=["b"]), body)
    _run(runner.run())

    assert runner.tasks["a"].error == "disk full"
    assert runner.tasks["b"].error == "dependency a did not complete: disk full"
    assert "dependency b did not complete" in str(runner.tasks["c"].error)
    assert "disk full" in str(runner.tasks["c"].error)


def test_failure_kept_in_errors() -> None:
    failure = RuntimeError("boom")

    async def body(task: Task) -> str:
        raise failure

    runner, _ = _runner(_tasks(a=[], b=["a"]), body)
    _run(runner.run())

    assert runner.errors == {"a": failure}


def test_failure_events_emitted() -> None:
    async def body(task: Task) -> str:
        if task.id == "a":
            raise RuntimeError("boom")
        return "ok"

    runner, events = _runner(_tasks(a=[], b=["a"], c=[]), body)
    _run(runner.run())

    failed = {e.task.id: e.error for e in events if isinstance(e, TaskFailed)}
    finished = [e.task.id for e in events if isinstance(e, TaskFinished)]
    assert failed == {"a": "boom", "b": "dependency a did not complete: boom"}
    assert finished == ["c"]


def test_blank_error_uses_type_name() -> None:
    async def body(task: Task) -> str:
        raise ValueError()

    runner, _ = _runner(_tasks(a=[]), body)
    _run(runner.run())

    assert runner.tasks["a"].error == "ValueError"


def test_failure_does_not_stop_sibling() -> None:
    sibling_may_finish = asyncio.Event()

    async def body(task: Task) -> str:
        if task.id == "bad":
            sibling_may_finish.set()
            raise RuntimeError("bad input")
        await sibling_may_finish.wait()
        return "finished after the failure"

    async def scenario() -> PlanRunner:
        runner, _ = _runner(_tasks(bad=[], good=[]), body)
        await runner.run()
        return runner

    runner = _run(scenario())

    assert runner.tasks["good"].status is TaskStatus.COMPLETED
    assert runner.tasks["good"].output == "finished after the failure"


def test_body_cancelling_itself() -> None:
    async def body(task: Task) -> str:
        if task.id == "a":
            raise asyncio.CancelledError
        return "ok"

    runner, _ = _runner(_tasks(a=[], b=["a"], c=[]), body)
    _run(runner.run())

    assert _status(runner) == {
        "a": TaskStatus.CANCELLED,
        "b": TaskStatus.FAILED,
        "c": TaskStatus.COMPLETED,
    }
    assert "cancelled" in str(runner.tasks["b"].error)


# cancellation


def test_cancel_marks_unfinished() -> None:
    both_blocked = asyncio.Event()
    blocked: set[str] = set()

    async def body(task: Task) -> str:
        if task.id == "quick":
            return "done"
        blocked.add(task.id)
        if blocked == {"slow", "other"}:
            both_blocked.set()
        await asyncio.Event().wait()
        return "never"

    async def scenario() -> tuple[PlanRunner, bool]:
        runner, _ = _runner(_tasks(quick=[], slow=["quick"], other=["quick"], after=["slow"]), body)
        running = asyncio.create_task(runner.run())
        await both_blocked.wait()
        running.cancel()
        try:
            await running
        except asyncio.CancelledError:
            return runner, True
        return runner, False

    runner, raised = _run(scenario())

    assert raised is True
    assert _status(runner) == {
        "quick": TaskStatus.COMPLETED,
        "slow": TaskStatus.CANCELLED,
        "other": TaskStatus.CANCELLED,
        "after": TaskStatus.CANCELLED,
    }
    assert runner.tasks["after"].error == "cancelled"
    assert runner.tasks["slow"].completed_at is not None


def test_cancel_stops_running_bodies() -> None:
    started = asyncio.Event()
    cancelled: list[str] = []

    async def body(task: Task) -> str:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(task.id)
            raise
        return "never"

    async def scenario() -> None:
        runner, _ = _runner(_tasks(a=[]), body)
        running = asyncio.create_task(runner.run())
        await started.wait()
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    _run(scenario())

    assert cancelled == ["a"]
