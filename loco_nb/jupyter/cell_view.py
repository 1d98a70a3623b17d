"""Renders a request's events into the outputs of the running cell, updated in place."""

from __future__ import annotations

import time
from typing import Any

from IPython.display import display

from ..agent.events import (
    ApprovalRequested,
    Done,
    Event,
    PlanCreated,
    Progress,
    TaskFailed,
    TaskFinished,
    TaskStarted,
    Token,
    ToolCallStarted,
    ToolResultReady,
)
from ..models import Task
from .approvals import ask_in_cell
from .render import AnswerView, MarkdownText, TaskList, ToolCallView, ToolResultView, describe_call

# Re-rendering Markdown on every token is slow in the browser; ten times a second reads as live.
REFRESH_SECONDS = 0.1


class CellView:
    """One status line, then each tool result as its own output, then the streamed answer."""

    def __init__(self, answer_format: str = "markdown") -> None:
        self.answer_format = answer_format
        self.started = time.monotonic()
        self.status = display(MarkdownText("⏳ *loco_nb is starting…*"), display_id=True)
        self.answer: Any = None
        self.streams: dict[str, tuple[int, str]] = {}
        self.last_refresh = 0.0
        self.tool_count = 0
        self.tasks: dict[str, Task] = {}
        self.task_list: Any = None

    def __call__(self, event: Event) -> None:
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def fail(self, error: BaseException) -> None:
        self._refresh_tasks()
        self._status(f"✗ *failed after {self._elapsed()}:* {error}")

    def cancel(self) -> None:
        # No event follows a cancel, but the tasks it marked cancelled are the objects shown.
        self._refresh_tasks()
        self._status(f"■ *stopped after {self._elapsed()}; the session was saved.*")

    def _on_Progress(self, event: Progress) -> None:
        share = ""
        if event.done is not None and event.total:
            share = f" {100 * event.done // event.total}%"
        self._status(f"⏳ *{event.text}{share}…*")

    def _on_PlanCreated(self, event: PlanCreated) -> None:
        count = len(event.tasks)
        self.tasks = {task.id: task for task in event.tasks}
        self.task_list = display(TaskList(list(self.tasks.values())), display_id=True)
        self._status(f"⏳ *planned {count} task{'s' if count != 1 else ''}…*")

    def _on_TaskStarted(self, event: TaskStarted) -> None:
        task = event.task
        self._refresh_tasks()
        # The model is chosen once the task has started, so it is often not known yet.
        model = f" on `{task.model_id}`" if task.model_id else ""
        self._status(f"⏳ *{task.type.value} task{model} ({task.model_size.value})…*")

    def _on_Token(self, event: Token) -> None:
        step, text = self.streams.get(event.task_id, (event.step, ""))
        if event.step != step:
            text = ""
        self.streams[event.task_id] = (event.step, text + event.text)

        now = time.monotonic()
        if now - self.last_refresh >= REFRESH_SECONDS:
            self._show_answer(self._streamed())
            self._refresh_tasks()
            self.last_refresh = now

    def _on_ToolCallStarted(self, event: ToolCallStarted) -> None:
        if self.answer is not None:
            # That stream was a tool call, so the answer starts below the results.
            self.answer.update(ToolCallView(event.call))
            self.answer = None
            self.streams.pop(event.task_id, None)
        self._status(f"⏳ *running {describe_call(event.call)}…*")

    def _on_ApprovalRequested(self, event: ApprovalRequested) -> None:
        # The task waits for this request, so the cell waits here too, with the buttons live.
        self._status(f"✋ *{describe_call(event.request.call)} waits for your approval…*")
        ask_in_cell(event.request)

    def _on_ToolResultReady(self, event: ToolResultReady) -> None:
        self.tool_count += 1
        display(ToolResultView(event.result))

    def _on_TaskFinished(self, event: TaskFinished) -> None:
        self._refresh_tasks()
        self._status(f"⏳ *task {event.task.type.value} finished…*")

    def _on_TaskFailed(self, event: TaskFailed) -> None:
        self._refresh_tasks()
        self._status(f"✗ *task {event.task.type.value} failed:* {event.error}")

    def _on_Done(self, event: Done) -> None:
        self._refresh_tasks()
        self._show_answer(event.message.content, final=True)
        tools = f"{self.tool_count} tool call{'s' if self.tool_count != 1 else ''}"
        self._status(f"✓ *answered in {self._elapsed()} · {tools}*")

    def _streamed(self) -> str:
        if len(self.streams) <= 1:
            return next(iter(self.streams.values()), (0, ""))[1]
        parts = []
        for task_id, (_step, text) in self.streams.items():
            task = self.tasks.get(task_id)
            heading = f"**{task.description}**" if task else f"**{task_id}**"
            parts.append(f"{heading}\n\n{text}")
        return "\n\n---\n\n".join(parts)

    def _refresh_tasks(self) -> None:
        if self.task_list is not None:
            self.task_list.update(TaskList(list(self.tasks.values())))

    def _show_answer(self, text: str, *, final: bool = False) -> None:
        # While streaming, a partial JSON or HTML reply reads best as plain Markdown.
        shown: Any = AnswerView(text, self.answer_format) if final else MarkdownText(text)
        if self.answer is None:
            self.answer = display(shown, display_id=True)
        else:
            self.answer.update(shown)

    def _status(self, text: str) -> None:
        if self.status is not None:
            self.status.update(MarkdownText(text))

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f}s"
