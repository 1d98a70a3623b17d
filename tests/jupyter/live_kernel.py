"""A kernel driven message by message, so a test can click widgets while a cell still runs.

nbclient only sends a cell and waits for it to finish; a cell that waits for
an Approve click would never finish. Here the test sees every iopub message
as it arrives and answers a widget's ``comm_open`` with the ``comm_msg`` a
browser sends when the button is pressed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from tests.jupyter.kernel import CELL_TIMEOUT

Message = dict[str, Any]


@dataclass
class CellRun:
    """What one executed cell sent: iopub messages in order, and the execute_reply content."""

    messages: list[Message] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=dict)

    def of_type(self, *types: str) -> list[Message]:
        return [m for m in self.messages if m["msg_type"] in types]

    def bundles(self) -> list[dict[str, Any]]:
        """Return the data of every display, display update and result, in order."""
        found = self.of_type("display_data", "update_display_data", "execute_result")
        return [m["content"]["data"] for m in found]

    def buttons(self) -> dict[str, str]:
        """Return the comm ids of the buttons the cell opened, by their description."""
        opened = {}
        for message in self.of_type("comm_open"):
            state = message["content"].get("data", {}).get("state", {})
            if state.get("_model_name") == "ButtonModel":
                opened[state.get("description", "")] = message["content"]["comm_id"]
        return opened


class LiveKernel:
    """A ``python3`` kernel started in ``workdir``; the environment is inherited."""

    def __init__(self, workdir: Path) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(workdir))
        self.client: BlockingKernelClient = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=CELL_TIMEOUT)

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def execute(
        self, code: str, on_message: Callable[[LiveKernel, Message], None] | None = None
    ) -> CellRun:
        """Run ``code``, calling ``on_message`` for each iopub message of it, until it is idle."""
        msg_id = self.client.execute(code)
        run = CellRun()
        while True:
            message = self.client.get_iopub_msg(timeout=CELL_TIMEOUT)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            run.messages.append(message)
            if on_message is not None:
                on_message(self, message)
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        run.reply = self._reply(msg_id)
        return run

    def click(self, comm_id: str) -> None:
        """Send what the browser sends when a button widget is clicked."""
        content = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
        self.client.shell_channel.send(self.client.session.msg("comm_msg", content))

    def _reply(self, msg_id: str) -> dict[str, Any]:
        while True:
            message = self.client.get_shell_msg(timeout=CELL_TIMEOUT)
            if message["parent_header"].get("msg_id") == msg_id:
                return dict(message["content"])


@contextmanager
def live_kernel(workdir: Path) -> Iterator[LiveKernel]:
    kernel = LiveKernel(workdir)
    try:
        yield kernel
    finally:
        kernel.close()
