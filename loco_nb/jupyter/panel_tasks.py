"""The panel's task list: the current request's plan, a progress bar and the time so far."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import ipywidgets as widgets

from ..models import Task, TaskStatus, utc_now
from .render import TaskList

_ENDED = (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)

# The progress bar's colour once the request has ended, by how it ended.
_BAR_STYLES = {
    TaskStatus.COMPLETED: "success",
    TaskStatus.FAILED: "danger",
    TaskStatus.CANCELLED: "warning",
}


class TaskView:
    """Shows the tasks of the latest request, from its plan until it ends.

    ``progress`` counts ended tasks out of the plan's tasks; ``rows`` contains
    the table as last rendered (status, type, size, model, time and so on),
    the same cells that ``table`` shows.
    """

    def __init__(self) -> None:
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description="Tasks", layout=widgets.Layout(width="50%")
        )
        self.elapsed = widgets.HTML("idle")
        self.table = widgets.HTML("")
        # JupyterLab styles tables inside this class, as it does the task table of a cell.
        self.table.add_class("jp-RenderedHTMLCommon")
        self.box = widgets.VBox([widgets.HBox([self.progress, self.elapsed]), self.table])
        self.tasks: list[Task] = []
        self.rows: list[list[str]] = []
        self.started: datetime | None = None
        self.ended: datetime | None = None
        self.outcome: TaskStatus | None = None

    def start(self, started: datetime | None = None) -> None:
        """Clear the list for a new request that started at ``started`` (now by default)."""
        self.tasks = []
        self.started = started or utc_now()
        self.ended = None
        self.outcome = None
        self.progress.max = 1
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.table.value = "<i>planning…</i>"
        self.rows = []
        self.refresh()

    def show_plan(self, tasks: Sequence[Task]) -> None:
        self.tasks = list(tasks)
        if self.started is None:
            self.started = min(task.created_at for task in self.tasks)
        self.progress.max = max(len(self.tasks), 1)
        self.refresh()

    def refresh(self) -> None:
        """Render the tasks' current status, the progress bar and the elapsed time."""
        if self.tasks:
            table = TaskList(self.tasks)
            self.rows = table.rows
            self.table.value = table.html()
        self.progress.value = sum(1 for task in self.tasks if task.status in _ENDED)
        self.elapsed.value = self._elapsed_text()

    def finish(self, outcome: TaskStatus) -> None:
        """Mark the request as ended: completed, failed or cancelled."""
        self.outcome = outcome
        self.ended = utc_now()
        self.refresh()
        if not self.tasks:
            self.table.value = "<i>no task ran</i>"
        if outcome == TaskStatus.COMPLETED:
            self.progress.value = self.progress.max
        self.progress.bar_style = _BAR_STYLES[outcome]

    def _elapsed_text(self) -> str:
        if self.started is None:
            return "idle"
        seconds = ((self.ended or utc_now()) - self.started).total_seconds()
        if self.outcome is None:
            return f"running for {seconds:.1f}s"
        return f"{self.outcome.value} in {seconds:.1f}s"
