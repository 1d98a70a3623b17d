"""Events emitted while a request runs; both front ends render the same stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..models import Message, Task, ToolCall, ToolResult
from ..tools.approvals import ApprovalRequest


@dataclass(frozen=True)
class Event:
    """Base class of every event."""


@dataclass(frozen=True)
class Progress(Event):
    """A step of set-up the user waits for, such as joining weights or starting a server."""

    text: str
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class PlanCreated(Event):
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class TaskStarted(Event):
    task: Task


@dataclass(frozen=True)
class Token(Event):
    """A piece of the reply a model is streaming; ``step`` counts the task's model calls."""

    task_id: str
    text: str
    step: int


@dataclass(frozen=True)
class ToolCallStarted(Event):
    task_id: str
    call: ToolCall


@dataclass(frozen=True)
class ApprovalRequested(Event):
    """A tool call waits for ``request.approve()``, ``deny()`` or ``always()``.

    Sent only to front ends that answer approvals (``Assistant(ask_user=True)``);
    the task waits until the request is decided.
    """

    task_id: str
    request: ApprovalRequest


@dataclass(frozen=True)
class ToolResultReady(Event):
    task_id: str
    result: ToolResult


@dataclass(frozen=True)
class TaskFinished(Event):
    task: Task


@dataclass(frozen=True)
class TaskFailed(Event):
    task: Task
    error: str


@dataclass(frozen=True)
class Done(Event):
    """The request finished; ``message`` is the assistant message saved in the session."""

    message: Message


EventSink = Callable[[Event], None]
