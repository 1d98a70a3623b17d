"""Session store speed: listing, search and saving, as ratios against plain JSON work.

Baselines run in the same process on the same files:
  listing  read and parse every session file, then sort  vs  SessionStore.summaries()
  search   read and parse every file, scan each message  vs  SessionStore.search()
  saving   json.dumps of the session as a dict           vs  SessionStore.save()

Sessions are written straight to disk as JSON (no model, no store), so
generating 10,000 of them takes seconds. Targets: listing at least 20 times
faster than the baseline, a search under 50 ms, a save of a 1,000-message
session at most 1.5 times json.dumps.

Run: .venv/bin/python benchmarks/bench_store.py [--sessions 10000] [--messages 20]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from loco_nb.models import Message, Role, new_message_id
from loco_nb.store.atomic import write_atomic
from loco_nb.store.sessions import SessionStore

# Words of generated messages; RARE_WORD goes into 1 message in 2,000.
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "xe", "po", "si", "du", "fa"]
RARE_WORD = "zanzibarquux"
COMMON_WORD = "function"
RARE_SHARE = 2000


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(size * 2)}
    return sorted(words)[:size] + [COMMON_WORD] * 20


def message_text(rng: random.Random, words: list[str]) -> str:
    text = " ".join(rng.choices(words, k=rng.randint(20, 80)))
    if rng.randrange(RARE_SHARE) == 0:
        text += f" {RARE_WORD}"
    return text


def generate(folder: Path, sessions: int, messages: int) -> None:
    """Write ``sessions`` session files of ``messages`` messages each, as loco_nb would."""
    rng = random.Random(42)
    words = vocabulary(3000, rng)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    folder.mkdir(parents=True)
    for number in range(sessions):
        created = start + timedelta(minutes=number)
        turns = [
            {
                "id": new_message_id(),
                "role": "user" if turn % 2 == 0 else "assistant",
                "content": message_text(rng, words),
                "tool_calls": [],
                "tool_results": [],
                "task_ids": [],
                "created": (created + timedelta(seconds=turn)).isoformat(),
            }
            for turn in range(messages)
        ]
        session = {
            "id": f"chat_{1_700_000_000_000 + number}",
            "title": turns[0]["content"][:60],
            "messages": turns,
            "created": created.isoformat(),
            "last_updated": (created + timedelta(seconds=messages)).isoformat(),
            "model": rng.choice(["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]),
            "tasks": [],
        }
        (folder / f"{session['id']}.json").write_text(json.dumps(session))


def timed(action: Callable[[], Any], repeats: int) -> float:
    """Return the median wall time of ``action`` in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def baseline_listing(folder: Path) -> list[tuple[str, str, str, int]]:
    rows = []
    for path in folder.glob("*.json"):
        data = json.loads(path.read_bytes())
        rows.append((data["last_updated"], data["title"], data["model"], path.stat().st_size))
    rows.sort(reverse=True)
    return rows


def baseline_search(folder: Path, word: str) -> list[tuple[str, str]]:
    hits = []
    for path in folder.glob("*.json"):
        data = json.loads(path.read_bytes())
        for message in data["messages"]:
            if word in message["content"].lower():
                hits.append((data["id"], message["id"]))
    return hits


def bench_listing_and_search(root: Path, sessions: int, messages: int, repeats: int) -> None:
    store = SessionStore(root)
    started = time.perf_counter()
    generate(store.directory, sessions, messages)
    elapsed = time.perf_counter() - started
    print(f"generated {sessions} sessions of {messages} messages in {elapsed:.1f} s")

    started = time.perf_counter()
    store.refresh_index()
    print(f"built the index from the files in {time.perf_counter() - started:.1f} s (once)")
    # The folder's mtime is trusted once it is older than the racy window.
    time.sleep(2.1)
    store.refresh_index()

    base_list = timed(lambda: baseline_listing(store.directory), 3)
    ours_list = timed(store.summaries, repeats)
    listed = len(store.summaries().sessions)
    print_row("listing", base_list, ours_list, f"{listed} sessions")

    touched = store.directory / f"chat_{1_700_000_000_000}.json"

    def after_change() -> None:
        os.utime(touched)
        store.summaries()

    ours_rescan = timed(after_change, 5)
    print_row("listing after a file changed", base_list, ours_rescan, "stat of every file")

    for word in (RARE_WORD, COMMON_WORD):
        base = timed(functools.partial(baseline_search, store.directory, word), 3)
        ours = timed(functools.partial(store.search, word), repeats)
        found = len(baseline_search(store.directory, word))
        print_row(f"search {word!r}", base, ours, f"{found} messages match, top 20 shown")


def bench_save(root: Path, messages: int, repeats: int) -> None:
    rng = random.Random(7)
    words = vocabulary(3000, rng)
    store = SessionStore(root)
    session = store.create(model="qwen2.5-coder-1.5b")
    for turn in range(messages):
        role = Role.USER if turn % 2 == 0 else Role.ASSISTANT
        session.messages.append(Message(role=role, content=message_text(rng, words)))

    data = session.model_dump(mode="json")
    dumps = timed(lambda: json.dumps(data), repeats)
    cold = timed(lambda: store.save(session), 1)
    print_row(f"first save of {messages} messages", dumps, cold, "all encoded and indexed")

    def append_and_save() -> None:
        session.messages.append(Message(role=Role.USER, content=message_text(rng, words)))
        store.save(session)

    steady = timed(append_and_save, repeats)
    data = session.model_dump(mode="json")
    dumps = timed(lambda: json.dumps(data), repeats)
    size = store.path_for(session.id).stat().st_size / 1e6
    name = f"save after one more message ({len(session.messages)})"
    print_row(name, dumps, steady, f"{size:.2f} MB file, two fsyncs included")

    # The floor under any save: the atomic write alone, without encoding.
    encoded = store.path_for(session.id).read_bytes()
    scratch = store.directory / "scratch.bin"
    floor = timed(lambda: write_atomic(scratch, encoded), repeats)
    print_row("write_atomic of the same bytes", dumps, floor, "temp file, fsync, rename, fsync")


def print_row(name: str, baseline: float, ours: float, note: str) -> None:
    ratio = baseline / ours
    print(f"{name:<40} baseline {baseline * 1000:9.1f} ms   loco_nb {ours * 1000:8.1f} ms   "
          f"baseline/loco_nb {ratio:7.1f}x   ({note})")  # fmt: skip


def describe_machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000, help="Sessions to generate.")
    parser.add_argument("--messages", type=int, default=20, help="Messages per session.")
    parser.add_argument(
        "--save-messages", type=int, default=1000, help="Messages of the saved session."
    )
    parser.add_argument(
        "--repeats", type=int, default=20, help="Runs per timing; the median is shown."
    )
    parser.add_argument(
        "--folder", type=Path, help="Where to generate; a temporary folder if unset."
    )
    args = parser.parse_args()

    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {describe_machine()}")
    root = args.folder or Path(tempfile.mkdtemp(prefix="loco_bench_"))
    try:
        bench_listing_and_search(root / "many", args.sessions, args.messages, args.repeats)
        bench_save(root / "one", args.save_messages, args.repeats)
    finally:
        if args.folder is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
