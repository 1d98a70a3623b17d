"""Built-in file tools: read_file, list_files, write_file and delete_file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..config import load_settings
from ..errors import ToolError
from ..models import ToolResult
from ..store.atomic import write_atomic
from ..store.trash import move_to_trash
from .paths import HIDDEN_DIRS, relative, resolve_inside
from .registry import Tool, ToolContext
from .textfile import TextFile, strip_ending, unified_diff
from .walk import project_files

MAX_READ_LINES = 400
MAX_READ_CHARS = 40_000
MAX_LISTED = 500
# Each delete_file call gets its own trash folder, named loco_files_<time>.
TRASH_LABEL = "loco_files"


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


class DeleteFileParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the project root.")


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
        lines = [strip_ending(line) for line in TextFile.read(path, shown).lines]
        context.remember(shown)

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

    def preview(self, params: WriteFileParams, context: ToolContext) -> str:
        return self._diff(params, context)[2]

    def run(self, params: WriteFileParams, context: ToolContext) -> ToolResult:
        path, shown, diff, existed = self._diff(params, context)
        write_atomic(path, params.content.encode())
        context.remember(shown)

        verb = "Updated" if existed else "Created"
        return ToolResult(
            name=self.name,
            params={"path": params.path},
            content=f"{verb} {shown} ({len(params.content.splitlines())} lines).",
            kind="diff",
            data={"path": shown, "diff": diff, "created": not existed},
        )

    def _diff(self, params: WriteFileParams, context: ToolContext) -> tuple[Path, str, str, bool]:
        path = resolve_inside(context.root, params.path)
        shown = relative(context.root, path)
        if path.is_dir():
            msg = f"{shown} is a folder; give a file path."
            raise ToolError(msg)
        existed = path.exists()
        old = path.read_text(errors="replace") if existed else ""
        return path, shown, unified_diff(shown, old, params.content), existed


class DeleteFile(Tool):
    name = "delete_file"
    description = "Delete a file by moving it to the trash, from where the user can restore it."
    params_model = DeleteFileParams
    needs_approval = True

    def preview(self, params: DeleteFileParams, context: ToolContext) -> str:
        path, shown = self._target(params, context)
        return f"Move {shown} ({path.stat().st_size:,} bytes) to the trash."

    def run(self, params: DeleteFileParams, context: ToolContext) -> ToolResult:
        path, shown = self._target(params, context)
        size = path.stat().st_size
        trash_dir = context.trash_dir or load_settings().home / "trash"
        entry = move_to_trash(trash_dir, [path], TRASH_LABEL)
        if shown in context.recent_files:
            context.recent_files.remove(shown)
        return ToolResult(
            name=self.name,
            params={"path": params.path},
            content=f"Moved {shown} to the trash folder {entry.folder}.",
            kind="trash",
            data={"path": shown, "size": size, "trash_folder": str(entry.folder)},
        )

    def _target(self, params: DeleteFileParams, context: ToolContext) -> tuple[Path, str]:
        path = resolve_inside(context.root, params.path)
        shown = relative(context.root, path)
        if (context.root.resolve() / params.path).is_symlink():
            # resolve_inside followed the link, and moving its target is not what was asked.
            msg = f"{params.path} is a symbolic link; delete_file moves only regular files."
            raise ToolError(msg)
        if HIDDEN_DIRS.intersection(Path(shown).parts):
            msg = f"{shown} is tool state, not a project file, and cannot be deleted."
            raise ToolError(msg)
        if path.is_dir():
            msg = f"{shown} is a folder; delete_file deletes one file at a time."
            raise ToolError(msg)
        if not path.exists():
            msg = f"{shown} does not exist; use list_files to see the files."
            raise ToolError(msg)
        return path, shown


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
