"""Turns a request into a WorkPlan, with a model when the request needs several steps.

Most requests are one step, and a planning call on a small CPU server costs
several seconds, so a cheap check decides first: only requests that read as
several steps (or that ask for a plan) pay for a planning call. The model's
plan comes back as JSON, constrained by a schema where the server accepts one,
and is validated. A plan with a cycle, an unknown dependency or an unknown type
is sent back with the reason, a bounded number of times, before the request
falls back to a single task.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..errors import ModelError
from ..llm.client import SCHEMA_WORDS, ChatClient, rejects_feature
from ..models import ModelConfig, ModelSize, TaskType
from .plan import WorkPlan

logger = logging.getLogger("loco_nb")

MAX_TASKS = 6
PLAN_ATTEMPTS = 3
PLAN_MAX_TOKENS = 600

# Words that join steps ("read X, then explain Y") and list items mark a request
# with several steps; "first" or "next" alone are too common in plain questions.
_SEQUENCE = re.compile(
    r"\b(then|after that|afterwards|and also|as well as|once (?:that|this) is done)\b",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+\S", re.MULTILINE)
# A plan written without a schema often comes in a Markdown code fence.
_FENCED = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)

_PROMPT = """You split a coding request into tasks for smaller models.
Each task has: key (short, lowercase), type (one of {types}), description (one
sentence the task's model can act on alone), size (XS, S, M, L or XL; bigger
for harder work) and dependencies (keys of tasks whose results it needs).
Tasks without a dependency between them run at the same time. Use as few
tasks as the request needs, at most {max_tasks}; one task is fine. Reply with
the plan alone, as one JSON object shaped like the example.

Example request: {example_request}
Example plan: {example_plan}
"""


_EXAMPLE_REQUEST = "Read config.py, then explain how the settings are loaded, and list the tests."
_EXAMPLE_PLAN = json.dumps(
    {
        "tasks": [
            {
                "key": "read",
                "type": "analyze",
                "size": "S",
                "dependencies": [],
                "description": "Read config.py and note how settings are loaded.",
            },
            {
                "key": "explain",
                "type": "answer",
                "size": "M",
                "dependencies": ["read"],
                "description": "Explain how config.py loads settings.",
            },
            {
                "key": "tests",
                "type": "search",
                "size": "S",
                "dependencies": [],
                "description": "List the test files of the project.",
            },
        ]
    }
)


@dataclass
class PlanOutcome:
    """The plan and how it was made: ``planned`` is False for the one-task shortcut."""

    plan: WorkPlan
    planned: bool
    attempts: int = 0
    fallback_reason: str | None = None


def needs_plan(request: str) -> bool:
    """Return True when a request reads as several steps."""
    if _SEQUENCE.search(request):
        return True
    return len(_LIST_ITEM.findall(request)) >= 2 or request.count("?") >= 2


def planner_prompt() -> str:
    """Return the planner's system prompt with its worked example."""
    return _PROMPT.format(
        types=", ".join(t.value for t in TaskType),
        max_tasks=MAX_TASKS,
        example_request=_EXAMPLE_REQUEST,
        example_plan=_EXAMPLE_PLAN,
    )


def plan_schema() -> dict[str, Any]:
    """Return the JSON schema a planning reply must follow."""
    task = {
        "type": "object",
        "properties": {
            "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,19}$"},
            "type": {"enum": [t.value for t in TaskType]},
            "description": {"type": "string", "minLength": 1, "maxLength": 300},
            "size": {"enum": [s.value for s in ModelSize]},
            "dependencies": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_TASKS},
        },
        "required": ["key", "type", "description", "size", "dependencies"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "tasks": {"type": "array", "items": task, "minItems": 1, "maxItems": MAX_TASKS}
        },
        "required": ["tasks"],
        "additionalProperties": False,
    }


async def make_plan(
    request: str,
    default_size: ModelSize,
    client: ChatClient | None,
    model: ModelConfig | None,
    *,
    force: bool = False,
    context: str = "",
) -> PlanOutcome:
    """Return the plan for ``request``: one task unless it needs and gets a valid model plan."""
    single = WorkPlan.single(request, default_size)
    if client is None or model is None or not (force or needs_plan(request)):
        return PlanOutcome(plan=single, planned=False)

    messages: list[dict[str, Any]] = [
        {
            "role": "system",
            "content": planner_prompt(),
        },
        {"role": "user", "content": (context + "\n\n" if context else "") + f"Request: {request}"},
    ]
    reason = ""
    for attempt in range(1, PLAN_ATTEMPTS + 1):
        try:
            content = await _ask(client, model, messages)
        except ModelError as exc:
            logger.info("planning failed, running one task: %s", exc)
            return PlanOutcome(
                plan=single, planned=False, attempts=attempt, fallback_reason=str(exc)
            )

        plan, reason = _validate(content)
        if plan is not None:
            return PlanOutcome(plan=plan, planned=True, attempts=attempt)
        messages += [
            {"role": "assistant", "content": content},
            {"role": "user", "content": f"That plan is invalid: {reason}. Send a corrected plan."},
        ]

    logger.info("no valid plan after %d attempts (%s); running one task", PLAN_ATTEMPTS, reason)
    return PlanOutcome(plan=single, planned=False, attempts=PLAN_ATTEMPTS, fallback_reason=reason)


async def _ask(client: ChatClient, model: ModelConfig, messages: list[dict[str, Any]]) -> str:
    """Return the planner's reply, constrained by the plan schema where the server allows it."""
    schema = plan_schema() if model.structured_output else None
    try:
        reply = await client.complete(
            model.id, messages, json_schema=schema, max_tokens=PLAN_MAX_TOKENS, temperature=0
        )
    except ModelError as exc:
        if schema is None or not rejects_feature(exc, SCHEMA_WORDS):
            raise
        # Validation still catches a bad plan; it only costs more attempts.
        logger.info("%s rejected structured output; planning without a schema", model.endpoint)
        reply = await client.complete(model.id, messages, max_tokens=PLAN_MAX_TOKENS, temperature=0)
    return reply.content


def _validate(content: str) -> tuple[WorkPlan | None, str]:
    fenced = _FENCED.search(content)
    if fenced is not None:
        content = fenced.group(1)
    try:
        payload = json.loads(content)
    except json.JSONDecodeError as exc:
        return None, f"the reply is not JSON ({exc.msg} at position {exc.pos})"
    try:
        return WorkPlan.model_validate(payload), ""
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "plan"
        return None, f"{where}: {first['msg']}"
