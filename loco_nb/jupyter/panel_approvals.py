"""Approve, Deny and Always buttons for the tool calls the panel's requests wait on.

The task loop sends an ``ApprovalRequested`` event and waits until its
:class:`ApprovalRequest` is decided. The panel shows each request here with
the call and its preview (a diff, a command line). The buttons decide it, as
does code calling ``approve()``, ``deny()`` or ``always()``. "Always" lets
calls with the same approval key run for the rest of the session.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..tools.approvals import ApprovalRequest
from .panel_dispatch import Dispatcher, guarded
from .render import describe_call

_BORDER = "1px solid var(--jp-warn-color1, #f57c00)"
_PREVIEW_STYLE = "max-height:12em;overflow:auto;margin:2px 0;font-size:90%"


class PendingApproval:
    """One request waiting for the user, with its three buttons."""

    def __init__(self, request: ApprovalRequest) -> None:
        self.request = request
        name = request.call.name
        self.approve_button = widgets.Button(description="Approve", button_style="success")
        self.deny_button = widgets.Button(description="Deny", button_style="danger")
        self.always_button = widgets.Button(
            description="Always",
            tooltip=f"Approve {name} calls like this one for the rest of the session",
            disabled=not request.auto_approvable,
        )
        self.approve_button.on_click(guarded(lambda _button: self.approve()))
        self.deny_button.on_click(guarded(lambda _button: self.deny()))
        self.always_button.on_click(guarded(lambda _button: self.always()))

        label = f"<b>Allow?</b> <code>{html.escape(describe_call(request.call))}</code>"
        if request.preview:
            label += f'<pre style="{_PREVIEW_STYLE}">{html.escape(request.preview)}</pre>'
        buttons = widgets.HBox([self.approve_button, self.deny_button, self.always_button])
        self.box = widgets.VBox(
            [widgets.HTML(label), buttons],
            layout=widgets.Layout(border=_BORDER, padding="2px 6px", margin="4px 0"),
        )

    def approve(self) -> None:
        self.request.approve()

    def deny(self) -> None:
        self.request.deny()

    def always(self) -> None:
        self.request.always()


class ApprovalArea:
    """The requests the panel's running request waits on; hidden while there are none."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.pending: list[PendingApproval] = []
        self.box = widgets.VBox(layout=widgets.Layout(display="none"))

    def show(self, request: ApprovalRequest) -> None:
        """Add buttons for ``request``; they go away once it is decided, from any thread."""
        pending = PendingApproval(request)
        self.pending.append(pending)
        self._render()
        request.on_decided(lambda _request: self.dispatcher.call(self._remove, pending))

    def deny_pending(self) -> None:
        for pending in list(self.pending):
            pending.deny()

    def _remove(self, pending: PendingApproval) -> None:
        if pending in self.pending:
            self.pending.remove(pending)
        self._render()

    def _render(self) -> None:
        self.box.children = tuple(p.box for p in self.pending)
        self.box.layout.display = "flex" if self.pending else "none"
