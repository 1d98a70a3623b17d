"""Pydantic models of every entity loco_nb stores or passes between layers.

The JSON field names are part of the on-disk format: a session written by one
version must load in the next. Add fields with defaults; never rename one.
Stored entities keep unknown fields (``extra="allow"``) so that a file written
by a newer version survives a round trip through an older one.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class ModelSize(str, Enum):
    """T-shirt size of a model, ordered by size rather than by name."""

    XS = "XS"
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"

    @property
    def rank(self) -> int:
        return _SIZE_ORDER.index(self)

    # A size compared with a plain string such as "M" must not fall back to
    # str's alphabetical order, so valid size strings are converted first and
    # any other string raises TypeError.
    def _rank_of(self, other: object) -> int | None:
        if isinstance(other, ModelSize):
            return other.rank
        if isinstance(other, str):
            try:
                return ModelSize(other).rank
            except ValueError:
                msg = f"Cannot compare ModelSize with {other!r}; use one of XS, S, M, L, XL."
                raise TypeError(msg) from None
        return None

    def __lt__(self, other: object) -> bool:
        rank = self._rank_of(other)
        return NotImplemented if rank is None else self.rank < rank

    def __le__(self, other: object) -> bool:
        rank = self._rank_of(other)
        return NotImplemented if rank is None else self.rank <= rank

    def __gt__(self, other: object) -> bool:
        rank = self._rank_of(other)
        return NotImplemented if rank is None else self.rank > rank

    def __ge__(self, other: object) -> bool:
        rank = self._rank_of(other)
        return NotImplemented if rank is None else self.rank >= rank


_SIZE_ORDER = list(ModelSize)


class Role(str, Enum):
    """Author of a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class TaskType(str, Enum):
    """Kind of work a task does; the planner picks one per task."""

    ANALYZE = "analyze"
    CODE = "code"
    EDIT = "edit"
    REVIEW = "review"
    SEARCH = "search"
    ANSWER = "answer"


class TaskStatus(str, Enum):
    """Lifecycle state of a task."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StoredModel(BaseModel):
    """Base of entities written to disk: unknown fields are kept, not dropped."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ToolCall(StoredModel):
    """A tool invocation requested by a model."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class ToolResult(StoredModel):
    """The outcome of one tool call.

    ``content`` is the plain text fed back to the model. ``kind`` and ``data``
    keep what a renderer needs to rebuild the rich form (highlighted code, a
    table) when the session is shown again or exported. ``approval`` records
    how a call that needed approval was decided: ``approved``, ``always``
    (allowed for the session), ``auto`` (auto-approve) or ``denied``; it is
    None for calls that need none.
    """

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    content: str = ""
    kind: str = "text"
    data: dict[str, Any] = Field(default_factory=dict)
    approval: str | None = None


def new_message_id() -> str:
    """Return a random message id, unique across processes."""
    return f"msg_{uuid.uuid4().hex}"


class Message(StoredModel):
    """One turn of a conversation.

    The store merges the copies of two kernels that write the same session by
    ``id``. Messages in files written before ids existed get a stable id when
    the store reads them.
    """

    id: str = Field(default_factory=new_message_id)
    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_results: list[ToolResult] = Field(default_factory=list)
    task_ids: list[str] = Field(default_factory=list)
    created: datetime = Field(default_factory=utc_now)
    error: str | None = Field(
        default=None, description="Why the request failed or stopped, on an assistant message."
    )


class Task(StoredModel):
    """A unit of work given to one model, with its history."""

    id: str
    type: TaskType = TaskType.ANSWER
    description: str = ""
    status: TaskStatus = TaskStatus.PENDING
    model_size: ModelSize = ModelSize.M
    model_id: str | None = None
    input: str = ""
    output: str = ""
    error: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    dependencies: list[str] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Session(StoredModel):
    """A conversation with its messages and task history."""

    id: str
    title: str = ""
    messages: list[Message] = Field(default_factory=list)
    created: datetime = Field(default_factory=utc_now)
    last_updated: datetime = Field(default_factory=utc_now)
    model: str | None = None
    tasks: list[Task] = Field(default_factory=list)


class ProjectContext(StoredModel):
    """The project as loco_nb sees it: the static pass and the AI-written summary."""

    path: str
    description: str = ""
    tech_stack: list[str] = Field(default_factory=list)
    key_files: list[str] = Field(default_factory=list)
    entry_points: list[str] = Field(default_factory=list)
    generated: datetime = Field(default_factory=utc_now)
    file_count: int = 0
    fingerprint: str = Field(
        default="", description="Digest of the paths, sizes and mtimes the static pass saw."
    )
    description_model: str | None = Field(
        default=None, description="Id of the model that wrote the description."
    )
    description_error: str = Field(
        default="", description="Why the last attempt to write a description failed, if it did."
    )


class ModelConfig(BaseModel):
    """A model reachable on an OpenAI-compatible server, and its size."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    name: str = Field(description="Display name of the model.")
    size: ModelSize = Field(description="T-shirt size the router files the model under.")
    id: str = Field(description="The model id the server expects in requests.")
    endpoint: str = Field(description="Base URL of the server, ending in /v1.")
    api_key: str | None = Field(default=None, repr=False, description="Bearer token, if any.")
    context_length: int | None = Field(default=None, ge=1, description="Context window in tokens.")
    structured_output: bool = Field(
        default=False,
        description="Whether the server honours response_format with a JSON schema.",
    )
    native_tools: bool = Field(
        default=False,
        description="Whether to send the OpenAI tools field instead of asking for <tool> tags.",
    )


_id_lock = threading.Lock()
_last_ms = 0
_counter = itertools.count()


def new_session_id() -> str:
    """Return ``chat_<unix-ms>``, strictly increasing within this process.

    Two sessions created in the same millisecond get consecutive numbers, so
    ids never collide inside one kernel; the store also refuses to overwrite
    an existing file when it creates a session.
    """
    global _last_ms
    with _id_lock:
        now = time.time_ns() // 1_000_000
        _last_ms = max(now, _last_ms + 1)
        return f"chat_{_last_ms}"


def new_task_id() -> str:
    """Return a task id unique within this process."""
    return f"task_{time.time_ns() // 1_000_000}_{next(_counter)}"
