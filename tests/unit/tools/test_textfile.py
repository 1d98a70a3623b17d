"""Unit tests of loco_nb.tools.textfile and loco_nb.tools.syntax."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loco_nb.errors import ToolError
from loco_nb.tools.syntax import format_name, syntax_error
from loco_nb.tools.textfile import TextFile, line_ending, split_lines, unified_diff


def test_split_keeps_endings() -> None:
    assert split_lines("a\r\nb\nc") == ["a\r\n", "b\n", "c"]


def test_split_ignores_other_separators() -> None:
    # str.splitlines() would also break at the form feed and U+2028.
    assert split_lines("a\x0cb\u2028c\rd\n") == ["a\x0cb\u2028c\rd\n"]


def test_split_empty_text() -> None:
    assert split_lines("") == []


@pytest.mark.parametrize(("line", "ending"), [("a\r\n", "\r\n"), ("a\n", "\n"), ("a", "")])
def test_line_ending(line: str, ending: str) -> None:
    assert line_ending(line) == ending


@given(st.binary(max_size=200).filter(lambda raw: b"\x00" not in raw))
def test_decode_encode_round_trip(raw: bytes) -> None:
    assert TextFile.decode(raw, "f").encode("f") == raw


def test_decode_latin1_fallback() -> None:
    document = TextFile.decode(b"caf\xe9\n", "f")

    assert document.encoding == "latin-1"
    assert document.lines == ("caf\xe9\n",)


def test_decode_crlf_newline() -> None:
    assert TextFile.decode(b"a\r\nb\n", "f").newline == "\r\n"


def test_decode_binary_rejected() -> None:
    with pytest.raises(ToolError, match=r"f\.bin is a binary file"):
        TextFile.decode(b"\x89PNG\x00\x00", "f.bin")


def test_diff_marks_missing_final_newline() -> None:
    diff = unified_diff("a.txt", "x\ny", "x\nz")

    assert diff.endswith("-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n")


def test_diff_of_crlf_text_uses_lf() -> None:
    assert "\r" not in unified_diff("a.txt", "x\r\n", "y\r\n")


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("a.py", "def f(:\n", "line 1"),
        ("a.pyi", "x: = 1\n", "line 1"),
        ("a.json", '{"a": }', "line 1 column 7"),
        ("a.toml", "a = \n", "Invalid value"),
        ("a.yml", "a: [\n", "expected"),
        ("a.ipynb", '{"cells": 3}', "not a valid notebook"),
        ("a.ipynb", "not json", "not a valid notebook"),
    ],
)
def test_syntax_error_reported(name: str, text: str, error: str) -> None:
    found = syntax_error(name, text)

    assert found is not None
    assert error in found


@pytest.mark.parametrize(
    ("name", "text"),
    [("a.py", "x = 1\n"), ("a.json", "[1]"), ("a.toml", "a = 1\n"), ("a.yaml", "a: 1\n"),
     ("a.txt", "def f(:"), ("Makefile", "{")],
)  # fmt: skip
def test_valid_or_unknown_passes(name: str, text: str) -> None:
    assert syntax_error(name, text) is None


def test_format_names() -> None:
    assert format_name("x/a.PY") == "Python"
    assert format_name("a.txt") is None
