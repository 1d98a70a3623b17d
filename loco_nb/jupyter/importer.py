"""Notebooks turned back into sessions, so a conversation can go on elsewhere.

A notebook that :mod:`.export` wrote gives back its messages: the role,
text, tool results and other fields recorded in the cell metadata. When the
cells of a message were edited after the export (their digest differs), the
text is rebuilt from the cells instead: a user turn from its Markdown, an
assistant turn from its Markdown and code cells, with code in ``python`` fences.
Cells added to such a notebook become user turns where they stand.

Any other notebook becomes one user turn that holds all its cells as
Markdown, code in fenced blocks, followed by a short assistant turn that
loco_nb writes. The pair matters: only question and answer pairs are sent as
history, so a lone user turn would never reach the model. No turn is
attributed to a model that did not write it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from pydantic import ValidationError

from ..errors import StoreError
from ..models import Message, Role, Session, Task, ToolResult, utc_now
from .export import USER_PREFIX, source_digest

logger = logging.getLogger("loco_nb")

# Characters of a foreign notebook kept in the imported turn, about 4,000
# tokens, so it fits the history budget of a small model's context window.
MAX_FOREIGN_CHARS = 12_000
MAX_OUTPUT_CHARS = 1_000


@dataclass
class _Group:
    """The cells of one exported message, or one added cell."""

    order: float
    role: Role
    cells: list[NotebookNode] = field(default_factory=list)


def read_notebook(path: Path) -> NotebookNode:
    """Read and validate a notebook; raises StoreError naming the path and the problem."""
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except FileNotFoundError as exc:
        msg = f"No notebook at {path}; give the path of an .ipynb file."
        raise StoreError(msg, path=path) from exc
    except OSError as exc:
        msg = f"Could not read {path}: {exc.strerror or exc}"
        raise StoreError(msg, path=path) from exc
    except (ValueError, nbformat.ValidationError) as exc:
        # nbformat.reader.NotJSONError is a ValueError.
        msg = f"{path} is not a valid notebook: {str(exc)[:300]}"
        raise StoreError(msg, path=path) from exc
    return notebook


def notebook_to_session(notebook: NotebookNode, session_id: str, name: str) -> Session:
    """Return a session with id ``session_id`` holding the conversation of ``notebook``.

    ``name`` (the file name) titles notebooks that loco_nb did not write.
    """
    meta = notebook.metadata.get("loco_nb")
    if not isinstance(meta, dict):
        return _foreign_session(notebook, session_id, name)

    messages = _messages(notebook, meta)
    return Session(
        id=session_id,
        title=str(meta.get("title") or ""),
        model=meta.get("model"),
        created=_time(meta.get("created")),
        messages=messages,
        tasks=_tasks(meta.get("tasks", [])),
    )


def _messages(notebook: NotebookNode, meta: dict[str, Any]) -> list[Message]:
    placed = [(group.order, _message(group)) for group in _groups(notebook.cells)]
    for entry in meta.get("unshown_messages", []):
        fields = {key: value for key, value in entry.items() if key != "message"}
        try:
            placed.append((float(entry["message"]), Message.model_validate(fields)))
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            logger.warning("skipped an unreadable message in the notebook metadata: %s", exc)
    placed.sort(key=lambda item: item[0])
    return [message for _, message in placed]


def _groups(cells: list[NotebookNode]) -> list[_Group]:
    groups: dict[float, _Group] = {}
    last_index = -1.0
    added = 0
    for cell in cells:
        meta = cell.metadata.get("loco_nb", {})
        if meta.get("part") == "title":
            continue
        if "message" in meta and "role" in meta:
            last_index = float(meta["message"])
            group = groups.setdefault(last_index, _Group(last_index, Role(meta["role"])))
            group.cells.append(cell)
        else:
            # Added cells keep their place after the message before them.
            added += 1
            order = last_index + 0.5 + added * 1e-6
            groups[order] = _Group(order, Role.USER, [cell])
    return sorted(groups.values(), key=lambda group: group.order)


def _message(group: _Group) -> Message:
    first = group.cells[0].metadata.get("loco_nb", {})
    body = [cell for cell in group.cells if not _is_result(cell)]
    results = [_tool_result(cell) for cell in group.cells if _is_result(cell)]

    unedited = first.get("digest") == source_digest([cell.source for cell in body])
    content = first["content"] if unedited and "content" in first else _rebuild(group.role, body)
    fields = dict(first.get("fields", {}))
    fields.update(role=group.role, content=content, tool_results=results)
    try:
        return Message.model_validate(fields)
    except ValidationError as exc:
        logger.warning("kept only the text of message %s: %s", first.get("message"), exc)
        return Message(role=group.role, content=content, tool_results=results)


def _is_result(cell: NotebookNode) -> bool:
    return "tool_result" in cell.metadata.get("loco_nb", {})


def _tool_result(cell: NotebookNode) -> ToolResult:
    fields = dict(cell.metadata["loco_nb"]["tool_result"])
    texts = [out.get("data", {}).get("text/plain", "") for out in cell.get("outputs", [])]
    fields["content"] = "".join(texts)
    return ToolResult.model_validate(fields)


def _rebuild(role: Role, cells: list[NotebookNode]) -> str:
    parts = []
    for cell in cells:
        if cell.cell_type == "code":
            parts.append(f"```python\n{cell.source}\n```")
        else:
            parts.append(cell.source)
    text = "\n\n".join(parts)
    return text.removeprefix(USER_PREFIX) if role == Role.USER else text


def _tasks(entries: list[Any]) -> list[Task]:
    tasks = []
    for entry in entries:
        try:
            tasks.append(Task.model_validate(entry))
        except ValidationError as exc:
            logger.warning("skipped an unreadable task in the notebook metadata: %s", exc)
    return tasks


def _foreign_session(notebook: NotebookNode, session_id: str, name: str) -> Session:
    language = notebook.metadata.get("language_info", {}).get("name", "python")
    parts = [_foreign_cell(cell, language) for cell in notebook.cells]
    text = "\n\n".join(part for part in parts if part)
    if len(text) > MAX_FOREIGN_CHARS:
        cut = len(text) - MAX_FOREIGN_CHARS
        text = text[:MAX_FOREIGN_CHARS] + f"\n\n[… {cut} more characters of the notebook left out]"

    question = Message(role=Role.USER, content=f"The notebook {name}:\n\n{text}")
    note = Message(
        role=Role.ASSISTANT,
        content=(
            f"loco_nb imported the notebook {name} ({len(notebook.cells)} cells) "
            "into this session; ask about it."
        ),
    )
    return Session(id=session_id, title=f"Notebook {name}", messages=[question, note])


def _foreign_cell(cell: NotebookNode, language: str) -> str:
    if cell.cell_type != "code":
        return str(cell.source).strip()
    text = f"```{language}\n{cell.source}\n```"
    outputs = "".join(_output_text(output) for output in cell.get("outputs", []))
    if outputs.strip():
        text += f"\n\nOutput:\n```\n{outputs[:MAX_OUTPUT_CHARS].rstrip()}\n```"
    return text


def _output_text(output: NotebookNode) -> str:
    if output.output_type == "stream":
        return str(output.text)
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}\n"
    return str(output.get("data", {}).get("text/plain", ""))


def _time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return utc_now()
