"""Built-in file tools: read_file, list_files and write_file."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import pathspec
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ToolError
from ..models import ToolResult
from ..store.atomic import write_atomic
from .paths import HIDDEN_DIRS, relative, resolve_inside
from .registry import Tool, ToolContext

MAX_READ_LINES = 400
MAX_READ_CHARS = 40_000
MAX_LISTED = 500
BINARY_SNIFF = 8192


class ReadFileParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the project root.")
    start_line: int = Field(default=1, ge=1, description="First line to read, from 1.")
    num_lines: int | None = Field(
        default=None, ge=1, description="How many lines to read; the rest of the file when unset."
    )


class ListFilesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(default=".", description="Folder relative to the project root.")


class WriteFileParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the project root.")
    content: str = Field(description="The complete new content of the file.")


class ReadFile(Tool):
    name = "read_file"
    description = "Show a text file with numbered lines."
    params_model = ReadFileParams

    def params_schema(self, context: ToolContext) -> dict[str, Any]:
        schema = super().params_schema(context)
        if context.file_choices:
            schema["properties"]["path"] = {"enum": context.file_choices}
        return schema

    def run(self, params: ReadFileParams, context: ToolContext) -> ToolResult:
        path = resolve_inside(context.root, params.path)
        shown = relative(context.root, path)
        text = _read_text(path, shown)

        lines = text.splitlines()
        first = params.start_line
        if lines and first > len(lines):
            msg = f"{shown} has {len(lines)} lines; start_line {first} is past the end."
            raise ToolError(msg)
        count = params.num_lines or len(lines)
        selected, truncated = _cap(lines[first - 1 : first - 1 + count])

        body = "\n".join(f"{first + i:4d} | {line}" for i, line in enumerate(selected))
        header = f"=== {shown} ==="
        content = f"{header}\n{body}" if body else f"{header}\n(empty file)"
        if truncated:
            content += f"\n[… truncated after line {first + len(selected) - 1} of {len(lines)}]"
        return ToolResult(
            name=self.name,
            params=params.model_dump(exclude_defaults=True),
            content=content,
            kind="file",
            data={
                "path": shown,
                "start_line": first,
                "lines": selected,
                "total_lines": len(lines),
                "truncated": truncated,
            },
        )


class ListFiles(Tool):
    name = "list_files"
    description = "List the files of a folder, honouring .gitignore."
    params_model = ListFilesParams

    def run(self, params: ListFilesParams, context: ToolContext) -> ToolResult:
        folder = resolve_inside(context.root, params.path)
        if not folder.is_dir():
            msg = f"{params.path!r} is not a folder in the project."
            raise ToolError(msg)
        hidden = HIDDEN_DIRS.intersection(folder.relative_to(context.root.resolve()).parts)
        if hidden:
            msg = (
                f"{params.path!r} is inside {sorted(hidden)[0]}, which holds tool state, not files."
            )
            raise ToolError(msg)

        files = project_files(context.root, folder)
        rows = [{"path": p, "size": (context.root / p).stat().st_size} for p in files[:MAX_LISTED]]
        shown = relative(context.root, folder)
        lines = [f"=== files in {shown} ({len(files)}) ==="]
        lines += [f"{row['path']} ({row['size']} bytes)" for row in rows]
        if len(files) > MAX_LISTED:
            lines.append(f"[… {len(files) - MAX_LISTED} more files not listed]")
        return ToolResult(
            name=self.name,
            params=params.model_dump(exclude_defaults=True),
            content="\n".join(lines),
            kind="file_list",
            data={"folder": shown, "files": rows, "total": len(files)},
        )


class WriteFile(Tool):
    name = "write_file"
    description = "Create or overwrite a file with the given content."
    params_model = WriteFileParams
    needs_approval = True

    def run(self, params: WriteFileParams, context: ToolContext) -> ToolResult:
        path = resolve_inside(context.root, params.path)
        shown = relative(context.root, path)
        if path.is_dir():
            msg = f"{shown} is a folder; give a file path."
            raise ToolError(msg)

        existed = path.exists()
        old = path.read_text(errors="replace") if existed else ""
        write_atomic(path, params.content.encode())
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                params.content.splitlines(keepends=True),
                fromfile=f"a/{shown}",
                tofile=f"b/{shown}",
            )
        )
        verb = "Updated" if existed else "Created"
        return ToolResult(
            name=self.name,
            params={"path": params.path},
            content=f"{verb} {shown} ({len(params.content.splitlines())} lines).",
            kind="diff",
            data={"path": shown, "diff": diff, "created": not existed},
        )


def project_files(root: Path, folder: Path | None = None) -> list[str]:
    """Return the project's files below ``folder``, relative to the root, sorted.

    Skips loco_nb's and git's folders and anything the root ``.gitignore``
    excludes. Symbolic links that leave the project or point nowhere are skipped too.
    """
    real_root = root.resolve()
    spec = _gitignore(real_root)
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder or real_root):
        current = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in HIDDEN_DIRS and not _ignored(spec, real_root, current / d, is_dir=True)
        )
        for name in filenames:
            path = current / name
            if _ignored(spec, real_root, path, is_dir=False) or not _inside(real_root, path):
                continue
            found.append(path.relative_to(real_root).as_posix())
    return sorted(found)


def _gitignore(root: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = (root / ".gitignore").read_text(errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(spec: pathspec.GitIgnoreSpec | None, root: Path, path: Path, *, is_dir: bool) -> bool:
    if spec is None:
        return False
    name = path.relative_to(root).as_posix() + ("/" if is_dir else "")
    return spec.match_file(name)


def _inside(root: Path, path: Path) -> bool:
    # strict=True also skips dangling links, which list_files could not stat.
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return root in resolved.parents


def _read_text(path: Path, shown: str) -> str:
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

    if b"\x00" in raw[:BINARY_SNIFF]:
        msg = f"{shown} is a binary file ({len(raw)} bytes) and cannot be shown as text."
        raise ToolError(msg)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _cap(lines: list[str]) -> tuple[list[str], bool]:
    kept: list[str] = []
    chars = 0
    for line in lines[:MAX_READ_LINES]:
        chars += len(line) + 1
        if chars > MAX_READ_CHARS:
            if not kept:
                # One line longer than the cap (minified code) is cut, not dropped,
                # so the model receives the start of the file instead of nothing.
                return [line[:MAX_READ_CHARS]], True
            break
        kept.append(line)
    return kept, len(kept) < len(lines)
