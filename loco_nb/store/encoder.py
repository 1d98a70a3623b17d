"""Session files as JSON, re-encoding only the messages and tasks that changed.

A session file is written again after every turn, while almost all of its
messages stay as they were. The encoder keeps the JSON of each message and
task it wrote, with a shallow snapshot of its fields, and reuses that JSON
while the snapshot still equals the object. Comparing snapshots costs about a
fifth of encoding the text again (measured with benchmarks/bench_store.py).

The file contains one message or task per line, so it stays readable and diffs well.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..models import Message, Session, StoredModel

# Sessions whose encoded items are kept; a kernel rarely saves more than a few.
CACHED_SESSIONS = 16

Item = TypeVar("Item", bound=StoredModel)


@dataclass
class _Encoded:
    item: StoredModel
    fields: dict[str, Any]
    extra: dict[str, Any]
    text: bytes


@dataclass
class EncodedSession:
    """The bytes of a session file, and the messages that were encoded anew."""

    data: bytes
    changed_messages: list[Message] = field(default_factory=list)


class SessionEncoder:
    """Encodes sessions, reusing the text of items unchanged since the last encode.

    An item counts as unchanged while it is the same object and its fields,
    compared one level deep, equal the snapshot. Lists of the item itself are
    copied into the snapshot, so appending to ``message.tool_results`` is seen.
    NOTE: an in-place change one level further down, such as assigning to
    ``message.tool_results[0].content`` or editing a ``params`` dict, is not seen.
    Replace the item, or call :meth:`forget`, after such a change.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[str, dict[str, dict[str, _Encoded]]] = OrderedDict()

    def encode(self, session: Session) -> EncodedSession:
        previous = self._cache.pop(session.id, {})
        current: dict[str, dict[str, _Encoded]] = {"messages": {}, "tasks": {}}
        changed: list[StoredModel] = []

        messages = _encode_items(
            session.messages, previous.get("messages", {}), current["messages"], changed
        )
        tasks = _encode_items(session.tasks, previous.get("tasks", {}), current["tasks"], [])

        self._cache[session.id] = current
        while len(self._cache) > CACHED_SESSIONS:
            self._cache.popitem(last=False)

        header = session.model_dump_json(exclude={"messages", "tasks"}).encode()
        data = b"".join(
            [
                header[:-1],
                b',\n"messages": ',
                _array(messages),
                b',\n"tasks": ',
                _array(tasks),
                b"}\n",
            ]
        )
        return EncodedSession(data, [m for m in changed if isinstance(m, Message)])

    def forget(self, session_id: str | None = None) -> None:
        """Drop the kept text of one session, or of all, so the next encode starts fresh."""
        if session_id is None:
            self._cache.clear()
        else:
            self._cache.pop(session_id, None)


def _encode_items(
    items: Sequence[StoredModel],
    previous: dict[str, _Encoded],
    current: dict[str, _Encoded],
    changed: list[StoredModel],
) -> list[bytes]:
    texts = []
    for item in items:
        key = str(getattr(item, "id", ""))
        kept = previous.get(key)
        if kept is None or not _unchanged(item, kept):
            kept = _Encoded(item, _snapshot(item.__dict__), _snapshot(_extra(item)), b"")
            kept.text = item.model_dump_json().encode()
            changed.append(item)
        current[key] = kept
        texts.append(kept.text)
    return texts


def _unchanged(item: StoredModel, kept: _Encoded) -> bool:
    return kept.item is item and item.__dict__ == kept.fields and _extra(item) == kept.extra


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, (list, dict)) else v for k, v in values.items()}


def _extra(item: StoredModel) -> dict[str, Any]:
    return item.__pydantic_extra__ or {}


def _array(texts: list[bytes]) -> bytes:
    if not texts:
        return b"[]"
    return b"[\n" + b",\n".join(texts) + b"\n]"
