"""The panel in a real JupyterLab, driven through Debian's Chromium by Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.browser.lab import LabServer
from tests.conftest import REPO
from tests.integration.helpers import ANSWER, tool_call
from tests.scripted_server import ScriptedServer

pytestmark = pytest.mark.browser

SCREENSHOT = REPO / "test-output" / "panel.png"
QUESTION = "What does main.py do?"
REPLY = (
    "main.py imports **util** and prints a greeting:\n\n"
    "- `util.greet` builds the text\n"
    "- `print` writes it to the console"
)
FOLLOW_UP_REPLY = "util.py defines one function, `greet`, which returns a greeting."
# Kernel start, extension load and a streamed answer take seconds; the margin is for a busy CI.
TIMEOUT_MS = 120_000


# Records each text the first answer shows, so the test can see it grow while it streams.
RECORD_ANSWER_TEXTS = """() => {
    window.locoAnswerTexts = [];
    const record = () => {
        const answer = document.querySelector('.loco-panel .loco-answer');
        const text = answer ? answer.innerText.trim() : '';
        const texts = window.locoAnswerTexts;
        if (text && texts[texts.length - 1] !== text) { texts.push(text); }
    };
    new MutationObserver(record).observe(document.querySelector('.loco-panel'),
        {subtree: true, childList: true, characterData: true});
}"""


def write_notebook(folder: Path) -> str:
    notebook = new_notebook(cells=[new_code_cell("%load_ext loco_nb\n%loco panel")])
    # Without a kernel spec JupyterLab opens a kernel chooser dialog over the notebook.
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / "panel.ipynb")
    return "panel.ipynb"


def open_panel(page: Any, lab: LabServer, name: str) -> Any:
    """Open the notebook, run its cell and return the panel's locator."""
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content")
    # Run the cell only once the kernel is connected, or JupyterLab asks which kernel to start.
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    page.click(".jp-Notebook .jp-Cell .cm-content")
    page.keyboard.press("Shift+Enter")
    panel = page.locator(".loco-panel")
    panel.wait_for(state="visible")
    return panel


def answer_texts(panel: Any) -> list[str]:
    return [str(text) for text in panel.locator(".loco-answer").all_inner_texts()]


def wait_for_answer(page: Any, panel: Any, count: int) -> list[str]:
    """Wait until ``count`` answers are shown, the last task has completed and Send is enabled."""
    page.wait_for_function(
        """count => {
            const panel = document.querySelector('.loco-panel');
            const answers = panel.querySelectorAll('.loco-answer');
            const send = panel.querySelector("[class*='loco-send-']");
            return answers.length >= count && panel.innerText.includes('✓ completed')
                && send && !send.disabled;
        }""",
        arg=count,
    )
    return answer_texts(panel)


def test_panel_answers_in_jupyterlab(
    scripted: ScriptedServer, lab: LabServer, project: Path, page: Any
) -> None:
    scripted.reply(tool_call("read_file", path="main.py"))
    scripted.reply(ANSWER)
    scripted.reply(REPLY, chunk_delay=0.1)
    scripted.reply(ANSWER)
    scripted.reply(FOLLOW_UP_REPLY, chunk_delay=0.02)
    panel = open_panel(page, lab, write_notebook(project))

    textarea = panel.locator("textarea")
    textarea.fill(QUESTION)
    page.evaluate(RECORD_ANSWER_TEXTS)
    panel.get_by_role("button", name="Send").click()
    shown = wait_for_answer(page, panel, 1)

    # While the answer streamed, the panel showed it growing, not only the whole.
    seen = page.evaluate("window.locoAnswerTexts")
    assert len(seen) >= 2, seen
    assert len(seen[0]) < len(seen[-1])
    assert shown[0].startswith("main.py imports util and prints a greeting:")
    assert panel.locator(".loco-answer strong").first.inner_text() == "util"
    assert panel.locator(".loco-answer li").count() == 2
    assert "You\nWhat does main.py do?" in panel.inner_text()
    # The tool result is the same highlighted HTML a %%loco cell shows.
    result = panel.locator(".loco-chat .jp-RenderedHTMLCommon", has_text="main.py (lines 1–3 of 3)")
    assert 'print(util.greet("world"))' in result.inner_text()

    # Shift+Enter adds a line and leaves the notebook cell alone; Enter sends.
    textarea.click()
    page.keyboard.type("And util.py?")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("In one line.")
    assert textarea.input_value() == "And util.py?\nIn one line."
    page.keyboard.press("Enter")
    shown = wait_for_answer(page, panel, 2)

    assert shown[-1] == FOLLOW_UP_REPLY.replace("`", "")
    assert textarea.input_value() == ""
    table = panel.locator("table").last.inner_text()
    assert "scripted-coder-7b" in table
    assert "answer" in table
    bar = panel.locator(".widget-hprogress .progress-bar")
    assert "width: 100%" in str(bar.get_attribute("style"))
    panel.scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    panel.screenshot(path=str(SCREENSHOT))

    # The text typed last reached the kernel before the request started.
    last_user = [m for m in scripted.requests[-1]["messages"] if m["role"] == "user"][-1]
    assert last_user["content"].endswith("And util.py?\nIn one line.")
    assert len(scripted.requests) == 5
