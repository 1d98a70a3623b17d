"""list_files with a .gitignore of 1,000 patterns against git ls-files on the same tree.

The baseline is ``git ls-files --cached --others --exclude-standard`` in a
repository with nothing committed: like list_files, git then walks the tree
and applies every .gitignore pattern, where reading a committed index would
skip that work. Each side runs once to warm the page cache, then --repeat
times; the best time of each counts. The target is at most 2 times git.

Run: .venv/bin/python benchmarks/bench_list.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import best_of, machine, run_command, tree_arguments
from benchmarks.tree import ensure_tree
from loco_nb.tools.files import ListFiles, ListFilesParams
from loco_nb.tools.registry import ToolContext

GIT_LIST = [
    "git",
    "-c",
    "core.quotepath=off",
    "ls-files",
    "--cached",
    "--others",
    "--exclude-standard",
]


def main() -> None:
    args = tree_arguments(__doc__.splitlines()[0])
    root = Path(args.tree)
    ensure_tree(root, files=args.files)
    context = ToolContext(root=root)

    def ours() -> int:
        return int(ListFiles().run(ListFilesParams(), context).data["total"])

    def git() -> int:
        return len(run_command(GIT_LIST, cwd=str(root)).splitlines())

    ours(), git()
    ours_time, ours_count = best_of(args.repeat, ours)
    git_time, git_count = best_of(args.repeat, git)
    patterns = len((root / ".gitignore").read_text().splitlines())

    print(f"machine: {machine()}")
    print(f"tree: {args.files} files in {root}; .gitignore of {patterns} lines")
    print(f"list_files:   {ours_time:.3f} s, {ours_count} files")
    version = run_command(["git", "--version"], ".").strip()
    print(f"git ls-files: {git_time:.3f} s, {git_count} files ({version})")
    print(f"ratio list_files / git = {ours_time / git_time:.2f} (target <= 2)")
    if ours_count != git_count:
        print(f"WARNING: the file counts differ ({ours_count} against {git_count})")


if __name__ == "__main__":
    main()
