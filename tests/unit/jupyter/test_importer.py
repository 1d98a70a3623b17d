"""Unit tests of loco_nb.jupyter.importer: notebooks turned back into sessions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from loco_nb.errors import StoreError
from loco_nb.jupyter.export import export_session, session_to_notebook
from loco_nb.jupyter.importer import notebook_to_session, read_notebook
from loco_nb.models import Message, Role, Session, Task, ToolCall, ToolResult

ANSWER = "Run it:\n\n```python\nimport util\nprint(util.greet('you'))\n```\n\nor `python main.py`."


def conversation() -> Session:
    read = ToolResult(
        name="read_file",
        params={"path": "main.py"},
        content="=== main.py ===\n   1 | import util",
        kind="file",
        data={"path": "main.py", "lines": ["import util"]},
    )
    return Session(
        id="chat_42",
        title="What does main.py do?",
        model="tiny-coder",
        tasks=[Task(id="task_1_0", output=ANSWER, model_id="tiny-coder")],
        messages=[
            Message(role=Role.USER, content="What does main.py do?"),
            Message(
                role=Role.ASSISTANT,
                content=ANSWER,
                tool_calls=[ToolCall(name="read_file", params={"path": "main.py"})],
                tool_results=[read],
                task_ids=["task_1_0"],
            ),
            Message(role=Role.TOOL, content="raw tool text"),
            Message(role=Role.USER, content="Thanks\n\nwith a second paragraph"),
            Message(role=Role.ASSISTANT, content=""),
        ],
    )


def through_file(notebook: NotebookNode) -> NotebookNode:
    """Return the notebook as nbformat writes and reads it, multi-line strings included."""
    return nbformat.reads(nbformat.writes(notebook), as_version=4)


def imported(notebook: NotebookNode) -> Session:
    return notebook_to_session(through_file(notebook), "chat_99", "sent.ipynb")


# round trip


def test_round_trip_same_messages() -> None:
    original = conversation()

    back = imported(session_to_notebook(original))

    assert back.messages == original.messages


def test_round_trip_session_fields() -> None:
    original = conversation()

    back = imported(session_to_notebook(original))

    assert back.id == "chat_99"
    assert back.title == "What does main.py do?"
    assert back.model == "tiny-coder"
    assert back.tasks == original.tasks


def test_round_trip_without_tools() -> None:
    original = conversation()

    back = imported(session_to_notebook(original, include_tools=False))

    assert [m.role for m in back.messages] == ["user", "assistant", "user", "assistant"]
    assert back.messages[1].tool_results == []
    assert back.messages[1].content == ANSWER


def test_edited_cell_rebuilds_text() -> None:
    notebook = session_to_notebook(conversation())
    code = next(c for c in notebook.cells if c.cell_type == "code" and not c.outputs)
    code.source = "print('edited')"

    answer = imported(notebook).messages[1]

    assert answer.content == "Run it:\n\n```python\nprint('edited')\n```\n\nor `python main.py`."
    assert answer.tool_results[0].content == "=== main.py ===\n   1 | import util"


def test_edited_user_cell_drops_prefix() -> None:
    notebook = session_to_notebook(conversation())
    notebook.cells[1].source = "**You:** What does util.py do?"

    assert imported(notebook).messages[0].content == "What does util.py do?"


def test_added_cell_becomes_user_turn() -> None:
    notebook = session_to_notebook(conversation())
    notebook.cells.insert(2, new_markdown_cell("A note I added"))

    roles_and_text = [(m.role, m.content) for m in imported(notebook).messages]

    assert roles_and_text[1] == (Role.USER, "A note I added")
    assert roles_and_text[2][0] == Role.ASSISTANT


def test_export_file_round_trip(tmp_path: Path) -> None:
    original = conversation()
    path = export_session(original, tmp_path / "chat.ipynb")

    back = notebook_to_session(read_notebook(path), "chat_99", path.name)

    assert back.messages == original.messages


# notebooks loco_nb did not write


def foreign_notebook() -> NotebookNode:
    cell = new_code_cell("print(1 + 1)")
    cell.outputs = [new_output("stream", name="stdout", text="2\n")]
    return new_notebook(
        cells=[new_markdown_cell("# Analysis\nLoad the data."), cell],
        metadata={"language_info": {"name": "python"}},
    )


def test_foreign_notebook_one_exchange() -> None:
    session = imported(foreign_notebook())

    assert [m.role for m in session.messages] == [Role.USER, Role.ASSISTANT]
    assert session.title == "Notebook sent.ipynb"


def test_foreign_cells_as_markdown() -> None:
    question = imported(foreign_notebook()).messages[0].content

    assert "# Analysis\nLoad the data." in question
    assert "```python\nprint(1 + 1)\n```" in question
    assert "Output:\n```\n2\n```" in question


def test_foreign_notebook_cut() -> None:
    notebook = new_notebook(cells=[new_markdown_cell("x" * 50_000)])

    question = imported(notebook).messages[0].content

    assert len(question) < 13_000
    assert question.endswith("characters of the notebook left out]")


# unreadable files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        read_notebook(tmp_path / "absent.ipynb")

    assert "absent.ipynb" in str(caught.value)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text("this is not a notebook")

    with pytest.raises(StoreError) as caught:
        read_notebook(path)

    assert "not a valid notebook" in str(caught.value)


def test_invalid_notebook(tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text('{"nbformat": 4, "nbformat_minor": 5, "cells": "nope", "metadata": {}}')

    with pytest.raises(StoreError):
        read_notebook(path)
