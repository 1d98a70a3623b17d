"""Unit tests of the ``%loco tools`` subcommand, with a stand-in magics object."""

from __future__ import annotations

from typing import Any

import pytest

from loco_nb.jupyter import commands
from loco_nb.jupyter.commands import tools as tools_command
from loco_nb.jupyter.commands.tools import parameters
from loco_nb.tools import default_registry
from loco_nb.tools.edit import EditFile
from loco_nb.tools.files import ReadFile
from loco_nb.tools.notebook import LastError


class FakeAssistant:
    def __init__(self) -> None:
        self.registry = default_registry(plugins=False, notebook=False)


class FakeMagics:
    def __init__(self) -> None:
        self.assistant = FakeAssistant()


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    displayed: list[Any] = []
    monkeypatch.setattr(tools_command, "display", displayed.append)
    command = commands.find("tools")
    command.handler(FakeMagics(), command.parser.parse_args([]))
    return displayed


def test_lists_every_tool(shown: list[Any]) -> None:
    table = shown[0]

    assert [row[0] for row in table.rows] == sorted(
        ["read_file", "list_files", "search_files", "write_file", "edit_file", "delete_file",
         "run_command"]
    )  # fmt: skip
    assert table.caption == "7 tools"


def test_rows_show_approval_and_source(shown: list[Any]) -> None:
    rows = {row[0]: row for row in shown[0].rows}

    assert rows["read_file"][2] == "none"
    assert rows["write_file"][2] == "asks (or --yes)"
    assert rows["run_command"][2] == "asks each time"
    assert rows["edit_file"][3] == "built-in"


def test_parameters_with_defaults() -> None:
    assert parameters(ReadFile()) == (
        "path: string, start_line: integer = 1, num_lines: integer | null = None"
    )
    assert parameters(EditFile()) == "path: string, edits: list[ReplaceBlock | LineEdit]"
    assert parameters(LastError()) == "(none)"


def test_listed_in_help() -> None:
    assert "tools" in commands.overview()
