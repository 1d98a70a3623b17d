"""The panel's chat: the session's conversation, the streamed answer and the text area."""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets

from ..agent.events import Token
from ..models import Message, Role, Session, Task, ToolCall, ToolResult
from .render import MarkdownText, ToolCallView, ToolResultView

# Re-rendering Markdown on every token is slow in the browser; ten times a second reads as live.
REFRESH_SECONDS = 0.1

# Older messages stay in the session and the export; the panel shows the latest ones.
HISTORY_LIMIT = 60

# HTML widgets inherit the line height of a widget row (28px); text needs its own.
_USER_STYLE = (
    "background:var(--jp-layout-color2, #f0f0f0);border-radius:6px;"
    "padding:4px 8px;margin:4px 0;white-space:pre-wrap;line-height:1.4"
)
_NOTE_STYLE = "opacity:.75;font-style:italic;margin:2px 0;line-height:1.4"
_ERROR_STYLE = (
    "color:var(--jp-error-color1, #c62828);margin:2px 0;white-space:pre-wrap;line-height:1.4"
)


def output_entry(shown: Any) -> dict[str, Any]:
    """Return the Output-widget form of an object that has ``_repr_mimebundle_``."""
    return {"output_type": "display_data", "data": shown._repr_mimebundle_(), "metadata": {}}


def rich_output(shown: Any, **layout: str) -> widgets.Output:
    """Return an Output widget showing ``shown`` through its rich representation."""
    output = widgets.Output(layout=widgets.Layout(**layout))
    output.outputs = (output_entry(shown),)
    return output


def user_bubble(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div style="{_USER_STYLE}"><b>You</b>\n{html.escape(text)}</div>')


class AnswerStream:
    """The text the models stream for one request, kept per task.

    A task's next model call (a new ``step``) replaces its text, because the
    text of the previous call was a tool call, not the answer.
    """

    def __init__(self) -> None:
        self.steps: dict[str, int] = {}
        self.texts: dict[str, list[str]] = {}

    def add(self, token: Token) -> None:
        if self.steps.get(token.task_id) != token.step:
            self.steps[token.task_id] = token.step
            self.texts[token.task_id] = []
        self.texts[token.task_id].append(token.text)

    def drop(self, task_id: str) -> None:
        self.steps.pop(task_id, None)
        self.texts.pop(task_id, None)

    def markdown(self, tasks: dict[str, Task]) -> str:
        """Return the streamed text; with several tasks, each under its description."""
        if len(self.texts) == 1:
            return "".join(next(iter(self.texts.values())))
        sections = []
        for task_id, pieces in self.texts.items():
            task = tasks.get(task_id)
            sections.append(f"**{task.description if task else task_id}**\n\n{''.join(pieces)}")
        return "\n\n---\n\n".join(sections)


class ChatView:
    """The conversation as a column of widgets, with the text area and Send and Stop below.

    ``log.children`` contains one widget per message part: a user bubble, a tool
    call notice, a tool result (the same rich output as in a cell) or an
    answer (an Output widget with Markdown).
    """

    def __init__(self, css_id: str) -> None:
        self.log = widgets.VBox(
            layout=widgets.Layout(
                height="340px",
                overflow="hidden auto",
                border="1px solid var(--jp-border-color2, #ddd)",
                padding="4px 8px",
            )
        )
        self.log.add_class("loco-chat").add_class(f"loco-chat-{css_id}")
        self.input = widgets.Textarea(
            placeholder="Ask about the project. Enter sends, Shift+Enter adds a line.",
            rows=3,
            layout=widgets.Layout(flex="1 1 auto", width="auto"),
        )
        self.input.add_class(f"loco-input-{css_id}")
        self.send_button = widgets.Button(
            description="Send", button_style="primary", icon="paper-plane"
        )
        self.send_button.add_class(f"loco-send-{css_id}")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        buttons = widgets.VBox([self.send_button, self.stop_button])
        self.box = widgets.VBox([self.log, widgets.HBox([self.input, buttons])])

        self.tasks: dict[str, Task] = {}
        self._stream = AnswerStream()
        self._answer: widgets.Output | None = None
        self._last_refresh = 0.0

    def show_session(self, session: Session) -> None:
        """Replace the log with the session's latest messages."""
        shown = [m for m in session.messages if m.role in (Role.USER, Role.ASSISTANT)]
        parts: list[widgets.Widget] = []
        if len(shown) > HISTORY_LIMIT:
            hidden = len(shown) - HISTORY_LIMIT
            parts.append(_note(f"{hidden} earlier messages are in the session but not shown."))
        for message in shown[-HISTORY_LIMIT:]:
            parts.extend(_message_parts(message))
        self.log.children = tuple(parts)
        self._reset_stream()

    def add_user(self, text: str) -> None:
        self._append(user_bubble(text))

    def add_token(self, token: Token) -> None:
        self._stream.add(token)
        now = time.monotonic()
        if now - self._last_refresh >= REFRESH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Show the text streamed so far."""
        self._last_refresh = time.monotonic()
        if not self._stream.texts:
            return
        self._show_answer(self._stream.markdown(self.tasks))

    def add_tool_call(self, task_id: str, call: ToolCall) -> None:
        # The text streamed so far was this call, so the answer starts again below its result.
        if self._answer is not None and task_id in self._stream.texts:
            self._answer.outputs = (output_entry(ToolCallView(call)),)
            self._answer = None
        else:
            self._append(rich_output(ToolCallView(call)))
        self._stream.drop(task_id)

    def add_tool_result(self, result: ToolResult) -> None:
        self._append(rich_output(ToolResultView(result)))

    def finish(self, answer: str) -> None:
        """Show the final answer in place of the streamed text."""
        self._show_answer(answer)
        self._reset_stream()

    def end_stream(self) -> None:
        """Keep what was streamed as it is and start the next answer in a new widget."""
        self.flush()
        self._reset_stream()

    def note(self, text: str) -> None:
        self._append(_note(text))

    def error(self, text: str) -> None:
        self._append(_error(text))

    def _show_answer(self, markdown: str) -> None:
        if self._answer is None:
            self._answer = _answer_output(markdown)
            self._append(self._answer)
        else:
            self._answer.outputs = (output_entry(MarkdownText(markdown)),)

    def _reset_stream(self) -> None:
        self._stream = AnswerStream()
        self._answer = None

    def _append(self, widget: widgets.Widget) -> None:
        self.log.children = (*self.log.children, widget)


def _answer_output(markdown: str) -> widgets.Output:
    output = rich_output(
        MarkdownText(markdown),
        border_left="3px solid var(--jp-brand-color1, #1976d2)",
        padding="0 0 0 8px",
        margin="4px 0",
    )
    output.add_class("loco-answer")
    return output


def _error(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div style="{_ERROR_STYLE}">✗ {html.escape(text)}</div>')


def _note(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div style="{_NOTE_STYLE}">{html.escape(text)}</div>')


def _message_parts(message: Message) -> list[widgets.Widget]:
    if message.role == Role.USER:
        return [user_bubble(message.content)]
    parts: list[widgets.Widget] = [
        rich_output(ToolResultView(result)) for result in message.tool_results
    ]
    if message.content:
        parts.append(_answer_output(message.content))
    if message.error:
        parts.append(_error(f"no answer: {message.error}"))
    return parts
