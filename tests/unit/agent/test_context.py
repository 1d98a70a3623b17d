"""Unit tests of loco_nb.agent.context: fitting history and tool results into a window."""

from __future__ import annotations

import logging

import pytest

from loco_nb.agent.context import (
    CHARS_PER_TOKEN,
    REPLY_RESERVE,
    build_messages,
    clip,
    estimate_tokens,
    prompt_budget,
)
from loco_nb.models import Message, Role

SYSTEM = "You are a test assistant."
REQUEST = "What does main.py do?"


def _exchange(number: int, size: int = 10) -> list[Message]:
    return [
        Message(role=Role.USER, content=f"question {number} " + "q" * size),
        Message(role=Role.ASSISTANT, content=f"answer {number} " + "a" * size),
    ]


def _history(count: int, size: int = 10) -> list[Message]:
    return [message for number in range(count) for message in _exchange(number, size)]


def _window_for(tokens: int) -> int:
    """Return a context length that leaves ``tokens`` for the prompt after the reply reserve."""
    window = tokens + REPLY_RESERVE
    assert prompt_budget(window) == tokens, "use a window of at least 4 * REPLY_RESERVE"
    return window


def _contents(messages: list[dict[str, object]]) -> list[str]:
    return [str(m["content"]) for m in messages]


# history


def test_whole_history_when_it_fits() -> None:
    messages = build_messages(SYSTEM, _history(3), REQUEST, 32768)

    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 3 + ["user"]


def test_system_prompt_first() -> None:
    messages = build_messages(SYSTEM, _history(3), REQUEST, 32768)

    assert messages[0] == {"role": "system", "content": SYSTEM}


def test_request_last() -> None:
    messages = build_messages(SYSTEM, _history(3), REQUEST, 32768)

    assert messages[-1] == {"role": "user", "content": REQUEST}


def test_oldest_turns_dropped_first() -> None:
    history = _history(10, size=4000)
    per_exchange = estimate_tokens(history[0].content) + estimate_tokens(history[1].content)
    fixed = estimate_tokens(SYSTEM) + estimate_tokens(REQUEST)

    messages = build_messages(SYSTEM, history, REQUEST, _window_for(fixed + 3 * per_exchange))
    kept = _contents(messages)[1:-1]

    assert len(kept) == 6
    assert kept[0].startswith("question 7 ")
    assert kept[-1].startswith("answer 9 ")


def test_tiny_window_keeps_system_and_request() -> None:
    messages = build_messages(SYSTEM, _history(5, size=3000), REQUEST, 1024)

    assert _contents(messages) == [SYSTEM, REQUEST]


def test_unanswered_question_left_out() -> None:
    history = [
        *_exchange(0),
        Message(role=Role.USER, content="a question whose request failed"),
        *_exchange(1),
    ]

    messages = build_messages(SYSTEM, history, REQUEST, 32768)

    assert "a question whose request failed" not in _contents(messages)
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 2 + ["user"]


def test_empty_answer_left_out() -> None:
    history = [
        Message(role=Role.USER, content="asked"),
        Message(role=Role.ASSISTANT, content=""),
        *_exchange(1),
    ]

    messages = build_messages(SYSTEM, history, REQUEST, 32768)

    assert "asked" not in _contents(messages)


def test_turns_alternate_roles() -> None:
    history = [
        Message(role=Role.USER, content="first"),
        Message(role=Role.USER, content="second"),
        Message(role=Role.ASSISTANT, content="reply to second"),
        Message(role=Role.ASSISTANT, content="stray"),
    ]

    messages = build_messages(SYSTEM, history, REQUEST, 32768)

    assert _contents(messages) == [SYSTEM, "second", "reply to second", REQUEST]


def test_unknown_window_uses_default() -> None:
    messages = build_messages(SYSTEM, _history(2), REQUEST, None)

    assert len(messages) == 6


def test_too_small_window_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="loco_nb")

    build_messages("s" * 30000, [], REQUEST, 4096)

    assert any("window" in record.getMessage() for record in caplog.records)


def test_fitting_prompt_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="loco_nb")

    build_messages(SYSTEM, _history(2), REQUEST, 4096)

    assert caplog.records == []


# clipping tool results


def test_short_result_unchanged() -> None:
    assert clip("short result", 8192) == "short result"


def test_long_result_clipped_with_marker() -> None:
    text = "x" * 100_000

    clipped = clip(text, 8192)

    assert len(clipped) < len(text)
    assert clipped.endswith("characters to fit the context window]")


def test_clip_marker_counts_cut() -> None:
    limit = int(prompt_budget(8192) * 0.4 * CHARS_PER_TOKEN)
    text = "x" * (limit + 500)

    clipped = clip(text, 8192)

    assert clipped.startswith("x" * limit)
    assert "[… cut 500 characters" in clipped


@pytest.mark.parametrize("window", [512, 1024, 2048, 2560])
def test_clip_small_window_keeps_text(window: int) -> None:
    text = "line of a file\n" * 2000

    clipped = clip(text, window)

    assert clipped.startswith("line of a file")
    assert "cut -" not in clipped
    assert len(clipped) <= window * CHARS_PER_TOKEN


@pytest.mark.parametrize("window", [512, 1024, 2048])
def test_small_window_keeps_recent_turn(window: int) -> None:
    messages = build_messages(SYSTEM, _history(1, size=5), REQUEST, window)

    assert len(messages) == 4


def test_budget_keeps_reply_reserve() -> None:
    assert prompt_budget(32768) == 32768 - REPLY_RESERVE


def test_budget_small_window_quarter() -> None:
    assert prompt_budget(2048) == 1536
