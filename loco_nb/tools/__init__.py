"""Tools: the registry, the built-in file tools, the call parser, path confinement."""

from .files import ListFiles, ReadFile, WriteFile, project_files
from .parser import ParsedReply, parse_decision, parse_tool_calls
from .registry import ANSWER, Tool, ToolContext, ToolRegistry


def default_registry() -> ToolRegistry:
    """Return a registry with the built-in tools."""
    return ToolRegistry([ReadFile(), ListFiles(), WriteFile()])


__all__ = [
    "ANSWER",
    "ListFiles",
    "ParsedReply",
    "ReadFile",
    "Tool",
    "ToolContext",
    "ToolRegistry",
    "WriteFile",
    "default_registry",
    "parse_decision",
    "parse_tool_calls",
    "project_files",
]
