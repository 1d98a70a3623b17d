"""Text files as lines that keep their own endings, so an edit changes only what it touches.

A file is decoded as UTF-8, or as latin-1 when it is not valid UTF-8; both
decodings give back the same bytes when encoded again. Lines end at ``\\n``
(``\\r\\n`` stays one ending); a lone ``\\r`` and the separators that
:meth:`str.splitlines` also breaks on (form feed, U+2028 …) stay inside a
line, so line numbers match what editors and ``grep -n`` show.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ToolError

BINARY_SNIFF = 8192

_LINE_END = re.compile(r"(?<=\n)")


def split_lines(text: str) -> list[str]:
    """Split ``text`` after each ``\\n``; the last line has no ending when the text has none."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def strip_ending(line: str) -> str:
    """Return ``line`` without its ``\\n`` or ``\\r\\n``."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith("\n"):
        return line[:-1]
    return line


def line_ending(line: str) -> str:
    """Return the ending of ``line``: ``\\r\\n``, ``\\n`` or ``''`` for a last line without one."""
    return line[len(strip_ending(line)) :]


def unified_diff(shown: str, old: str, new: str) -> str:
    """Return the unified diff from ``old`` to ``new``, with ``\\n`` line endings."""
    lines = difflib.unified_diff(
        split_lines(old), split_lines(new), fromfile=f"a/{shown}", tofile=f"b/{shown}"
    )
    # difflib leaves a last line without a newline unterminated; git marks it instead.
    marked = (
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in lines
    )
    return "".join(marked).replace("\r\n", "\n")


@dataclass(frozen=True)
class TextFile:
    """A decoded text file: its lines with their endings, and how to encode it back."""

    lines: tuple[str, ...]
    encoding: str
    newline: str

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @classmethod
    def decode(cls, raw: bytes, shown: str) -> TextFile:
        """Decode ``raw``; raise :class:`ToolError` naming ``shown`` for a binary file."""
        if b"\x00" in raw[:BINARY_SNIFF]:
            msg = f"{shown} is a binary file ({len(raw)} bytes) and cannot be shown as text."
            raise ToolError(msg)
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"

        lines = split_lines(text)
        endings = [line_ending(line) for line in lines if line_ending(line)]
        newline = endings[0] if endings else "\n"
        return cls(lines=tuple(lines), encoding=encoding, newline=newline)

    @classmethod
    def read(cls, path: Path, shown: str) -> TextFile:
        """Read and decode ``path``; raise :class:`ToolError` with a next step on failure."""
        if path.is_dir():
            msg = f"{shown} is a folder; use list_files to see what it contains."
            raise ToolError(msg)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            msg = f"{shown} does not exist; use list_files to see the files."
            raise ToolError(msg) from None
        except OSError as exc:
            msg = f"Could not read {shown}: {exc.strerror}."
            raise ToolError(msg) from exc
        return cls.decode(raw, shown)

    def with_lines(self, lines: list[str]) -> TextFile:
        return replace(self, lines=tuple(lines))

    def encode(self, shown: str) -> bytes:
        """Return the file's bytes; raise :class:`ToolError` if a character has no encoding."""
        try:
            return self.text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            msg = (
                f"{shown} is a {self.encoding} file, which cannot store {bad!r}; "
                "write the text with characters that encoding has."
            )
            raise ToolError(msg) from exc
