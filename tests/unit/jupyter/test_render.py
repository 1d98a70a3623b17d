"""Unit tests of loco_nb.jupyter.render: every result kind has plain text and HTML."""

from __future__ import annotations

import re

import pytest

from loco_nb.jupyter.render import ToolCallView, ToolResultView, describe_call
from loco_nb.models import ToolCall, ToolResult

FILE_RESULT = ToolResult(
    name="read_file",
    params={"path": "main.py"},
    content="=== main.py ===\n   3 | print('<hi>')",
    kind="file",
    data={
        "path": "main.py",
        "start_line": 3,
        "lines": ["print('<hi>')"],
        "total_lines": 9,
        "truncated": True,
    },
)
LIST_RESULT = ToolResult(
    name="list_files",
    content="=== files in . (2) ===\n<a>.py (1234 bytes)\nb.py (5 bytes)",
    kind="file_list",
    data={
        "folder": ".",
        "files": [{"path": "<a>.py", "size": 1234}, {"path": "b.py", "size": 5}],
        "total": 2,
    },
)
DIFF_RESULT = ToolResult(
    name="write_file",
    params={"path": "main.py"},
    content="Updated main.py (1 lines).",
    kind="diff",
    data={"path": "main.py", "diff": "--- a/main.py\n+++ b/main.py\n@@ -1 +1 @@\n-old\n+new\n"},
)
ERROR_RESULT = ToolResult(
    name="read_file", ok=False, content="<missing> does not exist", kind="error"
)
TEXT_RESULT = ToolResult(name="custom", content="a < b & c", kind="text")
UNKNOWN_RESULT = ToolResult(name="custom", content="chart <svg>", kind="chart")
ALL_RESULTS = [FILE_RESULT, LIST_RESULT, DIFF_RESULT, ERROR_RESULT, TEXT_RESULT, UNKNOWN_RESULT]


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda r: r.kind)
def test_bundle_has_both_types(result: ToolResult) -> None:
    bundle = ToolResultView(result).mimebundle()

    assert set(bundle) == {"text/plain", "text/html"}


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda r: r.kind)
def test_plain_text_is_content(result: ToolResult) -> None:
    assert ToolResultView(result).mimebundle()["text/plain"] == result.content


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda r: r.kind)
def test_html_escapes_markup(result: ToolResult) -> None:
    html = ToolResultView(result).mimebundle()["text/html"]

    for raw in ("<hi>", "<a>", "<missing>", "<svg>"):
        assert raw not in html


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda r: r.kind)
def test_repr_mimebundle_matches(result: ToolResult) -> None:
    view = ToolResultView(result)

    assert view._repr_mimebundle_() == view.mimebundle()


@pytest.mark.parametrize("kind", ["file", "file_list", "diff", "error", "text"])
def test_empty_data_still_renders(kind: str) -> None:
    bundle = ToolResultView(ToolResult(name="t", content="body", kind=kind)).mimebundle()

    assert bundle["text/plain"] == "body"
    assert bundle["text/html"].startswith("<div")


def test_file_title_shows_range() -> None:
    html = ToolResultView(FILE_RESULT).mimebundle()["text/html"]

    assert "main.py  (lines 3–3 of 9)" in html
    assert "truncated" in html


def test_file_highlighted_inline() -> None:
    # Token colours must be inline styles, because an exported notebook
    # carries no pygments stylesheet.
    html = ToolResultView(FILE_RESULT).mimebundle()["text/html"]

    assert re.search(r'<span style="color: #[0-9A-Fa-f]{6}">print</span>', html)
    assert '<span class="' not in html


def test_file_list_table_rows() -> None:
    html = ToolResultView(LIST_RESULT).mimebundle()["text/html"]

    assert "&lt;a&gt;.py" in html
    assert "1,234" in html
    assert html.count("<tr>") == 3


def test_diff_shows_lines() -> None:
    html = ToolResultView(DIFF_RESULT).mimebundle()["text/html"]

    assert "Updated main.py (1 lines)." in html
    assert "+new" in html
    assert "-old" in html


def test_empty_diff_says_no_changes() -> None:
    result = ToolResult(name="write_file", content="Updated a.py", kind="diff", data={"diff": ""})

    assert "(no changes)" in ToolResultView(result).mimebundle()["text/html"]


def test_error_names_tool() -> None:
    html = ToolResultView(ERROR_RESULT).mimebundle()["text/html"]

    assert "read_file failed:" in html
    assert "&lt;missing&gt; does not exist" in html


def test_call_view_bundle() -> None:
    bundle = ToolCallView(ToolCall(name="read_file", params={"path": "<x>.py"}))._repr_mimebundle_()

    assert bundle["text/plain"] == "→ read_file(path='<x>.py')"
    assert bundle["text/html"] == "<code>→ read_file(path=&#x27;&lt;x&gt;.py&#x27;)</code>"


def test_describe_call_several_params() -> None:
    call = ToolCall(name="read_file", params={"path": "a.py", "start_line": 3})

    assert describe_call(call) == "read_file(path='a.py', start_line=3)"


def test_describe_call_shortens_strings() -> None:
    described = describe_call(ToolCall(name="write_file", params={"content": "x" * 200}))

    assert described == "write_file(content='" + "x" * 56 + "…')"


def test_describe_call_shortens_lists() -> None:
    described = describe_call(ToolCall(name="t", params={"items": list(range(100))}))

    assert described.startswith("t(items=[0, 1, 2,")
    assert described.endswith("…)")
    assert "'" not in described


def test_describe_call_keeps_quote_style() -> None:
    # repr() switches to double quotes when the text contains a single quote.
    described = describe_call(ToolCall(name="t", params={"text": "it's " * 30}))

    assert described.startswith("t(text=\"it's")
    assert described.endswith('…")')


# results of the tools added with edits, search, commands and the notebook

SEARCH_RESULT = ToolResult(
    name="search_files",
    content="=== 2 matches ===",
    kind="search",
    data={
        "pattern": "greet",
        "hits": [
            {"path": "a<q>.py", "line": 3, "text": "x = greet(<y>)", "spans": [[4, 9]]},
            {"path": "a<q>.py", "line": 9, "text": "greet greet", "spans": [[0, 5], [6, 11]]},
        ],
        "searched": 4,
        "truncated": True,
    },
)
COMMAND_RESULT = ToolResult(
    name="run_command",
    ok=False,
    content="$ make <all>",
    kind="command",
    data={"command": "make <all>", "cwd": ".", "output": "error: <x>", "exit_code": 2,
          "timed_out": False, "seconds": 0.5},
)  # fmt: skip
EDIT_RESULT = ToolResult(
    name="edit_file",
    content="Edited a.py: 1 edit applied.\nLines 1–3 now read:\n   1 | x",
    kind="diff",
    approval="approved",
    data={
        "path": "a.py",
        "diff": "--- a/a.py\n+++ b/a.py\n@@ -2,2 +2,2 @@\n keep\n-old <1>\n+new <2>\n",
    },
)
NEW_RESULTS = [
    SEARCH_RESULT,
    COMMAND_RESULT,
    EDIT_RESULT,
    ToolResult(name="read_notebook", content="nb", kind="notebook",
               data={"source": "kernel history", "cells": [
                   {"type": "code", "count": 1, "source": "x = '<a>'", "output": "<q>"}]}),
    ToolResult(name="insert_cell", content="cell", kind="cell", data={"code": "print('<c>')"}),
    ToolResult(name="inspect_variable", content="var", kind="variable",
               data={"name": "df", "type": "pandas.DataFrame", "shape": [2, 1],
                     "columns": [["<col>", "int64"]], "preview": "<head>"}),
    ToolResult(name="last_error", content="tb", kind="traceback",
               data={"error": "KeyError: '<k>'", "traceback": "Traceback <frames>"}),
    ToolResult(name="delete_file", content="Moved <a> to the trash", kind="trash"),
]  # fmt: skip


@pytest.mark.parametrize("result", NEW_RESULTS, ids=lambda r: r.kind)
def test_new_kinds_bundle(result: ToolResult) -> None:
    bundle = ToolResultView(result).mimebundle()

    assert bundle["text/plain"] == result.content
    assert bundle["text/html"].startswith("<div")
    for raw in ("<a>", "<q>", "<c>", "<col>", "<head>", "<k>", "<frames>", "<y>", "<all>", "<x>"):
        assert raw not in bundle["text/html"]


def test_search_groups_and_marks() -> None:
    html = ToolResultView(SEARCH_RESULT).mimebundle()["text/html"]

    assert html.count("a&lt;q&gt;.py") == 1
    assert "x = <mark>greet</mark>(&lt;y&gt;)" in html
    assert "<mark>greet</mark> <mark>greet</mark>" in html
    assert "more matches not shown" in html


def test_command_shows_exit_status() -> None:
    html = ToolResultView(COMMAND_RESULT).mimebundle()["text/html"]

    assert "exit 2" in html
    assert "#c62828" in html
    assert "error: &lt;x&gt;" in html


def test_command_timeout_badge() -> None:
    result = COMMAND_RESULT.model_copy(update={"data": {**COMMAND_RESULT.data, "timed_out": True}})

    assert "timed out" in ToolResultView(result).mimebundle()["text/html"]


def test_diff_coloured_with_line_numbers() -> None:
    html = ToolResultView(EDIT_RESULT).mimebundle()["text/html"]

    assert "Edited a.py: 1 edit applied." in html
    assert "now read" not in html
    assert "rgba(248,81,73,.18)'><td" in html
    assert "rgba(46,160,67,.18)'><td" in html
    assert "-old &lt;1&gt;" in html
    assert re.search(r">2</td><td [^>]*>2</td><td[^>]*> keep<", html)
    assert re.search(r">3</td><td [^>]*></td><td[^>]*>-old", html)
    assert re.search(r"></td><td [^>]*>3</td><td[^>]*>\+new", html)


@pytest.mark.parametrize(
    ("approval", "note"),
    [("approved", "approved by you"), ("always", "allowed for this session"),
     ("auto", "auto-approve"), ("denied", "✗ denied"), (None, None)],
)  # fmt: skip
def test_approval_noted(approval: str | None, note: str | None) -> None:
    result = EDIT_RESULT.model_copy(update={"approval": approval})
    html = ToolResultView(result).mimebundle()["text/html"]

    if note is None:
        assert "approved" not in html
    else:
        assert note in html
