"""Read many files quickly for search_files, with a literal filter on raw bytes.

Each file costs four system calls (open, fstat, read, close) and no Python
file object. Worker threads made a scan of 50,000 small files slower, not
faster, on two cores (0.75 s with one thread, 2.6 s with four, measured with
benchmarks/bench_search.py's tree), so the scan is serial. Most files of a
search do not match. When every match of the pattern must contain a known
ASCII string, a file whose bytes lack that string is skipped before it is
decoded or matched. ASCII bytes are the same in UTF-8
and latin-1, the two decodings search_files uses, so the filter never skips
a file that would match.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .textfile import BINARY_SNIFF

# Characters that stand for themselves in a regular expression outside a class.
_PLAIN = frozenset(string.ascii_letters + string.digits + "_ -:;,=<>'\"/!@%&~`#")
_QUANTIFIERS = frozenset("*+?{")
# An escape of one of these is that character itself.
_ESCAPED = frozenset(string.punctuation + " ")
# Numeric and named escapes, and inline flags such as (?i), which change what later
# characters mean; a pattern with one gets no literal.
_UNSURE = re.compile(r"\\[0-9xuUN]|\(\?[aiLmsux]")


@dataclass(frozen=True)
class FileBytes:
    """One file of a scan: ``data`` is None when it has no match for sure or was skipped."""

    path: str
    searched: bool
    data: bytes | None


def required_literal(pattern: str) -> str | None:
    """Return the longest ASCII string that every match of ``pattern`` contains, or None.

    Only literal characters outside groups and classes, and not followed by
    a quantifier, count; a top-level ``|`` gives None. So a string returned
    is certain, and None only means that no filter is used.
    """
    if _UNSURE.search(pattern):
        return None
    runs: list[str] = [""]
    depth, index = 0, 0
    while index < len(pattern):
        literal, width = _token(pattern, index)
        char = pattern[index]
        if literal is None and char == "(":
            depth += 1
        elif literal is None and char == ")":
            depth = max(0, depth - 1)
        elif literal is None and char == "|" and depth == 0:
            return None

        quantified = pattern[index + width : index + width + 1] in _QUANTIFIERS
        if literal is not None and depth == 0 and not quantified:
            runs[-1] += literal
        elif runs[-1]:
            runs.append("")
        index += width
    return max(runs, key=len) or None


def scan(root: str, paths: Iterable[str], literal: bytes | None, limit: int) -> Iterator[FileBytes]:
    """Yield every file of ``paths`` (relative to ``root``) in order, with its bytes if needed."""
    for path in paths:
        yield _read(root, path, literal, limit)


def _read(root: str, path: str, literal: bytes | None, limit: int) -> FileBytes:
    try:
        handle = os.open(os.path.join(root, path), os.O_RDONLY)
    except OSError:
        return FileBytes(path, False, None)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, size + 1) if size <= limit else b""
    except OSError:
        return FileBytes(path, False, None)
    finally:
        os.close(handle)

    if size > limit or len(data) > limit or data.find(b"\x00", 0, BINARY_SNIFF) != -1:
        return FileBytes(path, False, None)
    if literal is not None and literal not in data:
        return FileBytes(path, True, None)
    return FileBytes(path, True, data)


def _token(pattern: str, index: int) -> tuple[str | None, int]:
    """Return the literal character at ``index`` (None if it is syntax) and its width."""
    char = pattern[index]
    if char == "\\":
        escaped = pattern[index + 1 : index + 2]
        return (escaped if escaped in _ESCAPED and escaped else None), 2
    if char == "[":
        return None, _class_width(pattern, index)
    if char == "{":
        # A repeat count such as {2,3} is syntax, digits included.
        end = pattern.find("}", index)
        return None, (end - index + 1) if end != -1 else 1
    return (char if char in _PLAIN else None), 1


def _class_width(pattern: str, index: int) -> int:
    """Return the length of the character class that starts at ``index``."""
    end = index + 1
    if pattern[end : end + 1] == "^":
        end += 1
    if pattern[end : end + 1] == "]":
        end += 1
    while end < len(pattern) and pattern[end] != "]":
        end += 2 if pattern[end] == "\\" else 1
    return end - index + 1
