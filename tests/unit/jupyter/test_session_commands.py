"""Argument handling of the session subcommands, with a stand-in assistant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from loco_nb.jupyter import commands
from loco_nb.jupyter.commands.sessions import format_size


class FakeAssistant:
    """Records the export request and writes nothing."""

    def __init__(self) -> None:
        self.exports: list[dict[str, Any]] = []

    def export_sessions(
        self, session_ids: list[str] | None, **options: Any
    ) -> list[tuple[str, Path]]:
        self.exports.append({"session_ids": session_ids, **options})
        return [(session_id, Path(f"{session_id}.ipynb")) for session_id in session_ids or []]


class FakeMagics:
    def __init__(self) -> None:
        self.assistant = FakeAssistant()


def run_export(*words: str) -> dict[str, Any]:
    magics = FakeMagics()
    command = commands.find("export")
    command.handler(magics, command.parser.parse_args(list(words)))
    return magics.assistant.exports[0]


def test_export_current_by_default() -> None:
    request = run_export()

    assert request["session_ids"] is None
    assert request["all_sessions"] is False
    assert request["include_tools"] is True
    assert request["output"] is None


def test_export_several_ids() -> None:
    request = run_export("chat_1", "chat_2", "-o", "out")

    assert request["session_ids"] == ["chat_1", "chat_2"]
    assert request["output"] == Path("out")


def test_export_path_as_last_name() -> None:
    request = run_export("chat_1", "shared.ipynb")

    assert request["session_ids"] == ["chat_1"]
    assert request["output"] == Path("shared.ipynb")


def test_export_all_without_tools() -> None:
    request = run_export("--all", "--no-tools")

    assert request["all_sessions"] is True
    assert request["include_tools"] is False


@pytest.mark.parametrize(
    "words",
    [("--all", "chat_1"), ("a.ipynb", "b.ipynb"), ("a.ipynb", "-o", "b.ipynb")],
)
def test_export_conflicts_rejected(words: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        run_export(*words)


def test_search_limit_checked() -> None:
    command = commands.find("search")

    with pytest.raises(UsageError) as caught:
        command.handler(FakeMagics(), command.parser.parse_args(["word", "--limit", "0"]))

    assert "--limit must be at least 1" in str(caught.value)


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (123_456, "123.5 kB"), (4_200_000, "4.2 MB")],
)
def test_format_size(size: int, shown: str) -> None:
    assert format_size(size) == shown


def test_commands_registered() -> None:
    names = {"sessions", "new", "switch", "rename", "delete", "trash", "restore"}
    names |= {"export", "import", "search", "project", "analyze"}

    assert names <= set(commands.COMMANDS)
