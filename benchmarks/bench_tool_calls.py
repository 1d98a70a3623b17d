"""Share of valid tool calls from the embedded models, constrained against unconstrained.

Each request of REQUESTS goes to a model as the first step of a task: the
system prompt the task loop sends, then the request. The step runs through
the task loop's own code (``loco_nb.agent.loop._next_step``), so the reply is
read exactly as in a real request:

  constrained    the JSON decision protocol with the registry's schema in
                 ``response_format`` (llama.cpp turns it into a grammar)
  unconstrained  ``<tool>`` tags in free text (tool_protocol="text")

A call is valid when it names a registered tool, its parameters pass the
registry's validation, and a read_file call names a file that exists. A
``<tool>`` tag that cannot be read as a call counts as an invalid call. A
reply with no call (an answer in prose, or the constrained ``answer``
marker) is counted apart: it is not a call, valid or not.

Run with no LOCO_BASE_URL, so the embedded Qwen2.5-Coder 0.5B (S) and 1.5B
(M) serve. On the 2-core test machine a reply took 2-60 s (the first of
each protocol reads the whole system prompt), and the run took 8 minutes:
  .venv/bin/python benchmarks/bench_tool_calls.py --out bench_tool_calls.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loco_nb.agent import prompts
from loco_nb.agent.loop import Step, TaskRuntime, _next_step
from loco_nb.config import load_settings
from loco_nb.errors import ToolError
from loco_nb.llm.router import Router
from loco_nb.models import ModelConfig, Task, ToolCall
from loco_nb.tools import ToolContext, default_registry, project_files
from loco_nb.tools.registry import ToolRegistry

SAMPLE = Path(__file__).resolve().parent.parent / "notebooks" / "sample_project"

# Files added to the sample project so that folders and tests exist to ask about.
EXTRA_FILES = {
    "README.md": "# Inventory\n\nUsage: python main.py stock.csv\n",
    "tests/test_inventory.py": (
        "from inventory import Item, total_value\n\n\n"
        "def test_total_value():\n"
        "    assert total_value([Item('bolt', 2, 0.5)]) == 1.0\n"
    ),
}

REQUESTS = [
    "Show me main.py",
    "What does inventory.py do?",
    "Which files are in the project?",
    "Where is total_value defined?",
    "Find every call to load_items.",
    "Open stock.csv",
    "What columns does stock.csv have?",
    "Read the README.",
    "What does the test in tests/test_inventory.py check?",
    "List the files in the tests folder.",
    'Search the project for "print(".',
    "How does main.py handle an empty file?",
    "What is the Item dataclass?",
    "Show me the first 10 lines of inventory.py",
    "Which file imports csv?",
    "Is there a function named main?",
    "What does the README say about usage?",
    'Find the string "unit_price".',
    "Explain load_items in inventory.py",
    "What does main.py print when it succeeds?",
    "List everything in the project root.",
    "Which files mention quantity?",
]


def make_project(folder: Path) -> Path:
    root = folder / "sample_project"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".loco", "__pycache__"))
    for name, text in EXTRA_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def judge(call: ToolCall, registry: ToolRegistry, root: Path) -> str:
    """Return "valid", or why the call is not."""
    if call.name not in registry:
        return f"unknown tool {call.name!r}"
    try:
        params = registry.validate(call)
    except ToolError as exc:
        return f"invalid parameters: {exc}"
    path = getattr(params, "path", None)
    if call.name == "read_file" and not (root / str(path)).is_file():
        return f"no such file {path!r}"
    return "valid"


async def first_step(runtime: TaskRuntime, request: str, root: Path) -> tuple[Step, float]:
    system = prompts.system_prompt(
        str(root),
        runtime.context.file_choices,
        runtime.registry,
        constrained=runtime.model.structured_output,
    )
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": request},
    ]
    task = Task(id="bench", input=request, description=request)
    started = time.monotonic()
    step = await _next_step(task, messages, runtime, 1)
    return step, time.monotonic() - started


async def run_mode(
    router: Router, model: ModelConfig, mode: str, root: Path, out: Any
) -> Counter[str]:
    registry = default_registry(plugins=False, notebook=False)
    context = ToolContext(root=root, file_choices=project_files(root))
    runtime = TaskRuntime(
        client=router.client(model),
        model=model,
        registry=registry,
        context=context,
        emit=lambda event: None,
    )
    tally: Counter[str] = Counter()
    for request in REQUESTS:
        step, seconds = await first_step(runtime, request, root)
        verdicts = [judge(call, registry, root) for call in step.calls]
        verdicts += [f"unreadable tag: {error}" for error in step.errors]
        tally["requests"] += 1
        tally["calls"] += len(verdicts)
        tally["valid"] += verdicts.count("valid")
        tally["no_call"] += int(not verdicts)
        record = {
            "model": model.id,
            "mode": mode,
            "request": request,
            "seconds": round(seconds, 1),
            "calls": [c.model_dump() for c in step.calls],
            "verdicts": verdicts,
            "raw": step.raw[:400],
        }
        out.write(json.dumps(record) + "\n")
        out.flush()
        print(f"{model.size.value} {mode:13} {seconds:5.1f}s {verdicts or ['no call']} {request}")
    return tally


async def main(sizes: list[str], out_path: Path) -> None:
    router = Router(load_settings())
    results: dict[tuple[str, str], Counter[str]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder, out_path.open("w") as out:
            root = make_project(Path(folder))
            for size in sizes:
                model = await router.resolve(size)
                constrained = model.model_copy(update={"structured_output": True})
                text = model.model_copy(update={"structured_output": False, "native_tools": False})
                results[(size, "constrained")] = await run_mode(
                    router, constrained, "constrained", root, out
                )
                results[(size, "unconstrained")] = await run_mode(
                    router, text, "unconstrained", root, out
                )
    finally:
        await router.aclose()
        router.embedded.stop()

    print("\nsize  mode           requests  calls  valid  share valid  replies without a call")
    for (size, mode), tally in results.items():
        share = tally["valid"] / tally["calls"] if tally["calls"] else float("nan")
        print(
            f"{size:4}  {mode:13}  {tally['requests']:8}  {tally['calls']:5}  {tally['valid']:5}"
            f"  {share:11.0%}  {tally['no_call']}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["S", "M"], help="Model sizes to measure.")
    parser.add_argument(
        "--out", type=Path, default=Path("bench_tool_calls.jsonl"), help="One JSON line per reply."
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.out))
