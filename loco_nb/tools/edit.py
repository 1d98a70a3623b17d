"""edit_file: search-and-replace blocks and line operations that small models get right.

Each edit is a search block with its replacement, or an action on an
existing line (the anchor): insert before it, insert after it, or replace
it. The edits of one call apply in order to the file's text, and the file is
written only if every one applies. When the file's format has a parser at
hand and the file parsed before, the new text must parse too, or nothing is
written and the parser's message goes back to the model. Bytes outside the
edited lines are kept exactly: encoding, line endings, a missing final
newline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import ToolError
from ..models import ToolResult
from ..store.atomic import write_atomic
from .matching import (
    NoMatch,
    anchor_choices,
    drop_line_numbers,
    find_anchor,
    find_block,
    indent_of,
    key,
    numbered,
    reindent,
)
from .paths import relative, resolve_inside
from .registry import Tool, ToolContext
from .syntax import format_name, syntax_error
from .textfile import TextFile, line_ending, split_lines, strip_ending, unified_diff

MAX_EDITS = 20
# Files with more distinct lines than this get a free-text anchor in the constrained schema.
MAX_ANCHOR_CHOICES = 400
SHOWN_CONTEXT = 2


class ReplaceBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    search: str = Field(description="Lines copied exactly from the file, as they are now.")
    replace: str = Field(description="The lines that take their place.")


class LineEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["insert_before", "insert_after", "replace"] = Field(
        description="Insert the text before or after the anchor line, or replace that line."
    )
    anchor: str = Field(
        description="An existing line of the file, copied exactly; 'N | text' for a repeated line."
    )
    text: str = Field(description="The new lines; empty with replace to delete the anchor line.")


Edit = ReplaceBlock | LineEdit


class EditFileParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the project root.")
    edits: list[Edit] = Field(
        min_length=1, max_length=MAX_EDITS, description="Edits applied in order, all or none."
    )

    @model_validator(mode="before")
    @classmethod
    def _single_edit(cls, data: Any) -> Any:
        # Small models often send one edit's fields beside the path instead of a list.
        if not isinstance(data, dict) or "edits" in data:
            return data
        fields = set(data) - {"path"}
        kinds = (set(ReplaceBlock.model_fields), set(LineEdit.model_fields))
        if fields and any(fields <= kind for kind in kinds):
            return {"path": data.get("path"), "edits": [{k: data[k] for k in fields}]}
        return data


@dataclass(frozen=True)
class PlannedEdit:
    """An edit worked out but not yet written: old and new bytes, the diff, the changed lines."""

    shown: str
    old: bytes
    new: bytes
    diff: str
    lines: list[str]
    first: int
    last: int


class EditFile(Tool):
    name = "edit_file"
    description = (
        "Change an existing file. Each edit is {action: insert_before|insert_after|replace, "
        "anchor: a line of the file, text: new lines} or {search: lines copied from the file, "
        "replace: new lines}."
    )
    params_model = EditFileParams
    needs_approval = True

    def __init__(self, *, anchors: bool = True, check_syntax: bool = True) -> None:
        self.anchors = anchors
        self.check_syntax = check_syntax

    def params_schema(self, context: ToolContext) -> dict[str, Any]:
        return edit_schema(context, anchors=self.anchors)

    def preview(self, params: EditFileParams, context: ToolContext) -> str:
        return self.plan(params, context).diff

    def run(self, params: EditFileParams, context: ToolContext) -> ToolResult:
        planned = self.plan(params, context)
        write_atomic(resolve_inside(context.root, params.path), planned.new)
        context.remember(planned.shown)

        count = len(params.edits)
        low = max(0, planned.first - SHOWN_CONTEXT)
        high = min(len(planned.lines), planned.last + SHOWN_CONTEXT)
        region = numbered(planned.lines, low, high) if high > low else "(the file is now empty)"
        content = (
            f"Edited {planned.shown}: {count} edit{'s' if count != 1 else ''} applied.\n"
            f"Lines {low + 1}–{high} now read:\n{region}"
        )
        return ToolResult(
            name=self.name,
            params=params.model_dump(),
            content=content,
            kind="diff",
            data={"path": planned.shown, "diff": planned.diff, "created": False, "edits": count},
        )

    def plan(self, params: EditFileParams, context: ToolContext) -> PlannedEdit:
        """Apply the edits in memory; raise :class:`ToolError` if one fails or the result breaks."""
        path = resolve_inside(context.root, params.path)
        shown = relative(context.root, path)
        if not path.exists():
            msg = f"{shown} does not exist; create it with write_file."
            raise ToolError(msg)
        document = TextFile.read(path, shown)

        lines, first, last = apply_edits(list(document.lines), params.edits, document.newline)
        edited = document.with_lines(lines)
        new = edited.encode(shown)
        old = document.encode(shown)
        if new == old:
            msg = f"The edits leave {shown} unchanged; check the text you meant to change."
            raise ToolError(msg)
        if self.check_syntax:
            _check(shown, document.text, lines, _replace_hint(params.edits))

        diff = unified_diff(shown, document.text, edited.text)
        return PlannedEdit(shown, old, new, diff, lines, first, last)


def apply_edits(lines: list[str], edits: list[Edit], newline: str) -> tuple[list[str], int, int]:
    """Return the edited lines and the first and last index they changed.

    Raises :class:`ToolError` naming the edit that failed; ``lines`` is left as it was.
    """
    result = list(lines)
    first, last = len(lines), 0
    for number, edit in enumerate(edits, 1):
        try:
            start, end = _apply(result, edit, newline)
        except ToolError as exc:
            prefix = f"Edit {number} of {len(edits)} failed, so no edit was applied. "
            raise type(exc)(prefix + str(exc)) from exc
        first, last = min(first, start), max(last, end)
    return result, min(first, last), last


def edit_schema(context: ToolContext, *, anchors: bool) -> dict[str, Any]:
    """Return edit_file's parameter schema, with anchors limited to real lines where possible.

    With anchors, each file the task read or changed recently gets its own
    option whose anchors are that file's non-blank lines.
    """
    block = ReplaceBlock.model_json_schema()
    if not anchors:
        return _edit_option(_path_schema(context), [block])

    options = []
    for shown in context.recent_files:
        lines = _lines_of(context, shown)
        if lines is None:
            continue
        choices = anchor_choices(lines)
        anchor: dict[str, Any] = {"type": "string"}
        if 0 < len(choices) <= MAX_ANCHOR_CHOICES:
            anchor = {"enum": choices}
        options.append(_edit_option({"const": shown}, [_line_edit_schema(anchor), block]))
    if options:
        return options[0] if len(options) == 1 else {"anyOf": options}
    return _edit_option(_path_schema(context), [_line_edit_schema({"type": "string"}), block])


def _apply(lines: list[str], edit: Edit, newline: str) -> tuple[int, int]:
    """Apply one edit to ``lines`` in place and return the span of new lines."""
    if isinstance(edit, ReplaceBlock):
        return _replace_block(lines, edit, newline)

    index = find_anchor(lines, edit.anchor)
    text = _text_lines(drop_line_numbers(edit.text))
    if edit.action == "replace":
        text = _indent_like(text, indent_of(lines[index]))
        return _splice(lines, index, index + 1, text, newline)
    if not text:
        msg = f"The text to {edit.action.replace('_', ' ')} {edit.anchor!r} is empty."
        raise ToolError(msg)
    if edit.action == "insert_before":
        return _splice(lines, index, index, _indent_like(text, indent_of(lines[index])), newline)
    text = _indent_like(text, _after_indent(lines, index))
    return _splice(lines, index + 1, index + 1, text, newline)


def _replace_block(lines: list[str], edit: ReplaceBlock, newline: str) -> tuple[int, int]:
    search = drop_line_numbers(edit.search.replace("\r\n", "\n"))
    replacement = drop_line_numbers(edit.replace.replace("\r\n", "\n"))
    try:
        span = find_block(lines, split_lines(search) or [""])
    except NoMatch:
        # Small models also search for a piece of a line, such as one word.
        located = _find_within_lines(lines, search)
        if located is None:
            raise
        return _replace_within(lines, located, search, replacement)
    text = reindent(_text_lines(replacement), span)
    return _splice(lines, span.start, span.end, text, newline)


def _find_within_lines(lines: list[str], search: str) -> int | None:
    """Return the index of the one line holding ``search`` as part of it, or None."""
    if not search.strip() or "\n" in search.strip("\n"):
        return None
    piece = search.strip("\n")
    found = [i for i, line in enumerate(lines) if piece in strip_ending(line)]
    if len(found) > 1:
        msg = (
            f"The search text {piece!r} occurs on {len(found)} lines; "
            "copy the whole line it is on instead."
        )
        raise ToolError(msg)
    return found[0] if found else None


def _replace_within(lines: list[str], index: int, search: str, replacement: str) -> tuple[int, int]:
    line = lines[index]
    body, ending = strip_ending(line), line_ending(line)
    piece = search.strip("\n")
    if body.count(piece) > 1:
        msg = f"The search text {piece!r} occurs more than once on line {index + 1}."
        raise ToolError(msg)
    lines[index] = body.replace(piece, replacement.strip("\n"), 1) + ending
    return index, index + 1


def _splice(
    lines: list[str], start: int, end: int, text: list[str], newline: str
) -> tuple[int, int]:
    """Put ``text`` (lines without endings) in place of ``lines[start:end]``.

    New lines end with the file's newline, except the last line of a
    replacement, which keeps the ending of the last line it replaces. So a
    file without a final newline stays without one.
    """
    new = [line + newline for line in text]
    if new and end > start:
        new[-1] = text[-1] + line_ending(lines[end - 1])
    elif new and start == len(lines) and lines and not line_ending(lines[-1]):
        # Appending after a last line that has no newline: that line needs one now.
        lines[-1] += newline
        new[-1] = text[-1]
    lines[start:end] = new
    return start, start + len(new)


def _text_lines(text: str) -> list[str]:
    if text == "":
        return []
    return [strip_ending(line) for line in split_lines(text.replace("\r\n", "\n"))]


def _indent_like(text: list[str], indent: str) -> list[str]:
    """Indent ``text`` by ``indent`` when the model wrote it flush left."""
    if not indent or not text or indent_of(text[0]) or not text[0].strip():
        return text
    return [indent + line if line.strip() else line for line in text]


def _after_indent(lines: list[str], index: int) -> str:
    """Return the indentation for lines inserted after ``lines[index]``.

    That is the anchor's own, or the next non-blank line's when it is deeper,
    so text inserted after ``class A:`` lands in the class body.
    """
    own = indent_of(lines[index])
    for line in lines[index + 1 :]:
        if key(line):
            following = indent_of(line)
            return following if len(following) > len(own) else own
    return own


def _check(shown: str, old_text: str, new_lines: list[str], hint: str) -> None:
    new_text = "".join(new_lines)
    error = syntax_error(shown, new_text)
    if error is None or syntax_error(shown, old_text) is not None:
        # A file that did not parse before the edit is not held to it after.
        return
    msg = (
        f"The edit was not applied because {shown} would no longer be valid "
        f"{format_name(shown)}: {error}.{_around_error(error, new_lines)}{hint}"
    )
    raise ToolError(msg)


def _replace_hint(edits: list[Edit]) -> str:
    # Small models use replace to add a function next to the anchor, which deletes the anchor.
    if not any(isinstance(edit, LineEdit) and edit.action == "replace" for edit in edits):
        return ""
    return (
        "\nNote: replace swaps the whole anchor line for the text. To add lines, use "
        "insert_after or insert_before; to change a line, give the complete new line."
    )


def _around_error(error: str, lines: list[str]) -> str:
    words = error.split()
    if len(words) < 2 or words[0] != "line" or not words[1].rstrip(":").isdigit():
        return ""
    number = int(words[1].rstrip(":"))
    low, high = max(0, number - 4), min(len(lines), number + 2)
    if high <= low:
        return ""
    return f" The result would have been:\n{numbered(lines, low, high)}"


def _path_schema(context: ToolContext) -> dict[str, Any]:
    if context.file_choices:
        return {"enum": context.file_choices}
    return {"type": "string", "description": "File path relative to the project root."}


def _edit_option(path: dict[str, Any], edit_kinds: list[dict[str, Any]]) -> dict[str, Any]:
    items = edit_kinds[0] if len(edit_kinds) == 1 else {"anyOf": edit_kinds}
    return {
        "type": "object",
        "properties": {
            "path": path,
            "edits": {"type": "array", "items": items, "minItems": 1, "maxItems": MAX_EDITS},
        },
        "required": ["path", "edits"],
        "additionalProperties": False,
    }


def _line_edit_schema(anchor: dict[str, Any]) -> dict[str, Any]:
    schema = LineEdit.model_json_schema()
    schema["properties"]["anchor"] = anchor
    return schema


def _lines_of(context: ToolContext, shown: str) -> list[str] | None:
    try:
        return list(TextFile.read(resolve_inside(context.root, shown), shown).lines)
    except ToolError:
        return None
