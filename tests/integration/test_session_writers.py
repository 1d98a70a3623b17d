"""Two processes appending to the same session file lose no message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from loco_nb.store.sessions import SessionStore
from tests.conftest import REPO

APPENDS = 40

# Each writer loads the session once, then appends and saves one message at a
# time, as a kernel does after every turn.
_WRITER = """
import sys
from pathlib import Path
from loco_nb.models import Message, Role
from loco_nb.store.sessions import SessionStore

project, session_id, name, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
store = SessionStore(project)
session = store.load(session_id)
print("ready", flush=True)
sys.stdin.readline()
for number in range(count):
    session.messages.append(Message(role=Role.USER, content=f"{name} {number}"))
    store.save(session)
"""


def start_writer(project: Path, session_id: str, name: str) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(project), session_id, name, str(APPENDS)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "ready\n"
    return writer


def run_writers(store: SessionStore, session_id: str) -> list[int]:
    """Run the two writers, releasing them together so their saves interleave."""
    writers = [start_writer(store.project_dir, session_id, name) for name in ("left", "right")]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        writer.communicate(timeout=300)
    return [writer.returncode for writer in writers]


def test_two_processes_lose_nothing(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "project")
    session = store.create()

    codes = run_writers(store, session.id)
    contents = [m.content for m in store.load(session.id).messages]

    assert codes == [0, 0]
    assert len(contents) == 2 * APPENDS
    expected = [f"{name} {i}" for name in ("left", "right") for i in range(APPENDS)]
    assert sorted(contents) == sorted(expected)


def test_each_writer_keeps_its_order(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "project")
    session = store.create()

    run_writers(store, session.id)
    contents = [m.content for m in store.load(session.id).messages]

    assert [text for text in contents if text.startswith("left")] == [
        f"left {i}" for i in range(APPENDS)
    ]
    assert [text for text in contents if text.startswith("right")] == [
        f"right {i}" for i in range(APPENDS)
    ]
