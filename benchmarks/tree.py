"""Generate a project tree for the search and listing benchmarks, the same for every run.

The tree has ``files`` text files of 20 to 120 lines of Python-like code, in
folders ten deep at most, and a few binary files. Its .gitignore has
``ignore_lines`` patterns in the mix found in real projects (names,
suffixes, anchored paths, globs and negations), and some folders it
excludes exist (``build/``, ``node_modules/``, ``*.log`` files). A random generator with a
fixed seed makes the same tree each time.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

WORDS = [
    "alpha", "beta", "gamma", "delta", "value", "result", "config", "item", "user", "order",
    "parse", "load", "save", "render", "index", "cache", "token", "client", "server", "request",
    "reply", "handle", "update", "create",
]  # fmt: skip
NEEDLE = "frobnicate_widget"
# In every 997th file only, so a search for it stays under search_files' cap of 100 hits.
RARE_NEEDLE = "quux_sentinel"
# Written last, so a tree cut short by an interruption is made again.
MARKER = "tree_made.txt"


def make_tree(root: Path, *, files: int = 50_000, ignore_lines: int = 1_000, seed: int = 7) -> None:
    """Write the tree under ``root`` and make it a git repository with nothing committed."""
    rng = random.Random(seed)
    folders = _folders(rng, max(1, files // 12))
    for index in range(files):
        folder = root / rng.choice(folders)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = rng.choice([".py", ".py", ".py", ".txt", ".md", ".json", ".js"])
        (folder / f"mod_{index}{suffix}").write_text(_source(rng, index))

    for index in range(files // 100):
        ignored = root / rng.choice(["build", "node_modules/pkg", "logs"]) / f"x{index}"
        ignored.mkdir(parents=True, exist_ok=True)
        (ignored / f"out_{index}.log").write_text(f"ignored {NEEDLE}\n")
    for index in range(20):
        (root / folders[index % len(folders)] / f"blob_{index}.bin").write_bytes(
            bytes(range(256)) * 8
        )
    (root / ".gitignore").write_text("\n".join(_ignore_patterns(rng, ignore_lines)) + "\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / MARKER).write_text(f"{files} {ignore_lines} {seed}\n")


def ensure_tree(root: Path, *, files: int, ignore_lines: int = 1_000, seed: int = 7) -> None:
    """Make the tree unless ``root`` already contains one made with the same arguments."""
    marker = root / MARKER
    if marker.exists() and marker.read_text() == f"{files} {ignore_lines} {seed}\n":
        return
    if root.exists():
        shutil.rmtree(root)
    make_tree(root, files=files, ignore_lines=ignore_lines, seed=seed)


def _folders(rng: random.Random, count: int) -> list[str]:
    folders = ["src"]
    while len(folders) < count:
        parent = rng.choice(folders)
        if parent.count("/") < 9:
            folders.append(f"{parent}/{rng.choice(WORDS)}_{len(folders)}")
    return folders


def _source(rng: random.Random, index: int) -> str:
    lines = []
    for number in range(rng.randint(20, 120)):
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        lines.append(f"def {a}_{b}_{number}(x):\n    return x + {number}  # {a} {b}")
    if index % 97 == 0:
        lines.insert(len(lines) // 2, f"    {NEEDLE}(x)")
    if index % 997 == 0:
        lines.insert(len(lines) // 3, f"    return {RARE_NEEDLE}(x)")
    return "\n".join(lines) + "\n"


def _ignore_patterns(rng: random.Random, count: int) -> list[str]:
    patterns = ["build/", "node_modules/", "*.log", "# generated patterns"]
    while len(patterns) < count:
        word = rng.choice(WORDS)
        kind = rng.random()
        if kind < 0.35:
            patterns.append(f"*.{word}{len(patterns)}")
        elif kind < 0.6:
            patterns.append(f"{word}_cache_{len(patterns)}/")
        elif kind < 0.75:
            patterns.append(f"/{word}/generated_{len(patterns)}")
        elif kind < 0.9:
            patterns.append(f"**/{word}_tmp_{len(patterns)}/*.bak")
        else:
            patterns.append(f"!keep_{word}_{len(patterns)}.txt")
    return patterns
