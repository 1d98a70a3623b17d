"""``%%loco`` options and ``{…}`` references in a real kernel against the scripted server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loco_nb.agent.prompts import ANSWER_FORMATS
from loco_nb.models import Message, Role
from loco_nb.store.sessions import SessionStore
from tests.jupyter.kernel import RunCells
from tests.scripted_server import ScriptedServer

ANSWER_DECISION = '{"name": "answer"}'
FIXED_CODE = 'ran_by_loco = True\nprint("hello")'
CODE_REPLY = f"```python\n{FIXED_CODE}\n```"


def sent_text(request: dict[str, Any]) -> str:
    """Return every message of a request body as one string."""
    return "\n".join(str(message.get("content", "")) for message in request["messages"])


@pytest.fixture
def sized(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """A scripted server with a 0.5B model (size S) and a 7B model (size L)."""
    with ScriptedServer(models=("tiny-coder-0.5b", "big-coder-7b")) as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server


@pytest.fixture
def second() -> Iterator[ScriptedServer]:
    """Another scripted server, for one cell's --base-url."""
    with ScriptedServer(models=("other-coder-7b",)) as server:
        yield server


def test_format_code_fills_next_cell(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER_DECISION).reply(CODE_REPLY)

    run = run_cells(
        [*setup_cells, "%%loco --format code\nSay hello", "print('ran_by_loco' in dir())"]
    )
    payloads = run.next_input(2)

    assert len(payloads) == 1
    assert payloads[0]["text"] == FIXED_CODE
    assert payloads[0]["replace"] is False
    assert run.stream(2) == ""
    assert run.stream(3) == "False\n"


def test_format_code_asks_for_code(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER_DECISION).reply(CODE_REPLY)

    run_cells([*setup_cells, "%%loco -f code\nSay hello"])

    assert ANSWER_FORMATS["code"] in sent_text(scripted.requests[-1])


def test_markdown_format_sets_no_cell(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER_DECISION).reply(CODE_REPLY)

    run = run_cells([*setup_cells, "%%loco\nSay hello"])

    assert run.next_input(2) == []


@pytest.mark.parametrize(
    ("answer_format", "reply", "mime", "expected"),
    [
        ("json", '{"items": 3, "ok": true}', "application/json", {"items": 3, "ok": True}),
        ("html", "<b>3 items</b>", "text/html", "<b>3 items</b>"),
        ("text", "There are 3 items.", "text/plain", "There are 3 items."),
    ],
)
def test_format_sets_mime_type(
    scripted: ScriptedServer,
    run_cells: RunCells,
    setup_cells: list[str],
    answer_format: str,
    reply: str,
    mime: str,
    expected: object,
) -> None:
    scripted.reply(ANSWER_DECISION).reply(reply)

    run = run_cells([*setup_cells, f"%%loco --format {answer_format}\nHow many items?"])
    # The answer is the last display: the status line and the task list come before it.
    answer = [out for out in run.outputs(2) if out.output_type == "display_data"][-1]

    assert answer.data[mime] == expected
    assert "text/markdown" not in answer.data
    assert ANSWER_FORMATS[answer_format] in sent_text(scripted.requests[-1])


def test_fenced_json_is_unwrapped(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply(ANSWER_DECISION).reply('```json\n{"items": 3}\n```')

    run = run_cells([*setup_cells, "%%loco --format json\nHow many items?"])

    assert run.displays(2, "application/json") == [{"items": 3}]


def test_no_tools_sends_no_schema(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("A list comprehension builds a list.")

    run = run_cells([*setup_cells, "%%loco --no-tools\nWhat is a list comprehension?"])

    assert len(scripted.requests) == 1
    assert "response_format" not in scripted.requests[0]
    assert "tools" not in scripted.requests[0]
    assert "You cannot read files" in sent_text(scripted.requests[0])
    assert run.displays(2, "text/markdown")[-1] == "A list comprehension builds a list."


def test_session_option_switches(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str], project: Path
) -> None:
    store = SessionStore(project)
    earlier = store.create()
    earlier.messages.append(Message(role=Role.USER, content="Earlier question about util.py"))
    earlier.messages.append(Message(role=Role.ASSISTANT, content="Earlier answer"))
    store.save(earlier)
    scripted.reply("Same answer.")

    run = run_cells(
        [*setup_cells, f"%%loco --no-tools --session {earlier.id}\nAnd now?", "%loco history"]
    )

    assert "Earlier question about util.py" in sent_text(scripted.requests[0])
    assert f"Session {earlier.id}" in run.displays(3, "text/plain")[0]
    assert len(SessionStore(project).load(earlier.id).messages) == 4


def test_unknown_session_names_id(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%%loco -s chat_404\nAnything?", "1+1"], allow_errors=True)

    assert run.reply(2)["ename"] == "UsageError"
    assert "'chat_404'" in run.reply(2)["evalue"]
    assert scripted.requests == []
    assert run.result(3) == "2"


def test_new_with_session_rejected(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%%loco --new -s chat_1\nAnything?"], allow_errors=True)

    assert run.reply(2)["ename"] == "UsageError"
    assert "--new or --session, not both" in run.reply(2)["evalue"]


def test_base_url_for_one_cell(
    scripted: ScriptedServer,
    second: ScriptedServer,
    run_cells: RunCells,
    setup_cells: list[str],
) -> None:
    second.reply("From the second server.")
    scripted.reply("From the first server.")

    run = run_cells(
        [
            *setup_cells,
            f"%%loco --no-tools --base-url {second.url}\nWho answers?",
            "%%loco --no-tools\nAnd now?",
        ]
    )

    assert len(second.requests) == 1
    assert second.requests[0]["model"] == "other-coder-7b"
    assert len(scripted.requests) == 1
    assert run.displays(2, "text/markdown")[-1] == "From the second server."
    assert run.displays(3, "text/markdown")[-1] == "From the first server."


def test_invalid_base_url_rejected(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%%loco --base-url 127.0.0.1:1234\nHi"], allow_errors=True)

    assert run.reply(2)["ename"] == "UsageError"
    assert "--base-url='127.0.0.1:1234'" in run.reply(2)["evalue"]
    assert scripted.requests == []


def test_model_option_picks_size(
    sized: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    sized.reply("small").reply("default")

    run_cells([*setup_cells, "%%loco --no-tools -m s\nHi", "%%loco --no-tools\nHi again"])

    assert sized.requests[0]["model"] == "tiny-coder-0.5b"
    # No model is M; the nearest larger size, L, serves it.
    assert sized.requests[1]["model"] == "big-coder-7b"


def test_model_option_takes_id(
    sized: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    sized.reply("by id")

    run_cells([*setup_cells, "%%loco --no-tools --model tiny-coder-0.5b\nHi"])

    assert sized.requests[0]["model"] == "tiny-coder-0.5b"


def test_config_default_size_used(
    sized: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    sized.reply("small")

    run_cells([*setup_cells, '%config LocoMagics.default_size = "S"', "%%loco --no-tools\nHi"])

    assert sized.requests[0]["model"] == "tiny-coder-0.5b"


def test_profile_default_size_used(
    sized: ScriptedServer, run_cells: RunCells, setup_cells: list[str], tmp_path: Path
) -> None:
    # The kernel_env fixture points IPYTHONDIR at tmp_path / "ipython".
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text('c.LocoMagics.default_size = "S"\n')
    sized.reply("small")

    run_cells([*setup_cells, "%%loco --no-tools\nHi"])

    assert sized.requests[0]["model"] == "tiny-coder-0.5b"


def test_variable_value_reaches_server(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("Three kinds.")

    run_cells(
        [*setup_cells, 'stock = {"apples": 3, "pears": 0}', "%%loco --no-tools\nSummarise {stock}"]
    )
    sent = sent_text(scripted.requests[0])

    assert "Summarise {'apples': 3, 'pears': 0}" in sent
    assert "{stock}" not in sent


def test_cell_input_output_reach_server(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("It sums the list.")

    # setup_cells are cells 1 and 2, so these run as cells 3, 4 and 5.
    run_cells(
        [
            *setup_cells,
            "data = [1, 2, 30]",
            "sum(data) * 1000",
            "%%loco --no-tools\nWhy does {In[4]} give {Out[4]}?",
        ]
    )

    assert "Why does sum(data) * 1000 give 33000?" in sent_text(scripted.requests[0])


def test_error_reference_sends_traceback(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("Division by zero.")

    run_cells(
        [*setup_cells, "ratio = 1 / 0", "%%loco --no-tools\nExplain:\n{error}"],
        allow_errors=True,
    )
    sent = sent_text(scripted.requests[0])

    assert "Traceback (most recent call last)" in sent
    assert "ratio = 1 / 0" in sent
    assert "ZeroDivisionError: division by zero" in sent


def test_missing_output_reference_rejected(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "x = 1", "%%loco\nWhat is {Out[3]}?"], allow_errors=True)

    assert run.reply(3)["ename"] == "UsageError"
    assert "{Out[3]} refers to nothing" in run.reply(3)["evalue"]
    assert scripted.requests == []


def test_braces_in_code_sent_as_written(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("It maps names to counts.")
    question = 'What does {k: len(v) for k, v in groups.items()} do with {"a": {"b": 1}}?'

    run_cells([*setup_cells, "%%loco --no-tools\n" + question])

    assert question in sent_text(scripted.requests[0])


def test_doubled_braces_sent_literally(
    scripted: ScriptedServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    scripted.reply("A placeholder.")

    run_cells([*setup_cells, "name = 'x'", "%%loco --no-tools\nWhat is {{name}} in a template?"])

    assert "What is {name} in a template?" in sent_text(scripted.requests[0])
