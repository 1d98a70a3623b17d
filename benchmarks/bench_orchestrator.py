"""The orchestrator's own cost, as ratios against baselines measured in the same run.

Everything talks to the scripted OpenAI-compatible server of the tests, on
127.0.0.1, so the model costs nothing and what remains is loco_nb's work.

overhead   one streamed reply of 50 tokens (words), fetched by
             baseline   a plain httpx POST that reads the server-sent events to [DONE]
             client     loco_nb's ChatClient.stream
             task       the orchestrator alone: an unplanned request through
                        Request.plan and Request.run, one task on the <tool> tags
                        protocol, so one model call, with its prompt and events
             request    Assistant.ask_async: the task plus the session saves and
                        the metrics update, which are per request, not per call
             ask        Assistant.ask from a plain thread, as the magics call it
           Overhead is the median difference to the baseline, in milliseconds, and
           its share of a 50-token reply streamed at 100 tokens per second (0.5 s,
           faster than the embedded models on a laptop CPU). Targets: under 2 ms,
           and under 5 % of the reply.

parallel   wall time of a planned request of four independent tasks, each one
           model call the server replies to after 1 s, with LOCO_MAX_PARALLEL=4,
           against the same request planned as one such task. Target: at most 1.3.

Run: .venv/bin/python benchmarks/bench_orchestrator.py [--calls 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loco_nb import Assistant
from loco_nb.agent.request import Request
from loco_nb.llm.client import ChatClient
from tests.scripted_server import Scripted, ScriptedServer

REPLY_TOKENS = 50
REPLY_TEXT = " ".join(f"tok{i}" for i in range(REPLY_TOKENS))
# A 50-token reply at 100 tokens per second.
REFERENCE_REPLY_SECONDS = REPLY_TOKENS / 100
TASK_SECONDS = 1.0
MESSAGES = [{"role": "user", "content": "Say something."}]


class EndlessReplies(ScriptedServer):
    """A scripted server that gives every chat request the same 50-token reply."""

    def next_reply(self) -> Scripted:
        return Scripted(content=REPLY_TEXT)


async def plain_httpx(http: httpx.AsyncClient, url: str) -> str:
    body = {"model": "scripted-coder-7b", "messages": MESSAGES, "stream": True}
    pieces = []
    async with http.stream("POST", f"{url}/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data: "):
                continue
            data = line[len("data: ") :]
            if data == "[DONE]":
                break
            for choice in json.loads(data).get("choices", []):
                pieces.append(choice.get("delta", {}).get("content") or "")
    return "".join(pieces)


async def loco_client(client: ChatClient) -> str:
    stream = client.stream("scripted-coder-7b", MESSAGES, max_tokens=64)
    return "".join([piece async for piece in stream])


async def orchestrate(assistant: Assistant, text: str) -> None:
    """Plan and run ``text`` as the Assistant does, without the session and the metrics."""
    request = Request(
        text=text,
        choice=None,
        router=assistant.router,
        registry=assistant.registry,
        settings=assistant.settings,
        project_dir=assistant.project_dir,
        history=[],
        emit=lambda event: None,
    )
    await request.run(await request.plan(False))


async def median_seconds(call: Callable[[], Awaitable[object]], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


async def measure_overhead(calls: int, project: Path) -> dict[str, float]:
    """Return the median seconds per call of the baseline and of each loco_nb level."""
    with EndlessReplies() as server:
        os.environ["LOCO_BASE_URL"] = server.url
        os.environ["LOCO_TOOL_PROTOCOL"] = "text"
        http = httpx.AsyncClient()
        client = ChatClient(server.url)
        assistant = Assistant(project)
        samples: dict[str, list[float]] = {
            name: [] for name in ("baseline", "client", "task", "request")
        }
        try:
            levels: dict[str, Callable[[], Awaitable[object]]] = {
                "baseline": lambda: plain_httpx(http, server.url),
                "client": lambda: loco_client(client),
                "task": lambda: orchestrate(assistant, "Say something."),
                "request": lambda: assistant.ask_async("Say something.", plan=False),
            }
            # Warm up, then interleave the levels in small batches so drift hits them alike.
            for call in levels.values():
                await median_seconds(call, 5)
            for _ in range(calls // 10):
                for name, call in levels.items():
                    samples[name] += await median_seconds(call, 10)
        finally:
            await http.aclose()
            await client.aclose()
            await assistant.router.aclose()
        assistant.close()
    return {name: statistics.median(times) for name, times in samples.items()}


def measure_sync_ask(calls: int, project: Path) -> float:
    """Return the median seconds of Assistant.ask, which hands the work to its loop thread."""
    with EndlessReplies() as server:
        os.environ["LOCO_BASE_URL"] = server.url
        os.environ["LOCO_TOOL_PROTOCOL"] = "text"
        assistant = Assistant(project)
        try:
            assistant.ask("Say something.", plan=False)
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                assistant.ask("Say something.", plan=False)
                times.append(time.perf_counter() - started)
        finally:
            assistant.close()
    return statistics.median(times)


def plan_of(count: int) -> str:
    return json.dumps(
        {
            "tasks": [
                {
                    "key": f"t{number}",
                    "type": "answer",
                    "description": f"Do part {number}.",
                    "size": "L",
                    "dependencies": [],
                }
                for number in range(count)
            ]
        }
    )


def planned_request_seconds(count: int, project: Path) -> float:
    """Return the wall time of a planned request of ``count`` one-second tasks."""
    with ScriptedServer() as server:
        os.environ["LOCO_BASE_URL"] = server.url
        os.environ["LOCO_TOOL_PROTOCOL"] = "text"
        os.environ["LOCO_MAX_PARALLEL"] = "4"
        server.reply(plan_of(count))
        for _ in range(count):
            server.reply("Done.", delay=TASK_SECONDS)
        assistant = Assistant(project)
        try:
            started = time.perf_counter()
            assistant.ask("Do every part.", plan=True)
            return time.perf_counter() - started
        finally:
            assistant.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="Calls per level for overhead.")
    parser.add_argument("--rounds", type=int, default=5, help="Repeats of the parallel run.")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        os.environ["LOCO_HOME"] = str(Path(folder) / "home")
        project = Path(folder) / "project"
        project.mkdir()
        (project / "main.py").write_text('print("hello")\n')

        python = platform.python_version()
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {python}")
        print(f"load average: {os.getloadavg()}")
        print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")

        medians = asyncio.run(measure_overhead(arguments.calls, project))
        medians["ask"] = measure_sync_ask(arguments.calls // 2, project)
        baseline = medians["baseline"]
        print(f"overhead per model call, {REPLY_TOKENS}-token streamed reply, medians:")
        print(f"  baseline (plain httpx)  {1000 * baseline:7.2f} ms")
        for name in ("client", "task", "request", "ask"):
            extra = medians[name] - baseline
            share = extra / REFERENCE_REPLY_SECONDS
            ratio = medians[name] / baseline
            print(
                f"  {name:22}  {1000 * medians[name]:7.2f} ms  ratio {ratio:5.2f}"
                f"  overhead {1000 * extra:6.2f} ms  = {share:6.2%} of a 0.5 s reply"
            )

        one = [planned_request_seconds(1, project) for _ in range(arguments.rounds)]
        four = [planned_request_seconds(4, project) for _ in range(arguments.rounds)]
        ratio = statistics.median(four) / statistics.median(one)
        print("\nfour independent one-second tasks against one, medians:")
        for label, times in (("one task", one), ("four tasks", four)):
            every = ", ".join(f"{t:.3f}" for t in times)
            print(f"  {label:10}  {statistics.median(times):6.3f} s  (all: {every})")
        print(f"  ratio       {ratio:6.3f}  (target at most 1.3)")


if __name__ == "__main__":
    main()
