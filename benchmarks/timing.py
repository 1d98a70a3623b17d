"""Timing helpers shared by the benchmarks: best of several runs, and the machine they ran on."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from collections.abc import Callable
from typing import Any


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """Return the shortest wall time of ``repeat`` runs, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_command(command: list[str], cwd: str) -> str:
    """Run a baseline command and return its output; fail loudly if it fails."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):  # rg exits 1 when nothing matches
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def tree_arguments(description: str) -> argparse.Namespace:
    """Parse the options of the benchmarks that run on a generated tree."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--tree", default="/tmp/loco_bench_tree", help="folder for the tree")
    parser.add_argument("--files", type=int, default=50_000, help="files in the tree")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each side")
    return parser.parse_args()


def machine() -> str:
    """Return the operating system, processor, CPU count and Python version, on one line."""
    cpu = platform.processor() or platform.machine()
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
