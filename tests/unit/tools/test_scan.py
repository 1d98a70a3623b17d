"""Unit tests of loco_nb.tools.scan: the literal filter never skips a file that would match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from loco_nb.tools.scan import required_literal, scan


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("quux_sentinel", "quux_sentinel"),
        (r"def \w+_test", "_test"),
        ("ab*c", "a"),
        ("ab+cd", "cd"),
        ("colou?r", "colo"),
        ("x{123}yz", "yz"),
        ("(ab)c", "c"),
        (r"foo\.bar", "foo.bar"),
        (r"greet\(", "greet("),
        ("[abc]def", "def"),
        ("x(?:a|b)yz", "yz"),
    ],
)
def test_literal_found(pattern: str, literal: str) -> None:
    assert required_literal(pattern) == literal


@pytest.mark.parametrize("pattern", ["a|b", r"\x41bc", "(?i)abc", r"\d+", ".*", "é+", r"(a)\1"])
def test_no_literal(pattern: str) -> None:
    assert required_literal(pattern) is None


_PIECES = st.sampled_from(
    ["a", "b", "ab", "x", "_", " ", ".", "*", "+", "?", "{2}", "{1,2}", "|", "(", ")", "(?:",
     "[ab]", "[^a]", r"\.", r"\w", r"\d", "^", "$", "\\(", "\\)", "-", "c"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    pieces=st.lists(_PIECES, min_size=1, max_size=8),
    text=st.text(alphabet="abcx_ .()-1", max_size=30),
)
def test_literal_in_every_match(pieces: list[str], text: str) -> None:
    pattern = "".join(pieces)
    try:
        regex = re.compile(pattern)
    except re.error:
        assume(False)
        return
    literal = required_literal(pattern)
    match = regex.search(text)

    if literal is not None and match is not None:
        assert literal in match.group(0)


def test_scan_skips_binary_big_and_unreadable(tmp_path: Path) -> None:
    (tmp_path / "text.txt").write_text("needle\n")
    (tmp_path / "other.txt").write_text("hay\n")
    (tmp_path / "blob.bin").write_bytes(b"needle\x00")
    (tmp_path / "big.txt").write_text("needle" * 100)

    found = {f.path: f for f in scan(str(tmp_path), ["text.txt", "other.txt", "blob.bin", "big.txt",
                                                      "missing.txt"], b"needle", 100)}  # fmt: skip

    assert found["text.txt"].data == b"needle\n"
    assert found["other.txt"].searched is True
    assert found["other.txt"].data is None
    assert [found[name].searched for name in ("blob.bin", "big.txt", "missing.txt")] == [False] * 3
