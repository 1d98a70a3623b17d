"""Displayable objects: tool results, answers, tables and task lists, each with plain text.

Styles are inline (pygments ``noclasses``) so the HTML looks the same in
JupyterLab, in an exported notebook and on a static notebook viewer.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..models import Task, ToolCall, ToolResult, utc_now
from .result_html import diff_html, render_result, title

__all__ = [
    "AnswerView",
    "MarkdownText",
    "Table",
    "TaskList",
    "ToolCallView",
    "ToolResultView",
    "describe_call",
    "diff_html",
    "strip_fence",
]

_BOX = (
    "border:1px solid var(--jp-border-color2, #ddd);border-radius:4px;"
    "margin:2px 0;padding:0 6px;overflow-x:auto"
)


class ToolResultView:
    """Displays one :class:`ToolResult` in a notebook."""

    def __init__(self, result: ToolResult) -> None:
        self.result = result

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return self.mimebundle()

    def mimebundle(self) -> dict[str, str]:
        body = render_result(self.result)
        return {"text/html": f'<div style="{_BOX}">{body}</div>', "text/plain": self.result.content}


class MarkdownText:
    """Markdown with the same text as its plain form, for answers and status lines."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/markdown": self.text, "text/plain": self.text}


class AnswerView:
    """An answer in the format a cell asked for: Markdown, plain text, JSON, HTML or code."""

    def __init__(self, text: str, answer_format: str = "markdown") -> None:
        self.text = text
        self.format = answer_format

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self.format == "text":
            return {"text/plain": self.text}
        if self.format == "html":
            return {"text/html": strip_fence(self.text), "text/plain": self.text}
        if self.format == "json":
            try:
                return {
                    "application/json": json.loads(strip_fence(self.text)),
                    "text/plain": self.text,
                }
            except json.JSONDecodeError:
                return {"text/plain": self.text}
        return {"text/markdown": self.text, "text/plain": self.text}


def strip_fence(text: str) -> str:
    """Return the body of the first fenced block in ``text``, or ``text`` without fences."""
    match = _FENCED.search(text)
    return match.group(1).strip("\n") if match else text.strip()


_FENCED = re.compile(r"```[\w+-]*[^\n]*\n(.*?)```", re.DOTALL)


class Table:
    """A table shown as HTML, with aligned plain text for consoles and exports."""

    def __init__(self, headers: list[str], rows: list[list[str]], caption: str = "") -> None:
        self.headers = headers
        self.rows = rows
        self.caption = caption

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.html(), "text/plain": self.plain()}

    def html(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>"
            + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row)
            + "</tr>"
            for row in self.rows
        )
        caption = title(self.caption) if self.caption else ""
        return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def plain(self) -> str:
        columns = zip(self.headers, *self.rows, strict=True)
        widths = [max(len(str(cell)) for cell in column) for column in columns]
        lines = [self.caption] if self.caption else []
        for row in [self.headers, *self.rows]:
            lines.append(
                "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
        return "\n".join(lines)


_STATUS_ICONS = {
    "pending": "·",
    "in_progress": "⏳",
    "completed": "✓",
    "failed": "✗",
    "cancelled": "■",
}


class TaskList(Table):
    """The tasks of a request with their size, model, status and time so far."""

    def __init__(self, tasks: list[Task]) -> None:
        ids = {task.id: str(number) for number, task in enumerate(tasks, start=1)}
        rows = [
            [
                ids[task.id],
                f"{_STATUS_ICONS.get(task.status.value, '')} {task.status.value}",
                task.type.value,
                task.model_size.value,
                task.model_id or "",
                _elapsed(task),
                ", ".join(ids.get(d, "?") for d in task.dependencies),
                _shorten(task.description, 70),
            ]
            for task in tasks
        ]
        headers = ["#", "status", "type", "size", "model", "time", "after", "task"]
        super().__init__(headers, rows)


def _elapsed(task: Task) -> str:
    if task.started_at is None:
        return ""
    end = task.completed_at or utc_now()
    return f"{(end - task.started_at).total_seconds():.1f}s"


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ToolCallView:
    """A one-line notice that a model called a tool."""

    def __init__(self, call: ToolCall) -> None:
        self.call = call

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        text = f"→ {describe_call(self.call)}"
        return {"text/plain": text, "text/html": f"<code>{html.escape(text)}</code>"}


def describe_call(call: ToolCall) -> str:
    """Return a call as ``name(key='value', …)`` with long values shortened."""
    args = []
    for key, value in call.params.items():
        shown = repr(value)
        if len(shown) > 60:
            # Close a shortened string with the quote repr() opened it with.
            closing = shown[-1] if isinstance(value, str) else ""
            shown = shown[:57] + "…" + closing
        args.append(f"{key}={shown}")
    return f"{call.name}({', '.join(args)})"
