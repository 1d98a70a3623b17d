"""A planned request in a real kernel against the embedded models.

The assertions are on the plan's structure and the tasks' outcomes, never on
the models' wording. On the 2-core test machine, with other suites running,
the cell took 5 to 7 minutes: one planning call of the 1.5B model, then two
or three calls per task.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import REPO

pytestmark = pytest.mark.slow

REQUEST = "Read main.py, then explain what it prints, and list the files of the project"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nbformat.NotebookNode]:
    """Run the planned request once; the tests below read the notebook and the session."""
    workdir = tmp_path_factory.mktemp("plan_embedded")
    shutil.copytree(
        REPO / "notebooks" / "sample_project",
        workdir / "sample_project",
        ignore=shutil.ignore_patterns(".loco", "__pycache__"),
    )
    notebook = new_notebook(
        cells=[
            new_code_cell("%load_ext loco_nb"),
            new_code_cell('%config LocoMagics.project_dir = "sample_project"'),
            new_code_cell(f"%%loco --plan\n{REQUEST}"),
        ]
    )
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=900, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return workdir, notebook


def saved_tasks(workdir: Path) -> list[dict[str, Any]]:
    [session] = (workdir / "sample_project" / ".loco" / "sessions").glob("*.json")
    return list(json.loads(session.read_text())["tasks"])


def test_request_planned_into_tasks(executed: tuple[Path, nbformat.NotebookNode]) -> None:
    tasks = saved_tasks(executed[0])

    assert len(tasks) >= 2


def test_every_task_completed(executed: tuple[Path, nbformat.NotebookNode]) -> None:
    tasks = saved_tasks(executed[0])

    assert [task["status"] for task in tasks] == ["completed"] * len(tasks)


def test_plan_has_a_dependency(executed: tuple[Path, nbformat.NotebookNode]) -> None:
    tasks = saved_tasks(executed[0])

    assert any(task["dependencies"] for task in tasks)


def test_dependencies_finish_first(executed: tuple[Path, nbformat.NotebookNode]) -> None:
    tasks = {task["id"]: task for task in saved_tasks(executed[0])}

    for task in tasks.values():
        started = datetime.fromisoformat(task["started_at"])
        for dependency in task["dependencies"]:
            assert started >= datetime.fromisoformat(tasks[dependency]["completed_at"])


def test_task_list_shows_completion(executed: tuple[Path, nbformat.NotebookNode]) -> None:
    outputs = executed[1].cells[2].outputs
    tables = [
        o["data"]["text/plain"]
        for o in outputs
        if "data" in o and o["data"].get("text/plain", "").startswith("#")
    ]
    rows = tables[0].splitlines()[1:]

    assert len(rows) == len(saved_tasks(executed[0]))
    assert all("completed" in row for row in rows)
