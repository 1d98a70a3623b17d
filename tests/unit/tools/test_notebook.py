"""Unit tests of loco_nb.tools.notebook and loco_nb.tools.variables in a real IPython shell."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from loco_nb.errors import ToolError
from loco_nb.tools import default_registry
from loco_nb.tools.notebook import (
    InsertCell,
    InsertCellParams,
    LastError,
    LastErrorParams,
    ReadNotebook,
    ReadNotebookParams,
    in_ipython,
    notebook_tools,
)
from loco_nb.tools.registry import ToolContext
from loco_nb.tools.variables import InspectVariable, InspectVariableParams, summarize


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _forget_last_exception()
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()
    _forget_last_exception()


def _forget_last_exception() -> None:
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        sys.__dict__.pop(name, None)


@pytest.fixture
def context(project: Path) -> ToolContext:
    return ToolContext(root=project)


def provider(shell: Any) -> Any:
    return lambda: shell


def test_no_shell_is_tool_error(context: ToolContext) -> None:
    assert not in_ipython()
    with pytest.raises(ToolError, match="needs a Jupyter kernel or an IPython shell"):
        ReadNotebook().run(ReadNotebookParams(), context)


def test_registered_only_in_ipython(shell: InteractiveShell) -> None:
    assert in_ipython()
    assert "read_notebook" in default_registry(plugins=False)
    assert "read_notebook" not in default_registry(plugins=False, notebook=False)
    assert {t.name for t in notebook_tools()} == {
        "read_notebook",
        "insert_cell",
        "inspect_variable",
        "last_error",
    }


def test_history_cells(shell: InteractiveShell, context: ToolContext) -> None:
    shell.run_cell("x = 21", store_history=True)
    shell.run_cell("x * 2", store_history=True)

    result = ReadNotebook().run(ReadNotebookParams(), context)

    assert result.data["source"] == "kernel history"
    assert [c["source"] for c in result.data["cells"]] == ["x = 21", "x * 2"]
    assert result.data["cells"][1]["output"] == "42"
    assert "In [2]:\nx * 2\nOut:\n42" in result.content


def test_history_keeps_latest(shell: InteractiveShell, context: ToolContext) -> None:
    for number in range(5):
        shell.run_cell(f"n = {number}", store_history=True)

    cells = ReadNotebook().run(ReadNotebookParams(last=2), context).data["cells"]

    assert [c["source"] for c in cells] == ["n = 3", "n = 4"]


def test_saved_notebook_read(
    shell: InteractiveShell, context: ToolContext, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cell = new_code_cell("print('hi')", execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text="hi\n")]
    notebook = new_notebook(cells=[new_markdown_cell("# Title"), cell])
    nbformat.write(notebook, str(project / "work.ipynb"))
    monkeypatch.setenv("JPY_SESSION_NAME", str(project / "work.ipynb"))

    result = ReadNotebook().run(ReadNotebookParams(), context)

    assert result.data["source"] == "work.ipynb as last saved"
    assert result.data["cells"][0] == {
        "type": "markdown",
        "count": None,
        "source": "# Title",
        "output": "",
    }
    assert result.data["cells"][1]["output"] == "hi\n"


def test_session_variable_names_notebook(
    shell: InteractiveShell, context: ToolContext, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat.write(new_notebook(cells=[new_code_cell("a = 1")]), str(project / "nb.ipynb"))
    monkeypatch.chdir(project)
    shell.user_ns["__session__"] = "some/folder/nb.ipynb"

    result = ReadNotebook().run(ReadNotebookParams(), context)

    assert result.data["source"] == "nb.ipynb as last saved"


def test_notebook_outside_project_not_read(
    shell: InteractiveShell, context: ToolContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat.write(new_notebook(cells=[new_code_cell("secret = 1")]), str(tmp_path / "other.ipynb"))
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "other.ipynb"))
    shell.run_cell("y = 1", store_history=True)

    result = ReadNotebook().run(ReadNotebookParams(), context)

    assert result.data["source"] == "kernel history"
    assert "outside the project root" in result.content
    assert "secret" not in result.content


def test_insert_cell_sets_next_input(context: ToolContext) -> None:
    calls: list[tuple[str, bool]] = []

    class Shell:
        def set_next_input(self, text: str, replace: bool = False) -> None:
            calls.append((text, replace))

    result = InsertCell(provider(Shell())).run(
        InsertCellParams(code="df.head()\nprint(1)"), context
    )

    assert calls == [("df.head()\nprint(1)", False)]
    assert result.kind == "cell"
    assert "A new cell of 2 lines will appear below" in result.content
    assert InsertCell.needs_approval is False


def test_last_error_traceback(shell: InteractiveShell, context: ToolContext) -> None:
    shell.run_cell("def broken():\n    return {}['missing']\n\nbroken()", store_history=True)

    result = LastError().run(LastErrorParams(), context)

    assert result.data["error"] == "KeyError: 'missing'"
    assert "broken()" in result.content
    assert "return {}['missing']" in result.content
    assert result.content.startswith("=== last exception: KeyError ===")


def test_last_error_none_yet(shell: InteractiveShell, context: ToolContext) -> None:
    result = LastError().run(LastErrorParams(), context)

    assert result.content == "No exception has been raised in this kernel yet."


def test_inspect_variable(shell: InteractiveShell, context: ToolContext) -> None:
    shell.user_ns["items"] = list(range(1000))

    result = InspectVariable().run(InspectVariableParams(name="items"), context)

    assert result.data["type"] == "builtins.list"
    assert result.data["length"] == 1000
    assert len(result.data["preview"]) < 200
    assert "length: 1000" in result.content


def test_inspect_attribute_path(shell: InteractiveShell, context: ToolContext) -> None:
    shell.run_cell("class Box:\n    size = (3, 4)\nbox = Box()")

    result = InspectVariable().run(InspectVariableParams(name="box.size"), context)

    assert result.data["preview"] == "(3, 4)"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing", "There is no variable 'missing'"),
        ("x()", "is not a variable name"),
        ("x.nope", "Reading x.nope failed"),
    ],
)
def test_inspect_errors(
    shell: InteractiveShell, context: ToolContext, name: str, message: str
) -> None:
    shell.user_ns["x"] = 1

    with pytest.raises(ToolError, match=message):
        InspectVariable().run(InspectVariableParams(name=name), context)


class _Frame:
    """Looks to summarize() as pandas.DataFrame does, without pandas installed."""

    shape = (100, 2)

    def __init__(self) -> None:
        self.columns = ["a", "b"]
        self.dtypes = {"a": "int64", "b": "object"}

    def head(self, rows: int) -> Any:
        class Head:
            def to_string(self, **options: Any) -> str:
                return f"   a  b\n0  1  x\n({rows} rows)"

        return Head()


_Frame.__module__ = "pandas.core.frame"


def test_summarize_dataframe() -> None:
    summary = summarize(_Frame())

    assert summary["shape"] == [100, 2]
    assert summary["length"] == 100
    assert summary["columns"] == [["a", "int64"], ["b", "object"]]
    assert summary["preview"].endswith("(5 rows)")


def test_summarize_real_dataframe() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": range(50), "b": ["x"] * 50})

    summary = summarize(frame)

    assert summary["shape"] == [50, 2]
    assert summary["columns"] == [["a", "int64"], ["b", "object"]]
    assert len(summary["preview"].splitlines()) == 6


def test_summarize_bad_repr() -> None:
    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    # reprlib replaces a failing repr with the type and address.
    assert summarize(Bad())["preview"].startswith("<Bad instance at")


def test_summarize_long_string() -> None:
    summary = summarize("x" * 10_000)

    assert summary["length"] == 10_000
    assert len(summary["preview"]) < 250
