"""Runs a plan's tasks in dependency order, independent ones concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..models import Task, TaskStatus, utc_now
from .events import EventSink, TaskFailed, TaskFinished, TaskStarted

logger = logging.getLogger("loco_nb")

TaskBody = Callable[[Task], Awaitable[str]]

_ENDED = (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


class PlanRunner:
    """Starts every task whose dependencies completed, at most ``limit`` at once.

    A failed task fails its dependents with the reason; independent tasks go
    on. Cancelling :meth:`run` cancels the running tasks and marks every task
    that had not ended as cancelled. Errors are kept in ``errors`` by task id.
    """

    def __init__(self, tasks: list[Task], body: TaskBody, emit: EventSink, limit: int = 2) -> None:
        self.tasks = {task.id: task for task in tasks}
        self.body = body
        self.emit = emit
        self.limit = limit
        self.errors: dict[str, BaseException] = {}

    async def run(self) -> None:
        running: dict[asyncio.Task[str], Task] = {}
        try:
            while True:
                self._fail_blocked()
                for task in self._ready(len(running)):
                    running[asyncio.create_task(self._start(task))] = task
                if not running:
                    return
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for future in finished:
                    self._settle(running.pop(future), future)
        except asyncio.CancelledError:
            for future in running:
                future.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            self._cancel_unfinished()
            raise

    def _ready(self, busy: int) -> list[Task]:
        ready = [
            task
            for task in self.tasks.values()
            if task.status == TaskStatus.PENDING
            and all(self.tasks[d].status == TaskStatus.COMPLETED for d in task.dependencies)
        ]
        return ready[: max(self.limit - busy, 0)]

    async def _start(self, task: Task) -> str:
        task.status = TaskStatus.IN_PROGRESS
        task.started_at = utc_now()
        self.emit(TaskStarted(task=task))
        return await self.body(task)

    def _settle(self, task: Task, future: asyncio.Task[str]) -> None:
        task.completed_at = utc_now()
        if future.cancelled():
            task.status = TaskStatus.CANCELLED
            task.error = "cancelled"
            return
        error = future.exception()
        if error is None:
            task.status = TaskStatus.COMPLETED
            task.output = future.result()
            self.emit(TaskFinished(task=task))
            return

        task.status = TaskStatus.FAILED
        task.error = str(error) or type(error).__name__
        self.errors[task.id] = error
        logger.info("task %s failed: %s", task.id, task.error)
        self.emit(TaskFailed(task=task, error=task.error))

    def _fail_blocked(self) -> None:
        changed = True
        while changed:
            changed = False
            for task in self.tasks.values():
                if task.status != TaskStatus.PENDING:
                    continue
                failed = [d for d in task.dependencies if self.tasks[d].status in _ENDED[1:]]
                if failed:
                    reason = self.tasks[failed[0]].error
                    task.status = TaskStatus.FAILED
                    task.error = f"dependency {failed[0]} did not complete: {reason}"
                    task.completed_at = utc_now()
                    self.emit(TaskFailed(task=task, error=task.error))
                    changed = True

    def _cancel_unfinished(self) -> None:
        for task in self.tasks.values():
            if task.status not in _ENDED:
                task.status = TaskStatus.CANCELLED
                task.error = "cancelled"
                task.completed_at = utc_now()
