"""Unit tests of loco_nb.jupyter.approvals: the buttons decide requests, from clicks or code."""

from __future__ import annotations

from typing import Any

import pytest

from loco_nb.jupyter import approvals
from loco_nb.jupyter.approvals import ApprovalButtons, ask_in_cell
from loco_nb.models import ToolCall
from loco_nb.tools.approvals import ApprovalRequest, Verdict

DIFF = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-old\n+new <x>\n"


def request(preview: str = DIFF, auto_approvable: bool = True) -> ApprovalRequest:
    call = ToolCall(name="edit_file", params={"path": "a.py"})
    return ApprovalRequest(call, key="edit_file", preview=preview, auto_approvable=auto_approvable)


@pytest.mark.parametrize(
    ("choice", "verdict"),
    [("approve", Verdict.APPROVED), ("deny", Verdict.DENIED), ("always", Verdict.ALWAYS)],
)
def test_click_decides(choice: Any, verdict: Verdict) -> None:
    pending = request()
    buttons = ApprovalButtons(pending)

    buttons.click(choice)

    assert pending.verdict is verdict
    assert all(button.disabled for button in buttons.buttons.values())


def test_decision_from_code_updates_buttons() -> None:
    pending = request()
    buttons = ApprovalButtons(pending)

    pending.always()

    assert all(button.disabled for button in buttons.buttons.values())
    assert "approved for the rest of this session" in buttons.outcome.value


def test_second_click_ignored() -> None:
    pending = request()
    buttons = ApprovalButtons(pending)

    buttons.click("deny")
    buttons.buttons["approve"].click()

    assert pending.verdict is Verdict.DENIED
    assert "denied" in buttons.outcome.value


def test_question_shows_coloured_diff() -> None:
    question = ApprovalButtons(request()).widget.children[0].value

    assert "Allow this?" in question
    assert "edit_file(path=&#x27;a.py&#x27;)" in question
    assert "rgba(46,160,67,.18)" in question
    assert "+new &lt;x&gt;" in question


def test_question_shows_command_preview() -> None:
    question = ApprovalButtons(request("$ ls <dir>")).widget.children[0].value

    assert "<pre style='margin:2px 0'>$ ls &lt;dir&gt;</pre>" in question


def test_always_tip_names_exact_command() -> None:
    buttons = ApprovalButtons(request("$ ls", auto_approvable=False))

    assert "exact command" in buttons.buttons["always"].tooltip


def test_plain_text_form() -> None:
    bundle = ApprovalButtons(request())._repr_mimebundle_()

    assert bundle["text/plain"] == "edit_file(path='a.py') waits for approval"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_routing_sets_comm_subshell() -> None:
    buttons = ApprovalButtons(request())

    buttons.route_to("sub-1")

    assert [b.comm._reply_subshell_id for b in buttons.buttons.values()] == ["sub-1"] * 3


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [("y", Verdict.APPROVED), ("a", Verdict.ALWAYS), ("n", Verdict.DENIED), ("", Verdict.DENIED)],
)
def test_console_without_kernel(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    verdict: Verdict,
) -> None:
    monkeypatch.setattr(approvals, "_kernel", lambda: None)
    monkeypatch.setattr("builtins.input", lambda prompt: answer)
    pending = request("$ ls")

    ask_in_cell(pending)

    assert pending.verdict is verdict
    assert "loco_nb wants to run edit_file(path='a.py')\n$ ls" in capsys.readouterr().out


def test_kernel_without_subshells_has_none() -> None:
    class Kernel:
        def __init__(self) -> None:
            self.kernel_info = {"supported_features": ["debugger"]}

    assert approvals.widget_subshell(Kernel()) is None
