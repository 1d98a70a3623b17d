"""Sessions stored as JSON files under ``<project>/.loco/sessions/``.

Every write holds ``.loco/sessions.lock`` (a ``filelock`` lock), re-reads the
file if another process changed it since this one last read or wrote it, and
merges the two copies, so two kernels appending to one session lose nothing.
A file that cannot be parsed is moved aside (see :mod:`.corrupt`), never
overwritten. ``.loco/index.sqlite`` lists and searches the sessions without
parsing every file; see :mod:`.index`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import filelock
from pydantic import ValidationError

from ..errors import CorruptFile, SessionNotFound, StoreError
from ..models import Message, Session, new_session_id, utc_now
from .atomic import write_atomic
from .corrupt import describe_error, move_aside
from .encoder import SessionEncoder
from .index import FileState, FolderState, SearchHit, SessionIndex, SessionSummary
from .merge import as_utc, merge_from_disk
from .titles import TITLE_LENGTH, title_from
from .trash import TrashEntry, move_to_trash

logger = logging.getLogger("loco_nb")

__all__ = ["TITLE_LENGTH", "SessionListing", "SessionStore", "parse_session", "title_from"]

MAX_TITLE_LENGTH = 200

# Label of the trash folders that deleted sessions move to.
TRASH_LABEL = "loco_sessions"

# Seconds to wait for another kernel's write to the same project.
LOCK_TIMEOUT = 30.0

# Sessions whose file identity is remembered, to skip re-reading unchanged files.
REMEMBERED_FILES = 32

# (inode, size, mtime in ns): every atomic write makes a new inode, and a
# session only grows, so a write by another process changes this.
Signature = tuple[int, int, int]

# The index trusts the folder's mtime only if it was at least this old when
# recorded: a change within the same timestamp tick leaves the mtime as it was.
RACY_NS = 2_000_000_000


@dataclass
class SessionListing:
    """Sessions from the index, newest first, and the corrupt files moved aside meanwhile."""

    sessions: list[SessionSummary]
    moved_aside: list[CorruptFile] = field(default_factory=list)


class SessionStore:
    """Reads and writes the sessions of one project."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self.directory = project_dir / ".loco" / "sessions"
        self.index = SessionIndex(project_dir / ".loco" / "index.sqlite")
        self._lock = filelock.FileLock(
            project_dir / ".loco" / "sessions.lock", timeout=LOCK_TIMEOUT
        )
        self._encoder = SessionEncoder()
        self._known: OrderedDict[str, tuple[Session, Signature]] = OrderedDict()

    def path_for(self, session_id: str) -> Path:
        if (
            not session_id
            or "/" in session_id
            or "\\" in session_id
            or "\x00" in session_id
            or session_id.startswith(".")
        ):
            msg = f"Invalid session id {session_id!r}; %loco sessions lists the ids."
            raise SessionNotFound(msg)
        return self.directory / f"{session_id}.json"

    def create(self, model: str | None = None) -> Session:
        """Create an empty session and reserve its file, so no other writer takes the id."""
        with self.locked():
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
        """Merge what other writers saved into ``session``, then write it atomically.

        A new session is titled from its first user message; the title of an
        existing file changes only through :meth:`rename`.
        """
        path = self.path_for(session.id)
        with self.locked():
            self._merge_saved_copy(session, path)
            if not session.title:
                session.title = title_from(session)
            session.last_updated = utc_now()

            encoded = self._encoder.encode(session)
            write_atomic(path, encoded.data)
            state = self._remember(session, path)
            self._update_index(session, state, encoded.changed_messages)

        logger.debug("saved session %s (%d messages)", session.id, len(session.messages))
        return path

    def load(self, session_id: str) -> Session:
        """Read a session; a corrupt file is moved aside and raises :class:`CorruptFile`."""
        path = self.path_for(session_id)
        session = self._read_checked(path)
        self._remember(session, path)
        return session

    def rename(self, session_id: str, title: str) -> Session:
        """Set a session's title and return the saved session."""
        clean = " ".join(title.split())
        if not clean:
            msg = "The new title is empty; write a title after %loco rename."
            raise StoreError(msg)
        if len(clean) > MAX_TITLE_LENGTH:
            msg = f"The title has {len(clean)} characters; use at most {MAX_TITLE_LENGTH}."
            raise StoreError(msg)

        with self.locked():
            session = self.load(session_id)
            session.title = clean
            self.save(session)
        return session

    def delete(self, session_ids: list[str], trash_dir: Path) -> TrashEntry:
        """Move the files of ``session_ids`` into one new folder of the trash.

        Raises :class:`SessionNotFound` before moving anything if an id has no file.
        """
        paths = [self.path_for(session_id) for session_id in session_ids]
        with self.locked():
            missing = [path for path in paths if not path.is_file()]
            if missing:
                raise _not_found(missing[0])
            try:
                entry = move_to_trash(trash_dir, paths, TRASH_LABEL)
            finally:
                self._forget(session_ids)
                self._drop_from_index(session_ids)
        logger.info("moved sessions %s to %s", ", ".join(session_ids), entry.folder)
        return entry

    def summaries(self) -> SessionListing:
        """List the sessions from the index, newest first, after bringing it up to date."""
        moved_aside = self.refresh_index()
        return SessionListing(self.index.summaries(), moved_aside)

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Return the messages and titles matching every word of ``text``, newest first."""
        self.refresh_index()
        return self.index.search(text, limit)

    def refresh_index(self) -> list[CorruptFile]:
        """Index the files added or changed since the index last matched the folder.

        Returns the corrupt files found, which are moved aside. When the
        folder's mtime shows no change this costs one ``stat``.
        NOTE: a file rewritten in place, not replaced, leaves the folder's
        mtime alone, so the index sees it only after the next change to the folder.
        """
        checked_ns = time.time_ns()
        try:
            folder_mtime = self.directory.stat().st_mtime_ns
        except FileNotFoundError:
            if self.index.path.exists():
                self.index.drop(self.index.file_states())
            return []
        if self._index_matches(folder_mtime):
            return []

        on_disk = _file_states(self._files())
        indexed = self.index.file_states()
        self.index.drop(indexed.keys() - on_disk.keys())
        # Oldest first, so the newest messages get the highest rowids, which
        # search results are ordered by.
        changed = {
            key: state
            for key, state in sorted(on_disk.items(), key=lambda item: item[1].mtime_ns)
            if indexed.get(key) != state
        }

        unreadable: list[Path] = []
        self.index.put_many(self._read_all(changed, unreadable))
        moved_aside = self._retry_unreadable(unreadable)
        self.index.set_folder_state(FolderState(folder_mtime, checked_ns))
        return moved_aside

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the project's session lock; reentrant within one thread."""
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except filelock.Timeout as exc:
            msg = (
                f"Timed out after {LOCK_TIMEOUT:.0f} s waiting for {self._lock.lock_file}, "
                "which another loco_nb process holds while it saves; try again."
            )
            raise StoreError(msg, path=Path(self._lock.lock_file)) from exc
        try:
            yield
        finally:
            self._lock.release()

    def _merge_saved_copy(self, session: Session, path: Path) -> None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return
        except OSError as exc:
            msg = f"Could not read {path}: {exc.strerror}"
            raise StoreError(msg, path=path) from exc

        known = self._known.get(session.id)
        if known is not None and known[0] is session and known[1] == _signature(stat):
            return
        # create() reserves the file empty before the first save.
        if stat.st_size == 0:
            return

        try:
            saved = self._read_or_move_aside(path)
        except CorruptFile:
            return
        merge_from_disk(session, saved)

    def _read(self, path: Path) -> Session:
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise _not_found(path) from exc
        except OSError as exc:
            msg = f"Could not read {path}: {exc.strerror}"
            raise StoreError(msg, path=path) from exc
        return parse_session(raw, path)

    def _read_checked(self, path: Path) -> Session:
        try:
            return self._read(path)
        except StoreError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
        return self._read_or_move_aside(path)

    def _read_or_move_aside(self, path: Path) -> Session:
        # The file is read again under the lock before it is moved aside, so
        # a file that create() holds empty for a moment is not taken for a
        # corrupt one.
        with self.locked():
            try:
                return self._read(path)
            except StoreError as exc:
                if not isinstance(exc.__cause__, ValidationError):
                    raise
                raise move_aside(path, describe_error(exc.__cause__)) from exc.__cause__

    def _index_matches(self, folder_mtime: int) -> bool:
        state = self.index.folder_state()
        return (
            state is not None
            and state.mtime_ns == folder_mtime
            and state.checked_ns - state.mtime_ns > RACY_NS
        )

    def _read_all(
        self, states: dict[str, FileState], unreadable: list[Path]
    ) -> Iterator[tuple[Session, FileState]]:
        # Runs inside index transactions, so corrupt files are only collected
        # here: moving them needs the session lock, which a saving process may
        # hold while it waits for the index.
        for session_id, state in states.items():
            path = self.directory / f"{session_id}.json"
            try:
                yield self._read(path), state
            except SessionNotFound:
                continue
            except StoreError as exc:
                logger.debug("will read %s again: %s", path, exc)
                unreadable.append(path)

    def _retry_unreadable(self, paths: list[Path]) -> list[CorruptFile]:
        moved_aside = []
        for path in paths:
            try:
                session = self._read_or_move_aside(path)
            except CorruptFile as exc:
                moved_aside.append(exc)
                continue
            except StoreError as exc:
                logger.warning("skipped session file: %s", exc)
                continue
            self.index.put(session, _file_state(path))
        return moved_aside

    def _remember(self, session: Session, path: Path) -> FileState:
        stat = path.stat()
        self._known[session.id] = (session, _signature(stat))
        self._known.move_to_end(session.id)
        while len(self._known) > REMEMBERED_FILES:
            self._known.popitem(last=False)
        return FileState(stat.st_size, stat.st_mtime_ns)

    def _forget(self, session_ids: list[str]) -> None:
        for session_id in session_ids:
            self._known.pop(session_id, None)
            self._encoder.forget(session_id)

    def _update_index(self, session: Session, state: FileState, changed: list[Message]) -> None:
        try:
            self.index.put(session, state, changed)
        except StoreError as exc:
            # The save itself succeeded. The index keeps the old size and
            # mtime, so the next listing reads the file again.
            logger.warning("could not update the session index: %s", exc)

    def _drop_from_index(self, session_ids: list[str]) -> None:
        try:
            self.index.drop(session_ids)
        except StoreError as exc:
            logger.warning("could not update the session index: %s", exc)

    def _files(self) -> list[Path]:
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return []
        return [
            Path(entry.path)
            for entry in entries
            if entry.name.endswith(".json") and not entry.name.startswith(".")
        ]

    # Defined last, because below this line the name list in the class body means this method.
    def list(self) -> list[Session]:
        """Return every readable session, newest first, parsing each file.

        Corrupt files are moved aside and logged. :meth:`summaries` lists
        without parsing and is what a listing should use.
        """
        sessions = []
        for path in self._files():
            try:
                sessions.append(self._read_checked(path))
            except StoreError as exc:
                logger.warning("skipped session file: %s", exc)
        sessions.sort(key=lambda s: as_utc(s.last_updated), reverse=True)
        return sessions


def parse_session(raw: bytes, path: Path) -> Session:
    """Parse a session file, giving messages written without an id a stable one.

    Raises :class:`StoreError` naming ``path``, with the parse error as its cause.
    """
    try:
        session = Session.model_validate_json(raw)
    except ValidationError as exc:
        msg = f"Session file {path} is corrupt: {describe_error(exc)}."
        raise StoreError(msg, path=path) from exc

    # Messages written before they had ids get one derived from position and
    # content, so every process reading the same file derives the same ids
    # and their writes merge instead of doubling the messages.
    for index, message in enumerate(session.messages):
        if "id" not in message.model_fields_set:
            digest = hashlib.sha256(f"{message.role.value}\0{message.content}".encode()).hexdigest()
            message.id = f"msg_{index}_{digest[:12]}"
    return session


def _not_found(path: Path) -> SessionNotFound:
    msg = f"No session {path.stem!r} in {path.parent}; %loco sessions lists the ids."
    return SessionNotFound(msg, path=path)


def _file_states(paths: Iterable[Path]) -> dict[str, FileState]:
    """Return the state of each file, by session id (the file name without .json)."""
    states = {}
    for path in paths:
        try:
            states[path.stem] = _file_state(path)
        except FileNotFoundError:
            continue
    return states


def _file_state(path: Path) -> FileState:
    stat = path.stat()
    return FileState(stat.st_size, stat.st_mtime_ns)


def _signature(stat: os.stat_result) -> Signature:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)
