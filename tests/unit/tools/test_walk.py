"""Unit tests of loco_nb.tools.walk and loco_nb.tools.ignore, checked against git itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loco_nb.tools.ignore import IgnoreRules
from loco_nb.tools.walk import project_files

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")

TREE = [
    "main.py", "notes.txt", "a.log", "build/out.o", "build/keep.txt", "src/app.py",
    "src/app.pyc", "src/build/gen.py", "src/data/x.csv", "src/data/keep.csv", "docs/a.md",
    "docs/b.md", "docs/_build/index.html", "deep/a/b/c/tmp/t.bak", "deep/a/tmp/u.bak",
    "d1/file", "dx/file", "bmd/x.md", "a.md", "#hash.txt", " space.txt",
]  # fmt: skip

PATTERNS = [
    "*.log", "build/", "/build", "*.pyc", "src/data/*", "!src/data/keep.csv", "docs/_build/",
    "**/tmp/*.bak", "d?", "[ab].md", "\\#hash.txt", "!build/keep.txt", "deep/**/c", "src/**/gen.py",
    "*.md", "!docs/*.md", "/notes.txt", "bmd", "\\ space.txt", "*.txt",
]  # fmt: skip


def make_tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")


def git_files(root: Path) -> list[str]:
    if not (root / ".git").exists():
        subprocess.run([GIT or "git", "init", "-q", str(root)], check=True)
    done = subprocess.run(
        [GIT or "git", "-c", "core.quotepath=off", "ls-files", "-co", "--exclude-standard"],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return sorted(done.stdout.splitlines())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    make_tree(root, TREE)
    return root


@needs_git
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_pattern_like_git(tree: Path, pattern: str) -> None:
    (tree / ".gitignore").write_text(pattern + "\n")

    assert project_files(tree) == git_files(tree)


@needs_git
def test_all_patterns_like_git(tree: Path) -> None:
    (tree / ".gitignore").write_text("\n".join(["# comment", "", *PATTERNS]) + "\n")

    assert project_files(tree) == git_files(tree)


@needs_git
def test_nested_gitignore_like_git(tree: Path) -> None:
    (tree / ".gitignore").write_text("*.py\n")
    (tree / "src" / ".gitignore").write_text("!app.py\ndata/\n")

    files = project_files(tree)

    assert files == git_files(tree)
    assert "src/app.py" in files
    assert "main.py" not in files


@needs_git
def test_info_exclude_like_git(tree: Path) -> None:
    git_files(tree)
    (tree / ".git" / "info" / "exclude").write_text("*.md\n")
    (tree / ".gitignore").write_text("!docs/a.md\n")

    assert project_files(tree) == git_files(tree)


_PIECES = st.sampled_from(
    ["*.py", "*.md", "build", "build/", "/src", "src/*", "!src/app.py", "**/tmp", "d?", "[ab].md",
     "!*.md", "docs/", "!docs/", "deep/**", "*", "!keep.csv", "data/", "/a.md", "src/**/*.py"]
)  # fmt: skip


@needs_git
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(patterns=st.lists(_PIECES, max_size=6))
def test_random_patterns_like_git(
    tmp_path_factory: pytest.TempPathFactory, patterns: list[str]
) -> None:
    root = tmp_path_factory.mktemp("random")
    make_tree(root, TREE)
    (root / ".gitignore").write_text("\n".join(patterns) + "\n")

    assert project_files(root) == git_files(root)


def test_skips_tool_folders(tree: Path) -> None:
    make_tree(tree, [".loco/sessions/s.json", "__pycache__/m.pyc", ".git/config"])

    files = project_files(tree)

    assert not [f for f in files if f.startswith((".loco", "__pycache__", ".git/"))]


def test_folder_inside_ignored_folder_empty(tree: Path) -> None:
    (tree / ".gitignore").write_text("build/\n")

    assert project_files(tree, tree / "build") == []


def test_subfolder_uses_parent_rules(tree: Path) -> None:
    (tree / ".gitignore").write_text("*.csv\n!keep.csv\n")

    assert project_files(tree, tree / "src") == ["src/app.py", "src/app.pyc", "src/build/gen.py",
                                                 "src/data/keep.csv"]  # fmt: skip


def test_links_to_files_inside_listed(tree: Path, tmp_path: Path) -> None:
    (tree / "inside_link.py").symlink_to(tree / "main.py")
    (tmp_path / "secret.txt").write_text("s\n")
    (tree / "outside_link.txt").symlink_to(tmp_path / "secret.txt")
    (tree / "folder_link").symlink_to(tree / "src")
    (tree / "dangling").symlink_to(tree / "missing")

    files = project_files(tree)

    assert "inside_link.py" in files
    assert "outside_link.txt" not in files
    assert not [f for f in files if f.startswith("folder_link")]
    assert "dangling" not in files


def test_rules_truthiness() -> None:
    assert not IgnoreRules(["# only a comment", ""])
    assert IgnoreRules(["*.py"])


def test_rules_last_match_wins() -> None:
    rules = IgnoreRules(["*.py", "!main.py", "main.*"])

    assert rules.ignored("main.py", "main.py", is_dir=False) is True
    assert rules.ignored("x.py", "x.py", is_dir=False) is True
    assert rules.ignored("x.txt", "x.txt", is_dir=False) is None


def test_rules_folder_only_pattern() -> None:
    rules = IgnoreRules(["out/"])

    assert rules.ignored("a/out", "out", is_dir=True) is True
    assert rules.ignored("a/out", "out", is_dir=False) is None
