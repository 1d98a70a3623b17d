"""The ``%loco`` line magic and the ``%%loco`` cell magic.

Loading the extension imports this module alone. The assistant, the settings,
the subcommands and what a cell runs are imported on first use, so
``%load_ext loco_nb`` does not import pydantic, httpx or nbformat.
"""

from __future__ import annotations

import logging
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Int, Unicode, observe

from ..errors import LocoError

if TYPE_CHECKING:
    from ..assistant import Assistant

logger = logging.getLogger("loco_nb")

# The keys of loco_nb.agent.prompts.ANSWER_FORMATS, written out so that loading the
# extension does not import the agent; a unit test checks that the two agree.
ANSWER_FORMAT_NAMES = ("markdown", "code", "text", "json", "html")


@magics_class
class LocoMagics(Magics):
    """Ask local models from a notebook. Configure with ``%config LocoMagics.<name> = …``."""

    project_dir = Unicode(
        "", help="Folder the assistant works on; the kernel's working folder when empty."
    ).tag(config=True)
    auto_approve = Bool(False, help="Let models write files without asking. Off by default.").tag(
        config=True
    )
    default_size = Unicode("", help="Size used when a cell names none: XS, S, M, L or XL.").tag(
        config=True
    )
    base_url = Unicode("", help="OpenAI-compatible base URL ending in /v1.").tag(config=True)
    model = Unicode("", help="Model id on that server.").tag(config=True)
    max_steps = Int(None, allow_none=True, help="Tool-calling rounds per task.").tag(config=True)
    max_parallel = Int(None, allow_none=True, help="Independent tasks run at once.").tag(
        config=True
    )

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        # Set before traitlets loads the profile's config, whose values call _settings_changed.
        self._assistant: Assistant | None = None
        self._fingerprint: tuple[object, ...] = ()
        # The project folder and session id of the last assistant closed, to resume with.
        self._resume: tuple[Path, str] | None = None
        # The cell and traceback that %loco fix sent last, to send again after a UsageError.
        self.fix_failure: tuple[str, str] | None = None
        super().__init__(shell=shell, **kwargs)

    @property
    def assistant(self) -> Assistant:
        """The kernel's assistant, created on first use and again when its settings change.

        A changed LOCO_* variable (``%env``) or config.toml takes effect on the
        next use, as a user who just followed an error's advice expects.
        """
        fingerprint = _settings_fingerprint(Path(self.project_dir or os.getcwd()).expanduser())
        if self._assistant is not None and fingerprint != self._fingerprint:
            self.close()
        self._fingerprint = fingerprint
        if self._assistant is None:
            from ..assistant import Assistant
            from ..config import load_settings

            root = Path(self.project_dir or os.getcwd()).expanduser()
            try:
                settings = load_settings(root if root.is_dir() else None, traits=self.settings())
                # ask_user: the cell shows approval buttons (CellView handles ApprovalRequested).
                self._assistant = Assistant(
                    root, auto_approve=self.auto_approve, ask_user=True, settings=settings
                )
            except LocoError as exc:
                raise UsageError(str(exc)) from exc
            self._resume_session(self._assistant)
        return self._assistant

    def settings(self) -> dict[str, object]:
        """Return the traitlets that set a value, as settings."""
        values: dict[str, object] = {
            "default_size": self.default_size.upper() or None,
            "base_url": self.base_url or None,
            "model": self.model or None,
            "max_steps": self.max_steps,
            "max_parallel": self.max_parallel,
        }
        if self.auto_approve:
            values["auto_approve"] = True
        return {name: value for name, value in values.items() if value is not None}

    @observe(
        "project_dir",
        "auto_approve",
        "default_size",
        "base_url",
        "model",
        "max_steps",
        "max_parallel",
    )
    def _settings_changed(self, change: Any) -> None:
        self.close()

    def close(self) -> None:
        assistant, self._assistant = self._assistant, None
        if assistant is not None:
            if assistant.current_session_id is not None:
                self._resume = (assistant.project_dir, assistant.current_session_id)
            assistant.close()

    def _resume_session(self, assistant: Assistant) -> None:
        """Reopen the session of the assistant closed last, so a changed setting keeps it."""
        resume, self._resume = self._resume, None
        if resume is None or resume[0] != assistant.project_dir:
            return
        try:
            assistant.switch(resume[1])
        except LocoError as exc:
            # Deleted or unreadable meanwhile: the next question starts a new session.
            logger.info("could not resume session %s: %s", resume[1], exc)

    @magic_arguments(name="%loco")
    @argument("--model", "-m", help="A size (XS, S, M, L, XL) or a model id on the server.")
    @argument("--session", "-s", help="Switch to this session id before asking.")
    @argument("--new", action="store_true", help="Start a new session before asking.")
    @argument(
        "--format",
        "-f",
        default="markdown",
        choices=list(ANSWER_FORMAT_NAMES),
        help="How to answer; code puts the code in a new cell below instead of running it.",
    )
    @argument("--no-tools", action="store_true", help="Answer without reading any file.")
    @argument(
        "--plan",
        action="store_true",
        help="Split the request into tasks with the planner model and show the plan first.",
    )
    @argument("--yes", action="store_true", help="Approve file changes made while this cell runs.")
    @argument(
        "--base-url",
        help="An OpenAI-compatible base URL for this cell only; no API key is sent to it.",
    )
    @cell_magic("loco")  # type: ignore[arg-type]
    def loco_cell(self, line: str, cell: str) -> None:
        """Ask a local model about the project; the question is the body of the cell.

        {name} inserts a variable's value, {In[3]} and {Out[3]} a cell's input and
        output, and {error} the last traceback. {{name}} writes {name} as it is.
        """
        from . import cell_request

        args = parse_argstring(self.loco_cell, line)
        question = cell.strip()
        if not question:
            msg = "The %%loco cell is empty; write your question on the lines below %%loco."
            raise UsageError(msg)

        request = cell_request.CellRequest(
            question=question,
            model=args.model,
            session=args.session,
            new=args.new,
            answer_format=args.format,
            tools=not args.no_tools,
            plan=True if args.plan else None,
            yes=args.yes,
            base_url=args.base_url,
        )
        cell_request.run(self, request)

    @line_magic("loco")  # type: ignore[arg-type]
    def loco_line(self, line: str) -> None:
        """Manage loco_nb: %loco COMMAND [options]. The commands are listed below."""
        from . import commands

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


def _line_help() -> str:
    """Return the help of ``%loco``, with every subcommand and its summary."""
    from . import commands

    return (
        f"{LocoMagics.loco_line.__doc__}\n\n{commands.overview()}\n\n"
        "%loco help COMMAND shows a command's options. Ask questions in a %%loco cell."
    )


# IPython's ``%loco?`` uses an object's getdoc() before its __doc__ (IPython.core.oinspect),
# so the subcommands are imported when someone asks for help, not when the extension loads.
cast(Any, LocoMagics.loco_line).getdoc = _line_help


def _settings_fingerprint(root: Path) -> tuple[object, ...]:
    """Return what the settings are read from: LOCO_* variables and the config files' times."""
    variables = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LOCO_")))
    home = Path(os.environ.get("LOCO_HOME") or Path.home() / ".loco").expanduser()
    stamps: list[int | None] = []
    for path in (home / "config.toml", root / ".loco" / "config.toml"):
        try:
            stamps.append(path.stat().st_mtime_ns)
        except OSError:
            stamps.append(None)
    return (variables, tuple(stamps))
