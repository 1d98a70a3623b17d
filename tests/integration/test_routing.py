"""Routing over several scripted servers from LOCO_SERVERS: sizes, failover and health."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from loco_nb import Assistant, ServerUnavailable
from loco_nb.agent.events import Event, Progress
from tests.integration.helpers import ANSWER
from tests.integration.orchestration import TaskServer


def configure(monkeypatch: pytest.MonkeyPatch, *servers: tuple[TaskServer, dict[str, str]]) -> None:
    entries = [{"url": server.url, "models": models} for server, models in servers]
    monkeypatch.setenv("LOCO_SERVERS", json.dumps(entries))


def script_answer(server: TaskServer, text: str) -> None:
    server.reply(ANSWER)
    server.reply(text)


@pytest.fixture
def pair(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TaskServer, TaskServer]]:
    """Two scripted servers that both serve size M, the first one listed first."""
    with TaskServer(models=("first-1.5b",)) as first, TaskServer(models=("second-1.5b",)) as second:
        configure(monkeypatch, (first, {"M": "first-1.5b"}), (second, {"M": "second-1.5b"}))
        yield first, second


# sizes across servers


def test_size_served_by_its_server(
    monkeypatch: pytest.MonkeyPatch, make_assistant: Callable[..., Assistant]
) -> None:
    with TaskServer(models=("small-0.5b",)) as small, TaskServer(models=("large-14b",)) as large:
        configure(monkeypatch, (small, {}), (large, {}))
        script_answer(large, "From the large model.")
        assistant = make_assistant()

        message = assistant.ask("Say hello.", model="L")

    assert message.content == "From the large model."
    assert small.requests == []
    assert assistant.session.tasks[0].model_id == "large-14b"


def test_missing_size_notice_emitted(
    monkeypatch: pytest.MonkeyPatch, make_assistant: Callable[..., Assistant]
) -> None:
    with TaskServer(models=("large-14b",)) as large:
        configure(monkeypatch, (large, {}))
        script_answer(large, "From the large model.")
        events: list[Event] = []

        make_assistant().ask("Say hello.", model="S", on_event=events.append)

    notes = [e.text for e in events if isinstance(e, Progress)]
    assert "No S model is configured; using the L model large-14b." in notes


# failover


def test_first_server_used_while_up(
    pair: tuple[TaskServer, TaskServer], make_assistant: Callable[..., Assistant]
) -> None:
    first, second = pair
    script_answer(first, "From the first server.")

    message = make_assistant().ask("Say hello.")

    assert message.content == "From the first server."
    assert second.requests == []


def test_stopped_server_fails_over(
    pair: tuple[TaskServer, TaskServer], make_assistant: Callable[..., Assistant]
) -> None:
    first, second = pair
    script_answer(first, "From the first server.")
    script_answer(second, "From the second server.")
    assistant = make_assistant()

    assistant.ask("Say hello.")
    first.stop()
    message = assistant.ask("Say hello again.")

    assert message.content == "From the second server."
    assert assistant.session.tasks[-1].model_id == "second-1.5b"
    assert assistant.session.tasks[-1].status.value == "completed"


def test_stopped_server_reported_down(
    pair: tuple[TaskServer, TaskServer], make_assistant: Callable[..., Assistant]
) -> None:
    first, second = pair
    url = first.url
    script_answer(first, "From the first server.")
    script_answer(second, "From the second server.")
    assistant = make_assistant()

    assistant.ask("Say hello.")
    first.stop()
    assistant.ask("Say hello again.")
    health = {server.url: server for server in assistant.servers()}

    assert health[url].up is False
    assert isinstance(health[url].error, ServerUnavailable)
    assert health[second.url].up is True


def test_down_server_not_asked_again(
    pair: tuple[TaskServer, TaskServer], make_assistant: Callable[..., Assistant]
) -> None:
    first, second = pair
    script_answer(first, "From the first server.")
    for number in range(2):
        script_answer(second, f"Answer {number}.")
    assistant = make_assistant()

    assistant.ask("Say hello.")
    first.stop()
    assistant.ask("Say hello again.")
    message = assistant.ask("And once more.")

    assert message.content == "Answer 1."
    assert len(second.requests) == 4


def test_all_servers_down_raises(
    pair: tuple[TaskServer, TaskServer], make_assistant: Callable[..., Assistant]
) -> None:
    first, second = pair
    urls = (first.url, second.url)
    first.stop()
    second.stop()

    with pytest.raises(ServerUnavailable) as caught:
        make_assistant().ask("Say hello.")

    assert str(caught.value).startswith("None of the 2 servers answers")
    assert all(url in str(caught.value) for url in urls)


def test_both_stopped_mid_session_raises(
    pair: tuple[TaskServer, TaskServer], make_assistant: Callable[..., Assistant]
) -> None:
    first, second = pair
    script_answer(first, "From the first server.")
    assistant = make_assistant()

    assistant.ask("Say hello.")
    first.stop()
    second.stop()

    with pytest.raises(ServerUnavailable):
        assistant.ask("Say hello again.")

    assert assistant.session.tasks[-1].status.value == "failed"


def test_one_step_request_skips_planner_size(
    monkeypatch: pytest.MonkeyPatch, make_assistant: Callable[..., Assistant]
) -> None:
    # The planner (size M) is not looked up for a request it will not plan.
    with TaskServer(models=("large-14b",)) as large:
        configure(monkeypatch, (large, {}))
        script_answer(large, "From the large model.")
        assistant = make_assistant()

        assistant.ask("Say hello.", model="L")

    assert assistant.router.notices == []
