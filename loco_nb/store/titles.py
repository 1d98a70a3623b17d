"""Session titles taken from the first question."""

from __future__ import annotations

from ..models import Role, Session

TITLE_LENGTH = 60


def title_from(session: Session) -> str:
    """Return the first line of the first user message, shortened for lists."""
    for message in session.messages:
        if message.role == Role.USER and message.content.strip():
            line = message.content.strip().splitlines()[0]
            if len(line) > TITLE_LENGTH:
                return line[: TITLE_LENGTH - 1].rstrip() + "…"
            return line
    return ""
