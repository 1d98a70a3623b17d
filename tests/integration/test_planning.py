"""Plans against the scripted server: order, overlap, re-asking, failures, cancellation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from loco_nb import Assistant, Session
from loco_nb.agent.events import Event, PlanCreated, Progress, TaskStarted, Token
from loco_nb.agent.planner import PLAN_ATTEMPTS
from loco_nb.models import Task, TaskStatus
from tests.integration.helpers import ANSWER, last_user_message, tool_call
from tests.integration.orchestration import (
    TaskServer,
    plan_reply,
    planner_visits,
    task_marker,
)
from tests.scripted_server import Scripted

REQUEST = "Read main.py, then explain what it prints, and list the files of the project"
READ = "Read main.py and note what it prints."
EXPLAIN = "Explain what main.py prints."
FILES = "List the files of the project."
READ_OUTPUT = "main.py prints the greeting hello world."
FILES_OUTPUT = "The project has main.py and util.py."
EXPLAIN_OUTPUT = "It prints hello world, built by util.greet."

THREE_TASKS = plan_reply(
    ("read", "analyze", READ, []),
    ("explain", "answer", EXPLAIN, ["read"]),
    ("files", "search", FILES, []),
)


@pytest.fixture
def assistant(task_server: TaskServer, make_assistant: Callable[..., Assistant]) -> Assistant:
    """An Assistant on ``project`` that talks to ``task_server``."""
    return make_assistant()


def script_three_tasks(server: TaskServer) -> None:
    """Script the plan and each task; read and files each wait until the other has started."""
    server.reply(THREE_TASKS)
    server.route(
        task_marker(READ),
        server.gate(tool_call("read_file", path="main.py"), wait_for=task_marker(FILES)),
        ANSWER,
        READ_OUTPUT,
    )
    server.route(
        task_marker(FILES),
        server.gate(ANSWER, wait_for=task_marker(READ)),
        FILES_OUTPUT,
    )
    server.route(task_marker(EXPLAIN), ANSWER, EXPLAIN_OUTPUT)


def tasks_by_description(assistant: Assistant) -> dict[str, Task]:
    return {task.description: task for task in assistant.session.tasks}


# order and concurrency


def test_plan_runs_three_tasks(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    tasks = tasks_by_description(assistant)
    assert sorted(tasks) == sorted([READ, EXPLAIN, FILES])
    assert {task.status for task in tasks.values()} == {TaskStatus.COMPLETED}


def test_dependency_recorded_on_task(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    tasks = tasks_by_description(assistant)
    assert tasks[EXPLAIN].dependencies == [tasks[READ].id]
    assert tasks[FILES].dependencies == []


def test_dependent_starts_after_dependency(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    read_ended = max(visit.ended for visit in task_server.visits_of(task_marker(READ)))
    explain_started = min(visit.started for visit in task_server.visits_of(task_marker(EXPLAIN)))
    assert explain_started > read_ended


def test_dependent_task_times_ordered(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    tasks = tasks_by_description(assistant)
    assert tasks[READ].completed_at is not None
    assert tasks[EXPLAIN].started_at is not None
    assert tasks[EXPLAIN].started_at >= tasks[READ].completed_at


def test_independent_tasks_overlap(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    # Each gate opens only when the other task's request has arrived while it waits.
    assert sorted(task_server.gates_opened) == sorted([task_marker(READ), task_marker(FILES)])


def test_independent_requests_interleave(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    read_first = task_server.visits_of(task_marker(READ))[0]
    files_first = task_server.visits_of(task_marker(FILES))[0]
    assert read_first.started < files_first.ended
    assert files_first.started < read_first.ended


def test_dependent_gets_dependency_output(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    first = task_server.visits_of(task_marker(EXPLAIN))[0]
    text = json.dumps(first.body["messages"])
    assert READ_OUTPUT in text
    assert FILES_OUTPUT not in text


def test_task_input_names_whole_request(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    first = task_server.visits_of(task_marker(FILES))[0]
    assert f"Overall request: {REQUEST}" in last_user_message(first.body)


def test_answer_joins_final_tasks(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    message = assistant.ask(REQUEST)

    assert EXPLAIN_OUTPUT in message.content
    assert FILES_OUTPUT in message.content
    assert READ_OUTPUT not in message.content


def test_plan_event_before_task_events(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)
    events: list[Event] = []

    assistant.ask(REQUEST, on_event=events.append)

    kinds = [type(e) for e in events if isinstance(e, (PlanCreated, TaskStarted))]
    assert kinds == [PlanCreated, TaskStarted, TaskStarted, TaskStarted]


def test_limit_one_runs_in_turn(
    task_server: TaskServer,
    make_assistant: Callable[..., Assistant],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOCO_MAX_PARALLEL", "1")
    task_server.reply(plan_reply(("read", "analyze", READ, []), ("files", "search", FILES, [])))
    task_server.route(task_marker(READ), ANSWER, READ_OUTPUT)
    task_server.route(task_marker(FILES), ANSWER, FILES_OUTPUT)

    make_assistant().ask(REQUEST)

    read = task_server.visits_of(task_marker(READ))
    files = task_server.visits_of(task_marker(FILES))
    first, second = (read, files) if read[0].started < files[0].started else (files, read)
    assert second[0].started > first[-1].ended


# when a plan is made


def test_plan_false_never_plans(task_server: TaskServer, assistant: Assistant) -> None:
    task_server.reply(ANSWER)
    task_server.reply("One answer.")

    assistant.ask(REQUEST, plan=False)

    assert planner_visits(task_server) == []
    assert len(assistant.session.tasks) == 1


def test_plan_true_always_plans(task_server: TaskServer, assistant: Assistant) -> None:
    task_server.reply(plan_reply(("only", "answer", "Say what main.py does.", [])))
    task_server.reply(ANSWER)
    task_server.reply("It greets the world.")

    assistant.ask("What does main.py do?", plan=True)

    assert len(planner_visits(task_server)) == 1


def test_one_step_request_not_planned(task_server: TaskServer, assistant: Assistant) -> None:
    task_server.reply(ANSWER)
    task_server.reply("It greets the world.")

    assistant.ask("What does main.py do?")

    assert planner_visits(task_server) == []
    assert len(task_server.requests) == 2


def test_planner_request_carries_schema(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    body = planner_visits(task_server)[0].body
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["tasks"]
    assert last_user_message(body).endswith(f"Request: {REQUEST}")


def test_one_task_plan_gets_request(task_server: TaskServer, assistant: Assistant) -> None:
    task_server.reply(plan_reply(("only", "answer", "Say what main.py does.", [])))
    task_server.reply(ANSWER)
    task_server.reply("It greets the world.")

    assistant.ask("What does main.py do?", plan=True)

    assert last_user_message(task_server.requests[1]) == "What does main.py do?"


# invalid plans


CYCLE = plan_reply(("a", "analyze", "Do a.", ["b"]), ("b", "answer", "Do b.", ["a"]))
UNKNOWN_DEPENDENCY = plan_reply(("a", "analyze", "Do a.", ["ghost"]))
UNKNOWN_TYPE = plan_reply(("a", "dance", "Do a.", []))
NOT_JSON = "First read main.py, then explain it."


def script_invalid_plans(server: TaskServer) -> None:
    server.reply(CYCLE)
    server.reply(UNKNOWN_DEPENDENCY)
    server.reply(UNKNOWN_TYPE)
    server.reply(ANSWER)
    server.reply("One task did it all.")


def test_invalid_plans_fall_back(task_server: TaskServer, assistant: Assistant) -> None:
    script_invalid_plans(task_server)

    message = assistant.ask(REQUEST)

    assert message.content == "One task did it all."
    assert len(assistant.session.tasks) == 1
    assert assistant.session.tasks[0].input == REQUEST


def test_invalid_plan_asked_three_times(task_server: TaskServer, assistant: Assistant) -> None:
    script_invalid_plans(task_server)

    assistant.ask(REQUEST)

    assert len(planner_visits(task_server)) == PLAN_ATTEMPTS == 3


def test_cycle_reason_sent_back(task_server: TaskServer, assistant: Assistant) -> None:
    script_invalid_plans(task_server)

    assistant.ask(REQUEST)

    second = planner_visits(task_server)[1].body
    assert second["messages"][-2] == {"role": "assistant", "content": CYCLE}
    feedback = last_user_message(second)
    assert feedback.startswith("That plan is invalid:")
    assert "cycle: a -> b -> a" in feedback


def test_unknown_dependency_reason_sent(task_server: TaskServer, assistant: Assistant) -> None:
    script_invalid_plans(task_server)

    assistant.ask(REQUEST)

    feedback = last_user_message(planner_visits(task_server)[2].body)
    assert "unknown tasks ['ghost']" in feedback


def test_reasons_accumulate_in_history(task_server: TaskServer, assistant: Assistant) -> None:
    script_invalid_plans(task_server)

    assistant.ask(REQUEST)

    third = planner_visits(task_server)[2].body
    invalid = [m for m in third["messages"] if m["content"].startswith("That plan is invalid")]
    assert len(invalid) == 2


def test_unknown_type_reported_on_fallback(task_server: TaskServer, assistant: Assistant) -> None:
    script_invalid_plans(task_server)
    events: list[Event] = []

    assistant.ask(REQUEST, on_event=events.append)

    notes = [e.text for e in events if isinstance(e, Progress) and "Planning failed" in e.text]
    assert len(notes) == 1
    assert "tasks.0.type" in notes[0]


def test_not_json_reason_then_valid(task_server: TaskServer, assistant: Assistant) -> None:
    task_server.reply(NOT_JSON)
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    feedback = last_user_message(planner_visits(task_server)[1].body)
    assert "the reply is not JSON" in feedback
    assert len(assistant.session.tasks) == 3


def test_planner_error_falls_back(task_server: TaskServer, assistant: Assistant) -> None:
    task_server.fail(500, '{"error": "planner crashed"}')
    task_server.reply(ANSWER)
    task_server.reply("One task did it all.")

    message = assistant.ask(REQUEST)

    assert message.content == "One task did it all."
    assert len(planner_visits(task_server)) == 1


# failures and cancellation


def script_failing_read(server: TaskServer) -> None:
    server.reply(THREE_TASKS)
    server.route(
        task_marker(READ), Scripted(status=500, error_body='{"error": "the model crashed"}')
    )
    server.route(task_marker(FILES), ANSWER, FILES_OUTPUT)


def ask_with_failing_read(server: TaskServer, assistant: Assistant) -> dict[str, Task]:
    """Run the three-task request with the read task failing; return the tasks it left."""
    script_failing_read(server)
    assistant.ask(REQUEST)
    return tasks_by_description(assistant)


def test_partial_answer_names_failure(task_server: TaskServer, assistant: Assistant) -> None:
    script_failing_read(task_server)

    message = assistant.ask(REQUEST)

    assert FILES_OUTPUT in message.content
    assert message.error is not None
    assert "the model crashed" in message.error


def test_failed_task_fails_dependent(task_server: TaskServer, assistant: Assistant) -> None:
    tasks = ask_with_failing_read(task_server, assistant)

    assert tasks[READ].status == TaskStatus.FAILED
    assert tasks[EXPLAIN].status == TaskStatus.FAILED


def test_dependent_failure_names_reason(task_server: TaskServer, assistant: Assistant) -> None:
    tasks = ask_with_failing_read(task_server, assistant)

    assert tasks[EXPLAIN].error is not None
    assert tasks[EXPLAIN].error.startswith(f"dependency {tasks[READ].id} did not complete")
    assert "the model crashed" in tasks[EXPLAIN].error


def test_failed_task_others_finish(task_server: TaskServer, assistant: Assistant) -> None:
    tasks = ask_with_failing_read(task_server, assistant)

    assert tasks[FILES].status == TaskStatus.COMPLETED
    assert tasks[FILES].output == FILES_OUTPUT
    assert task_server.visits_of(task_marker(EXPLAIN)) == []


async def cancel_when_two_stream(assistant: Assistant, text: str) -> None:
    """Run ``text`` and cancel it once read and files both stream their answers."""
    streaming: set[str] = set()
    both = asyncio.Event()

    def emit(event: Event) -> None:
        if isinstance(event, Token):
            streaming.add(event.task_id)
            if len(streaming) == 2:
                both.set()

    request = asyncio.create_task(assistant.ask_async(text, emit=emit))
    await asyncio.wait_for(both.wait(), 30)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request


def script_slow_tasks(server: TaskServer) -> None:
    """Script read and files to stream for about ten seconds, far longer than a cancel takes."""
    slow = Scripted(content=" ".join(f"word{i}" for i in range(200)), chunk_delay=0.05)
    server.reply(THREE_TASKS)
    server.route(task_marker(READ), ANSWER, slow)
    server.route(task_marker(FILES), ANSWER, slow)


def test_cancel_marks_all_cancelled(task_server: TaskServer, assistant: Assistant) -> None:
    script_slow_tasks(task_server)

    asyncio.run(cancel_when_two_stream(assistant, REQUEST))

    statuses = {task.description: task.status for task in assistant.session.tasks}
    assert statuses == {
        READ: TaskStatus.CANCELLED,
        EXPLAIN: TaskStatus.CANCELLED,
        FILES: TaskStatus.CANCELLED,
    }


def test_cancel_saves_session(task_server: TaskServer, assistant: Assistant) -> None:
    script_slow_tasks(task_server)

    asyncio.run(cancel_when_two_stream(assistant, REQUEST))

    path = assistant.store.path_for(assistant.session.id)
    stored = Session.model_validate_json(path.read_text())
    assert (stored.messages[0].role.value, stored.messages[0].content) == ("user", REQUEST)
    assert [t.status.value for t in stored.tasks] == ["cancelled"] * 3


def test_cancelled_pending_never_ran(task_server: TaskServer, assistant: Assistant) -> None:
    script_slow_tasks(task_server)

    asyncio.run(cancel_when_two_stream(assistant, REQUEST))

    explain = tasks_by_description(assistant)[EXPLAIN]
    assert explain.started_at is None
    assert explain.error == "cancelled"
    assert task_server.visits_of(task_marker(EXPLAIN)) == []


# metrics


def test_metrics_updated_after_request(task_server: TaskServer, assistant: Assistant) -> None:
    script_three_tasks(task_server)

    assistant.ask(REQUEST)

    [figures] = assistant.metrics.figures()
    assert figures.model_id == "scripted-coder-7b"
    assert figures.tasks == 3
    assert figures.completed == 3
    assert figures.by_type == {"analyze": (1, 1), "answer": (1, 1), "search": (1, 1)}


def test_metrics_count_failures(task_server: TaskServer, assistant: Assistant) -> None:
    script_failing_read(task_server)

    assistant.ask(REQUEST)

    [figures] = assistant.metrics.figures()
    assert figures.tasks == 2
    assert figures.completed == 1
