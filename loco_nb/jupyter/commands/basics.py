"""Subcommands for help, sessions and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.display import display

from ..render import Table
from . import COMMANDS, arg, find, overview, subcommand


@subcommand("help", "show this help, or one command's options", arg("command", nargs="?"))
def show_help(magics: Any, args: Any) -> None:
    if args.command:
        print(find(args.command).parser.format_help())  # noqa: T201
        return
    print(f"%loco COMMAND [options]\n\n{overview()}\n\n%loco help COMMAND shows its options.")  # noqa: T201
    print("Ask questions in a %%loco cell; %%loco? lists its options.")  # noqa: T201


@subcommand("sessions", "list this project's sessions, newest first")
def list_sessions(magics: Any, args: Any) -> None:
    assistant = magics.assistant
    sessions = assistant.sessions()
    if not sessions:
        print("No sessions yet in this project; ask something with %%loco.")  # noqa: T201
        return

    current = assistant.session.id
    rows = [
        [
            "▶" if s.id == current else "",
            s.id,
            s.title,
            str(len(s.messages)),
            s.model or "",
            f"{s.last_updated:%Y-%m-%d %H:%M}",
        ]
        for s in sessions
    ]
    headers = ["", "id", "title", "messages", "model", "updated (UTC)"]
    display(Table(headers, rows, caption=f"Sessions in {assistant.store.directory}"))


@subcommand("new", "start a new session")
def new_session(magics: Any, args: Any) -> None:
    session = magics.assistant.new_session()
    print(f"Started session {session.id}.")  # noqa: T201


@subcommand(
    "export",
    "write the current session as a notebook",
    arg(
        "path", nargs="?", help="Notebook to write; <session id>.ipynb in the project when omitted."
    ),
)
def export(magics: Any, args: Any) -> None:
    path = Path(args.path) if args.path else None
    written = magics.assistant.export(path)
    print(f"Exported session {magics.assistant.session.id} to {written}")  # noqa: T201


__all__ = ["COMMANDS"]
