"""Fits the conversation into a model's context window."""

from __future__ import annotations

import logging
from typing import Any

from ..models import Message, Role

logger = logging.getLogger("loco_nb")

# Tokens kept free for the reply. Qwen-style tokenizers average 3 to 4
# characters per token on code and English, so 3 errs towards trimming more.
REPLY_RESERVE = 2048
CHARS_PER_TOKEN = 3


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def build_messages(
    system: str, history: list[Message], request: str, context_length: int | None
) -> list[dict[str, Any]]:
    """Return chat messages: the system prompt, as much history as fits, and the request.

    Older turns go first; the system prompt and the request are never dropped.
    """
    budget = (context_length or 32768) - REPLY_RESERVE
    fixed = estimate_tokens(system) + estimate_tokens(request)
    if fixed > budget:
        logger.warning(
            "the prompt needs about %d tokens but the model's window leaves %d; "
            "the server may reject it", fixed, budget,
        )  # fmt: skip

    turns: list[dict[str, Any]] = []
    used = fixed
    for message in reversed(history):
        if message.role not in (Role.USER, Role.ASSISTANT) or not message.content:
            continue
        cost = estimate_tokens(message.content)
        if used + cost > budget:
            break
        turns.append({"role": message.role.value, "content": message.content})
        used += cost

    turns.reverse()
    if turns and turns[0]["role"] == "assistant":
        turns.pop(0)
    return [{"role": "system", "content": system}, *turns, {"role": "user", "content": request}]


def clip(text: str, context_length: int | None, share: float = 0.4) -> str:
    """Shorten a tool result to ``share`` of the window, marking the cut."""
    limit = int(((context_length or 32768) - REPLY_RESERVE) * share * CHARS_PER_TOKEN)
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… cut {len(text) - limit} characters to fit the context window]"
