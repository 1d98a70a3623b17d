"""Tools: the registry, the built-in tools, plugins, the call parser, path confinement."""

from __future__ import annotations

import logging

from .approvals import ApprovalPolicy, ApprovalRequest, Verdict
from .edit import EditFile
from .files import DeleteFile, ListFiles, ReadFile, WriteFile
from .notebook import in_ipython, notebook_tools
from .parser import ParsedReply, parse_decision, parse_tool_calls
from .plugins import load_plugins
from .registry import ANSWER, Tool, ToolContext, ToolRegistry
from .search import SearchFiles
from .shell import RunCommand
from .walk import project_files

logger = logging.getLogger("loco_nb")


def builtin_tools() -> list[Tool]:
    """Return the built-in tools that work anywhere: files, search and the shell."""
    return [
        ReadFile(), ListFiles(), SearchFiles(), WriteFile(), EditFile(), DeleteFile(),
        RunCommand(),
    ]  # fmt: skip


def default_registry(*, plugins: bool = True, notebook: bool | None = None) -> ToolRegistry:
    """Return a registry with the built-in tools, the notebook tools and the plugins' tools.

    The notebook tools are added inside an IPython shell, or as ``notebook`` sets.
    """
    registry = ToolRegistry(builtin_tools())
    if in_ipython() if notebook is None else notebook:
        for tool in notebook_tools():
            registry.register(tool)
    if plugins:
        for plugin in load_plugins():
            try:
                registry.register(plugin.tool, source=plugin.source)
            except ValueError as exc:
                name = plugin.tool.name
                logger.warning("skipped the tool %s from %s: %s", name, plugin.source, exc)
    return registry


__all__ = [
    "ANSWER",
    "ApprovalPolicy",
    "ApprovalRequest",
    "DeleteFile",
    "EditFile",
    "ListFiles",
    "ParsedReply",
    "ReadFile",
    "RunCommand",
    "SearchFiles",
    "Tool",
    "ToolContext",
    "ToolRegistry",
    "Verdict",
    "WriteFile",
    "builtin_tools",
    "default_registry",
    "parse_decision",
    "parse_tool_calls",
    "project_files",
]
