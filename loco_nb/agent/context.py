"""Fits the conversation into a model's context window."""

from __future__ import annotations

import itertools
import logging
from typing import Any

from ..models import Message, Role

logger = logging.getLogger("loco_nb")

# Tokens kept free for the reply. Qwen-style tokenizers average 3 to 4
# characters per token on code and English, so 3 errs towards trimming more.
REPLY_RESERVE = 2048
CHARS_PER_TOKEN = 3
DEFAULT_WINDOW = 32768


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def prompt_budget(context_length: int | None) -> int:
    """Return the tokens a prompt may take: the window less the reply's share.

    A window of under four times REPLY_RESERVE (an Ollama default of 2048, say)
    keeps a quarter for the reply, so the prompt still gets most of it.
    """
    window = context_length or DEFAULT_WINDOW
    return window - min(REPLY_RESERVE, window // 4)


def build_messages(
    system: str, history: list[Message], request: str, context_length: int | None
) -> list[dict[str, Any]]:
    """Return chat messages: the system prompt, as much history as fits, and the request.

    Older turns go first; the system prompt and the request are never dropped.
    """
    budget = prompt_budget(context_length)
    fixed = estimate_tokens(system) + estimate_tokens(request)
    if fixed > budget:
        logger.warning(
            "the prompt needs about %d tokens but the model's window leaves %d; "
            "the server may reject it",
            fixed,
            budget,
        )

    turns: list[dict[str, Any]] = []
    used = fixed
    for question, answer in reversed(_exchanges(history)):
        cost = estimate_tokens(question.content) + estimate_tokens(answer.content)
        if used + cost > budget:
            break
        turns[:0] = [
            {"role": "user", "content": question.content},
            {"role": "assistant", "content": answer.content},
        ]
        used += cost
    return [{"role": "system", "content": system}, *turns, {"role": "user", "content": request}]


def _exchanges(history: list[Message]) -> list[tuple[Message, Message]]:
    """Return the (question, answer) pairs of the history.

    A question whose request failed has no answer and is left out, so the
    turns sent keep alternating between user and assistant as chat templates
    require.
    """
    pairs = []
    for previous, current in itertools.pairwise(history):
        if previous.role == Role.USER and current.role == Role.ASSISTANT and current.content:
            pairs.append((previous, current))
    return pairs


def clip(text: str, context_length: int | None, share: float = 0.4) -> str:
    """Shorten a tool result to ``share`` of the window, marking the cut."""
    limit = int(prompt_budget(context_length) * share * CHARS_PER_TOKEN)
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… cut {len(text) - limit} characters to fit the context window]"
