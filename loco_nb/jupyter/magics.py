"""The ``%loco`` line magic and the ``%%loco`` cell magic."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Bool, Unicode, observe

from ..assistant import Assistant
from ..errors import LocoError
from .cell_view import CellView
from .render import MarkdownText, Table

COMMANDS = ("models", "sessions", "new", "export", "help")


@magics_class
class LocoMagics(Magics):
    """Ask local models from a notebook. Configure with ``%config LocoMagics.<name> = …``."""

    project_dir = Unicode(
        "", help="Folder the assistant works on; the kernel's working folder when empty."
    ).tag(config=True)
    auto_approve = Bool(False, help="Let models write files without asking. Off by default.").tag(
        config=True
    )

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._assistant: Assistant | None = None

    @property
    def assistant(self) -> Assistant:
        """The kernel's assistant, created on first use."""
        if self._assistant is None:
            root = Path(self.project_dir or os.getcwd())
            try:
                self._assistant = Assistant(root, auto_approve=self.auto_approve)
            except LocoError as exc:
                raise UsageError(str(exc)) from exc
        return self._assistant

    @observe("project_dir", "auto_approve")
    def _settings_changed(self, change: Any) -> None:
        self.close()

    def close(self) -> None:
        assistant, self._assistant = self._assistant, None
        if assistant is not None:
            assistant.close()

    @magic_arguments(name="%loco")
    @argument("--model", "-m", help="A size (XS, S, M, L, XL) or a model id on the server.")
    @argument("--new", action="store_true", help="Start a new session before asking.")
    @argument("--yes", action="store_true", help="Approve file changes made while this cell runs.")
    @cell_magic("loco")  # type: ignore[arg-type]
    def loco_cell(self, line: str, cell: str) -> None:
        """Ask a local model about the project; the question is the body of the cell."""
        args = parse_argstring(self.loco_cell, line)
        question = cell.strip()
        if not question:
            msg = "The %%loco cell is empty; write your question on the lines below %%loco."
            raise UsageError(msg)

        assistant = self.assistant
        if args.new:
            assistant.new_session()
        view = CellView()
        try:
            assistant.ask(question, model=args.model, on_event=view, auto_approve=args.yes or None)
        except KeyboardInterrupt:
            view.cancel()
            raise
        except (LocoError, ValueError) as exc:
            view.fail(exc)
            raise UsageError(str(exc)) from exc

    @magic_arguments(name="loco")
    @argument("command", nargs="?", default="help", help="One of: " + ", ".join(COMMANDS) + ".")
    @argument("path", nargs="?", help="For export: the notebook to write.")
    @line_magic("loco")  # type: ignore[arg-type]
    def loco_line(self, line: str) -> None:
        """Manage loco_nb.

        models           list the models and the sizes they serve
        sessions         list this project's sessions, newest first
        new              start a new session
        export [PATH]    write the current session as a notebook
        help             show this help

        Ask questions with a %%loco cell; %%loco? lists its options.
        """
        args = parse_argstring(self.loco_line, line)
        command = args.command.lower()
        if command not in COMMANDS:
            close = difflib.get_close_matches(command, COMMANDS, n=1)
            hint = f" Did you mean %loco {close[0]}?" if close else ""
            msg = f"Unknown command {args.command!r}.{hint} Commands: {', '.join(COMMANDS)}."
            raise UsageError(msg)
        if args.path is not None and command != "export":
            msg = f"%loco {command} takes no argument; got {args.path!r}."
            raise UsageError(msg)

        try:
            getattr(self, f"_{command}")(args)
        except LocoError as exc:
            raise UsageError(str(exc)) from exc

    def _help(self, args: Any) -> None:
        print(self.loco_line.__doc__)  # noqa: T201

    def _models(self, args: Any) -> None:
        view = CellView()
        models = sorted(self.assistant.models(on_event=view), key=lambda m: m.size)
        view.status.update(MarkdownText(f"{len(models)} models"))
        rows = [[m.size.value, m.id, m.endpoint, str(m.context_length or "?")] for m in models]
        display(Table(["size", "model", "server", "context"], rows))

    def _sessions(self, args: Any) -> None:
        sessions = self.assistant.sessions()
        if not sessions:
            print("No sessions yet in this project; ask something with %%loco.")  # noqa: T201
            return
        current = self.assistant.session.id
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
        display(Table(headers, rows, caption=f"Sessions in {self.assistant.store.directory}"))

    def _new(self, args: Any) -> None:
        session = self.assistant.new_session()
        print(f"Started session {session.id}.")  # noqa: T201

    def _export(self, args: Any) -> None:
        path = Path(args.path) if args.path else None
        written = self.assistant.export(path)
        print(f"Exported session {self.assistant.session.id} to {written}")  # noqa: T201
