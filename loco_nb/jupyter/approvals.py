"""Approve, Deny and "Always for this session" buttons in the output of a running ``%%loco`` cell.

A running cell occupies the kernel's main thread, so the kernel reads no
widget messages until the cell ends and a click would arrive too late.
:func:`ask_in_cell` keeps the buttons live in one of two ways:

- Kernels with subshells (ipykernel 7, kernel protocol 5.5) get one
  subshell, created through the control channel with a
  ``create_subshell_request`` as a front end creates one. The buttons' comm
  messages are routed to it, so clicks are handled on the subshell's thread
  while the cell's thread waits. The routing sets the comm's
  ``_reply_subshell_id``, which ipykernel 7.4 uses to send a front end's
  messages to the subshell that last used a comm; it is not a public API.
- Older kernels process widget messages from the waiting loop with
  jupyter-ui-poll (``ui_events``). It calls ``Kernel.do_one_iteration``,
  which ipykernel 7 no longer has, so it is used only when subshells are not.

Without a kernel (a terminal IPython) the question is asked on the console.
"""

from __future__ import annotations

import html
import logging
import queue
import time
from typing import Any, Literal

import ipywidgets as widgets
from IPython.display import display

from ..tools.approvals import ApprovalRequest, Verdict
from .render import describe_call, diff_html

logger = logging.getLogger("loco_nb")

Choice = Literal["approve", "deny", "always"]

# How often the waiting cell checks for a decision, in seconds.
POLL_SECONDS = 0.05
# Seconds to wait for the kernel to create the subshell that handles the buttons.
SUBSHELL_TIMEOUT = 10

_BORDER = "1px solid var(--jp-warn-color1, #f57c00)"
_OUTCOMES = {
    Verdict.APPROVED: "✓ approved",
    Verdict.ALWAYS: "✓ approved for the rest of this session",
    Verdict.DENIED: "✗ denied",
    Verdict.AUTO: "✓ approved automatically",
}


class ApprovalButtons:
    """The three buttons for one :class:`ApprovalRequest`, with the call and its preview.

    Buttons decide the request; so do :meth:`click` and the request's own
    methods. Once decided, from any thread, the buttons are disabled and the
    outcome is shown.
    """

    def __init__(self, request: ApprovalRequest) -> None:
        self.request = request
        self.buttons = {
            "approve": widgets.Button(description="Approve", button_style="success", icon="check"),
            "deny": widgets.Button(description="Deny", button_style="danger", icon="times"),
            "always": widgets.Button(
                description="Always for this session",
                tooltip=_always_tip(request),
                layout=widgets.Layout(width="auto"),
            ),
        }
        for choice, button in self.buttons.items():
            button.on_click(lambda _button, choice=choice: self._decide(choice))

        self.outcome = widgets.HTML("<i>waiting for your decision…</i>")
        row = widgets.HBox([*self.buttons.values(), self.outcome])
        self.widget = widgets.VBox(
            [widgets.HTML(_question_html(request)), row],
            layout=widgets.Layout(border=_BORDER, padding="2px 6px", margin="4px 0"),
        )
        request.on_decided(self._show_outcome)

    def click(self, choice: Choice) -> None:
        """Press one button from code, as a user would."""
        self.buttons[choice].click()

    def route_to(self, subshell_id: str) -> None:
        """Have the kernel deliver the buttons' clicks to ``subshell_id`` (see the module notes)."""
        for button in self.buttons.values():
            comm = getattr(button, "comm", None)
            if comm is not None:
                comm._reply_subshell_id = subshell_id

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{describe_call(self.request.call)} waits for approval"
        return bundle

    def _decide(self, choice: Choice) -> None:
        getattr(self.request, choice)()

    def _show_outcome(self, request: ApprovalRequest) -> None:
        for button in self.buttons.values():
            button.disabled = True
        verdict = request.verdict or Verdict.DENIED
        self.outcome.value = f"<b>{html.escape(_OUTCOMES[verdict])}</b>"


def ask_in_cell(request: ApprovalRequest) -> None:
    """Show the buttons for ``request`` in the running cell and block until it is decided."""
    kernel = _kernel()
    if kernel is None:
        _ask_on_console(request)
        return

    buttons = ApprovalButtons(request)
    subshell = widget_subshell(kernel)
    if subshell is not None:
        # Routed before the buttons are shown, so no click can reach the blocked main thread.
        buttons.route_to(subshell)
    display(buttons)
    if subshell is not None:
        while not request.decided:
            time.sleep(POLL_SECONDS)
        return

    from jupyter_ui_poll import ui_events

    with ui_events() as poll:
        while not request.decided:
            poll(10)
            time.sleep(POLL_SECONDS)


_SUBSHELLS: dict[int, str] = {}


def widget_subshell(kernel: Any) -> str | None:
    """Return this kernel's subshell for widget messages, created on first use.

    None when the kernel has no subshells or could not create one.
    """
    if "kernel subshells" not in kernel.kernel_info.get("supported_features", []):
        return None
    if id(kernel) not in _SUBSHELLS:
        try:
            _SUBSHELLS[id(kernel)] = _create_subshell()
        except (OSError, RuntimeError, KeyError, queue.Empty) as exc:
            logger.warning("could not create a kernel subshell for approval buttons: %s", exc)
            return None
    return _SUBSHELLS[id(kernel)]


def _create_subshell() -> str:
    """Ask this kernel for a subshell over its control channel, as a front end does."""
    from ipykernel import get_connection_file
    from jupyter_client.blocking.client import BlockingKernelClient

    client = BlockingKernelClient(connection_file=get_connection_file())
    client.load_connection_file()
    client.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
    try:
        client.control_channel.send(client.session.msg("create_subshell_request", {}))
        reply = client.control_channel.get_msg(timeout=SUBSHELL_TIMEOUT)
    finally:
        client.stop_channels()
    content = reply["content"]
    if content.get("status") != "ok":
        msg = f"the kernel replied {content}"
        raise RuntimeError(msg)
    return str(content["subshell_id"])


def _kernel() -> Any:
    from IPython import get_ipython

    shell = get_ipython()
    return getattr(shell, "kernel", None)


def _ask_on_console(request: ApprovalRequest) -> None:
    print(_question_text(request))  # noqa: T201
    answer = input("Approve? [y]es, [n]o, [a]lways for this session: ").strip().lower()
    choices = {"y": request.approve, "yes": request.approve, "a": request.always}
    choices.get(answer, request.deny)()


def _question_html(request: ApprovalRequest) -> str:
    call = html.escape(describe_call(request.call))
    preview = request.preview
    if preview.startswith("--- a/"):
        body = diff_html(preview)
    elif preview:
        body = f"<pre style='margin:2px 0'>{html.escape(preview)}</pre>"
    else:
        body = ""
    return f"<div><b>Allow this?</b> <code>{call}</code></div>{body}"


def _question_text(request: ApprovalRequest) -> str:
    preview = f"\n{request.preview}" if request.preview else ""
    return f"loco_nb wants to run {describe_call(request.call)}{preview}"


def _always_tip(request: ApprovalRequest) -> str:
    if request.auto_approvable:
        return f"Run every {request.call.name} call without asking until the session changes"
    return "Run this exact command again without asking until the session changes"
