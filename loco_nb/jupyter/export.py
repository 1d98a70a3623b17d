"""Sessions as notebooks: user turns and answers as Markdown, code as code cells.

Python code blocks of an answer become code cells that can be run; blocks in
other languages stay inside the Markdown. Each tool result becomes a code
cell whose output is the result's rich form, so the export shows what the
user saw. Every notebook is checked with ``nbformat.validate`` before it is
written.

The metadata lets :mod:`.importer` rebuild the same messages. Every cell of
a message carries ``loco_nb: {role, message}``, with ``message`` the index in
the session. The first cell of a message also carries the message's other
fields, its exact text and a digest of the cell sources. A result cell
carries its tool result without the text, which is the output's text/plain.
Messages that make no cell (system and tool turns, empty answers) are kept
whole in the notebook's ``loco_nb.unshown_messages``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ..__about__ import __version__
from ..errors import StoreError
from ..models import Message, Role, Session, ToolCall, ToolResult, utc_now
from ..store.atomic import write_atomic
from .render import ToolResultView, describe_call

# Version of the metadata layout described above.
EXPORT_FORMAT = 1
USER_PREFIX = "**You:** "

_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_PYTHON = {"", "python", "py", "python3", "ipython", "ipython3"}


def session_to_notebook(session: Session, *, include_tools: bool = True) -> NotebookNode:
    """Return the session as a version 4 notebook.

    ``include_tools=False`` leaves out tool results and tool turns.
    """
    notebook = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "loco_nb": _session_metadata(session),
        }
    )
    title = new_markdown_cell(
        f"# {session.title or session.id}", metadata={"loco_nb": {"part": "title"}}
    )
    notebook.cells.append(title)

    unshown = []
    for index, message in enumerate(session.messages):
        if message.role == Role.TOOL and not include_tools:
            continue
        cells = _cells(message, index, include_tools)
        if cells:
            notebook.cells.extend(cells)
        else:
            kept = message.model_dump(
                mode="json", exclude=None if include_tools else {"tool_results"}
            )
            unshown.append({"message": index, **kept})
    notebook.metadata["loco_nb"]["unshown_messages"] = unshown
    return notebook


def export_session(session: Session, path: Path, *, include_tools: bool = True) -> Path:
    """Validate the notebook of ``session`` and write it atomically to ``path``."""
    notebook = session_to_notebook(session, include_tools=include_tools)
    nbformat.validate(notebook)
    target = path if path.suffix == ".ipynb" else path.with_suffix(".ipynb")
    try:
        write_atomic(target, nbformat.writes(notebook).encode())
    except StoreError as exc:
        msg = f"Could not export session {session.id}: {exc}"
        raise StoreError(msg, path=target) from exc
    return target


def export_sessions(
    sessions: Sequence[Session], folder: Path, *, include_tools: bool = True
) -> list[Path]:
    """Write each session to ``folder/<session id>.ipynb`` and return the paths."""
    return [
        export_session(session, folder / f"{session.id}.ipynb", include_tools=include_tools)
        for session in sessions
    ]


def source_digest(sources: Sequence[str]) -> str:
    """Return the digest of a message's cell sources, to tell whether they were edited."""
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


def _session_metadata(session: Session) -> dict[str, Any]:
    models = sorted({task.model_id for task in session.tasks if task.model_id})
    return {
        "format": EXPORT_FORMAT,
        "loco_nb_version": __version__,
        "session_id": session.id,
        "title": session.title,
        "model": session.model,
        "models": models,
        "created": session.created.isoformat(),
        "last_updated": session.last_updated.isoformat(),
        "exported": utc_now().isoformat(),
        "tasks": [t.model_dump(mode="json") for t in session.tasks],
    }


def _cells(message: Message, index: int, include_tools: bool) -> list[NotebookNode]:
    if message.role == Role.USER:
        body = [new_markdown_cell(USER_PREFIX + message.content)]
        results: list[NotebookNode] = []
    elif message.role == Role.ASSISTANT:
        body = _answer_cells(message.content)
        if not body and message.error:
            body = [new_markdown_cell(f"*No answer: {message.error}*")]
        results = [_result_cell(r) for r in message.tool_results] if include_tools else []
    else:
        return []

    cells = [*results, *body]
    for cell in cells:
        cell.metadata["loco_nb"] = {
            "role": message.role.value,
            "message": index,
            **cell.metadata.get("loco_nb", {}),
        }
    if cells:
        cells[0].metadata["loco_nb"].update(
            fields=message.model_dump(mode="json", exclude={"role", "content", "tool_results"}),
            content=message.content,
            digest=source_digest([cell.source for cell in body]),
        )
    return cells


def _result_cell(result: ToolResult) -> NotebookNode:
    call = ToolCall(name=result.name, params=result.params)
    output = new_output("display_data", data=ToolResultView(result).mimebundle())
    meta = {"loco_nb": {"tool_result": result.model_dump(mode="json", exclude={"content"})}}
    cell = new_code_cell(f"# loco_nb ran {describe_call(call)}", metadata=meta)
    cell.outputs = [output]
    return cell


def _answer_cells(text: str) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    prose: list[str] = []
    position = 0
    for block in _FENCE.finditer(text):
        language = block.group(1).lower()
        if language not in _PYTHON:
            continue
        prose.append(text[position : block.start()])
        _flush(prose, cells)
        cells.append(new_code_cell(block.group(2).rstrip("\n")))
        position = block.end()

    prose.append(text[position:])
    _flush(prose, cells)
    return cells


def _flush(prose: list[str], cells: list[NotebookNode]) -> None:
    text = "".join(prose).strip()
    prose.clear()
    if text:
        cells.append(new_markdown_cell(text))
