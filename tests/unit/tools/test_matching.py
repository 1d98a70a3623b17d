"""Unit tests of loco_nb.tools.matching: search blocks and anchors as small models write them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loco_nb.errors import ToolError
from loco_nb.tools.matching import (
    NoMatch,
    Span,
    anchor_choices,
    drop_line_numbers,
    find_anchor,
    find_block,
    reindent,
)
from loco_nb.tools.textfile import split_lines

SOURCE = split_lines(
    "class Shop:\n"
    "    def __init__(self):\n"
    "        self.items = []\n"
    "\n"
    "    def add(self, item):\n"
    "        self.items.append(item)\n"
    "        return item\n"
    "\n"
    "    def clear(self):\n"
    "        self.items = []\n"
    "        return None\n"
)


def block(text: str) -> list[str]:
    return split_lines(text)


# find_block


def test_exact_block_found() -> None:
    span = find_block(SOURCE, block("    def add(self, item):\n        self.items.append(item)\n"))

    assert (span.start, span.end) == (4, 6)


def test_block_trailing_whitespace_ignored() -> None:
    span = find_block(SOURCE, block("    def add(self, item):   \n"))

    assert (span.start, span.end) == (4, 5)


def test_block_reindented_found() -> None:
    span = find_block(SOURCE, block("def add(self, item):\n    self.items.append(item)\n"))

    assert (span.start, span.end) == (4, 6)
    assert ("", "    ") in span.indents
    assert ("    ", "        ") in span.indents


def test_block_blank_lines_forgiven() -> None:
    text = "        return item\n    def clear(self):\n"

    span = find_block(SOURCE, block(text))

    assert (span.start, span.end) == (6, 9)


def test_block_extra_blank_lines_forgiven() -> None:
    text = "\n\n    def add(self, item):\n\n        self.items.append(item)\n\n"

    span = find_block(SOURCE, block(text))

    assert (span.start, span.end) == (4, 6)


def test_block_ambiguous_rejected() -> None:
    with pytest.raises(ToolError) as caught:
        find_block(SOURCE, block("        self.items = []\n"))

    assert "occurs 2 times" in str(caught.value)
    assert "lines 3, 10" in str(caught.value)
    assert not isinstance(caught.value, NoMatch)


def test_block_missing_shows_closest() -> None:
    with pytest.raises(NoMatch) as caught:
        find_block(SOURCE, block("    def add(self, thing):\n        self.items.append(thing)\n"))

    message = str(caught.value)
    assert "closest lines in the file are 5–6" in message
    assert "   5 |     def add(self, item):" in message
    assert "   6 |         self.items.append(item)" in message


def test_empty_block_rejected() -> None:
    with pytest.raises(ToolError, match="search text is empty"):
        find_block(SOURCE, block("\n  \n"))


def test_block_in_empty_file() -> None:
    with pytest.raises(NoMatch, match="file is empty; give it text with write_file"):
        find_block([], block("x = 1\n"))


# reindent


def test_reindent_maps_each_level() -> None:
    span = Span(0, 2, (("", "    "), ("    ", "        ")))

    assert reindent(["def f():", "    return 1", "        deeper"], span) == [
        "    def f():",
        "        return 1",
        "            deeper",
    ]


def test_reindent_keeps_exact_match() -> None:
    lines = ["  a", "b"]

    assert reindent(lines, Span(0, 1)) == lines


# find_anchor


def test_anchor_by_text() -> None:
    assert find_anchor(SOURCE, "    def add(self, item):") == 4


def test_anchor_whitespace_forgiven() -> None:
    assert find_anchor(SOURCE, "def clear(self):") == 8


def test_anchor_numbered_form() -> None:
    assert find_anchor(SOURCE, "10 |         self.items = []") == 9


def test_anchor_numbered_wrong_number_falls_back() -> None:
    assert find_anchor(SOURCE, "2 |         return item") == 6


def test_anchor_repeated_asks_for_number() -> None:
    with pytest.raises(ToolError) as caught:
        find_anchor(SOURCE, "self.items = []")

    assert "occurs 2 times" in str(caught.value)
    assert "'3 | self.items = []'" in str(caught.value)


def test_anchor_missing_shows_closest() -> None:
    with pytest.raises(NoMatch) as caught:
        find_anchor(SOURCE, "def remove(self, item):")

    assert "The anchor 'def remove(self, item):' was not found" in str(caught.value)
    assert "def add(self, item):" in str(caught.value)


def test_anchor_choices_number_repeats() -> None:
    choices = anchor_choices(SOURCE)

    assert "class Shop:" in choices
    assert "    def add(self, item):" in choices
    assert "3 |         self.items = []" in choices
    assert "10 |         self.items = []" in choices
    assert "" not in choices
    assert len(choices) == 9


def test_anchor_choices_resolve_to_their_lines() -> None:
    for choice in anchor_choices(SOURCE):
        index = find_anchor(SOURCE, choice)
        assert SOURCE[index].rstrip("\n").strip() in choice


def test_anchor_choices_skip_bom() -> None:
    assert anchor_choices(["\ufeffimport os\n"]) == ["import os"]


# drop_line_numbers


def test_line_numbers_dropped() -> None:
    assert drop_line_numbers("   4 | def f():\n   5 |     return 1") == "def f():\n    return 1"


def test_line_numbers_kept_when_partial() -> None:
    text = "   4 | def f():\n    return 1"

    assert drop_line_numbers(text) == text


# property: a block copied from the file, with whitespace noise, is found where it was


@st.composite
def file_and_block(draw: st.DrawFn) -> tuple[list[str], int, int, list[str]]:
    words = st.text(alphabet="abcdefghij_=()", min_size=1, max_size=12)
    body = draw(st.lists(words, min_size=1, max_size=30, unique=True))
    indents = draw(st.lists(st.sampled_from(["", "  ", "    ", "\t"]), min_size=len(body),
                            max_size=len(body)))  # fmt: skip
    lines = [f"{indent}{word}\n" for indent, word in zip(indents, body, strict=True)]
    start = draw(st.integers(0, len(lines) - 1))
    end = draw(st.integers(start + 1, len(lines)))
    noise = draw(st.sampled_from(["", " ", "  ", "\t"]))
    copied = [
        noise + line.strip() + draw(st.sampled_from(["", " "])) + "\n" for line in lines[start:end]
    ]
    if draw(st.booleans()):
        copied.insert(draw(st.integers(0, len(copied))), "\n")
    return lines, start, end, copied


@settings(max_examples=300, deadline=None)
@given(case=file_and_block())
def test_copied_block_found(case: tuple[list[str], int, int, list[str]]) -> None:
    lines, start, end, copied = case

    span = find_block(lines, copied)

    assert (span.start, span.end) == (start, end)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="abc =\t", max_size=8).map(lambda t: t + "\n"), max_size=20),
    request=st.lists(st.text(alphabet="abcxyz =", max_size=8).map(lambda t: t + "\n"), max_size=5),
)
def test_block_finds_real_lines_or_fails(lines: list[str], request: list[str]) -> None:
    # Whatever the request, a match is a real span whose non-blank lines equal the request's.
    try:
        span = find_block(lines, request)
    except ToolError:
        return

    matched = [line.strip() for line in lines[span.start : span.end] if line.strip()]
    assert matched == [line.strip() for line in request if line.strip()]
