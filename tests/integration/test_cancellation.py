"""Cancelling a request mid-stream saves the session with the task marked cancelled."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from loco_nb import Assistant, Session
from loco_nb._background import BackgroundLoop
from loco_nb.agent.events import Event, Progress, Token
from tests.integration.helpers import ANSWER, saved_session
from tests.scripted_server import ScriptedServer

# About five seconds of streaming at 0.05 s a word, far longer than a cancel takes.
SLOW_TEXT = " ".join(f"word{i}" for i in range(100))


def script_slow_answer(scripted: ScriptedServer) -> None:
    scripted.reply(ANSWER)
    scripted.reply(SLOW_TEXT, chunk_delay=0.05)


async def ask_then_cancel_on_first_token(assistant: Assistant, text: str) -> bool:
    """Run ``ask_async``, cancel it after the first token, and return whether it was cancelled."""
    first_token = asyncio.Event()

    def emit(event: Event) -> None:
        if isinstance(event, Token):
            first_token.set()

    request = asyncio.create_task(assistant.ask_async(text, emit=emit))
    await first_token.wait()
    request.cancel()
    try:
        await request
    except asyncio.CancelledError:
        return True
    return False


def test_ask_async_cancel_mid_stream(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_slow_answer(scripted)

    raised = asyncio.run(ask_then_cancel_on_first_token(assistant, "Write a long essay."))

    assert raised is True
    path = assistant.store.path_for(assistant.session.id)
    assert path.exists()
    stored = Session.model_validate_json(path.read_text())
    assert [(m.role.value, m.content) for m in stored.messages] == [
        ("user", "Write a long essay."),
        ("assistant", ""),
    ]
    assert stored.messages[1].error == "stopped by the user"
    assert stored.tasks[0].status.value == "cancelled"


def test_ask_async_usable_after_cancel(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_slow_answer(scripted)
    asyncio.run(ask_then_cancel_on_first_token(assistant, "Write a long essay."))
    scripted.reply(ANSWER)
    scripted.reply("Short this time.")

    message = assistant.ask("Write a short note.")

    assert message.content == "Short this time."


def test_interrupt_in_on_event_cancels(scripted: ScriptedServer, assistant: Assistant) -> None:
    script_slow_answer(scripted)

    def interrupt_on_token(event: Event) -> None:
        if isinstance(event, Token):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        assistant.ask("Write a long essay.", on_event=interrupt_on_token)

    saved = saved_session(assistant)
    assert [m["role"] for m in saved["messages"]] == ["user", "assistant"]
    assert saved["tasks"][0]["status"] == "cancelled"


def test_background_loop_interrupt_cancels_work() -> None:
    background = BackgroundLoop()
    cancelled = threading.Event()

    async def work(emit: Callable[[Event], None]) -> None:
        emit(Progress(text="started"))
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def interrupt(event: Event) -> None:
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            background.run(work, interrupt)
    finally:
        background.close()

    assert cancelled.is_set()


def test_background_loop_delivers_events() -> None:
    background = BackgroundLoop()
    received: list[Event] = []
    caller = threading.get_ident()
    threads: list[int] = []

    async def work(emit: Callable[[Event], None]) -> str:
        emit(Progress(text="one"))
        emit(Progress(text="two"))
        return "result"

    def record(event: Event) -> None:
        received.append(event)
        threads.append(threading.get_ident())

    try:
        result = background.run(work, record)
    finally:
        background.close()

    assert result == "result"
    assert received == [Progress(text="one"), Progress(text="two")]
    assert set(threads) == {caller}
