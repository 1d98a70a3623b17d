"""The HTML of each kind of tool result; :mod:`.render` wraps it in a box with the plain text.

Every style is inline, so the HTML looks the same in JupyterLab, in an
exported notebook and on a static notebook viewer. Every text from a file,
a model or a command is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer, TextLexer, guess_lexer_for_filename
from pygments.util import ClassNotFound

from ..models import ToolResult

_MONO = "font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 90%)"
_MUTED = "opacity:.7"
_ERROR = "color:var(--jp-error-color1, #c62828)"
_DIFF_STYLES = {
    "+": "background:rgba(46,160,67,.18)",
    "-": "background:rgba(248,81,73,.18)",
    "@": "background:rgba(56,139,253,.12);opacity:.8",
    "\\": "font-style:italic;opacity:.7",
    " ": "",
}
_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_APPROVALS = {
    "approved": "✓ approved by you",
    "always": "✓ approved: allowed for this session",
    "auto": "✓ approved automatically (auto-approve)",
    "denied": "✗ denied",
}


def render_result(result: ToolResult) -> str:
    """Return the HTML body of ``result``, by its kind, with how it was approved."""
    render = RENDERERS.get(result.kind, render_text)
    body = render(result)
    if result.approval in _APPROVALS:
        note = _APPROVALS[result.approval]
        body += f"<div style='{_MUTED};font-size:85%;margin:2px 0'>{note}</div>"
    return body


def title(text: str) -> str:
    return f"<div style='font-weight:600;margin:4px 0'>{html.escape(text)}</div>"


def diff_html(diff: str) -> str:
    """Return a unified diff as coloured lines with old and new line numbers."""
    rows = []
    old = new = 0
    for line in diff.splitlines():
        if line.startswith(("--- ", "+++ ")):
            rows.append(_diff_row("", "", line, "font-weight:600"))
            continue
        hunk = _HUNK.match(line)
        if hunk:
            old, new = int(hunk.group(1)), int(hunk.group(2))
            rows.append(_diff_row("", "", line, _DIFF_STYLES["@"]))
            continue
        sign = line[:1] if line[:1] in _DIFF_STYLES else " "
        left = str(old) if sign in " -" else ""
        right = str(new) if sign in " +" else ""
        old += sign in " -"
        new += sign in " +"
        rows.append(_diff_row(left, right, line, _DIFF_STYLES[sign]))
    if not rows:
        return f"<div style='{_MUTED}'>(no changes)</div>"
    return f"<table style='border-collapse:collapse;{_MONO}'>{''.join(rows)}</table>"


def render_file(result: ToolResult) -> str:
    data = result.data
    path = str(data.get("path", ""))
    lines = [str(line) for line in data.get("lines", [])]
    start = int(data.get("start_line", 1))
    end = start + len(lines) - 1
    heading = f"{path}  (lines {start}–{end} of {data.get('total_lines', end)})"
    note = f"<div style='{_MUTED}'>… truncated</div>" if data.get("truncated") else ""
    return title(heading) + code_html("\n".join(lines) + "\n", path, start) + note


def code_html(code: str, path: str = "", first_line: int | None = None) -> str:
    """Return ``code`` highlighted for the language of ``path``, with line numbers if given."""
    try:
        lexer = guess_lexer_for_filename(path, code) if path else PythonLexer()
    except ClassNotFound:
        lexer = TextLexer()
    options: dict[str, Any] = {"noclasses": True, "nobackground": True}
    if first_line is not None:
        options.update(linenos="inline", linenostart=first_line)
    return highlight(code, lexer, HtmlFormatter(**options))


def render_file_list(result: ToolResult) -> str:
    data = result.data
    rows = "".join(
        f"<tr><td style='text-align:left'><code>{html.escape(str(row['path']))}</code></td>"
        f"<td style='text-align:right'>{int(row['size']):,}</td></tr>"
        for row in data.get("files", [])
    )
    heading = f"{data.get('folder', '.')}: {data.get('total', 0)} files"
    return (
        title(heading)
        + "<table><thead><tr><th style='text-align:left'>path</th>"
        + f"<th style='text-align:right'>bytes</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_diff(result: ToolResult) -> str:
    heading = result.content.splitlines()[0] if result.content else result.name
    return title(heading) + diff_html(str(result.data.get("diff", "")))


def render_search(result: ToolResult) -> str:
    data = result.data
    hits = data.get("hits", [])
    files = sorted({str(hit["path"]) for hit in hits})
    heading = (
        f"{len(hits)} matches for {data.get('pattern', '')!r} in {len(files)} files "
        f"({data.get('searched', 0)} searched)"
    )
    parts = [title(heading)]
    current = None
    for hit in hits:
        if hit["path"] != current:
            current = hit["path"]
            path = html.escape(str(current))
            parts.append(f"<div style='margin-top:4px'><b><code>{path}</code></b></div>")
        number = f"<span style='{_MUTED}'>{int(hit['line']):6d} </span>"
        text = _marked(str(hit["text"]), hit.get("spans", []))
        parts.append(f"<div style='{_MONO};white-space:pre'>{number}{text}</div>")
    if data.get("truncated"):
        parts.append(f"<div style='{_MUTED}'>… more matches not shown</div>")
    return "".join(parts)


def render_command(result: ToolResult) -> str:
    data = result.data
    code = data.get("exit_code")
    if data.get("timed_out"):
        badge, colour = "timed out", "#ef6c00"
    else:
        badge, colour = f"exit {code}", "#2e7d32" if code == 0 else "#c62828"
    header = (
        f"<div><code>$ {html.escape(str(data.get('command', '')))}</code> "
        f"<span style='{_MUTED}'>in {html.escape(str(data.get('cwd', '.')))}, "
        f"{data.get('seconds', 0)} s</span> "
        f"<span style='background:{colour};color:white;border-radius:3px;padding:0 4px'>"
        f"{html.escape(badge)}</span></div>"
    )
    output = str(data.get("output", ""))
    body = (
        f"<pre style='max-height:24em;overflow:auto;margin:2px 0'>{html.escape(output)}</pre>"
        if output
        else f"<div style='{_MUTED}'>(no output)</div>"
    )
    return header + body


def render_notebook(result: ToolResult) -> str:
    data = result.data
    parts = [title(f"notebook: {data.get('source', '')}")]
    for cell in data.get("cells", []):
        label = f"In [{cell.get('count')}]" if cell.get("type") == "code" else cell.get("type")
        parts.append(f"<div style='{_MUTED}'>{html.escape(str(label))}</div>")
        if cell.get("type") == "code":
            parts.append(code_html(str(cell.get("source", "")) + "\n"))
        else:
            parts.append(f"<pre>{html.escape(str(cell.get('source', '')))}</pre>")
        if cell.get("output"):
            parts.append(f"<pre style='{_MUTED}'>{html.escape(str(cell['output']))}</pre>")
    if data.get("note"):
        parts.append(f"<div style='{_MUTED}'>{html.escape(str(data['note']))}</div>")
    return "".join(parts)


def render_cell(result: ToolResult) -> str:
    return title("New cell below") + code_html(str(result.data.get("code", "")) + "\n")


def render_variable(result: ToolResult) -> str:
    data = result.data
    rows = [("type", data.get("type"))]
    rows += [(key, data[key]) for key in ("length", "shape", "dtype") if key in data]
    if "columns" in data:
        rows.append(("columns", ", ".join(f"{n} ({t})" for n, t in data["columns"])))
    table = "".join(
        f"<tr><th style='text-align:left'>{key}</th>"
        f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
        for key, value in rows
    )
    preview = html.escape(str(data.get("preview", "")))
    return title(str(data.get("name", ""))) + f"<table>{table}</table><pre>{preview}</pre>"


def render_traceback(result: ToolResult) -> str:
    error = result.data.get("error")
    if not error:
        return f"<div style='{_MUTED}'>{html.escape(result.content)}</div>"
    return (
        f"<div style='{_ERROR};font-weight:600'>{html.escape(str(error))}</div>"
        f"<pre>{html.escape(str(result.data.get('traceback', '')))}</pre>"
    )


def render_error(result: ToolResult) -> str:
    return (
        f"<div style='{_ERROR}'>"
        f"<b>{html.escape(result.name)} failed:</b> {html.escape(result.content)}</div>"
    )


def render_text(result: ToolResult) -> str:
    return f"<pre>{html.escape(result.content)}</pre>"


def _diff_row(left: str, right: str, line: str, style: str) -> str:
    number = f"style='{_MUTED};text-align:right;padding:0 4px;user-select:none'"
    return (
        f"<tr style='{style}'><td {number}>{left}</td><td {number}>{right}</td>"
        f"<td style='white-space:pre;padding:0 4px'>{html.escape(line)}</td></tr>"
    )


def _marked(text: str, spans: list[list[int]]) -> str:
    parts, position = [], 0
    for start, end in spans:
        start, end = max(start, position), min(end, len(text))
        if end <= start:
            continue
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


RENDERERS: dict[str, Callable[[ToolResult], str]] = {
    "file": render_file,
    "file_list": render_file_list,
    "diff": render_diff,
    "search": render_search,
    "command": render_command,
    "notebook": render_notebook,
    "cell": render_cell,
    "variable": render_variable,
    "traceback": render_traceback,
    "error": render_error,
    "text": render_text,
    "trash": render_text,
}
