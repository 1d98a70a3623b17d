"""Sessions in a real kernel: rename, delete, trash, restore, export, import, search, project."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat

from tests.conftest import REPO
from tests.jupyter.kernel import RunCells
from tests.scripted_server import ScriptedServer

QUESTION = "What does main.py do?"
ANSWER = "It prints a greeting from util.greet:\n\n```python\nprint(util.greet('world'))\n```"

COMMANDS = {
    "ask": f"%%loco\n{QUESTION}",
    "rename": "%loco rename Greeting notes",
    "export": "%loco export out.ipynb",
    "search": "%loco search greeting",
    "find id": "session_id = _loco_session_id()",
    "delete": "%loco delete {session_id}",
    "trash": "%loco trash",
    "restore": "%loco restore",
    "sessions": "%loco sessions",
    "import": "%loco import out.ipynb",
    "project": "%loco project",
    "use repo": f"%config LocoMagics.project_dir = {str(REPO)!r}",
    "repo project": "%loco project",
}

# Cell index of each command: after the two setup cells and the helper cell.
AT = {name: 3 + position for position, name in enumerate(COMMANDS)}


def session_id_helper(project: Path) -> str:
    """A cell defining _loco_session_id(), which reads the one session file of the project."""
    folder = project / ".loco" / "sessions"
    return (
        "import pathlib\n"
        "def _loco_session_id():\n"
        f"    return next(pathlib.Path({str(folder)!r}).glob('*.json')).stem"
    )


def messages(path: Path) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(path.read_text())
    return [{k: m[k] for k in ("role", "content", "tool_results")} for m in data["messages"]]


def test_sessions_round_trip(
    scripted: ScriptedServer,
    run_cells: RunCells,
    setup_cells: list[str],
    project: Path,
    workdir: Path,
) -> None:
    scripted.reply('{"name": "read_file", "params": {"path": "main.py"}}')
    scripted.reply('{"name": "answer"}')
    scripted.reply(ANSWER)

    run = run_cells([*setup_cells, session_id_helper(project), *COMMANDS.values()])
    moved = re.search(
        r"Moved 1 sessions to \S+; %loco restore (\S+) brings", run.stream(AT["delete"])
    )
    imported = re.search(r"as session (\S+) \(2 messages\)", run.stream(AT["import"]))
    folder = project / ".loco" / "sessions"
    exported = nbformat.read(workdir / "out.ipynb", as_version=4)
    repo = run.displays(AT["repo project"], "text/markdown")[0]

    assert "Greeting notes" in run.stream(AT["rename"])
    assert "«greeting»" in run.displays(AT["search"], "text/html")[0]
    assert moved is not None
    assert moved.group(1) in run.displays(AT["trash"], "text/html")[0]
    assert run.stream(AT["restore"]).startswith(f"Restored 1 items from {moved.group(1)}")
    assert "Greeting notes" in run.displays(AT["sessions"], "text/html")[0]
    nbformat.validate(exported)
    assert exported.metadata["loco_nb"]["models"] == ["scripted-coder-7b"]
    assert imported is not None
    original = folder / f"{run.stream(AT['rename']).split()[2]}.json"
    assert messages(folder / f"{imported.group(1)}.json") == messages(original)
    assert "`main.py`" in run.displays(AT["project"], "text/markdown")[0]
    assert "**Tech stack:** python" in repo
    assert "`loco-nb = loco_nb.cli:main`" in repo


def test_corrupt_file_reported(run_cells: RunCells, setup_cells: list[str], project: Path) -> None:
    folder = project / ".loco" / "sessions"
    folder.mkdir(parents=True)
    (folder / "chat_1.json").write_text('{"id": "chat_1", "title": "kept", "messages": [')
    (folder / "chat_2.json").write_text('{"id": "chat_2", "title": "readable"}')

    run = run_cells([*setup_cells, "%loco sessions"])
    kept = list(folder.glob("chat_1.json.corrupt-*"))

    assert f"{folder / 'chat_1.json'} is corrupt" in run.stream(2)
    assert str(kept[0]) in run.stream(2)
    assert kept[0].read_text() == '{"id": "chat_1", "title": "kept", "messages": ['
    assert "readable" in run.displays(2, "text/html")[0]
