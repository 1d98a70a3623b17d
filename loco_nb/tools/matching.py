"""Find where an edit applies: search blocks and anchor lines, matched as small models write them.

A search block matches exactly first. Failing that, it matches with leading
and trailing whitespace ignored on every line and blank lines skipped on
both sides, because small models re-indent code they copy and drop or add
empty lines. A block or an anchor that matches nowhere raises
:class:`NoMatch` carrying the file's closest real lines, so the message to
the model shows text it can copy.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..errors import ToolError
from .textfile import strip_ending

# Lines shown around the closest match, and the size of file searched for it.
CONTEXT_LINES = 2
MAX_CLOSEST_SCAN = 20_000

# "12 | text", the form read_file shows, which tells apart lines that occur twice.
_NUMBERED = re.compile(r"^\s*(\d+)\s*\|\s?(.*)$", re.DOTALL)
_LINE_NUMBER = re.compile(r"^\s*\d+ \| ?")


class NoMatch(ToolError):
    """A search block or an anchor is not in the file."""


@dataclass(frozen=True)
class Span:
    """Lines ``start`` to ``end`` (exclusive, from 0) that a block matched.

    ``indents`` pairs each indentation the request used with the one the
    file has on the matched line, for a loose match.
    """

    start: int
    end: int
    indents: tuple[tuple[str, str], ...] = ()


def key(line: str) -> str:
    """Return the text a loose match compares: no ending, no outer whitespace, no BOM."""
    return strip_ending(line).strip().lstrip("\ufeff").strip()


def indent_of(line: str) -> str:
    text = strip_ending(line).lstrip("\ufeff")
    return text[: len(text) - len(text.lstrip(" \t"))]


def numbered(lines: list[str], start: int, end: int) -> str:
    """Return lines ``start`` to ``end`` (from 0) as read_file shows them."""
    return "\n".join(f"{i + 1:4d} | {strip_ending(lines[i])}" for i in range(start, end))


def find_block(lines: list[str], block: list[str]) -> Span:
    """Return the one span of ``lines`` that ``block`` matches.

    Raises :class:`NoMatch` with the closest lines, or :class:`ToolError` when
    the block occurs more than once.
    """
    block = _trim_blank(block)
    if not block:
        msg = "The search text is empty; copy the lines to change from the file."
        raise ToolError(msg)

    spans = _exact(lines, block) or _loose(lines, block)
    if len(spans) > 1:
        starts = ", ".join(str(span.start + 1) for span in spans[:5])
        msg = (
            f"The search text occurs {len(spans)} times (at lines {starts}); "
            "add a neighbouring line to it so it matches once."
        )
        raise ToolError(msg)
    if not spans:
        raise NoMatch(_closest_message("The search text", lines, block))
    return spans[0]


def find_anchor(lines: list[str], anchor: str) -> int:
    """Return the index of the line ``anchor`` names, by its text or as ``N | text``."""
    wanted = key(anchor)
    numbered_form = _NUMBERED.match(anchor)
    if numbered_form:
        number, text = int(numbered_form.group(1)), key(numbered_form.group(2))
        if 1 <= number <= len(lines) and key(lines[number - 1]) == text:
            return number - 1
        wanted = text

    found = [i for i, line in enumerate(lines) if key(line) == wanted] if wanted else []
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        choices = ", ".join(f"'{i + 1} | {strip_ending(lines[i]).strip()}'" for i in found[:5])
        msg = (
            f"The anchor {anchor!r} occurs {len(found)} times; "
            f"name one with its number: {choices}."
        )
        raise ToolError(msg)
    raise NoMatch(_closest_message(f"The anchor {anchor!r}", lines, [anchor]))


def anchor_choices(lines: list[str]) -> list[str]:
    """Return every non-blank line as an anchor: its text, or ``N | text`` when the text repeats."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[key(line)] = counts.get(key(line), 0) + 1

    choices = []
    for index, line in enumerate(lines):
        text = strip_ending(line).lstrip("\ufeff").rstrip()
        if not text.strip():
            continue
        choices.append(text if counts[key(line)] == 1 else f"{index + 1} | {text}")
    return choices


def reindent(text_lines: list[str], span: Span) -> list[str]:
    """Give ``text_lines`` the file's indentation where a loose match found the request's differ.

    A line indented as one of the matched request lines gets that line's
    indentation in the file; a deeper line keeps its extra indentation on top.
    """
    mapping: dict[str, str] = {}
    for request, file in span.indents:
        mapping.setdefault(request, file)
    if all(request == file for request, file in mapping.items()):
        return text_lines

    by_depth = sorted(mapping, key=len, reverse=True)
    shifted = []
    for line in text_lines:
        indent = indent_of(line)
        prefix = next((p for p in by_depth if indent.startswith(p)), None)
        if line.strip() and prefix is not None:
            line = mapping[prefix] + line[len(prefix) :]
        shifted.append(line)
    return shifted


def drop_line_numbers(text: str) -> str:
    """Remove read_file's ``   12 | `` prefixes when every non-blank line of ``text`` has one.

    Small models copy the numbered lines of a read_file result into their edits.
    """
    lines = text.split("\n")
    solid = [line for line in lines if line.strip()]
    if not solid or not all(_LINE_NUMBER.match(line) for line in solid):
        return text
    return "\n".join(_LINE_NUMBER.sub("", line, count=1) for line in lines)


def _trim_blank(block: list[str]) -> list[str]:
    start, end = 0, len(block)
    while start < end and not block[start].strip():
        start += 1
    while end > start and not block[end - 1].strip():
        end -= 1
    return block[start:end]


def _exact(lines: list[str], block: list[str]) -> list[Span]:
    wanted = [line.rstrip() for line in block]
    first = wanted[0]
    spans = []
    for start in range(len(lines) - len(wanted) + 1):
        if strip_ending(lines[start]).rstrip() != first:
            continue
        if all(strip_ending(lines[start + k]).rstrip() == w for k, w in enumerate(wanted)):
            spans.append(Span(start, start + len(wanted)))
    return spans


def _loose(lines: list[str], block: list[str]) -> list[Span]:
    requested = [line for line in block if line.strip()]
    wanted = [key(line) for line in requested]
    solid = [(i, key(line)) for i, line in enumerate(lines) if key(line)]

    spans = []
    for position in range(len(solid) - len(wanted) + 1):
        if all(solid[position + k][1] == w for k, w in enumerate(wanted)):
            matched = [solid[position + k][0] for k in range(len(wanted))]
            indents = tuple(
                (indent_of(request), indent_of(lines[index]))
                for request, index in zip(requested, matched, strict=True)
            )
            spans.append(Span(matched[0], matched[-1] + 1, indents))
    return spans


def _closest_message(subject: str, lines: list[str], block: list[str]) -> str:
    if not any(key(line) for line in lines):
        return f"{subject} was not found because the file is empty; give it text with write_file."
    start, end = _closest(lines, block)
    low, high = max(0, start - CONTEXT_LINES), min(len(lines), end + CONTEXT_LINES)
    return (
        f"{subject} was not found. The closest lines in the file are {start + 1}–{end}; "
        f"copy the text from them exactly:\n{numbered(lines, low, high)}"
    )


def _closest(lines: list[str], block: list[str]) -> tuple[int, int]:
    """Return the span of ``lines`` most like ``block``, line by line."""
    wanted = [key(line) for line in block if line.strip()] or [""]
    scanned = lines[:MAX_CLOSEST_SCAN]
    size = min(len(wanted), len(scanned))
    best, best_score = 0, -1.0
    for start in range(len(scanned) - size + 1):
        score = sum(
            _similarity(wanted[k], key(scanned[start + k])) for k in range(size)
        )  # fmt: skip
        if score > best_score:
            best, best_score = start, score
    return best, best + size


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.3:
        return 0.0
    return matcher.ratio()
