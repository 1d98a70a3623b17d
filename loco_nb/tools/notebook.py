"""Notebook tools: the current notebook's cells, a new cell below, the last traceback.

They run in the kernel's process and reach the notebook through IPython,
which is imported when a tool runs, never when this module is imported, so
scripts and tests without IPython can import the tools package.
:func:`notebook_tools` is offered only inside an IPython shell.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ToolError
from ..models import ToolResult
from .paths import relative, resolve_inside
from .registry import Tool, ToolContext

MAX_CELL_CHARS = 1_500
MAX_OUTPUT_CHARS = 500
MAX_TRACEBACK_CHARS = 8_000

ShellProvider = Callable[[], Any]


def current_shell() -> Any:
    """Return the running IPython shell; raise :class:`ToolError` when there is none."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is None:
        msg = "This tool needs a Jupyter kernel or an IPython shell, and none is running here."
        raise ToolError(msg)
    return shell


def in_ipython() -> bool:
    """Return True inside a running IPython shell, without importing IPython."""
    module = sys.modules.get("IPython")
    return module is not None and module.get_ipython() is not None


class ReadNotebookParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    last: int = Field(default=10, ge=1, le=100, description="How many of the latest cells to show.")


class InsertCellParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, description="Python code of the new cell.")


class LastErrorParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotebookTool(Tool):
    """A tool that reaches the notebook through the IPython shell ``shell_provider`` returns."""

    def __init__(self, shell_provider: ShellProvider = current_shell) -> None:
        self.shell_provider = shell_provider


class ReadNotebook(NotebookTool):
    name = "read_notebook"
    description = "Show the latest cells of the current notebook with their outputs."
    params_model = ReadNotebookParams

    def run(self, params: ReadNotebookParams, context: ToolContext) -> ToolResult:
        shell = self.shell_provider()
        cells, source, note = _saved_cells(shell, context)
        if cells is None:
            cells, source = _history_cells(shell), "kernel history"
        cells = cells[-params.last :]

        lines = [f"=== notebook ({source}; {len(cells)} cells) ==="]
        lines += [_cell_text(cell) for cell in cells]
        if note:
            lines.append(note)
        return ToolResult(
            name=self.name,
            params=params.model_dump(exclude_defaults=True),
            content="\n".join(lines),
            kind="notebook",
            data={"source": source, "cells": cells, "note": note},
        )


class InsertCell(NotebookTool):
    name = "insert_cell"
    description = "Put a new code cell below the current one, for the user to read and run."
    params_model = InsertCellParams

    def run(self, params: InsertCellParams, context: ToolContext) -> ToolResult:
        shell = self.shell_provider()
        # IPython keeps one next-input payload per execution: a second call replaces the first.
        shell.set_next_input(params.code, replace=False)
        count = len(params.code.splitlines())
        return ToolResult(
            name=self.name,
            params=params.model_dump(),
            content=(
                f"A new cell of {count} lines will appear below the current cell when it "
                "finishes; the user runs it."
            ),
            kind="cell",
            data={"code": params.code},
        )


class LastError(NotebookTool):
    name = "last_error"
    description = "Show the traceback of the last exception raised in the notebook."
    params_model = LastErrorParams

    def run(self, params: LastErrorParams, context: ToolContext) -> ToolResult:
        self.shell_provider()
        error = getattr(sys, "last_value", None)
        if error is None:
            return ToolResult(
                name=self.name, content="No exception has been raised in this kernel yet.",
                kind="traceback", data={"traceback": "", "error": None},
            )  # fmt: skip

        text = "".join(traceback.format_exception(type(error), error, sys.last_traceback))
        if len(text) > MAX_TRACEBACK_CHARS:
            # The end of a traceback names the error and the frame that raised it.
            text = "[… start of the traceback left out]\n" + text[-MAX_TRACEBACK_CHARS:]
        return ToolResult(
            name=self.name,
            content=f"=== last exception: {type(error).__name__} ===\n{text.rstrip()}",
            kind="traceback",
            data={"traceback": text, "error": f"{type(error).__name__}: {error}"},
        )


def notebook_tools(shell_provider: ShellProvider = current_shell) -> list[Tool]:
    """Return the notebook tools; offer them only where :func:`in_ipython` is True."""
    from .variables import InspectVariable

    return [
        ReadNotebook(shell_provider),
        InsertCell(shell_provider),
        InspectVariable(shell_provider),
        LastError(shell_provider),
    ]


def notebook_path(shell: Any) -> str | None:
    """Return the current notebook's path as Jupyter passed it to the kernel, or None."""
    name = os.environ.get("JPY_SESSION_NAME") or shell.user_ns.get("__session__")
    return str(name) if name else None


def _saved_cells(
    shell: Any, context: ToolContext
) -> tuple[list[dict[str, Any]] | None, str, str | None]:
    """Return the cells of the notebook file, its path, and a note when it cannot be read."""
    name = notebook_path(shell)
    if name is None:
        return None, "", None
    try:
        path = _locate(context, name)
    except ToolError as exc:
        return None, "", f"(the notebook file was not read: {exc})"
    if path is None:
        return None, "", None

    import nbformat

    # nbformat has no type hints.
    read: Callable[..., Any] = nbformat.read
    try:
        notebook = read(str(path), as_version=4)
    except (OSError, ValueError) as exc:
        return None, "", f"(the notebook file {name} could not be read: {exc})"
    cells = [_file_cell(cell) for cell in notebook.cells]
    shown = relative(context.root, path)
    return cells, f"{shown} as last saved", None


def _locate(context: ToolContext, name: str) -> Path | None:
    """Find the notebook file, which Jupyter names absolutely or from the server's root."""
    candidates = [Path(name)] if Path(name).is_absolute() else [Path.cwd() / name]
    candidates.append(Path.cwd() / Path(name).name)
    for candidate in candidates:
        if candidate.is_file():
            return resolve_inside(context.root, str(candidate))
    return None


def _file_cell(cell: Any) -> dict[str, Any]:
    outputs = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            outputs.append(str(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            outputs.append(str(output.get("data", {}).get("text/plain", "")))
        elif kind == "error":
            outputs.append(f"{output.get('ename')}: {output.get('evalue')}")
    return {
        "type": cell.get("cell_type", "code"),
        "count": cell.get("execution_count"),
        "source": _clip(str(cell.get("source", "")), MAX_CELL_CHARS),
        "output": _clip("".join(outputs), MAX_OUTPUT_CHARS),
    }


def _history_cells(shell: Any) -> list[dict[str, Any]]:
    inputs = list(shell.user_ns.get("In", []))
    outputs = shell.user_ns.get("Out", {})
    cells = []
    for count, source in enumerate(inputs):
        if count == 0 or not source:
            continue
        result = outputs.get(count) if isinstance(outputs, dict) else None
        cells.append({
            "type": "code", "count": count, "source": _clip(str(source), MAX_CELL_CHARS),
            "output": "" if result is None else _clip(repr(result), MAX_OUTPUT_CHARS),
        })  # fmt: skip
    return cells


def _cell_text(cell: dict[str, Any]) -> str:
    label = f"In [{cell['count']}]" if cell["type"] == "code" else f"[{cell['type']}]"
    text = f"{label}:\n{cell['source']}"
    if cell["output"]:
        text += f"\nOut:\n{cell['output']}"
    return text


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit} more characters]"
