"""search_files on a tree of 50,000 files against ripgrep on the same tree and pattern.

Both search every file that .gitignore does not exclude and skip binary
files. Both patterns match in fewer files than search_files' cap of 100
hits, so both sides do the whole search. Each side runs once to warm the page cache, then
--repeat times; the best time of each counts. The target is at most 3 times rg.

Run, with the bench extra installed (pip install -e ".[bench]"):
  .venv/bin/python benchmarks/bench_search.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import best_of, machine, run_command, tree_arguments
from benchmarks.tree import RARE_NEEDLE, ensure_tree
from loco_nb.tools.registry import ToolContext
from loco_nb.tools.search import SearchFiles, SearchFilesParams

# A literal found in 51 files, which search_files filters on raw bytes; and a pattern
# whose literal part is in every file and that matches nowhere, so every file is
# decoded and matched.
PATTERNS = [RARE_NEEDLE, r"return x \+ \d{4}\b"]


def main() -> None:
    args = tree_arguments(__doc__.splitlines()[0])
    # The ripgrep package puts rg beside the interpreter of the environment it is installed in.
    beside = Path(sys.executable).parent / "rg"
    rg = str(beside) if beside.exists() else shutil.which("rg") or "rg"
    root = Path(args.tree)
    ensure_tree(root, files=args.files)
    context = ToolContext(root=root)
    print(f"machine: {machine()}")
    print(f"tree: {args.files} files in {root}")
    print(f"rg: {run_command([rg, '--version'], '.').splitlines()[0]}")
    for pattern in PATTERNS:
        compare(rg, root, context, pattern, args.repeat)


def compare(rg: str, root: Path, context: ToolContext, pattern: str, repeat: int) -> None:
    """Time search_files and rg on one pattern and print the ratio."""
    params = SearchFilesParams(pattern=pattern)

    def ours() -> int:
        return len(SearchFiles().run(params, context).data["hits"])

    def ripgrep(*options: str) -> int:
        command = [rg, "--line-number", "--no-heading", "--no-require-git", *options, pattern, "."]
        return len(run_command(command, cwd=str(root)).splitlines())

    ours(), ripgrep()
    ours_time, ours_hits = best_of(repeat, ours)
    rg_time, rg_hits = best_of(repeat, ripgrep)
    rg1_time, _ = best_of(repeat, lambda: ripgrep("--threads", "1"))

    print(f"\npattern {pattern!r}")
    print(f"  search_files: {ours_time:.3f} s, {ours_hits} hits")
    print(f"  rg:           {rg_time:.3f} s, {rg_hits} hits")
    print(f"  rg -j1:       {rg1_time:.3f} s")
    print(f"  ratio search_files / rg = {ours_time / rg_time:.2f} (target <= 3)")
    print(f"  ratio search_files / rg -j1 = {ours_time / rg1_time:.2f}")
    if ours_hits != rg_hits:
        print(f"  WARNING: the hit counts differ ({ours_hits} against {rg_hits})")


if __name__ == "__main__":
    main()
