"""Subcommands for daily notebook use: fix the last error, status, config and history."""

from __future__ import annotations

import sys
import traceback
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display
from pydantic import SecretStr

from ...config import Settings
from ...errors import LocoError
from ..cell_request import CellRequest, run
from ..cell_view import CellView
from ..references import last_error_text
from ..render import MarkdownText, Table
from . import arg, subcommand

HISTORY_PREVIEW = 80


@subcommand(
    "fix",
    "send the last exception and its cell to the model; the fixed cell appears below",
    arg("--model", "-m", help="A size (XS, S, M, L, XL) or a model id."),
)
def fix(magics: Any, args: Any) -> None:
    cell, error = last_failure(magics)
    question = (
        f"This notebook cell raised an exception:\n```python\n{cell}\n```\n\n"
        f"```\n{error}\n```\nWrite a corrected version of the whole cell."
    )
    request = CellRequest(
        question=question, model=args.model, answer_format="code", plan=False, references=False
    )
    run(magics, request)


def last_failure(magics: Any) -> tuple[str, str]:
    """Return the source of the cell that raised the last exception, and its traceback.

    A UsageError is a magic's one-line message, not a failure of code. So when
    the last error is one, such as a %loco fix that found the server down,
    this returns the failure that the previous %loco fix sent.
    """
    kind = getattr(sys, "last_type", None)
    if kind is not None and issubclass(kind, UsageError):
        if magics.fix_failure is not None:
            return magics.fix_failure
        msg = (
            "No exception to fix: the last error was a magic's usage error, whose message "
            "says what to change. %loco fix sends exceptions raised by your code."
        )
        raise UsageError(msg)

    error = last_error_text()
    if error is None:
        msg = "No exception to fix: run the failing cell first, then %loco fix in the next cell."
        raise UsageError(msg)
    magics.fix_failure = (failing_cell(magics.shell), error)
    return magics.fix_failure


def failing_cell(shell: Any) -> str:
    """Return the source of the cell the last exception came from.

    IPython names each cell's code after its execution count; the deepest
    frame in such a cell wins. Without that map, the cell before this one is
    the best guess.
    """
    inputs = shell.user_ns.get("In", [])
    names = getattr(getattr(shell, "compile", None), "_filename_map", {})
    trace = getattr(sys, "last_traceback", None)
    for frame in reversed(traceback.extract_tb(trace) if trace else []):
        number = names.get(frame.filename)
        if isinstance(number, int) and 0 < number < len(inputs):
            return str(inputs[number])
    return str(inputs[-2]) if len(inputs) >= 2 else ""


@subcommand("status", "show the servers, their models and context lengths, and this session")
def status(magics: Any, args: Any) -> None:
    assistant = magics.assistant
    view = CellView()
    try:
        servers = assistant.servers(on_event=view)
    except LocoError as exc:
        view.fail(exc)
        raise
    up = sum(1 for server in servers if server.up)
    view.status.update(MarkdownText(f"{up} of {len(servers)} servers answer"))

    rows = [
        [server.url, "up", m.size.value, m.id, str(m.context_length or "?")]
        for server in servers
        if server.up
        for m in sorted(server.models, key=lambda m: m.size)
    ]
    rows += [[s.url, f"down: {s.error}", "", "", ""] for s in servers if not s.up]
    display(Table(["server", "health", "size", "model", "context"], rows))
    print(f"Project: {assistant.project_dir}")  # noqa: T201
    print(f"Session: {assistant.session.id} ({len(assistant.session.messages)} messages)")  # noqa: T201


@subcommand("config", "show every setting in force and where it came from")
def config(magics: Any, args: Any) -> None:
    settings: Settings = magics.assistant.settings
    origins = settings.origins
    rows = []
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = "••••" if isinstance(value, SecretStr) else _show(value)
        rows.append([name, shown, origins.get(name, "default"), info.description or ""])
    display(Table(["setting", "value", "from", "meaning"], rows))


@subcommand("history", "list the messages of the current session")
def history(magics: Any, args: Any) -> None:
    session = magics.assistant.session
    if not session.messages:
        print(f"Session {session.id} has no messages yet.")  # noqa: T201
        return

    rows = []
    for number, message in enumerate(session.messages, start=1):
        first = " ".join(message.content.split())
        if len(first) > HISTORY_PREVIEW:
            first = first[: HISTORY_PREVIEW - 1] + "…"
        tools = f"{len(message.tool_results)} tool results" if message.tool_results else ""
        rows.append([str(number), message.role.value, f"{message.created:%H:%M:%S}", first, tools])
    caption = f"Session {session.id}: {session.title}"
    display(Table(["#", "role", "time (UTC)", "content", ""], rows, caption=caption))


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{len(value)} entries" if value else "[]"
    return str(getattr(value, "value", value))
