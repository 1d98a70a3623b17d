"""The chat and task panel, driven from code against the scripted server.

Most tests build the panel inside ``asyncio.run``, as a kernel does on its
own event loop, so events from the assistant's loop thread reach the widgets
through the same queue as in JupyterLab. The last tests run a real kernel.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

import loco_nb
from loco_nb import Assistant, Session
from loco_nb.agent.events import ApprovalRequested, Event
from loco_nb.jupyter import panel_dispatch
from loco_nb.jupyter.panel import Panel
from loco_nb.jupyter.panel_hook import SUBMIT_MARK
from tests.integration.helpers import ANSWER, tool_call
from tests.jupyter.kernel import RunCells
from tests.scripted_server import ScriptedServer

QUESTION = "What does main.py do?"
REPLY = "main.py prints a **greeting** from `util.greet`."
# About five seconds of streaming at 0.05 s a word, far longer than a Stop takes.
SLOW_TEXT = " ".join(f"word{i}" for i in range(100))
WAIT_SECONDS = 60


@pytest.fixture
def assistant(scripted: ScriptedServer, project: Path) -> Iterator[Assistant]:
    created = Assistant(project)
    yield created
    created.close()


@pytest.fixture(autouse=True)
def no_hidden_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test whose widget callbacks raised, since outside IPython they are only logged."""
    yield
    failures = [r for r in caplog.records if r.name == "loco_nb" and r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), WAIT_SECONDS))


async def until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def answers(panel: Panel) -> list[str]:
    """Return the Markdown of every answer widget in the chat, in order."""
    return [
        child.outputs[0]["data"]["text/markdown"]
        for child in panel.chat.log.children
        if "loco-answer" in child._dom_classes
    ]


def html_parts(panel: Panel) -> list[str]:
    return [child.value for child in panel.chat.log.children if isinstance(child, widgets.HTML)]


def tool_outputs(panel: Panel) -> list[dict[str, str]]:
    return [
        child.outputs[0]["data"]
        for child in panel.chat.log.children
        if isinstance(child, widgets.Output) and "loco-answer" not in child._dom_classes
    ]


def statuses(panel: Panel) -> list[str]:
    """Return the status cell of each row of the task table."""
    return [row[1] for row in panel.tasks.rows]


def stored(assistant: Assistant) -> Session:
    path = assistant.store.path_for(assistant.session.id)
    return Session.model_validate_json(path.read_text())


def script_answer(scripted: ScriptedServer, reply: str = REPLY) -> None:
    """Script a request that the model answers without tools."""
    scripted.reply(ANSWER)
    scripted.reply(reply)


async def panel_after_question(assistant: Assistant) -> Panel:
    """Return a new panel once it has asked QUESTION and the answer arrived."""
    panel = Panel(assistant)
    panel.send(QUESTION)
    await panel.wait(WAIT_SECONDS)
    return panel


def test_send_streams_answer_and_tasks(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.reply(REPLY, chunk_delay=0.01)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.chat.input.value = QUESTION
        panel.chat.send_button.click()

        assert panel.busy
        assert panel.chat.send_button.disabled
        assert not panel.chat.stop_button.disabled
        assert panel.chat.input.value == ""
        await panel.wait(WAIT_SECONDS)

        assert any(QUESTION in part for part in html_parts(panel))
        assert answers(panel) == [REPLY]
        assert statuses(panel) == ["✓ completed"]
        row = panel.tasks.rows[0]
        assert row[2:5] == ["answer", "M", "scripted-coder-7b"]
        assert row[5].endswith("s")
        assert panel.tasks.progress.value == panel.tasks.progress.max == 1
        assert panel.tasks.progress.bar_style == "success"
        assert panel.tasks.elapsed.value.startswith("completed in ")
        assert "✓ answered" in panel.status.value
        assert not panel.chat.send_button.disabled
        assert panel.chat.stop_button.disabled

    run(scenario)
    saved = stored(assistant)
    assert [(m.role.value, m.content) for m in saved.messages] == [
        ("user", QUESTION),
        ("assistant", REPLY),
    ]


def test_tool_result_shown_inline(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    script_answer(scripted)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.send(QUESTION)
        await panel.wait(WAIT_SECONDS)

        call, result = tool_outputs(panel)
        assert call["text/plain"] == "→ read_file(path='main.py')"
        assert result["text/plain"].startswith("=== main.py ===")
        assert "   1 | import util" in result["text/plain"]
        assert '<span style="color' in result["text/html"]
        assert answers(panel) == [REPLY]

    run(scenario)


def test_stop_cancels_and_keeps_session(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.reply(SLOW_TEXT, chunk_delay=0.05)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.send("Write a long essay.")
        await until(lambda: answers(panel), "the first streamed words")
        panel.chat.stop_button.click()
        await panel.wait(WAIT_SECONDS)

        assert statuses(panel) == ["■ cancelled"]
        assert panel.tasks.progress.bar_style == "warning"
        assert panel.tasks.elapsed.value.startswith("cancelled in ")
        streamed = answers(panel)
        assert len(streamed) == 1
        assert streamed[0].startswith("word0 ")
        assert len(streamed[0]) < len(SLOW_TEXT)
        assert any("Stopped after" in part for part in html_parts(panel))
        assert panel.status.value == "<i>stopped</i>"
        assert not panel.busy

    run(scenario)
    saved = stored(assistant)
    assert [(m.role.value, m.content, m.error) for m in saved.messages] == [
        ("user", "Write a long essay.", None),
        ("assistant", "", "stopped by the user"),
    ]
    assert [t.status.value for t in saved.tasks] == ["cancelled"]


def test_send_after_stop_answers(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.reply(SLOW_TEXT, chunk_delay=0.05)
    scripted.reply(ANSWER)
    scripted.reply("Short this time.")

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.send("Write a long essay.")
        await until(lambda: answers(panel), "the first streamed words")
        panel.stop()
        await panel.wait(WAIT_SECONDS)
        panel.send("Write a short note.")
        await panel.wait(WAIT_SECONDS)

        assert answers(panel)[-1] == "Short this time."
        assert statuses(panel) == ["✓ completed"]

    run(scenario)


def test_stop_before_start_ends_request(scripted: ScriptedServer, assistant: Assistant) -> None:
    async def scenario() -> None:
        panel = Panel(assistant)
        panel.send(QUESTION)
        panel.stop()
        await panel.wait(WAIT_SECONDS)

        assert not panel.busy
        assert panel.tasks.outcome is not None
        assert panel.tasks.outcome.value == "cancelled"

    run(scenario)


def test_submit_mark_sends_text(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_answer(scripted)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.chat.input.value = f"{QUESTION}\nSecond line.{SUBMIT_MARK}"

        assert panel.busy
        assert panel.chat.input.value == ""
        await panel.wait(WAIT_SECONDS)
        assert any("Second line." in part for part in html_parts(panel))

    run(scenario)
    assert stored(assistant).messages[0].content == f"{QUESTION}\nSecond line."


def test_empty_and_busy_send_refused(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.reply(ANSWER)
    scripted.reply(SLOW_TEXT, chunk_delay=0.05)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.send("   ")
        assert not panel.busy
        assert "write a question first" in panel.status.value

        panel.send("Write a long essay.")
        await until(lambda: answers(panel), "the first streamed words")
        panel.chat.input.value = "A second question" + SUBMIT_MARK
        assert "a request is running" in panel.status.value
        assert panel.chat.input.value == "A second question"
        panel.stop()
        await panel.wait(WAIT_SECONDS)

    run(scenario)
    assert [m.content for m in stored(assistant).messages] == ["Write a long essay.", ""]


def test_server_error_shown_in_chat(scripted: ScriptedServer, assistant: Assistant) -> None:
    scripted.fail(500, '{"error": "model crashed"}')

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.send(QUESTION)
        await panel.wait(WAIT_SECONDS)

        errors = [part for part in html_parts(panel) if "✗" in part]
        assert len(errors) == 1
        assert "500" in errors[0]
        assert panel.tasks.progress.bar_style == "danger"
        assert statuses(panel) == ["✗ failed"]

    run(scenario)


def script_write_notes(scripted: ScriptedServer, reply: str) -> None:
    scripted.reply(tool_call("write_file", path="notes.txt", content="from the panel\n"))
    scripted.reply(ANSWER)
    scripted.reply(reply)


async def send_until_approval(panel: Panel, text: str) -> None:
    panel.send(text)
    await until(lambda: panel.approvals.pending, "an approval request")


def test_approve_button_lets_write_run(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    script_write_notes(scripted, "I wrote notes.txt.")

    async def scenario() -> None:
        panel = Panel(assistant)
        await send_until_approval(panel, "Write notes.txt.")

        pending = panel.approvals.pending[0]
        assert pending.request.call.name == "write_file"
        assert "from the panel" in pending.request.preview
        assert panel.approvals.box.layout.display == "flex"
        assert not (project / "notes.txt").exists()
        pending.approve_button.click()
        await panel.wait(WAIT_SECONDS)

        assert panel.approvals.pending == []
        assert panel.approvals.box.layout.display == "none"
        assert answers(panel) == ["I wrote notes.txt."]

    run(scenario)
    assert (project / "notes.txt").read_text() == "from the panel\n"
    assert assistant.ask_user is False


def test_deny_button_keeps_file_unwritten(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    script_write_notes(scripted, "I was not allowed to write notes.txt.")

    async def scenario() -> None:
        panel = Panel(assistant)
        await send_until_approval(panel, "Write notes.txt.")
        panel.approvals.pending[0].deny_button.click()
        await panel.wait(WAIT_SECONDS)

        assert answers(panel) == ["I was not allowed to write notes.txt."]

    run(scenario)
    assert not (project / "notes.txt").exists()
    assert "did not approve write_file" in json.dumps(scripted.requests)


def test_always_allows_later_writes(
    scripted: ScriptedServer, assistant: Assistant, project: Path
) -> None:
    scripted.reply(tool_call("write_file", path="a.txt", content="a\n"))
    scripted.reply(tool_call("write_file", path="b.txt", content="b\n"))
    scripted.reply(ANSWER)
    scripted.reply("I wrote both files.")

    asked: list[Event] = []
    assistant.listeners.append(
        lambda event: asked.append(event) if isinstance(event, ApprovalRequested) else None
    )

    async def scenario() -> None:
        panel = Panel(assistant)
        await send_until_approval(panel, "Write a.txt and b.txt.")
        panel.approvals.pending[0].always_button.click()
        await panel.wait(WAIT_SECONDS)

        assert panel.approvals.pending == []
        assert answers(panel) == ["I wrote both files."]

    run(scenario)
    assert len(asked) == 1
    assert (project / "a.txt").read_text() == "a\n"
    assert (project / "b.txt").read_text() == "b\n"


def test_cell_question_appears_in_panel(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_answer(scripted)

    async def scenario() -> None:
        panel = Panel(assistant)
        # A %%loco cell calls the blocking ask() on the kernel's thread; here a worker thread
        # does, so that this loop can deliver the panel's callbacks meanwhile.
        await asyncio.to_thread(assistant.ask, QUESTION)
        await until(lambda: answers(panel), "the cell's answer in the panel")

        assert any(QUESTION in part for part in html_parts(panel))
        assert answers(panel) == [REPLY]
        assert statuses(panel) == ["✓ completed"]
        assert panel.tasks.progress.value == 1
        assert not panel.busy

    run(scenario)


def test_session_picker_new_rename_switch(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_answer(scripted)

    async def scenario() -> None:
        panel = await panel_after_question(assistant)
        first = assistant.session.id

        panel.sessions.new_button.click()
        second = assistant.session.id
        assert second != first
        assert panel.sessions.dropdown.value == second
        assert panel.chat.log.children == ()

        panel.sessions.title.value = "Empty one"
        panel.sessions.rename_button.click()
        labels = [label for label, _value in panel.sessions.dropdown.options]
        assert any(label.startswith("Empty one · 0 messages") for label in labels)
        assert assistant.store.load(second).title == "Empty one"

        panel.sessions.dropdown.value = first
        assert assistant.session.id == first
        assert answers(panel) == [REPLY]

    run(scenario)


def test_delete_moves_session_to_trash(
    scripted: ScriptedServer, assistant: Assistant, isolated_env: Path
) -> None:
    script_answer(scripted)
    deleted: list[str] = []

    async def scenario() -> None:
        panel = await panel_after_question(assistant)
        doomed = assistant.session.id
        deleted.append(doomed)
        panel.sessions.new()
        kept = assistant.session.id
        panel.sessions.switch(doomed)

        panel.sessions.delete_button.click()

        assert assistant.session.id == kept
        assert doomed not in [value for _label, value in panel.sessions.dropdown.options]
        assert not assistant.store.path_for(doomed).exists()
        assert "moved session" in panel.status.value

    run(scenario)
    trashed = list((isolated_env / "trash").glob("loco_sessions_*/chat_*.json"))
    assert [path.stem for path in trashed] == deleted


def test_model_picker_lists_and_uses_model(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_answer(scripted)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.models.list_button.click()
        await until(lambda: len(panel.models.dropdown.options) > 6, "the listed models")
        values = [value for _label, value in panel.models.dropdown.options]
        assert values == ["", "XS", "S", "M", "L", "XL", "scripted-coder-7b"]

        panel.models.dropdown.value = "scripted-coder-7b"
        panel.send(QUESTION)
        await panel.wait(WAIT_SECONDS)
        assert panel.tasks.rows[0][4] == "scripted-coder-7b"

    run(scenario)
    assert all(body["model"] == "scripted-coder-7b" for body in scripted.requests)


def test_callback_error_reaches_traceback(
    scripted: ScriptedServer, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Any] = []

    class Shell:
        def showtraceback(self, exc_tuple: Any = None) -> None:
            shown.append(exc_tuple)

    monkeypatch.setattr(panel_dispatch, "get_ipython", Shell)

    async def scenario() -> None:
        panel = Panel(assistant)
        panel.sessions.title.value = "   "
        panel.sessions.rename_button.click()

    run(scenario)
    assert len(shown) == 1


def test_panel_without_event_loop(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_answer(scripted)
    panel = Panel(assistant)

    panel.send(QUESTION)
    deadline = time.monotonic() + WAIT_SECONDS
    while panel.busy and time.monotonic() < deadline:
        time.sleep(0.02)

    assert answers(panel) == [REPLY]
    assert statuses(panel) == ["✓ completed"]


def test_key_hook_targets_this_panel(assistant: Assistant) -> None:
    panel = Panel(assistant)
    hook = panel.widget.children[-1]
    script = hook.outputs[0]["data"]["application/javascript"]
    css_id = next(c for c in panel.widget._dom_classes if c.startswith("loco-panel-"))

    assert f'"{css_id.removeprefix("loco-panel-")}"' in script
    assert hook.layout.display == "none"
    assert f"loco-input-{css_id.removeprefix('loco-panel-')}" in panel.chat.input._dom_classes


def test_close_stops_listening(assistant: Assistant) -> None:
    panel = Panel(assistant)
    assert assistant.listeners == [panel._listen]

    panel.close()

    assert assistant.listeners == []


def test_panel_function_needs_ipython_or_assistant(assistant: Assistant) -> None:
    with pytest.raises(RuntimeError, match="needs IPython"):
        loco_nb.panel()
    assert isinstance(loco_nb.panel(assistant), Panel)


KERNEL_STATE = """
import json
from ipywidgets import HTML
chat = p.chat.log.children
answers = [c for c in chat if "loco-answer" in c._dom_classes]
print(json.dumps({
    "answers": [c.outputs[0]["data"]["text/markdown"] for c in answers],
    "html": [c.value for c in chat if isinstance(c, HTML)],
    "rows": p.tasks.rows,
}))
"""


def kernel_state(text: str) -> dict[str, Any]:
    return dict(json.loads(text.strip().splitlines()[-1]))


def test_kernel_cell_and_panel_share_session(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    script_answer(scripted)
    scripted.reply(ANSWER)
    scripted.reply("util.py defines greet.")
    scripted.reply(ANSWER)
    scripted.reply("Both files print a greeting.")

    notebook = run_cells(
        [
            *setup_cells,
            "import asyncio, loco_nb\np = loco_nb.panel()\np",
            f"%%loco\n{QUESTION}",
            "await asyncio.sleep(0.5)",
            KERNEL_STATE,
            "p.send('And util.py?')\nawait p.wait(60)",
            "%%loco\nSum up both files.",
            "await asyncio.sleep(0.5)",
            KERNEL_STATE,
        ]
    )

    shown = [out.data for out in notebook.outputs(2) if out.output_type == "execute_result"]
    assert "application/vnd.jupyter.widget-view+json" in shown[0]
    after_cell = kernel_state(notebook.stream(5))
    assert after_cell["answers"] == [REPLY]
    assert any(QUESTION in part for part in after_cell["html"])
    assert [row[1] for row in after_cell["rows"]] == ["✓ completed"]

    # The second cell's request carried the question asked in the panel.
    history = json.dumps(scripted.requests[-1]["messages"])
    assert "And util.py?" in history
    assert "util.py defines greet." in history
    final = kernel_state(notebook.stream(9))
    assert final["answers"] == [REPLY, "util.py defines greet.", "Both files print a greeting."]


def test_kernel_loco_panel_command(run_cells: RunCells, setup_cells: list[str]) -> None:
    notebook = run_cells([*setup_cells, "%loco panel", "%loco panel"])

    first = notebook.displays(2, "application/vnd.jupyter.widget-view+json")
    second = notebook.displays(3, "application/vnd.jupyter.widget-view+json")
    assert len(first) == 1
    assert first == second


def test_kernel_runs_cells_during_request(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER)
    scripted.reply(SLOW_TEXT, chunk_delay=0.05)

    notebook = run_cells(
        [
            *setup_cells,
            "import asyncio, loco_nb\np = loco_nb.panel()",
            "p.send('Write a long essay.')",
            "print('busy while another cell runs:', p.busy)",
            "p.stop()\nawait p.wait(60)\nprint('outcome:', p.tasks.outcome.value)",
        ]
    )

    assert notebook.stream(4) == "busy while another cell runs: True\n"
    assert notebook.stream(5) == "outcome: cancelled\n"


def test_kernel_callback_error_shows_traceback(run_cells: RunCells, setup_cells: list[str]) -> None:
    notebook = run_cells(
        [
            *setup_cells,
            "import loco_nb\np = loco_nb.panel()",
            "p.sessions.title.value = '   '\np.sessions.rename_button.click()",
        ]
    )

    errors = [out for out in notebook.outputs(3) if out.output_type == "error"]
    assert len(errors) == 1
    assert "title is empty" in errors[0].evalue
