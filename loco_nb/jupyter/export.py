"""Sessions as notebooks: user turns and answers as Markdown, code as code cells.

Python code blocks of an answer become code cells that can be run; blocks in
other languages stay inside the Markdown. Each tool result becomes a code
cell whose output is the result's rich form, so the export shows what the
user saw. Every notebook is checked with ``nbformat.validate`` before it is
written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ..errors import StoreError
from ..models import Message, Role, Session, ToolCall, ToolResult, utc_now
from ..store.atomic import write_atomic
from .render import ToolResultView, describe_call

_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_PYTHON = {"", "python", "py", "python3", "ipython", "ipython3"}


def session_to_notebook(session: Session) -> NotebookNode:
    """Return the session as a version 4 notebook."""
    notebook = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "loco_nb": {
                "session_id": session.id,
                "title": session.title,
                "model": session.model,
                "exported": utc_now().isoformat(),
                "tasks": [t.model_dump(mode="json") for t in session.tasks],
            },
        }
    )
    notebook.cells.append(new_markdown_cell(f"# {session.title or session.id}"))
    for index, message in enumerate(session.messages):
        notebook.cells.extend(_cells(message, index))
    return notebook


def export_session(session: Session, path: Path) -> Path:
    """Validate the notebook of ``session`` and write it atomically to ``path``."""
    notebook = session_to_notebook(session)
    nbformat.validate(notebook)
    target = path if path.suffix == ".ipynb" else path.with_suffix(".ipynb")
    try:
        write_atomic(target, nbformat.writes(notebook).encode())
    except StoreError as exc:
        msg = f"Could not export session {session.id}: {exc}"
        raise StoreError(msg, path=target) from exc
    return target


def _cells(message: Message, index: int) -> list[NotebookNode]:
    meta = {"loco_nb": {"role": message.role.value, "message": index}}
    if message.role == Role.USER:
        return [new_markdown_cell(f"**You:** {message.content}", metadata=meta)]
    if message.role != Role.ASSISTANT:
        return []

    cells = [_result_cell(result, meta) for result in message.tool_results]
    cells.extend(_answer_cells(message.content, meta))
    return cells


def _result_cell(result: ToolResult, meta: dict[str, Any]) -> NotebookNode:
    call = ToolCall(name=result.name, params=result.params)
    output = new_output("display_data", data=ToolResultView(result).mimebundle())
    cell = new_code_cell(f"# loco_nb ran {describe_call(call)}", metadata=meta)
    cell.outputs = [output]
    return cell


def _answer_cells(text: str, meta: dict[str, Any]) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    prose: list[str] = []
    position = 0
    for block in _FENCE.finditer(text):
        language = block.group(1).lower()
        if language not in _PYTHON:
            continue
        prose.append(text[position : block.start()])
        _flush(prose, cells, meta)
        cells.append(new_code_cell(block.group(2).rstrip("\n"), metadata=meta))
        position = block.end()

    prose.append(text[position:])
    _flush(prose, cells, meta)
    return cells


def _flush(prose: list[str], cells: list[NotebookNode], meta: dict[str, Any]) -> None:
    text = "".join(prose).strip()
    prose.clear()
    if text:
        cells.append(new_markdown_cell(text, metadata=meta))
