"""Sessions stored as JSON files under ``<project>/.loco/sessions/``."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from ..errors import SessionNotFound, StoreError
from ..models import Session, new_session_id, utc_now
from .atomic import write_atomic

logger = logging.getLogger("loco_nb")

TITLE_LENGTH = 60


class SessionStore:
    """Reads and writes the sessions of one project."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self.directory = project_dir / ".loco" / "sessions"

    def path_for(self, session_id: str) -> Path:
        if (
            not session_id
            or "/" in session_id
            or "\\" in session_id
            or "\x00" in session_id
            or session_id.startswith(".")
        ):
            msg = f"Invalid session id {session_id!r}."
            raise SessionNotFound(msg)
        return self.directory / f"{session_id}.json"

    def create(self, model: str | None = None) -> Session:
        """Create an empty session and reserve its file, so no other writer takes the id."""
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            session = Session(id=new_session_id(), model=model)
            path = self.path_for(session.id)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                msg = f"Could not create {path}: {exc.strerror}"
                raise StoreError(msg, path=path) from exc
            os.close(fd)
            self.save(session)
            return session

    def save(self, session: Session) -> Path:
        """Write the session atomically, titling it from its first user message."""
        if not session.title:
            session.title = title_from(session)
        session.last_updated = utc_now()

        path = self.path_for(session.id)
        write_atomic(path, session.model_dump_json(indent=1).encode())
        logger.debug("saved session %s (%d messages)", session.id, len(session.messages))
        return path

    def load(self, session_id: str) -> Session:
        path = self.path_for(session_id)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            msg = f"No session {session_id!r} in {self.directory}."
            raise SessionNotFound(msg, path=path) from exc
        except OSError as exc:
            msg = f"Could not read {path}: {exc.strerror}"
            raise StoreError(msg, path=path) from exc

        try:
            return Session.model_validate_json(raw)
        except ValidationError as exc:
            msg = (
                f"Session file {path} is corrupt ({exc.error_count()} errors); "
                "it was left in place."
            )
            raise StoreError(
                msg,
                path=path,
            ) from exc

    def list(self) -> list[Session]:
        """Return the readable sessions, newest first; unreadable files are logged."""
        if not self.directory.is_dir():
            return []

        sessions = []
        for path in self.directory.glob("*.json"):
            try:
                sessions.append(self.load(path.stem))
            except StoreError as exc:
                logger.warning("skipped session file: %s", exc)
        sessions.sort(key=_sort_time, reverse=True)
        return sessions


def _sort_time(session: Session) -> datetime:
    # A hand-edited file may hold a timestamp without a time zone, and Python
    # cannot order naive and aware datetimes, so a naive one is taken as UTC.
    updated = session.last_updated
    return updated if updated.tzinfo is not None else updated.replace(tzinfo=timezone.utc)


def title_from(session: Session) -> str:
    """Return the first line of the first user message, shortened for lists."""
    for message in session.messages:
        if message.role == "user" and message.content.strip():
            line = message.content.strip().splitlines()[0]
            if len(line) > TITLE_LENGTH:
                return line[: TITLE_LENGTH - 1].rstrip() + "…"
            return line
    return ""
