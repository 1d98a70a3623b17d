"""Time ``%load_ext loco_nb`` in fresh kernels against fresh kernels that run ``pass``.

Each sample starts a new IPython kernel with jupyter_client, waits until it
is ready, and runs one cell: ``pass`` for the baseline, or the extension's
``%load_ext``. A sample's time runs from starting the kernel to the cell's
execute_reply, so it is what a user waits for before the first cell is
done. The samples of all variants are interleaved, so a machine that gets
busier or quieter during the run affects every variant alike.

What the extension adds is the difference between the medians of the first
cell's time, as a share of the baseline's median total. The kernel start
before that cell is the same work in every variant, so its noise (often
more than the difference itself on a busy machine) stays out of the figure.

With ``--jai-python PATH`` (the interpreter of a separate virtual
environment with jupyter-ai-magics and ipykernel installed) the same run
also times ``%load_ext jupyter_ai_magics``, against a ``pass`` baseline
measured with that interpreter. jupyter-ai-magics is never installed into
loco_nb's own environment.

Usage:

    .venv/bin/python benchmarks/bench_load.py --runs 10
    .venv/bin/python benchmarks/bench_load.py --runs 10 --jai-python /tmp/jai/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

READY_TIMEOUT = 60.0
REPLY_TIMEOUT = 60.0


@dataclass
class Variant:
    """One kind of sample: an interpreter and the first cell its kernel runs."""

    label: str
    kernel: str
    code: str
    baseline: str | None = None
    starts: list[float] = field(default_factory=list)
    cells: list[float] = field(default_factory=list)

    @property
    def totals(self) -> list[float]:
        return [start + cell for start, cell in zip(self.starts, self.cells, strict=True)]


def write_kernel_spec(folder: Path, name: str, python: str) -> None:
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name,
        "language": "python",
    }
    (folder / name).mkdir(parents=True)
    (folder / name / "kernel.json").write_text(json.dumps(spec))


def sample(variant: Variant, specs: KernelSpecManager, environ: dict[str, str]) -> None:
    """Start one kernel, run the variant's cell, record both times and stop the kernel."""
    manager = KernelManager(kernel_name=variant.kernel, kernel_spec_manager=specs)
    began = time.perf_counter()
    manager.start_kernel(env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=READY_TIMEOUT)
        ready = time.perf_counter()
        reply = client.execute_interactive(
            variant.code, timeout=REPLY_TIMEOUT, output_hook=lambda message: None
        )
        done = time.perf_counter()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"{variant.label}: {content.get('ename')}: {content.get('evalue')}")
    variant.starts.append(ready - began)
    variant.cells.append(done - ready)


def kernel_environment(scratch: Path) -> dict[str, str]:
    """Return the environment of every kernel: no user profile, no LOCO_* settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LOCO_")}
    environ["IPYTHONDIR"] = str(scratch / "ipython")
    environ["JUPYTER_RUNTIME_DIR"] = str(scratch / "runtime")
    environ["LOCO_HOME"] = str(scratch / "loco_home")
    return environ


def package_version(python: str, distribution: str) -> str:
    done = subprocess.run(
        [python, "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report(variants: dict[str, Variant], runs: int, jai_python: str | None) -> str:
    loco_version = package_version(sys.executable, "loco_nb")
    lines = [
        f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.platform()}",
        f"python: {platform.python_version()}, loco_nb {loco_version}",
    ]
    if jai_python:
        version = package_version(jai_python, "jupyter-ai-magics")
        lines.append(f"jupyter-ai-magics: {version} ({jai_python})")
    lines.append(f"samples per variant: {runs}; times are medians in seconds")
    lines.append(
        "added: the variant's first cell minus the baseline's first cell, "
        "as a share of the baseline's total"
    )
    lines.append("")
    lines.append(f"{'variant':<46} {'start':>7} {'first cell':>11} {'total':>7} {'added':>8}")
    for variant in variants.values():
        added = ""
        if variant.baseline is not None:
            base = variants[variant.baseline]
            extra = statistics.median(variant.cells) - statistics.median(base.cells)
            added = f"{100 * extra / statistics.median(base.totals):+.1f}%"
        lines.append(
            f"{variant.label:<46} {statistics.median(variant.starts):>7.3f} "
            f"{statistics.median(variant.cells):>11.3f} "
            f"{statistics.median(variant.totals):>7.3f} {added:>8}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="kernels per variant (default 10)")
    parser.add_argument(
        "--jai-python", help="python of a separate venv with jupyter-ai-magics and ipykernel"
    )
    parser.add_argument("--json", type=Path, help="also write the raw times to this file")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_load_") as temporary:
        scratch = Path(temporary)
        kernels = scratch / "kernels"
        write_kernel_spec(kernels, "loco-venv", sys.executable)
        variants = {
            "pass": Variant("fresh kernel, pass", "loco-venv", "pass"),
            "loco": Variant(
                "fresh kernel, %load_ext loco_nb", "loco-venv", "%load_ext loco_nb", "pass"
            ),
        }
        if options.jai_python:
            write_kernel_spec(kernels, "jai-venv", options.jai_python)
            variants["jai pass"] = Variant("jai venv kernel, pass", "jai-venv", "pass")
            variants["jai"] = Variant(
                "jai venv kernel, %load_ext jupyter_ai_magics",
                "jai-venv",
                "%load_ext jupyter_ai_magics",
                "jai pass",
            )

        specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
        environ = kernel_environment(scratch)

        # One untimed sample each, so the first timed one does not pay for a cold disk cache.
        for variant in variants.values():
            sample(variant, specs, environ)
            variant.starts.clear()
            variant.cells.clear()

        order = list(variants.values())
        for run in range(options.runs):
            # Rotate the order, so no variant always runs right after the same neighbour.
            shift = run % len(order)
            for variant in order[shift:] + order[:shift]:
                sample(variant, specs, environ)

    print(report(variants, options.runs, options.jai_python))
    if options.json:
        raw = {v.label: {"starts": v.starts, "cells": v.cells} for v in variants.values()}
        options.json.write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
