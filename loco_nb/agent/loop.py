"""The task loop: the model replies, its tool calls run, their results go back.

Two protocols share the loop. On servers with structured output each step is
a constrained JSON reply naming one tool (or ``answer``), and the final
answer is a separate streamed reply. Elsewhere the model writes ``<tool>``
tags in free text, and the first reply without one is the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import json_repair
from pydantic import BaseModel

from ..errors import ApprovalRequired, StoreError, ToolError
from ..llm.client import ChatClient, ChatStream, NativeCall, Usage
from ..models import ModelConfig, Task, ToolCall, ToolResult
from ..tools import ANSWER, Tool, ToolContext, ToolRegistry, parse_decision, parse_tool_calls
from ..tools.approvals import ApprovalPolicy, ApprovalRequest, Verdict
from ..tools.approvals import Approver as Approver  # re-exported for the callers of run_task
from . import prompts
from .context import clip
from .events import ApprovalRequested, EventSink, Token, ToolCallStarted, ToolResultReady

logger = logging.getLogger("loco_nb")

DECISION_MAX_TOKENS = 512
ANSWER_MAX_TOKENS = 2048


@dataclass
class TaskRuntime:
    """Everything one task needs: the model, its client, the tools and the sinks."""

    client: ChatClient
    model: ModelConfig
    registry: ToolRegistry
    context: ToolContext
    emit: EventSink
    approve: Approver | None = None
    max_steps: int = 6
    answer_format: str = "markdown"
    results: list[ToolResult] = field(default_factory=list)


@dataclass
class Step:
    """One model reply: the calls to run, the errors to correct, or the final answer."""

    calls: list[ToolCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answer: str | None = None
    raw: str = ""
    native: list[NativeCall] = field(default_factory=list)


async def run_task(task: Task, messages: list[dict[str, Any]], runtime: TaskRuntime) -> str:
    """Run the loop for ``task`` and return its answer; tool results land in ``runtime``."""
    made: list[ToolCall] = []
    steps = runtime.max_steps if any(True for _ in runtime.registry) else 0
    for step_number in range(1, steps + 1):
        step = await _next_step(task, messages, runtime, step_number)
        if not step.calls and not step.errors:
            if step.answer is not None:
                return step.answer
            break
        if step.calls and all(call in made for call in step.calls):
            # Small models repeat a call whose result they already have; answer instead.
            break

        made.extend(step.calls)
        if step.native:
            messages.extend(await _run_native(task, step, runtime))
            continue

        messages.append({"role": "assistant", "content": _as_tags(step.calls) or step.raw})
        results = [await _execute(task, call, runtime) for call in step.calls]
        feedback = clip(prompts.tool_results_message(results), runtime.model.context_length)
        if step.errors:
            feedback = (feedback + "\n\n" if feedback else "") + prompts.correction(step.errors)
        messages.append({"role": "user", "content": feedback})

    instruction = prompts.answer_instruction(task.input, runtime.answer_format)
    messages.append({"role": "user", "content": instruction})
    answer = await _stream(task, messages, runtime, step=runtime.max_steps + 1)
    if not _is_protocol(answer, runtime):
        return answer

    # Small models sometimes keep to the tool protocol when asked for the answer.
    # A fresh conversation without the protocol, holding only the results, breaks the habit.
    material = clip(prompts.tool_results_message(runtime.results), runtime.model.context_length)
    fresh = [
        {"role": "system", "content": prompts.answer_only_system()},
        {
            "role": "user",
            "content": prompts.answer_from_results(task.input, material, runtime.answer_format),
        },
    ]
    retry = await _stream(task, fresh, runtime, step=runtime.max_steps + 2)
    if not _is_protocol(retry, runtime):
        return retry
    return prompts.no_answer_notice(runtime.results)


def _is_protocol(text: str, runtime: TaskRuntime) -> bool:
    """Return True if an answer is a tool call or the answer marker instead of prose."""
    if parse_tool_calls(text).calls:
        return True
    echoed = parse_decision(text)
    return echoed is not None and (echoed.name == ANSWER or echoed.name in runtime.registry)


async def _next_step(
    task: Task, messages: list[dict[str, Any]], runtime: TaskRuntime, number: int
) -> Step:
    if runtime.model.native_tools:
        return await _native_step(task, messages, runtime, number)
    if not runtime.model.structured_output:
        text = await _stream(task, messages, runtime, step=number)
        return _from_text(text)

    schema = runtime.registry.decision_schema(runtime.context)
    reply = await runtime.client.complete(
        runtime.model.id,
        messages,
        json_schema=schema,
        max_tokens=DECISION_MAX_TOKENS,
        temperature=0,
    )
    _count(task, reply.usage)
    decision = parse_decision(reply.content)
    if decision is None:
        # A server that ignored the schema answered in free text.
        return _from_text(reply.content.strip())
    if decision.name == ANSWER:
        return Step(raw=reply.content)
    return Step(calls=[decision], raw=reply.content)


async def _native_step(
    task: Task, messages: list[dict[str, Any]], runtime: TaskRuntime, number: int
) -> Step:
    """Ask with the OpenAI ``tools`` field; the reply is text, tool calls, or both."""
    tools = [tool.openai_spec() for tool in runtime.registry]
    stream = runtime.client.stream(
        runtime.model.id,
        messages,
        tools=tools,
        tool_choice="auto",
        max_tokens=ANSWER_MAX_TOKENS,
        temperature=0.2,
    )
    text = "".join([piece async for piece in _emitting(stream, task, runtime, number)]).strip()
    _count(task, stream.usage)
    if not stream.tool_calls:
        return _from_text(text)

    calls = [ToolCall(name=c.name, params=_arguments(c.arguments) or {}) for c in stream.tool_calls]
    return Step(calls=calls, raw=text, native=stream.tool_calls)


async def _run_native(task: Task, step: Step, runtime: TaskRuntime) -> list[dict[str, Any]]:
    """Run a native step's calls; return the assistant turn and one tool turn per call."""
    turns: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": step.raw or None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in step.native
            ],
        }
    ]
    for native, call in zip(step.native, step.calls, strict=True):
        if _arguments(native.arguments) is None:
            content = (
                f"The arguments of {native.name} are not a JSON object: {native.arguments[:200]!r}"
            )
        else:
            result = await _execute(task, call, runtime)
            content = clip(prompts.tool_results_message([result]), runtime.model.context_length)
        turns.append({"role": "tool", "tool_call_id": native.id, "content": content})
    return turns


def _arguments(raw: str) -> dict[str, Any] | None:
    """Return a native call's arguments as a dict, mending small-model JSON, or None."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = json_repair.loads(raw)
    return value if isinstance(value, dict) else None


async def _emitting(
    stream: ChatStream, task: Task, runtime: TaskRuntime, step: int
) -> AsyncIterator[str]:
    async for text in stream:
        runtime.emit(Token(task_id=task.id, text=text, step=step))
        yield text


def _from_text(text: str) -> Step:
    parsed = parse_tool_calls(text)
    if parsed.calls or parsed.errors:
        return Step(calls=parsed.calls, errors=parsed.errors, raw=text)
    return Step(answer=text or None, raw=text)


async def _stream(
    task: Task, messages: list[dict[str, Any]], runtime: TaskRuntime, step: int
) -> str:
    stream = runtime.client.stream(
        runtime.model.id, messages, max_tokens=ANSWER_MAX_TOKENS, temperature=0
    )
    pieces = [piece async for piece in _emitting(stream, task, runtime, step)]
    _count(task, stream.usage)
    return "".join(pieces).strip()


async def _execute(task: Task, call: ToolCall, runtime: TaskRuntime) -> ToolResult:
    task.tool_calls.append(call)
    runtime.emit(ToolCallStarted(task_id=task.id, call=call))
    try:
        result = await _run_checked(task, call, runtime)
    except (ToolError, StoreError) as exc:
        logger.info("tool %s failed in %s: %s", call.name, task.id, exc)
        denied = Verdict.DENIED.value if isinstance(exc, ApprovalRequired) else None
        result = ToolResult(
            name=call.name, params=call.params, ok=False, content=str(exc), kind="error",
            approval=denied,
        )  # fmt: skip

    runtime.results.append(result)
    runtime.emit(ToolResultReady(task_id=task.id, result=result))
    return result


async def _run_checked(task: Task, call: ToolCall, runtime: TaskRuntime) -> ToolResult:
    tool = runtime.registry.get(call.name)
    params = runtime.registry.validate(call)
    verdict = await _approved(task, call, tool, params, runtime) if tool.needs_approval else None
    # Tools block (a command, a search of a large tree), so they run off the event loop.
    # NOTE: cancelling the task does not stop a tool already running; a command runs
    # until it exits or its timeout stops it.
    result = await asyncio.to_thread(tool.run, params, runtime.context)
    result.approval = verdict.value if verdict else None
    return result


async def _approved(
    task: Task, call: ToolCall, tool: Tool, params: BaseModel, runtime: TaskRuntime
) -> Verdict:
    """Return how the call was approved; raise ApprovalRequired if it was not."""
    request = ApprovalRequest(
        call, key=tool.approval_key(params), preview=tool.preview(params, runtime.context),
        auto_approvable=tool.auto_approvable,
    )  # fmt: skip
    policy = ApprovalPolicy.of(runtime.approve)

    def announce(request: ApprovalRequest) -> None:
        runtime.emit(ApprovalRequested(task_id=task.id, request=request))

    verdict = await policy.decide(request, announce)
    if verdict is Verdict.DENIED:
        raise ApprovalRequired(policy.denial(request))
    return verdict


def _as_tags(calls: list[ToolCall]) -> str:
    return "\n".join(
        "<tool>" + json.dumps({"name": c.name, "params": c.params}) + "</tool>" for c in calls
    )


def _count(task: Task, usage: Usage) -> None:
    task.prompt_tokens += usage.prompt_tokens
    task.completion_tokens += usage.completion_tokens
