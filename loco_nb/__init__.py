"""loco_nb: a coding assistant for local models that lives inside Jupyter.

In a notebook, ``%load_ext loco_nb`` adds the ``%loco`` and ``%%loco`` magics.
From Python, :class:`Assistant` runs the same requests without IPython.
"""

from __future__ import annotations

from typing import Any

from .__about__ import __version__
from .assistant import Assistant
from .config import Settings, load_settings
from .errors import (
    ApprovalRequired,
    ConfigError,
    EmbeddedServerError,
    LocoError,
    ModelError,
    ModelNotFound,
    PathOutsideProject,
    ServerResponseError,
    ServerUnavailable,
    SessionNotFound,
    StoreError,
    StreamInterrupted,
    ToolError,
    WeightsError,
)
from .models import (
    Message,
    ModelConfig,
    ModelSize,
    ProjectContext,
    Role,
    Session,
    Task,
    TaskStatus,
    TaskType,
    ToolCall,
    ToolResult,
)


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext loco_nb``."""
    from .jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext loco_nb``."""
    from .jupyter import unload_ipython_extension as unload

    unload(ipython)


__all__ = [
    "ApprovalRequired",
    "Assistant",
    "ConfigError",
    "EmbeddedServerError",
    "LocoError",
    "Message",
    "ModelConfig",
    "ModelError",
    "ModelNotFound",
    "ModelSize",
    "PathOutsideProject",
    "ProjectContext",
    "Role",
    "ServerResponseError",
    "ServerUnavailable",
    "Session",
    "SessionNotFound",
    "Settings",
    "StoreError",
    "StreamInterrupted",
    "Task",
    "TaskStatus",
    "TaskType",
    "ToolCall",
    "ToolError",
    "ToolResult",
    "WeightsError",
    "__version__",
    "load_ipython_extension",
    "load_settings",
    "unload_ipython_extension",
]
