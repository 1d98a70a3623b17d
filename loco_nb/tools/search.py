"""search_files: a regular expression over the project's text files, hits with line numbers.

The files are those list_files shows (.gitignore honoured), optionally
narrowed by a glob. Binary files and files over :data:`MAX_FILE_BYTES` are
skipped. The others are decoded as UTF-8, or latin-1 when they are not
valid UTF-8, and searched whole, so a pattern may span lines. A hit is
reported on the line where it starts.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ToolError
from ..models import ToolResult
from .paths import HIDDEN_DIRS, relative, resolve_inside
from .registry import Tool, ToolContext
from .scan import required_literal, scan
from .walk import iter_files

MAX_HITS = 100
MAX_HITS_PER_FILE = 20
MAX_LINE_CHARS = 300
MAX_FILE_BYTES = 4_000_000
MAX_PATTERN_CHARS = 500


class SearchFilesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="Python regular expression to look for, e.g. 'def \\w+_test'.")
    glob: str | None = Field(
        default=None,
        description="Only files whose name (or path, if it has a /) matches, e.g. '*.py'.",
    )
    path: str = Field(default=".", description="Folder to search, relative to the project root.")
    ignore_case: bool = Field(default=False, description="Match upper and lower case alike.")


@dataclass
class SearchOutcome:
    """Hits in walk order, the number of files searched and whether the hit cap cut the search."""

    hits: list[dict[str, Any]] = field(default_factory=list)
    searched: int = 0
    truncated: bool = False


class SearchFiles(Tool):
    name = "search_files"
    description = "Find a regular expression in the project's files; returns path, line and text."
    params_model = SearchFilesParams

    def run(self, params: SearchFilesParams, context: ToolContext) -> ToolResult:
        regex = _compile(params.pattern, params.ignore_case)
        folder = resolve_inside(context.root, params.path)
        if not folder.is_dir():
            msg = f"{params.path!r} is not a folder in the project; give a folder to search."
            raise ToolError(msg)
        if HIDDEN_DIRS.intersection(folder.relative_to(context.root.resolve()).parts):
            msg = f"{params.path!r} holds tool state, not project files."
            raise ToolError(msg)

        outcome = search_tree(context, folder_path=relative(context.root, folder), regex=regex,
                              glob=params.glob)  # fmt: skip
        return ToolResult(
            name=self.name,
            params=params.model_dump(exclude_defaults=True),
            content=_plain(params, outcome),
            kind="search",
            data={
                "pattern": params.pattern,
                "glob": params.glob,
                "hits": outcome.hits,
                "searched": outcome.searched,
                "truncated": outcome.truncated,
            },
        )


def search_tree(
    context: ToolContext, *, folder_path: str, regex: re.Pattern[str], glob: str | None
) -> SearchOutcome:
    """Search every project file below ``folder_path`` and return the hits, capped."""
    root = context.root.resolve()
    start = root if folder_path == "." else root / folder_path
    wanted = _glob_filter(glob)
    paths = (path for path in iter_files(root, start) if wanted is None or wanted(path))
    literal = None if regex.flags & re.IGNORECASE else required_literal(regex.pattern)

    outcome = SearchOutcome()
    for found in scan(str(root), paths, literal.encode() if literal else None, MAX_FILE_BYTES):
        outcome.searched += found.searched
        if found.data is None:
            continue
        text = _decode(found.data)
        if regex.search(text) is None:
            continue
        if _collect(found.path, text, regex, outcome):
            outcome.truncated = True
            break
    outcome.hits.sort(key=lambda hit: (hit["path"], hit["line"]))
    return outcome


def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    if not pattern:
        msg = "The pattern is empty; give a regular expression such as 'def main'."
        raise ToolError(msg)
    if len(pattern) > MAX_PATTERN_CHARS:
        msg = f"The pattern is {len(pattern)} characters; keep it under {MAX_PATTERN_CHARS}."
        raise ToolError(msg)
    try:
        return re.compile(pattern, re.MULTILINE | (re.IGNORECASE if ignore_case else 0))
    except re.error as exc:
        msg = (
            f"The pattern {pattern!r} is not a valid regular expression: {exc}; "
            "escape ( [ . * + ? with a backslash to match them literally."
        )
        raise ToolError(msg) from exc


def _glob_filter(glob: str | None) -> Callable[[str], bool] | None:
    if not glob:
        return None
    matcher = re.compile(fnmatch.translate(glob)).match
    if "/" in glob:
        return lambda path: matcher(path) is not None
    return lambda path: matcher(path.rpartition("/")[2]) is not None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _collect(path: str, text: str, regex: re.Pattern[str], outcome: SearchOutcome) -> bool:
    """Add the hits of one file; return True once the total cap is reached."""
    line_number, line_start, last_line = 1, 0, 0
    per_file = 0
    for match in regex.finditer(text):
        line_number += text.count("\n", line_start, match.start())
        line_start = text.rfind("\n", 0, match.start()) + 1
        if line_number == last_line:
            outcome.hits[-1]["spans"].append(_span(match, line_start))
            continue
        if per_file == MAX_HITS_PER_FILE or len(outcome.hits) == MAX_HITS:
            return len(outcome.hits) == MAX_HITS
        end = text.find("\n", match.start())
        line = text[line_start : end if end != -1 else len(text)].rstrip("\r")
        outcome.hits.append({"path": path, "line": line_number, "text": line[:MAX_LINE_CHARS],
                             "spans": [_span(match, line_start)]})  # fmt: skip
        last_line, per_file = line_number, per_file + 1
    return False


def _span(match: re.Match[str], line_start: int) -> list[int]:
    start = match.start() - line_start
    end = min(match.end() - line_start, max(start, MAX_LINE_CHARS))
    return [start, end]


def _plain(params: SearchFilesParams, outcome: SearchOutcome) -> str:
    files = sorted({hit["path"] for hit in outcome.hits})
    where = f" in {params.glob}" if params.glob else ""
    header = (
        f"=== {len(outcome.hits)} matches for {params.pattern!r}{where} in {len(files)} files "
        f"({outcome.searched} searched) ==="
    )
    lines = [header]
    current = None
    for hit in outcome.hits:
        if hit["path"] != current:
            current = hit["path"]
            lines.append(current)
        lines.append(f"{hit['line']:6d} | {hit['text']}")
    if outcome.truncated:
        lines.append(f"[… stopped after {MAX_HITS} matches; narrow the pattern or the glob]")
    if not outcome.hits:
        lines.append("No match.")
    return "\n".join(lines)
