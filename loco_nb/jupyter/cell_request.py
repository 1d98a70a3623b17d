"""What a ``%%loco`` cell (and ``%loco fix``) does between parsing options and the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from ..errors import LocoError
from ..models import Message
from .cell_view import CellView
from .references import expand
from .render import strip_fence


@dataclass(frozen=True)
class CellRequest:
    """A question with the options of its cell."""

    question: str
    model: str | None = None
    session: str | None = None
    new: bool = False
    answer_format: str = "markdown"
    tools: bool = True
    plan: bool | None = None
    yes: bool = False
    base_url: str | None = None
    # False for questions loco_nb writes itself, such as %loco fix's, which quote code verbatim.
    references: bool = True


def run(magics: Any, request: CellRequest) -> Message:
    """Ask the kernel's assistant and render the work in the running cell.

    ``{name}``-style references are expanded from the user's namespace. With
    the code format the generated code goes into a new cell below instead of
    running. User mistakes and loco_nb errors become one-line UsageErrors.
    """
    question = request.question
    if request.references:
        question = expand(question, magics.shell.user_ns if magics.shell else {})
    assistant = magics.assistant
    try:
        _choose_session(assistant, request)
    except LocoError as exc:
        raise UsageError(str(exc)) from exc

    view = CellView(request.answer_format)
    try:
        message: Message = assistant.ask(
            question,
            on_event=view,
            model=request.model,
            auto_approve=request.yes or None,
            plan=request.plan,
            tools=request.tools,
            answer_format=request.answer_format,
            base_url=request.base_url,
        )
    except KeyboardInterrupt:
        view.cancel()
        raise
    except (LocoError, ValueError) as exc:
        view.fail(exc)
        raise UsageError(str(exc)) from exc

    if request.answer_format == "code" and magics.shell is not None:
        magics.shell.set_next_input(strip_fence(message.content), replace=False)
    return message


def _choose_session(assistant: Any, request: CellRequest) -> None:
    if request.new and request.session:
        msg = "Use --new or --session, not both: --new starts a session, --session switches to one."
        raise UsageError(msg)
    if request.new:
        assistant.new_session()
    elif request.session:
        assistant.switch(request.session)
