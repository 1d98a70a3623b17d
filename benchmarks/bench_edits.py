"""Share of correct edits by the embedded models, with and without anchors and the parse check.

For each request in edit_cases.py the model starts where the task loop
would be after reading the file: the system prompt, the request, its
read_file call and the numbered lines. It then gets up to --steps
constrained decisions; a tool error (no match, a broken file) goes back to
it as the loop would send it. An edit counts as correct when the check of
its case passes in a fresh interpreter.

Configurations:
  plain      edit_file with search/replace blocks only, no parse check
  anchors    search/replace plus line operations anchored on real lines, no parse check
  checked    anchors plus the parse check with its rollback (the default edit_file)

Run (about 30-60 s per model call on two CPU cores, so the full set takes an hour or more):
  nohup .venv/bin/python benchmarks/bench_edits.py --out bench_edits.jsonl > bench_edits.log &
No LOCO_BASE_URL: the embedded Qwen2.5-Coder 0.5B (size S) and 1.5B (size M) serve.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.edit_cases import CASES, EditCase
from loco_nb import Assistant, ModelConfig
from loco_nb.agent import prompts
from loco_nb.errors import LocoError, ToolError
from loco_nb.llm.client import ChatClient
from loco_nb.models import ToolCall, ToolResult
from loco_nb.tools import ANSWER, ToolContext, ToolRegistry, parse_decision
from loco_nb.tools.edit import EditFile
from loco_nb.tools.files import ReadFile


class PlainEditFile(EditFile):
    description = (
        "Change an existing file. Each edit is {search: lines copied from the file, "
        "replace: new lines}."
    )


CONFIGS = {
    "plain": {"anchors": False, "check_syntax": False},
    "anchors": {"anchors": True, "check_syntax": False},
    "checked": {"anchors": True, "check_syntax": True},
}
CHECK_TIMEOUT = 20


async def run_case(
    client: ChatClient, model: ModelConfig, case: EditCase, config: str, steps: int
) -> dict[str, Any]:
    """Let the model edit one case's file and return what happened."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / case.path).write_text(case.original)
        context = ToolContext(root=root, file_choices=[case.path])
        options = CONFIGS[config]
        edit = EditFile(**options) if options["anchors"] else PlainEditFile(**options)
        messages = _opening(root, case, ToolRegistry([ReadFile(), edit]), context)
        # Only edit_file is offered from here on: the file is read, and the task loop
        # would stop a model that repeats its read_file call.
        registry = ToolRegistry([edit])

        calls: list[dict[str, Any]] = []
        started = time.monotonic()
        for _ in range(steps):
            call = await _decide(client, model, messages, registry, context)
            if call is None:
                break
            result = _run(registry, call, context)
            calls.append({"name": call.name, "params": call.params, "ok": result.ok,
                          "error": None if result.ok else result.content})  # fmt: skip
            messages.append({"role": "assistant", "content": _tag(call)})
            messages.append({"role": "user", "content": prompts.tool_results_message([result])})
            if result.ok and call.name == "edit_file":
                break

        correct, detail = _check(root, case)
        return {
            "case": case.name, "model": model.id, "config": config, "correct": correct,
            "detail": detail, "calls": calls, "seconds": round(time.monotonic() - started, 1),
        }  # fmt: skip


def _opening(
    root: Path, case: EditCase, registry: ToolRegistry, context: ToolContext
) -> list[dict[str, Any]]:
    system = prompts.system_prompt(str(root), [case.path], registry, constrained=True)
    read = ToolCall(name="read_file", params={"path": case.path})
    result = _run(registry, read, context)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": case.request},
        {"role": "assistant", "content": _tag(read)},
        {"role": "user", "content": prompts.tool_results_message([result])},
    ]


async def _decide(
    client: ChatClient,
    model: ModelConfig,
    messages: list[dict[str, Any]],
    registry: ToolRegistry,
    context: ToolContext,
) -> ToolCall | None:
    # The answer option is left out: this measures edits, and a model that
    # answers instead of editing would only count as a failure.
    schema = registry.decision_schema(context)
    schema["anyOf"] = [o for o in schema["anyOf"] if o["properties"]["name"].get("const") != ANSWER]
    reply = await client.complete(
        model.id, messages, json_schema=schema, max_tokens=768, temperature=0
    )
    decision = parse_decision(reply.content)
    if decision is None or decision.name not in registry:
        return None
    return decision


def _run(registry: ToolRegistry, call: ToolCall, context: ToolContext) -> ToolResult:
    try:
        params = registry.validate(call)
        return registry.get(call.name).run(params, context)
    except ToolError as exc:
        return ToolResult(name=call.name, params=call.params, ok=False, content=str(exc))


def _tag(call: ToolCall) -> str:
    return "<tool>" + json.dumps({"name": call.name, "params": call.params}) + "</tool>"


def _check(root: Path, case: EditCase) -> tuple[bool, str]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", case.check], cwd=root, capture_output=True, text=True,
            timeout=CHECK_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, "check timed out"
    lines = done.stderr.strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else ""


def summarise(rows: list[dict[str, Any]]) -> str:
    table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        table.setdefault((row["model"], row["config"]), []).append(row)
    lines = ["| model | configuration | correct | edit calls that failed | mean seconds |",
             "|---|---|---|---|---|"]  # fmt: skip
    for (model, config), group in sorted(table.items()):
        correct = sum(r["correct"] for r in group)
        failed = sum(1 for r in group for c in r["calls"] if not c["ok"])
        seconds = sum(r["seconds"] for r in group) / len(group)
        lines.append(
            f"| {model} | {config} | {correct}/{len(group)} ({100 * correct / len(group):.0f}%) "
            f"| {failed} | {seconds:.0f} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace, models: list[ModelConfig]) -> list[dict[str, Any]]:
    rows = []
    out = Path(args.out)
    for model in models:
        client = ChatClient(model.endpoint, read_timeout=900)
        try:
            for config in args.configs:
                for case in CASES[: args.limit]:
                    row = await run_case(client, model, case, config, args.steps)
                    rows.append(row)
                    with out.open("a") as handle:
                        handle.write(json.dumps(row) + "\n")
                    print(f"{model.id} {config} {case.name}: {row['correct']} ({row['seconds']}s)",
                          flush=True)  # fmt: skip
        finally:
            await client.aclose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M", help="model sizes to run, comma-separated")
    parser.add_argument("--configs", default="plain,checked", help=f"any of {', '.join(CONFIGS)}")
    parser.add_argument("--steps", type=int, default=3, help="model decisions per request")
    parser.add_argument("--limit", type=int, default=len(CASES), help="run the first N cases")
    parser.add_argument("--out", default="bench_edits.jsonl", help="JSON lines file to append to")
    args = parser.parse_args()
    args.configs = [c.strip() for c in args.configs.split(",")]

    with tempfile.TemporaryDirectory() as folder:
        assistant = Assistant(folder)
        try:
            available = {m.size.value: m for m in assistant.models()}
            models = [available[size] for size in args.sizes.split(",") if size in available]
            if not models:
                raise LocoError(f"No model of sizes {args.sizes}; found {sorted(available)}.")
            started = time.monotonic()
            rows = asyncio.run(main_async(args, models))
            print(f"\n{len(rows)} requests in {time.monotonic() - started:.0f} s\n")
            print(summarise(rows))
        finally:
            assistant.close()


if __name__ == "__main__":
    main()
