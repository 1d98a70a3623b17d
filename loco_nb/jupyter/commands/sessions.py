"""Subcommands for sessions: list, start, switch, rename, delete, trash, export, import, search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

from ...store.sessions import TRASH_LABEL
from ..render import Table
from . import arg, subcommand


@subcommand("sessions", "list this project's sessions, newest first")
def list_sessions(magics: Any, args: Any) -> None:
    assistant = magics.assistant
    listing = assistant.session_summaries()
    for problem in listing.moved_aside:
        print(f"Warning: {problem}")  # noqa: T201
    if not listing.sessions:
        print("No sessions yet in this project; ask something with %%loco.")  # noqa: T201
        return

    current = assistant.current_session_id
    rows = [
        [
            "▶" if s.id == current else "",
            s.id,
            s.title,
            str(s.message_count),
            format_size(s.size),
            s.model or "",
            f"{s.last_updated:%Y-%m-%d %H:%M}",
        ]
        for s in listing.sessions
    ]
    headers = ["", "id", "title", "messages", "size", "model", "updated (UTC)"]
    display(Table(headers, rows, caption=f"Sessions in {assistant.store.directory}"))


@subcommand("new", "start a new session")
def new_session(magics: Any, args: Any) -> None:
    session = magics.assistant.new_session()
    print(f"Started session {session.id}.")  # noqa: T201


@subcommand(
    "switch",
    "make another session the current one",
    arg("session_id", help="The id of the session, as %loco sessions lists it."),
)
def switch(magics: Any, args: Any) -> None:
    session = magics.assistant.switch(args.session_id)
    title = f" ({session.title})" if session.title else ""
    print(f"Switched to session {session.id}{title}, {len(session.messages)} messages.")  # noqa: T201


@subcommand(
    "rename",
    "change a session's title",
    arg("title", nargs="+", help="The new title."),
    arg("--session", "-s", help="The session to rename; the current one when omitted."),
)
def rename(magics: Any, args: Any) -> None:
    session = magics.assistant.rename_session(" ".join(args.title), args.session)
    print(f"Renamed session {session.id} to {session.title!r}.")  # noqa: T201


@subcommand(
    "delete",
    "move sessions to the trash",
    arg("session_ids", nargs="+", metavar="SESSION_ID", help="Ids of the sessions to delete."),
)
def delete(magics: Any, args: Any) -> None:
    assistant = magics.assistant
    current = assistant.current_session_id
    entry = assistant.delete_sessions(args.session_ids)
    print(  # noqa: T201
        f"Moved {len(entry.originals)} sessions to {entry.folder}; "
        f"%loco restore {entry.folder.name} brings them back."
    )
    if current in args.session_ids:
        print("That included the current session; the next question starts a new one.")  # noqa: T201


@subcommand("trash", "list what was deleted, newest first")
def show_trash(magics: Any, args: Any) -> None:
    assistant = magics.assistant
    entries = assistant.trash()
    if not entries:
        print(f"The trash in {assistant.trash_dir} is empty.")  # noqa: T201
        return

    rows = [
        [e.folder.name, e.label, f"{e.deleted:%Y-%m-%d %H:%M:%S}", ", ".join(e.originals)]
        for e in entries
    ]
    caption = f"Trash in {assistant.trash_dir}; %loco restore NAME moves an entry back"
    display(Table(["name", "kind", "deleted (UTC)", "items"], rows, caption=caption))


@subcommand(
    "restore",
    "move a trash entry back where it came from",
    arg(
        "name",
        nargs="?",
        help=f"The entry's name from %loco trash; the newest {TRASH_LABEL} entry when omitted.",
    ),
)
def restore(magics: Any, args: Any) -> None:
    entry, restored = magics.assistant.restore_from_trash(args.name)
    print(f"Restored {len(restored)} items from {entry.folder.name}:")  # noqa: T201
    for path in restored:
        print(f"  {path}")  # noqa: T201


@subcommand(
    "search",
    "search the messages and titles of every session of the project",
    arg("text", nargs="+", help="Words that must all occur; end a word with * to match a prefix."),
    arg("--limit", "-n", type=int, default=20, help="The maximum number of matches (default 20)."),
)
def search(magics: Any, args: Any) -> None:
    if args.limit < 1:
        msg = f"--limit must be at least 1, not {args.limit}."
        raise UsageError(msg)
    text = " ".join(args.text)
    hits = magics.assistant.search(text, limit=args.limit)
    if not hits:
        print(f"No message or title matches {text!r}.")  # noqa: T201
        return

    rows = [[hit.session_id, hit.title, hit.role, hit.snippet] for hit in hits]
    display(Table(["session", "title", "role", "match"], rows, caption=f"Matches of {text!r}"))


@subcommand(
    "export",
    "write sessions as notebooks: the current one, the ones named, or all",
    arg(
        "targets",
        nargs="*",
        metavar="SESSION_ID",
        help="Sessions to export; a name ending in .ipynb is taken as the notebook to write.",
    ),
    arg("--all", action="store_true", dest="all_sessions", help="Export every session."),
    arg("--no-tools", action="store_true", help="Leave out tool results and tool turns."),
    arg(
        "--output",
        "-o",
        help=(
            "The notebook to write for one session, or the folder for several; "
            "<session id>.ipynb in the project folder when omitted."
        ),
    ),
)
def export(magics: Any, args: Any) -> None:
    ids = [t for t in args.targets if not t.endswith(".ipynb")]
    paths = [t for t in args.targets if t.endswith(".ipynb")]
    if len(paths) > 1 or (paths and args.output):
        msg = "Give one notebook path, either as the last name or with --output."
        raise UsageError(msg)
    if args.all_sessions and ids:
        msg = "--all exports every session; leave out the session ids, or drop --all."
        raise UsageError(msg)

    output = args.output or (paths[0] if paths else None)
    written = magics.assistant.export_sessions(
        ids or None,
        all_sessions=args.all_sessions,
        include_tools=not args.no_tools,
        output=Path(output) if output else None,
    )
    if not written:
        print("There are no sessions to export in this project.")  # noqa: T201
    for session_id, path in written:
        print(f"Exported session {session_id} to {path}")  # noqa: T201


@subcommand(
    "import",
    "turn a notebook into a session and make it the current one",
    arg("path", help="The .ipynb file to import."),
)
def import_notebook(magics: Any, args: Any) -> None:
    session = magics.assistant.import_notebook(Path(args.path))
    print(  # noqa: T201
        f"Imported {args.path} as session {session.id} ({len(session.messages)} messages); "
        "it is now the current session."
    )


def format_size(size: int) -> str:
    """Return a byte count for people: 512 B, 3.4 kB, 12.0 MB."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"
