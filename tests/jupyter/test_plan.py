"""``%%loco --plan``, ``%loco models`` and ``%loco metrics`` in a real kernel."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.helpers import ANSWER, tool_call
from tests.integration.orchestration import TaskServer, plan_reply, task_marker
from tests.jupyter.kernel import ExecutedNotebook, RunCells

REQUEST = "Read main.py, then explain what it prints, and list the files of the project"
READ = "Read main.py and note what it prints."
EXPLAIN = "Explain what main.py prints."
FILES = "List the files of the project."
EXPLAIN_OUTPUT = "It prints **hello world**."
FILES_OUTPUT = "The project has main.py and util.py."


@pytest.fixture
def task_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[TaskServer]:
    """A task-routing scripted server on 127.0.0.1, set as LOCO_BASE_URL for the kernel."""
    with TaskServer() as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server


def script_plan(server: TaskServer) -> None:
    server.reply(
        plan_reply(
            ("read", "analyze", READ, []),
            ("explain", "answer", EXPLAIN, ["read"]),
            ("files", "search", FILES, []),
        )
    )
    server.route(task_marker(READ), tool_call("read_file", path="main.py"), ANSWER, "Hello.")
    server.route(task_marker(EXPLAIN), ANSWER, EXPLAIN_OUTPUT)
    server.route(task_marker(FILES), ANSWER, FILES_OUTPUT)


@pytest.fixture
def planned(
    task_server: TaskServer, run_cells: RunCells, setup_cells: list[str]
) -> ExecutedNotebook:
    """Run the scripted three-task plan in cell 2, then ``%loco metrics`` in cell 3."""
    script_plan(task_server)
    return run_cells([*setup_cells, f"%%loco --plan\n{REQUEST}", "%loco metrics"])


def task_table(run: ExecutedNotebook, index: int) -> str:
    tables = [text for text in run.displays(index, "text/plain") if text.startswith("#")]
    assert len(tables) == 1, run.displays(index, "text/plain")
    return tables[0]


def row_of(table: str, description: str) -> str:
    rows = [line for line in table.splitlines() if line.endswith(description)]
    assert len(rows) == 1, table
    return rows[0]


def test_plan_shows_task_list(planned: ExecutedNotebook) -> None:
    table = task_table(planned, 2)

    assert table.splitlines()[0].split() == [
        "#",
        "status",
        "type",
        "size",
        "model",
        "time",
        "after",
        "task",
    ]
    assert len(table.splitlines()) == 4


def test_task_list_final_status(planned: ExecutedNotebook) -> None:
    table = task_table(planned, 2)

    for description in (READ, EXPLAIN, FILES):
        assert "completed" in row_of(table, description)


def test_task_list_shows_dependency(planned: ExecutedNotebook) -> None:
    table = task_table(planned, 2)
    read_number = row_of(table, READ).split()[0]

    assert row_of(table, EXPLAIN).split()[-len(EXPLAIN.split()) - 1] == read_number


def test_task_list_names_model(planned: ExecutedNotebook) -> None:

    assert "scripted-coder-7b" in row_of(task_table(planned, 2), FILES)


def test_plan_answer_shown(planned: ExecutedNotebook) -> None:
    answer = planned.displays(2, "text/markdown")[-1]

    assert EXPLAIN_OUTPUT in answer
    assert FILES_OUTPUT in answer


def test_plan_status_line_done(planned: ExecutedNotebook) -> None:

    assert planned.displays(2, "text/markdown")[0].startswith("✓")


def test_models_lists_sizes_and_health(
    task_server: TaskServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%loco models"])
    [table] = [t for t in run.displays(2, "text/plain") if t.startswith("size")]
    rows = [line.split() for line in table.splitlines()[1:]]

    # The id names 7B parameters, which makes the model an L.
    assert rows == [["L", "scripted-coder-7b", task_server.url, "up", "?", "JSON", "schema"]]


def test_models_status_counts_servers(
    task_server: TaskServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%loco models"])

    assert run.displays(2, "text/markdown")[0] == "1 of 1 servers answer"


def test_metrics_after_request(planned: ExecutedNotebook) -> None:
    [table] = [t for t in planned.displays(3, "text/plain") if t.startswith("Metrics in")]
    row = table.splitlines()[2].split()

    assert row[:3] == ["scripted-coder-7b", "3", "100%"]
    assert "analyze 1/1, answer 1/1, search 1/1" in table


def test_metrics_before_any_request(
    task_server: TaskServer, run_cells: RunCells, setup_cells: list[str]
) -> None:
    run = run_cells([*setup_cells, "%loco metrics"])

    assert run.stream(2) == "No tasks have run in this project yet.\n"


def test_models_reports_down_server(
    task_server: TaskServer,
    run_cells: RunCells,
    setup_cells: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with TaskServer() as stopped:
        down_url = stopped.url
    monkeypatch.setenv("LOCO_SERVERS", json.dumps([{"url": down_url}]))

    run = run_cells([*setup_cells, "%loco models"])
    [table] = [t for t in run.displays(2, "text/plain") if t.startswith("size")]
    [down_row] = [line for line in table.splitlines() if down_url in line]

    assert "down: No server answers at" in down_row
    assert run.displays(2, "text/markdown")[0] == "1 of 2 servers answer"
