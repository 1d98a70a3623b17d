"""Tools from other packages, found through the ``loco_nb.tools`` entry-point group.

A package adds a tool by naming, in its metadata, a :class:`Tool` subclass,
a Tool instance, or a function that returns a Tool or a list of them::

    [project.entry-points."loco_nb.tools"]
    word_count = "my_package.tools:WordCount"

A plugin that fails to import, returns something else or reuses a taken
name is logged and skipped, so it cannot stop the built-in tools from loading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from .registry import Tool

logger = logging.getLogger("loco_nb")

GROUP = "loco_nb.tools"


@dataclass(frozen=True)
class PluginTool:
    """A tool and the distribution (package) it came from."""

    tool: Tool
    source: str


def load_plugins(group: str = GROUP) -> list[PluginTool]:
    """Return the tools every installed plugin of ``group`` provides, skipping broken ones."""
    found: list[PluginTool] = []
    for entry in entry_points(group=group):
        source = _source(entry)
        try:
            tools = _tools_of(entry)
        except Exception as exc:
            # A plugin's import runs arbitrary code, so any error is possible here.
            logger.warning("skipped the tool plugin %s from %s: %s", entry.value, source, exc)
            continue
        found.extend(PluginTool(tool, source) for tool in tools)
    return found


def _tools_of(entry: EntryPoint) -> list[Tool]:
    loaded = entry.load()
    # A Tool subclass or a factory function is called; a Tool instance is used as it is.
    if callable(loaded) and not isinstance(loaded, Tool):
        loaded = loaded()

    tools = loaded if isinstance(loaded, list | tuple) else [loaded]
    for tool in tools:
        if not isinstance(tool, Tool):
            msg = f"{entry.value} gave {tool!r}, which is not a loco_nb.tools.Tool"
            raise TypeError(msg)
    return list(tools)


def _source(entry: EntryPoint) -> str:
    dist = entry.dist
    return f"{dist.name} {dist.version}" if dist is not None else entry.value
