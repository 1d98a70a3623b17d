"""Parse tool calls out of model replies.

Models call tools by writing ``<tool>{"name": ..., "params": {...}}</tool>``.
Small models wrap the JSON in code fences, leave trailing commas, use single
quotes or forget the closing tag; :mod:`json_repair` mends what it can. Only
text inside a ``<tool>`` tag is read as a call, so prose never becomes one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import json_repair

from ..models import ToolCall

_OPEN = re.compile(r"<tool>", re.IGNORECASE)
_CLOSE = re.compile(r"</tool>", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")


@dataclass
class ParsedReply:
    """The calls found in a reply, the errors for tags that held no valid call, and the prose."""

    calls: list[ToolCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""


def parse_tool_calls(reply: str) -> ParsedReply:
    """Return every ``<tool>`` call in ``reply``, in order, and the text around them."""
    result = ParsedReply()
    prose: list[str] = []
    position = 0

    while (opening := _OPEN.search(reply, position)) is not None:
        prose.append(reply[position : opening.start()])
        closing = _CLOSE.search(reply, opening.end())
        following = _OPEN.search(reply, opening.end())
        # A tag left open ends where the next one opens, so it cannot swallow
        # the following call up to that call's closing tag.
        if closing and (following is None or closing.start() < following.start()):
            end, position = closing.start(), closing.end()
        else:
            end = following.start() if following else len(reply)
            position = end
        _add_call(reply[opening.end() : end], result)

    prose.append(reply[position:])
    result.text = "".join(prose).strip()
    return result


def parse_decision(reply: str) -> ToolCall | None:
    """Read a constrained reply, a bare JSON object with ``name`` and ``params``.

    Returns None when the reply is not such an object, so the caller can fall
    back to the ``<tool>`` protocol or take the reply as the answer.
    """
    body = _FENCE.sub("", reply.strip())
    # Only a reply that is itself an object counts; prose that merely quotes
    # JSON, such as 'It returns {"name": "x"}', is an answer, not a call.
    if not body.startswith("{"):
        return None
    payload = _load(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        return None
    params = payload.get("params", {})
    return ToolCall(name=payload["name"], params=params if isinstance(params, dict) else {})


def _add_call(raw: str, result: ParsedReply) -> None:
    body = _FENCE.sub("", raw.strip())
    if not body:
        result.errors.append("A <tool> tag was empty; write the call as JSON inside it.")
        return

    payload = _load(body)
    if not isinstance(payload, dict):
        result.errors.append(
            f"Could not read {_preview(body)} as a tool call; write "
            '<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>.'
        )
        return

    name = payload.get("name") or payload.get("tool")
    params = payload.get("params", payload.get("arguments", {}))
    if not isinstance(name, str) or not name:
        result.errors.append(f'The tool call {_preview(body)} has no "name".')
        return
    if not isinstance(params, dict):
        result.errors.append(f'The "params" of {name} must be a JSON object.')
        return
    result.calls.append(ToolCall(name=name, params=params))


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    if "{" not in text:
        return None
    repaired = json_repair.loads(text[text.index("{") :])
    return repaired if repaired else None


def _preview(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
