"""The SQLite index beside the session files, for fast listing and full-text search.

The JSON files stay the source of truth; ``.loco/index.sqlite`` is a cache of
them that can be deleted at any time. Per session it keeps what a listing
shows (title, model, size, message count, times) and the size and mtime of
the file it was read from, so the store can tell which files changed. The
text of every message and each title is indexed with FTS5.

Each thread of each process gets its own connection, because the store is
used from the kernel's thread and from the assistant's event loop thread, and
a connection must not cross a fork into another process. A connection is
reopened when the database file was deleted or replaced.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, TypeVar

from ..errors import StoreError
from ..models import Message, Session
from .merge import as_utc
from .titles import title_from

logger = logging.getLogger("loco_nb")

T = TypeVar("T")

# Bump when the schema changes; an index of another version is rebuilt.
SCHEMA_VERSION = 1

# Seconds another process may hold the database before a write gives up.
BUSY_TIMEOUT = 10.0

# FTS5 snippet() arguments: the markers around matches and the words shown.
SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_WORDS = "«", "»", 16

TITLE_ROLE = "title"

# Sessions written per transaction when many files are indexed at once; a
# transaction holds the database's write lock, which other kernels wait for.
BATCH_SIZE = 200

_SCHEMA = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    model TEXT,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    message_count INTEGER NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE INDEX sessions_by_update ON sessions (updated_us DESC, id DESC);
CREATE TABLE entries (
    rowid INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    role TEXT NOT NULL
);
CREATE INDEX entries_by_session ON entries (session_id, message_id);
CREATE VIRTUAL TABLE entry_text USING fts5 (content, tokenize = 'unicode61');
CREATE TABLE folder (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    mtime_ns INTEGER NOT NULL,
    checked_ns INTEGER NOT NULL
);
"""

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class FileState:
    """Size and modification time of a session file, to tell whether it changed."""

    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FolderState:
    """The sessions folder's mtime when the index last matched it, and when that was checked."""

    mtime_ns: int
    checked_ns: int


class SessionSummary(NamedTuple):
    """One session as a listing shows it, read from the index.

    It is a named tuple with times kept as integers until requested, because
    a listing builds one per session, and 10,000 dataclasses with datetimes
    cost more than the query.
    """

    id: str
    title: str
    model: str | None
    size: int
    message_count: int
    created_us: int
    updated_us: int

    @property
    def created(self) -> datetime:
        return _time(self.created_us)

    @property
    def last_updated(self) -> datetime:
        return _time(self.updated_us)


@dataclass(frozen=True)
class SearchHit:
    """One message that matches a search, with the matching words marked in ``snippet``."""

    session_id: str
    title: str
    message_id: str
    role: str
    snippet: str


class SessionIndex:
    """Reads and writes ``index.sqlite``; every method raises StoreError on a database error.

    A database file that SQLite reports as corrupt is deleted and created
    again, once per call, since everything in it comes from the files.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[tuple[int, sqlite3.Connection]] = []
        weakref.finalize(self, _close_all, self._opened)

    def file_states(self) -> dict[str, FileState]:
        rows = self._run(
            lambda db: db.execute("SELECT id, size, mtime_ns FROM sessions").fetchall()
        )
        return {row[0]: FileState(row[1], row[2]) for row in rows}

    def folder_state(self) -> FolderState | None:
        row = self._run(lambda db: db.execute("SELECT mtime_ns, checked_ns FROM folder").fetchone())
        return None if row is None else FolderState(row[0], row[1])

    def set_folder_state(self, state: FolderState) -> None:
        self._run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO folder (id, mtime_ns, checked_ns) VALUES (0, ?, ?)",
                (state.mtime_ns, state.checked_ns),
            ),
            write=True,
        )

    def put(self, session: Session, state: FileState, changed: Sequence[Message] = ()) -> None:
        """Record ``session`` as read from a file in ``state``.

        Messages in ``changed`` and messages the index does not hold yet are
        indexed; entries of messages the session no longer has are removed.
        """
        self._run(lambda db: _put_session(db, session, state, changed), write=True)

    def put_many(self, sessions: Iterable[tuple[Session, FileState]]) -> None:
        """Record many sessions, committing every :data:`BATCH_SIZE` of them."""
        batch: list[tuple[Session, FileState]] = []
        for item in sessions:
            batch.append(item)
            if len(batch) == BATCH_SIZE:
                self._put_batch(list(batch))
                batch.clear()
        if batch:
            self._put_batch(batch)

    def drop(self, session_ids: Iterable[str]) -> None:
        ids = list(session_ids)
        if ids:
            self._run(lambda db: _drop_sessions(db, ids), write=True)

    def summaries(self) -> list[SessionSummary]:
        """Return every indexed session, most recently updated first."""
        rows = self._run(
            lambda db: db.execute(
                "SELECT id, title, model, size, message_count, created_us, updated_us "
                "FROM sessions ORDER BY updated_us DESC, id DESC"
            ).fetchall()
        )
        # tuple.__new__ builds each named tuple without a Python-level call,
        # a third of the listing's time for 10,000 sessions otherwise.
        return list(map(functools.partial(tuple.__new__, SessionSummary), rows))

    def search(self, text: str, limit: int) -> list[SearchHit]:
        """Return up to ``limit`` messages matching every word of ``text``, newest first.

        Newest means most recently indexed: saves index new messages last,
        and a rebuild reads the files oldest first. Ranking by relevance
        (bm25) would score every match, which for a common word among
        200,000 messages takes hundreds of milliseconds.
        """
        query = fts_query(text)
        rows = self._run(
            lambda db: db.execute(
                "SELECT e.session_id, s.title, e.message_id, e.role, "
                "snippet(entry_text, 0, ?, ?, '…', ?) "
                "FROM entry_text JOIN entries AS e ON e.rowid = entry_text.rowid "
                "JOIN sessions AS s ON s.id = e.session_id "
                "WHERE entry_text MATCH ? ORDER BY entry_text.rowid DESC LIMIT ?",
                (SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_WORDS, query, limit),
            ).fetchall()
        )
        return [SearchHit(*row) for row in rows]

    def _put_batch(self, batch: list[tuple[Session, FileState]]) -> None:
        def put_all(db: sqlite3.Connection) -> None:
            for session, state in batch:
                _put_session(db, session, state, ())

        self._run(put_all, write=True)

    def _run(self, operation: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """Run ``operation`` on this thread's connection, in a transaction if it writes."""
        try:
            return self._attempt(operation, write)
        except sqlite3.DatabaseError as exc:
            self._local.entry = None
            if not _is_corrupt(exc):
                raise self._failure(exc) from exc
            _remove_database(self.path, str(exc))

        try:
            return self._attempt(operation, write)
        except sqlite3.DatabaseError as exc:
            self._local.entry = None
            raise self._failure(exc) from exc

    def _attempt(self, operation: Callable[[sqlite3.Connection], T], write: bool) -> T:
        db = self._connection()
        return _in_transaction(db, operation) if write else operation(db)

    def _failure(self, error: sqlite3.DatabaseError) -> StoreError:
        msg = f"The session index {self.path} failed: {error}. Delete it to rebuild it."
        return StoreError(msg, path=self.path)

    def _connection(self) -> sqlite3.Connection:
        entry = getattr(self._local, "entry", None)
        identity = _file_identity(self.path)
        if entry is not None and entry[0] == os.getpid() and entry[1] == identity:
            connection: sqlite3.Connection = entry[2]
            return connection

        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        self._opened.append((os.getpid(), db))
        if _prepare(db) != SCHEMA_VERSION:
            _create_schema(db)
        self._local.entry = (os.getpid(), _file_identity(self.path), db)
        return db


def fts_query(text: str) -> str:
    """Return an FTS5 query matching every word of ``text``; ``word*`` matches a prefix.

    Each whitespace-separated token becomes a quoted phrase of its words, so
    ``main.py`` matches "main" directly followed by "py", and characters that
    FTS5 treats as syntax are never passed through.
    """
    terms = []
    for token in text.split():
        words = _WORD.findall(token)
        if words:
            terms.append('"' + " ".join(words) + '"' + ("*" if token.endswith("*") else ""))
    if not terms:
        msg = f"The search text {text!r} has no words; search for letters or digits."
        raise StoreError(msg)
    return " ".join(terms)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino)


def _in_transaction(db: sqlite3.Connection, operation: Callable[[sqlite3.Connection], T]) -> T:
    # BEGIN IMMEDIATE takes the write lock first, so a transaction that reads
    # before it writes waits for other writers instead of failing.
    db.execute("BEGIN IMMEDIATE")
    try:
        result = operation(db)
    except BaseException:
        with suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def _is_corrupt(error: sqlite3.DatabaseError) -> bool:
    text = str(error)
    return "not a database" in text or "malformed" in text


def _close_all(opened: list[tuple[int, sqlite3.Connection]]) -> None:
    # A connection inherited through fork belongs to the parent; closing it
    # in the child could disturb the parent's database.
    for pid, db in opened:
        if pid == os.getpid():
            db.close()


def _prepare(db: sqlite3.Connection) -> int:
    """Set the connection's options and return the schema version of the database."""
    # The index is rebuilt from the files if it is lost, so a commit need
    # not wait for the disk.
    db.execute("PRAGMA synchronous = OFF")
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def _create_schema(db: sqlite3.Connection) -> None:
    # Another process may be creating the schema too, so the version is read
    # again once this one holds the write lock.
    db.execute("BEGIN IMMEDIATE")
    try:
        old_version = db.execute("PRAGMA user_version").fetchone()[0]
        if old_version != SCHEMA_VERSION:
            if old_version:
                logger.info("rebuilding the session index for schema %d", SCHEMA_VERSION)
            _drop_tables(db)
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")

    # Readers do not block the writer in WAL mode. A filesystem without the
    # shared memory that WAL needs keeps the default journal.
    try:
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        logger.info("the session index stays in rollback-journal mode: %s", exc)


def _drop_tables(db: sqlite3.Connection) -> None:
    # Dropping the FTS5 table drops its shadow tables (entry_text_data and so on).
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    for (name,) in rows:
        if not name.startswith(("entry_text_", "sqlite_")):
            db.execute(f'DROP TABLE IF EXISTS "{name}"')


def _remove_database(path: Path, reason: str) -> None:
    logger.warning(
        "deleting the session index %s, because %s; it is rebuilt from the files", path, reason
    )
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _put_session(
    db: sqlite3.Connection, session: Session, state: FileState, changed: Sequence[Message]
) -> None:
    _put_summary(db, session, state)
    _put_entries(db, session, changed)


def _drop_sessions(db: sqlite3.Connection, session_ids: list[str]) -> None:
    for session_id in session_ids:
        _delete_entries(db, session_id, None)
        db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


def _put_summary(db: sqlite3.Connection, session: Session, state: FileState) -> None:
    db.execute(
        "INSERT OR REPLACE INTO sessions "
        "(id, title, model, size, mtime_ns, message_count, created_us, updated_us) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session.id,
            session.title,
            session.model,
            state.size,
            state.mtime_ns,
            len(session.messages),
            _microseconds(session.created),
            _microseconds(session.last_updated),
        ),
    )


def _put_entries(db: sqlite3.Connection, session: Session, changed: Sequence[Message]) -> None:
    rows = db.execute("SELECT message_id FROM entries WHERE session_id = ?", (session.id,))
    indexed = {row[0] for row in rows}
    current = {message.id for message in session.messages}
    replaced = {message.id for message in changed} & indexed

    # The title entry has the message id "" and is written anew every time.
    # A title taken from the first question would only repeat that message's hit.
    _delete_entries(db, session.id, (indexed - current) | replaced | {""})
    if session.title and session.title != title_from(session):
        _insert_entry(db, session.id, "", TITLE_ROLE, session.title)
    for message in session.messages:
        if message.id not in indexed or message.id in replaced:
            _insert_entry(db, session.id, message.id, message.role.value, message.content)


def _insert_entry(
    db: sqlite3.Connection, session_id: str, message_id: str, role: str, text: str
) -> None:
    cursor = db.execute(
        "INSERT INTO entries (session_id, message_id, role) VALUES (?, ?, ?)",
        (session_id, message_id, role),
    )
    db.execute("INSERT INTO entry_text (rowid, content) VALUES (?, ?)", (cursor.lastrowid, text))


def _delete_entries(db: sqlite3.Connection, session_id: str, message_ids: set[str] | None) -> None:
    """Delete the entries of ``message_ids`` in a session, or all of its entries for None."""
    if message_ids is None:
        rows = db.execute("SELECT rowid FROM entries WHERE session_id = ?", (session_id,))
        doomed = [(row[0],) for row in rows]
    else:
        doomed = []
        for message_id in message_ids:
            rows = db.execute(
                "SELECT rowid FROM entries WHERE session_id = ? AND message_id = ?",
                (session_id, message_id),
            )
            doomed.extend((row[0],) for row in rows)
    db.executemany("DELETE FROM entry_text WHERE rowid = ?", doomed)
    db.executemany("DELETE FROM entries WHERE rowid = ?", doomed)


def _microseconds(value: datetime) -> int:
    return int(as_utc(value).timestamp() * 1_000_000)


def _time(microseconds: int) -> datetime:
    return datetime.fromtimestamp(microseconds / 1_000_000, tz=timezone.utc)
