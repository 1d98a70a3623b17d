"""Unit tests of loco_nb.jupyter.export: sessions written as valid notebooks."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from loco_nb.errors import StoreError
from loco_nb.jupyter import export
from loco_nb.jupyter.export import export_session, session_to_notebook
from loco_nb.models import Message, Role, Session, Task, ToolResult

ANSWER = (
    "main.py greets the world. Run it:\n"
    "\n"
    "```python\n"
    "import util\n"
    'print(util.greet("you"))\n'
    "```\n"
    "\n"
    "or from a shell:\n"
    "\n"
    "```bash\n"
    "python main.py\n"
    "```\n"
    "\n"
    "That is all."
)


def _session() -> Session:
    read = ToolResult(
        name="read_file",
        params={"path": "main.py"},
        content="=== main.py ===\n   1 | import util",
        kind="file",
        data={
            "path": "main.py",
            "start_line": 1,
            "lines": ["import util"],
            "total_lines": 1,
            "truncated": False,
        },
    )
    return Session(
        id="chat_42",
        title="What does main.py do?",
        model="tiny-coder",
        tasks=[Task(id="task_1_0", output="answer")],
        messages=[
            Message(role=Role.USER, content="What does main.py do?"),
            Message(role=Role.ASSISTANT, content=ANSWER, tool_results=[read]),
            Message(role=Role.TOOL, content="raw tool text"),
        ],
    )


def _sources(notebook: NotebookNode, cell_type: str) -> list[str]:
    return [c.source for c in notebook.cells if c.cell_type == cell_type]


@pytest.fixture
def notebook() -> NotebookNode:
    return session_to_notebook(_session())


def test_notebook_validates(notebook: NotebookNode) -> None:
    nbformat.validate(notebook)


def test_notebook_is_version_4(notebook: NotebookNode) -> None:
    assert notebook.nbformat == 4


def test_title_cell_first(notebook: NotebookNode) -> None:
    assert notebook.cells[0].source == "# What does main.py do?"


def test_title_falls_back_to_id() -> None:
    notebook = session_to_notebook(Session(id="chat_7"))

    assert notebook.cells[0].source == "# chat_7"


def test_user_turn_is_markdown(notebook: NotebookNode) -> None:
    assert "**You:** What does main.py do?" in _sources(notebook, "markdown")


def test_python_block_becomes_code(notebook: NotebookNode) -> None:
    code = _sources(notebook, "code")

    assert 'import util\nprint(util.greet("you"))' in code


def test_bash_block_stays_markdown(notebook: NotebookNode) -> None:
    markdown = "\n".join(_sources(notebook, "markdown"))

    assert "```bash\npython main.py\n```" in markdown
    assert all("python main.py" not in source for source in _sources(notebook, "code"))


def test_answer_prose_kept_in_order(notebook: NotebookNode) -> None:
    sources = [c.source for c in notebook.cells]
    python_index = sources.index('import util\nprint(util.greet("you"))')

    assert sources[python_index - 1] == "main.py greets the world. Run it:"
    assert sources[python_index + 1].startswith("or from a shell:")
    assert sources[python_index + 1].endswith("That is all.")


def test_tool_result_is_display_data(notebook: NotebookNode) -> None:
    result_cells = [c for c in notebook.cells if c.cell_type == "code" and c.outputs]

    assert len(result_cells) == 1
    output = result_cells[0].outputs[0]
    assert output.output_type == "display_data"
    assert output.data["text/plain"] == "=== main.py ===\n   1 | import util"
    assert "main.py" in output.data["text/html"]
    assert result_cells[0].source == "# loco_nb ran read_file(path='main.py')"


def test_tool_result_before_answer(notebook: NotebookNode) -> None:
    kinds = [(c.cell_type, bool(c.get("outputs"))) for c in notebook.cells]

    assert kinds.index(("code", True)) < kinds.index(("code", False))


def test_tool_role_message_skipped(notebook: NotebookNode) -> None:
    assert all("raw tool text" not in c.source for c in notebook.cells)


def test_cells_record_role(notebook: NotebookNode) -> None:
    roles = [c.metadata["loco_nb"]["role"] for c in notebook.cells[1:]]

    assert roles[0] == "user"
    assert set(roles[1:]) == {"assistant"}


def test_session_metadata(notebook: NotebookNode) -> None:
    meta = notebook.metadata["loco_nb"]

    assert meta["session_id"] == "chat_42"
    assert meta["model"] == "tiny-coder"
    assert meta["tasks"][0]["id"] == "task_1_0"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("language", ["", "py", "python3", "Python", "ipython"])
def test_python_aliases_become_code(language: str) -> None:
    message = Message(role=Role.ASSISTANT, content=f"```{language}\nx = 1\n```")

    notebook = session_to_notebook(Session(id="chat_1", messages=[message]))

    assert _sources(notebook, "code") == ["x = 1"]


@pytest.mark.parametrize("language", ["bash", "sh", "json", "text", "javascript"])
def test_other_languages_stay_markdown(language: str) -> None:
    message = Message(role=Role.ASSISTANT, content=f"```{language}\nx = 1\n```")

    notebook = session_to_notebook(Session(id="chat_1", messages=[message]))

    assert _sources(notebook, "code") == []


def test_export_writes_valid_file(tmp_path: Path) -> None:
    target = export_session(_session(), tmp_path / "out" / "session.ipynb")

    written = nbformat.read(target, as_version=4)
    nbformat.validate(written)
    assert target == tmp_path / "out" / "session.ipynb"
    assert len(written.cells) == len(session_to_notebook(_session()).cells)


def test_export_adds_suffix(tmp_path: Path) -> None:
    target = export_session(_session(), tmp_path / "session")

    assert target == tmp_path / "session.ipynb"
    assert target.is_file()


def test_export_failure_names_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_write(path: Path, data: bytes) -> None:
        raise StoreError("disk full", path=path)

    monkeypatch.setattr(export, "write_atomic", failing_write)

    with pytest.raises(StoreError) as caught:
        export_session(_session(), tmp_path / "session.ipynb")

    assert "chat_42" in str(caught.value)
    assert caught.value.path == tmp_path / "session.ipynb"


def test_metadata_records_models() -> None:
    session = _session()
    session.tasks.append(Task(id="task_2_0", model_id="big-coder"))
    session.tasks[0].model_id = "tiny-coder"

    meta = session_to_notebook(session).metadata["loco_nb"]

    assert meta["models"] == ["big-coder", "tiny-coder"]
    assert meta["format"] == export.EXPORT_FORMAT


def test_without_tools_no_results() -> None:
    notebook = session_to_notebook(_session(), include_tools=False)

    nbformat.validate(notebook)
    assert all(not c.get("outputs") for c in notebook.cells)
    assert notebook.metadata["loco_nb"]["unshown_messages"] == []


def test_tool_turn_kept_in_metadata(notebook: NotebookNode) -> None:
    unshown = notebook.metadata["loco_nb"]["unshown_messages"]

    assert [(m["message"], m["role"], m["content"]) for m in unshown] == [
        (2, "tool", "raw tool text")
    ]


def test_first_cell_holds_message(notebook: NotebookNode) -> None:
    answer_cells = [c for c in notebook.cells if c.metadata["loco_nb"].get("message") == 1]
    first = answer_cells[0].metadata["loco_nb"]

    assert first["content"] == ANSWER
    assert "id" in first["fields"]
    assert all("content" not in c.metadata["loco_nb"] for c in answer_cells[1:])


def test_title_cell_marked(notebook: NotebookNode) -> None:
    assert notebook.cells[0].metadata["loco_nb"] == {"part": "title"}


def test_export_sessions_one_file_each(tmp_path: Path) -> None:
    first, second = _session(), _session()
    second.id = "chat_43"

    written = export.export_sessions([first, second], tmp_path)

    assert written == [tmp_path / "chat_42.ipynb", tmp_path / "chat_43.ipynb"]
    for path in written:
        nbformat.validate(nbformat.read(path, as_version=4))
