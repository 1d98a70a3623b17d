"""loco_nb: a coding assistant for local models that lives inside Jupyter.

In a notebook, ``%load_ext loco_nb`` adds the ``%loco`` and ``%%loco`` magics.
From Python, :class:`Assistant` runs the same requests without IPython.
"""

from __future__ import annotations

import importlib
import typing
from typing import Any

from .__about__ import __version__

if typing.TYPE_CHECKING:
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
    from .jupyter.panel import Panel
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

# The module of each public class and function. They are imported on first access,
# so %load_ext loco_nb does not import pydantic, httpx and the assistant before the
# first question needs them.
_LAZY = {
    "Assistant": "assistant",
    "Settings": "config",
    "load_settings": "config",
    **dict.fromkeys(
        [
            "ApprovalRequired",
            "ConfigError",
            "EmbeddedServerError",
            "LocoError",
            "ModelError",
            "ModelNotFound",
            "PathOutsideProject",
            "ServerResponseError",
            "ServerUnavailable",
            "SessionNotFound",
            "StoreError",
            "StreamInterrupted",
            "ToolError",
            "WeightsError",
        ],
        "errors",
    ),
    **dict.fromkeys(
        [
            "Message",
            "ModelConfig",
            "ModelSize",
            "ProjectContext",
            "Role",
            "Session",
            "Task",
            "TaskStatus",
            "TaskType",
            "ToolCall",
            "ToolResult",
        ],
        "models",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def panel(assistant: Assistant | None = None) -> Panel:
    """Return the chat and task panel, an ipywidgets panel to display or lay out.

    Without ``assistant`` it is the kernel's panel, which shares the session
    with ``%%loco`` cells. ipywidgets is imported on the first call only.
    """
    from .jupyter.panel import panel as make_panel

    return make_panel(assistant)


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
    "panel",
    "unload_ipython_extension",
]
