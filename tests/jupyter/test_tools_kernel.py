"""A whole session in a real kernel: read, search, edit and run with approval clicks, refusals.

The scripted server plays the model. Approval buttons are clicked through the
kernel protocol while the %%loco cell still runs, which works only because the
cell keeps reading widget messages while it waits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.integration.helpers import ANSWER, tool_call
from tests.jupyter.live_kernel import CellRun, LiveKernel, Message, live_kernel
from tests.scripted_server import ScriptedServer

COMMAND = "python -c 'import util; print(util.greet(\"kernel\"))'"
DOCSTRING = '    """Return a greeting for name."""'


def script_session(scripted: ScriptedServer) -> None:
    edits = [{"action": "insert_after", "anchor": "def greet(name):", "text": DOCSTRING.strip()}]
    scripted.reply(tool_call("read_file", path="util.py"))
    scripted.reply(tool_call("search_files", pattern=r"greet\(", glob="*.py"))
    scripted.reply(tool_call("edit_file", path="util.py", edits=edits))
    scripted.reply(tool_call("run_command", command=COMMAND))
    scripted.reply(tool_call("read_file", path="../secret.txt"))
    scripted.reply(ANSWER)
    scripted.reply("I documented `greet` and ran it.")


class Click:
    """Click the button called ``description`` once the cell shows the approval."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.button = ""
        self.clicks = 0

    def __call__(self, kernel: LiveKernel, message: Message) -> None:
        content = message["content"]
        if message["msg_type"] == "comm_open":
            state = content.get("data", {}).get("state", {})
            if state.get("description") == self.description:
                self.button = content["comm_id"]
            return
        plain = str(content.get("data", {}).get("text/plain", ""))
        if message["msg_type"] == "display_data" and plain.endswith("waits for approval"):
            kernel.click(self.button)
            self.clicks += 1


def html_of(run: CellRun, start: str) -> str:
    """Return the HTML of the first output whose plain text starts with ``start``."""
    for bundle in run.bundles():
        if str(bundle.get("text/plain", "")).startswith(start) and "text/html" in bundle:
            return str(bundle["text/html"])
    raise AssertionError(f"no output starts with {start!r}")


@pytest.fixture
def session(scripted: ScriptedServer, project: Path, workdir: Path) -> Any:
    (project.parent / "secret.txt").write_text("TOP SECRET\n")
    script_session(scripted)
    with live_kernel(workdir) as kernel:
        kernel.execute("%load_ext loco_nb")
        kernel.execute(f"%config LocoMagics.project_dir = {str(project)!r}")
        clicker = Click("Approve")
        run = kernel.execute("%%loco\nTidy util.py.", on_message=clicker)
        assert clicker.clicks == 2
        export = kernel.execute(f"%loco export {str(workdir / 'session.ipynb')!r}")
        yield run, export


def test_cell_succeeds(session: tuple[CellRun, CellRun]) -> None:
    run, _ = session

    assert run.reply["status"] == "ok", run.reply


def test_approvals_clicked_in_running_cell(session: tuple[CellRun, CellRun], project: Path) -> None:
    run, _ = session

    assert set(run.buttons()) == {"Approve", "Deny", "Always for this session"}
    assert len(run.of_type("comm_open")) >= 6
    assert DOCSTRING in (project / "util.py").read_text()


def test_every_result_renders(session: tuple[CellRun, CellRun]) -> None:
    run, _ = session

    assert "def</span>" in html_of(run, "=== util.py ===")
    assert "<mark>greet(</mark>" in html_of(run, "=== 2 matches for 'greet\\\\('")
    assert "Return a greeting for name." in html_of(run, "Edited util.py")
    assert "✓ approved by you" in html_of(run, "Edited util.py")
    command = html_of(run, "$ python -c")
    assert "exit 0" in command
    assert "hello kernel" in command
    refused = html_of(run, "Path '../secret.txt'")
    assert "resolves outside the project root" in refused
    assert "TOP SECRET" not in json.dumps(run.messages, default=str)


def test_export_keeps_rich_outputs(session: tuple[CellRun, CellRun], workdir: Path) -> None:
    notebook = nbformat.read(str(workdir / "session.ipynb"), as_version=4)
    outputs = [out for cell in notebook.cells for out in cell.get("outputs", [])]
    html = "\n".join(str(out.get("data", {}).get("text/html", "")) for out in outputs)

    assert "<mark>greet(</mark>" in html
    assert "Return a greeting for name." in html
    assert "exit 0" in html
    assert "resolves outside the project root" in html
    assert html.count("✓ approved by you") == 2


def ask_to_write(
    scripted: ScriptedServer, project: Path, workdir: Path, cell: str, click: Click | None = None
) -> CellRun:
    """Run ``cell`` in a new kernel, with the scripted model writing notes.txt."""
    scripted.reply(tool_call("write_file", path="notes.txt", content="written by loco\n"))
    scripted.reply(ANSWER)
    scripted.reply("Done.")
    with live_kernel(workdir) as kernel:
        kernel.execute("%load_ext loco_nb")
        kernel.execute(f"%config LocoMagics.project_dir = {str(project)!r}")
        return kernel.execute(cell, on_message=click)


def test_write_without_yes_waits_and_denial_reaches_model(
    scripted: ScriptedServer, project: Path, workdir: Path
) -> None:
    run = ask_to_write(scripted, project, workdir, "%%loco\nWrite notes.txt.", Click("Deny"))

    assert run.reply["status"] == "ok"
    assert not (project / "notes.txt").exists()
    assert "✗ denied" in html_of(run, "The user did not approve write_file")
    assert "The user did not approve write_file" in json.dumps(scripted.requests[1]["messages"])


def test_write_with_yes_asks_nothing(
    scripted: ScriptedServer, project: Path, workdir: Path
) -> None:
    run = ask_to_write(scripted, project, workdir, "%%loco --yes\nWrite notes.txt.")

    assert run.reply["status"] == "ok"
    assert run.buttons() == {}
    assert (project / "notes.txt").read_text() == "written by loco\n"
    assert "approved automatically" in html_of(run, "Created notes.txt")
