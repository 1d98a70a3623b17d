"""Renders a request's events into the panel's chat, task list, approvals and status."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from ..models import TaskStatus

if TYPE_CHECKING:
    from .panel import Panel


class EventRenderer:
    """Shows the events of the panel's own requests as they come, and follows other requests."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel

    def render(self, event: Event) -> None:
        """Show an event of the panel's own request."""
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def follow_other(self, event: Event) -> None:
        """Follow a request from a cell: its tasks live, its conversation once it ends.

        Its events arrive when the cell has finished, because the cell keeps the
        kernel's thread busy, so the chat is read back from the session instead.
        """
        if isinstance(event, PlanCreated):
            self.panel.tasks.start(min(task.created_at for task in event.tasks))
            self.panel.tasks.show_plan(event.tasks)
        elif isinstance(event, (TaskStarted, TaskFinished)):
            self.panel.tasks.refresh()
        elif isinstance(event, TaskFailed):
            self.panel.tasks.finish(TaskStatus.FAILED)
            self.panel.refresh()
        elif isinstance(event, Done):
            self.panel.tasks.finish(TaskStatus.COMPLETED)
            self.panel.refresh()

    def _on_Progress(self, event: Progress) -> None:
        share = (
            f" {100 * event.done // event.total}%" if event.done is not None and event.total else ""
        )
        self.panel.say(f"{event.text}{share}…")

    def _on_PlanCreated(self, event: PlanCreated) -> None:
        self.panel.chat.tasks = {task.id: task for task in event.tasks}
        self.panel.tasks.show_plan(event.tasks)
        count = len(event.tasks)
        self.panel.say(f"planned {count} task{'s' if count != 1 else ''}")

    def _on_TaskStarted(self, event: TaskStarted) -> None:
        task = event.task
        self.panel.tasks.refresh()
        self.panel.say(f"{task.type.value} task on {task.model_id} ({task.model_size.value})…")

    def _on_Token(self, event: Token) -> None:
        self.panel.chat.add_token(event)

    def _on_ToolCallStarted(self, event: ToolCallStarted) -> None:
        self.panel.chat.add_tool_call(event.task_id, event.call)

    def _on_ApprovalRequested(self, event: ApprovalRequested) -> None:
        self.panel.approvals.show(event.request)
        self.panel.say(f"{event.request.call.name} waits for your approval")

    def _on_ToolResultReady(self, event: ToolResultReady) -> None:
        self.panel.chat.add_tool_result(event.result)

    def _on_TaskFinished(self, event: TaskFinished) -> None:
        self.panel.chat.flush()
        self.panel.tasks.refresh()

    def _on_TaskFailed(self, event: TaskFailed) -> None:
        self.panel.chat.flush()
        self.panel.tasks.refresh()
        self.panel.say(f"✗ task {event.task.type.value} failed: {event.error}")

    def _on_Done(self, event: Done) -> None:
        self.panel.chat.finish(event.message.content)
        self.panel.tasks.finish(TaskStatus.COMPLETED)
        model = self.panel.assistant.session.model
        self.panel.say(f"✓ answered in {self.panel.seconds():.1f}s by {model}")
