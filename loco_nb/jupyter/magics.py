"""The ``%loco`` line magic and the ``%%loco`` cell magic."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any, cast

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Unicode, observe

from ..assistant import Assistant
from ..errors import LocoError
from . import commands
from .cell_view import CellView


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
    @argument(
        "--plan",
        action="store_true",
        help="Split the request into tasks with the planner model and show the plan first.",
    )
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
            assistant.ask(
                question,
                model=args.model,
                on_event=view,
                auto_approve=args.yes or None,
                plan=True if args.plan else None,
            )
        except KeyboardInterrupt:
            view.cancel()
            raise
        except (LocoError, ValueError) as exc:
            view.fail(exc)
            raise UsageError(str(exc)) from exc

    @line_magic("loco")  # type: ignore[arg-type]
    def loco_line(self, line: str) -> None:
        """Manage loco_nb: %loco COMMAND [options]. The commands are listed below."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            msg = f"Cannot read {line!r}: {exc}."
            raise UsageError(msg) from exc
        command = commands.find(words[0] if words else "help")
        try:
            args = command.parser.parse_args(words[1:])
        except UsageError as exc:
            msg = f"%loco {command.name}: {exc}; %loco help {command.name} lists its options."
            raise UsageError(msg) from exc
        try:
            command.handler(self, args)
        except LocoError as exc:
            raise UsageError(str(exc)) from exc


cast(Any, LocoMagics.loco_line).__doc__ = (
    f"{LocoMagics.loco_line.__doc__}\n\n{commands.overview()}\n\n"
    "%loco help COMMAND shows a command's options. Ask questions in a %%loco cell."
)
