"""The chat and task panel: ipywidgets driven by the same Assistant and events as the magics.

A request sent from the panel runs on the assistant's loop thread through
:meth:`Assistant.run_soon`, so the kernel stays free for other cells. Events
of every request, the panel's own and those of ``%%loco`` cells, reach the
panel through ``Assistant.listeners`` and change the widgets on the kernel's
thread (see :mod:`.panel_dispatch`).
"""

from __future__ import annotations

import asyncio
import html
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from ..agent.events import Event
from ..assistant import Assistant
from ..errors import LocoError
from ..models import TaskStatus, utc_now
from .panel_approvals import ApprovalArea
from .panel_chat import ChatView
from .panel_controls import ModelPicker, SessionPicker
from .panel_dispatch import Dispatcher, guarded, show_error
from .panel_events import EventRenderer
from .panel_hook import SUBMIT_MARK, key_hook
from .panel_tasks import TaskView

# The elapsed time and the streamed text refresh this often while a request runs.
TICK_SECONDS = 1.0


@dataclass
class _Running:
    """The panel's own request while it runs; ``task`` is set once it starts on the loop."""

    text: str
    loop: asyncio.AbstractEventLoop | None = None
    task: asyncio.Task[Any] | None = None
    stop_requested: bool = False
    waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def cancel(self) -> None:
        # A task cancelled before its first step would skip the clean-up in Panel._ask, so a
        # request that has not started yet checks this flag and stops by itself instead.
        self.stop_requested = True
        if self.loop is not None and self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)


class Panel:
    """The chat and task panel of one Assistant; ``widget`` is the VBox to show.

    Every button has a method that does the same from code: :meth:`send`,
    :meth:`stop`, :meth:`refresh`, and those of ``models``, ``sessions`` and
    the pending approvals in ``approvals``. Displaying the panel shows
    ``widget``.
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.dispatcher = Dispatcher()
        css_id = uuid.uuid4().hex[:8]
        self.status = widgets.HTML("")
        self.chat = ChatView(css_id)
        self.tasks = TaskView()
        self.approvals = ApprovalArea(self.dispatcher)
        self.models = ModelPicker(assistant, self.dispatcher, self.say)
        self.sessions = SessionPicker(assistant, self._session_changed, self.say)
        self.events = EventRenderer(self)
        self._running: _Running | None = None

        header = widgets.HBox([widgets.HTML("<b>loco_nb</b>"), self.models.box, self.status])
        header.layout.align_items = "center"
        parts = [header, self.sessions.box, self.chat.box, self.approvals.box, self.tasks.box]
        self.widget = widgets.VBox([*parts, key_hook(css_id)])
        self.widget.add_class("loco-panel").add_class(f"loco-panel-{css_id}")

        self.chat.send_button.on_click(guarded(lambda _button: self.send()))
        self.chat.input.observe(guarded(self._typed), names="value")
        self.chat.stop_button.on_click(guarded(lambda _button: self.stop()))
        assistant.listeners.append(self._listen)
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def busy(self) -> bool:
        """Whether a request sent from this panel is running."""
        return self._running is not None

    def send(self, text: str | None = None) -> None:
        """Ask ``text`` (the text area's content by default) in the current session.

        The text area is emptied when its content was sent.
        """
        question = (self.chat.input.value if text is None else text).strip()
        if self._running is not None:
            self.say("a request is running; wait for it or click Stop")
            return
        if not question:
            self.say("write a question first")
            return

        if text is None:
            self.chat.input.value = ""
        self.chat.add_user(question)
        self.tasks.start()
        running = _Running(question)
        self._running = running
        self.assistant.run_soon(self._ask(running, self.models.choice))
        self._set_controls()
        self.say("asking…")
        self.dispatcher.call_later(TICK_SECONDS, self._tick)

    def stop(self) -> None:
        """Cancel the panel's running request; the session keeps what was saved."""
        if self._running is None:
            return
        self.say("stopping…")
        self.approvals.deny_pending()
        self._running.cancel()

    async def wait(self, timeout: float | None = None) -> None:
        """Wait until the panel's running request has ended.

        Await it on the event loop the panel was made on: the kernel's, in a notebook.
        """
        if self._running is None:
            return
        ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._running.waiters.append(ended)
        await asyncio.wait_for(ended, timeout)

    def refresh(self) -> None:
        """Reload the session list and the current session's conversation."""
        self.sessions.reload()
        self.chat.show_session(self.assistant.session)

    def say(self, text: str) -> None:
        """Show a one-line status next to the model picker."""
        self.status.value = f"<i>{html.escape(text)}</i>"

    def close(self) -> None:
        """Stop listening to the assistant and close the widgets."""
        self.stop()
        if self._listen in self.assistant.listeners:
            self.assistant.listeners.remove(self._listen)
        _close_tree(self.widget)

    async def _ask(self, running: _Running, model: str | None) -> None:
        """Run on the assistant's loop thread; reports the outcome on the panel's thread."""
        running.loop = asyncio.get_running_loop()
        running.task = asyncio.current_task()
        error: BaseException | None = None
        # The panel shows approval buttons for its own requests only, because a running cell
        # keeps the kernel's thread busy and the panel's buttons could not be clicked then.
        asked_before = self.assistant.ask_user
        self.assistant.ask_user = True
        try:
            if running.stop_requested:
                raise asyncio.CancelledError
            await self.assistant.ask_async(running.text, model=model)
        except asyncio.CancelledError as exc:
            error = exc
            raise
        except Exception as exc:
            error = exc
        finally:
            self.assistant.ask_user = asked_before
            self.dispatcher.call(self._ended, error)

    def _typed(self, change: Any) -> None:
        """Send the text when the browser marked it as submitted (see :mod:`.panel_hook`)."""
        if str(change.new).endswith(SUBMIT_MARK):
            self.chat.input.value = str(change.new).removesuffix(SUBMIT_MARK)
            self.send()

    def _listen(self, event: Event) -> None:
        self.dispatcher.call(self._on_event, event)

    def _on_event(self, event: Event) -> None:
        if self._running is None:
            self.events.follow_other(event)
        else:
            self.events.render(event)

    def _ended(self, error: BaseException | None) -> None:
        running, self._running = self._running, None
        if isinstance(error, asyncio.CancelledError):
            self.chat.end_stream()
            self.tasks.finish(TaskStatus.CANCELLED)
            self.chat.note(f"■ Stopped after {self.seconds():.1f}s; the session was saved.")
            self.say("stopped")
        elif error is not None:
            self.chat.end_stream()
            self.tasks.finish(TaskStatus.FAILED)
            self.chat.error(str(error) or type(error).__name__)
            self.say("✗ the request failed")
            if not isinstance(error, (LocoError, ValueError)):
                show_error("the panel's request", error)
        self.approvals.deny_pending()
        self.sessions.reload()
        self._set_controls()
        for waiter in running.waiters if running else []:
            if not waiter.done():
                waiter.set_result(None)

    def _tick(self) -> None:
        if self._running is None:
            return
        self.chat.flush()
        self.tasks.refresh()
        self.dispatcher.call_later(TICK_SECONDS, self._tick)

    def _session_changed(self) -> None:
        self.chat.show_session(self.assistant.session)

    def _set_controls(self) -> None:
        busy = self._running is not None
        self.chat.send_button.disabled = busy
        self.chat.stop_button.disabled = not busy
        self.sessions.dropdown.disabled = busy
        for button in self.sessions.buttons:
            button.disabled = busy

    def seconds(self) -> float:
        """Return the seconds since the latest request started."""
        started = self.tasks.started or utc_now()
        return (utc_now() - started).total_seconds()


_PANELS: weakref.WeakKeyDictionary[Any, Panel] = weakref.WeakKeyDictionary()


def panel_for(magics: Any) -> Panel:
    """Return the panel of a LocoMagics, made again when its assistant was replaced."""
    assistant = magics.assistant
    existing = _PANELS.get(magics)
    if existing is not None and existing.assistant is assistant:
        return existing
    if existing is not None:
        existing.close()
    created = Panel(assistant)
    _PANELS[magics] = created
    return created


def panel(assistant: Assistant | None = None) -> Panel:
    """Return a panel for ``assistant``, or the kernel's panel shared with the magics.

    Without an assistant this needs IPython; it loads the extension when
    ``%load_ext loco_nb`` has not run yet.
    """
    if assistant is not None:
        return Panel(assistant)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        msg = "loco_nb.panel() needs IPython; outside it pass an Assistant: panel(Assistant(path))."
        raise RuntimeError(msg)
    registry = shell.magics_manager.registry
    if "LocoMagics" not in registry:
        shell.extension_manager.load_extension("loco_nb")
    return panel_for(registry["LocoMagics"])


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
