"""The panel's pickers: the model or size for the next request, and the session."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..assistant import Assistant
from ..errors import LocoError
from ..models import ModelConfig, ModelSize, Session
from .panel_dispatch import Dispatcher, guarded

Say = Callable[[str], None]
"""Shows a one-line status message in the panel."""


class ModelPicker:
    """A dropdown of the sizes and, once listed, of the servers' model ids.

    The empty value means the default size; ``choice`` is what
    ``Assistant.ask_async(model=…)`` takes.
    """

    def __init__(self, assistant: Assistant, dispatcher: Dispatcher, say: Say) -> None:
        self.assistant = assistant
        self.dispatcher = dispatcher
        self.say = say
        default = assistant.settings.default_size.value
        self.sizes = [(f"default ({default})", ""), *[(s.value, s.value) for s in ModelSize]]
        self.dropdown = widgets.Dropdown(
            options=self.sizes, value="", description="Model", layout=widgets.Layout(width="auto")
        )
        self.list_button = widgets.Button(
            icon="refresh", tooltip="List the models of the servers", layout=_narrow()
        )
        self.list_button.on_click(guarded(lambda _button: self.list_models()))
        self.box = widgets.HBox([self.dropdown, self.list_button])

    @property
    def choice(self) -> str | None:
        return str(self.dropdown.value) or None

    def list_models(self) -> None:
        """Ask the servers for their models without blocking, then add them to the dropdown."""
        self.list_button.disabled = True
        self.say("listing the servers' models…")
        future = self.assistant.run_soon(self.assistant.router.models())
        future.add_done_callback(lambda done: self.dispatcher.call(self._listed, done))

    def set_models(self, models: list[ModelConfig]) -> None:
        selected = self.dropdown.value
        ids = [(f"{m.id} ({m.size.value})", m.id) for m in sorted(models, key=lambda m: m.size)]
        self.dropdown.options = [*self.sizes, *ids]
        values = {value for _label, value in self.dropdown.options}
        self.dropdown.value = selected if selected in values else ""

    def _listed(self, future: concurrent.futures.Future[list[ModelConfig]]) -> None:
        self.list_button.disabled = False
        try:
            models = future.result()
        except LocoError as exc:
            self.say(f"✗ could not list the models: {exc}")
            return
        self.set_models(models)
        self.say(f"{len(models)} models listed")


class SessionPicker:
    """Switch, start, rename and delete sessions; deleting moves the file to the trash.

    ``on_switched`` is called after the current session changed.
    """

    def __init__(self, assistant: Assistant, on_switched: Callable[[], None], say: Say) -> None:
        self.assistant = assistant
        self.on_switched = on_switched
        self.say = say
        self._syncing = False

        # The dropdown shares the row's width instead of growing to its longest title.
        self.dropdown = widgets.Dropdown(
            description="Session",
            layout=widgets.Layout(flex="1 1 0%", min_width="16em", width="auto"),
        )
        self.new_button = widgets.Button(description="New", icon="plus", layout=_narrow())
        self.title = widgets.Text(placeholder="new title", layout=widgets.Layout(width="160px"))
        self.rename_button = widgets.Button(description="Rename", layout=_narrow())
        self.delete_button = widgets.Button(
            description="Delete", icon="trash", tooltip="Move this session to the trash"
        )
        self.delete_button.layout = _narrow()

        self.reload_button = widgets.Button(
            icon="refresh", tooltip="Read the sessions and the conversation again", layout=_narrow()
        )

        self.dropdown.observe(guarded(self._picked), names="value")
        self.reload_button.on_click(guarded(lambda _button: self.reload_all()))
        self.new_button.on_click(guarded(lambda _button: self.new()))
        self.rename_button.on_click(guarded(lambda _button: self.rename()))
        self.delete_button.on_click(guarded(lambda _button: self.delete()))

        controls = [
            self.new_button,
            self.title,
            self.rename_button,
            self.delete_button,
            self.reload_button,
        ]
        self.box = widgets.HBox(
            [self.dropdown, *controls], layout=widgets.Layout(flex_flow="row wrap")
        )

    @property
    def buttons(self) -> list[widgets.Button]:
        return [self.new_button, self.rename_button, self.delete_button]

    def reload(self) -> None:
        """List the sessions again and select the current one."""
        current = self.assistant.session
        sessions = self.assistant.sessions()
        if all(s.id != current.id for s in sessions):
            sessions.insert(0, current)
        self._syncing = True
        try:
            self.dropdown.options = [(_label(s), s.id) for s in sessions]
            self.dropdown.value = current.id
        finally:
            self._syncing = False

    def reload_all(self) -> None:
        """Read the sessions and the current conversation again, after changes made elsewhere."""
        self.reload()
        self.on_switched()

    def switch(self, session_id: str) -> None:
        self.assistant.switch(session_id)
        self.reload()
        self.on_switched()

    def new(self) -> None:
        session = self.assistant.new_session()
        self.reload()
        self.on_switched()
        self.say(f"started session {session.id}")

    def rename(self, title: str | None = None) -> None:
        """Give the current session ``title`` (the text box's value by default)."""
        new_title = self.title.value if title is None else title
        session = self.assistant.rename_session(new_title)
        self.title.value = ""
        self.reload()
        self.say(f"renamed session {session.id}")

    def delete(self) -> None:
        """Move the current session to the trash and switch to the newest one left."""
        session_id = self.assistant.session.id
        entry = self.assistant.delete_sessions([session_id])
        remaining = self.assistant.sessions()
        if remaining:
            self.assistant.switch(remaining[0].id)
        self.reload()
        self.on_switched()
        self.say(f"moved session {session_id} to {entry.folder}")

    def _picked(self, change: Any) -> None:
        if self._syncing or not change.new or change.new == self.assistant.session.id:
            return
        self.switch(str(change.new))


def _label(session: Session) -> str:
    title = session.title or "(untitled)"
    return f"{title} · {len(session.messages)} messages · {session.last_updated:%Y-%m-%d %H:%M}"


def _narrow() -> widgets.Layout:
    """Return a layout that fits a button to its label instead of shrinking it in a row."""
    return widgets.Layout(width="auto", flex="0 0 auto")
