"""Unit tests of loco_nb.tools.search: search_files over the project's text files."""

from __future__ import annotations

from pathlib import Path

import pytest

from loco_nb.errors import PathOutsideProject, ToolError
from loco_nb.models import ToolResult
from loco_nb.tools.registry import ToolContext
from loco_nb.tools.search import MAX_HITS, MAX_HITS_PER_FILE, SearchFiles, SearchFilesParams


@pytest.fixture
def context(project: Path) -> ToolContext:
    (project / "pkg").mkdir()
    (project / "pkg" / "core.py").write_text(
        "def greet():\n    pass\n\n\ndef greet_all():\n    greet(); greet()\n"
    )
    (project / "pkg" / "notes.md").write_text("greet the reader\n")
    (project / "build").mkdir()
    (project / "build" / "gen.py").write_text("def greet():\n")
    (project / "app.log").write_text("greet\n")
    return ToolContext(root=project)


def search(context: ToolContext, pattern: str, **options: object) -> ToolResult:
    return SearchFiles().run(SearchFilesParams(pattern=pattern, **options), context)  # type: ignore[arg-type]


def hits(result: ToolResult) -> list[tuple[str, int]]:
    return [(hit["path"], hit["line"]) for hit in result.data["hits"]]


def test_hits_with_line_numbers(context: ToolContext) -> None:
    result = search(context, r"def greet\w*")

    assert hits(result) == [("pkg/core.py", 1), ("pkg/core.py", 5), ("util.py", 1)]
    assert result.kind == "search"


def test_gitignored_files_skipped(context: ToolContext) -> None:
    paths = {path for path, _ in hits(search(context, "greet"))}

    assert "build/gen.py" not in paths
    assert "app.log" not in paths


def test_glob_on_name(context: ToolContext) -> None:
    assert hits(search(context, "greet", glob="*.md")) == [("pkg/notes.md", 1)]


def test_glob_on_path(context: ToolContext) -> None:
    paths = {path for path, _ in hits(search(context, "greet", glob="pkg/*.py"))}

    assert paths == {"pkg/core.py"}


def test_folder_narrows_search(context: ToolContext) -> None:
    paths = {path for path, _ in hits(search(context, "greet", path="pkg"))}

    assert paths == {"pkg/core.py", "pkg/notes.md"}


def test_ignore_case(context: ToolContext) -> None:
    assert hits(search(context, "GREET THE")) == []
    assert hits(search(context, "GREET THE", ignore_case=True)) == [("pkg/notes.md", 1)]


def test_several_matches_on_one_line(context: ToolContext) -> None:
    result = search(context, r"greet\(\)", path="pkg")

    line = next(hit for hit in result.data["hits"] if hit["line"] == 6)
    assert line["text"] == "    greet(); greet()"
    assert line["spans"] == [[4, 11], [13, 20]]


def test_plain_text_grouped_by_file(context: ToolContext) -> None:
    content = search(context, "def greet").content

    assert content.splitlines()[:4] == [
        "=== 3 matches for 'def greet' in 2 files (5 searched) ===",
        "pkg/core.py",
        "     1 | def greet():",
        "     5 | def greet_all():",
    ]


def test_no_match_says_so(context: ToolContext) -> None:
    assert search(context, "nowhere_to_be_found").content.endswith("No match.")


def test_invalid_pattern_explained(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="not a valid regular expression"):
        search(context, "greet(")


def test_binary_and_latin1_files(context: ToolContext, project: Path) -> None:
    (project / "blob.bin").write_bytes(b"greet\x00\x01")
    (project / "old.txt").write_bytes(b"caf\xe9 greet\n")

    paths = {path for path, _ in hits(search(context, "greet"))}

    assert "blob.bin" not in paths
    assert "old.txt" in paths


def test_total_cap(context: ToolContext, project: Path) -> None:
    for index in range(12):
        (project / f"many_{index:02d}.txt").write_text("hit\n" * 15)

    result = search(context, "hit")

    assert len(result.data["hits"]) == MAX_HITS
    assert result.data["truncated"] is True
    assert "stopped after 100 matches" in result.content


def test_per_file_cap(context: ToolContext, project: Path) -> None:
    (project / "long.txt").write_text("hit\n" * 50)

    assert len(search(context, "hit").data["hits"]) == MAX_HITS_PER_FILE


def test_multiline_pattern_reports_first_line(context: ToolContext) -> None:
    assert hits(search(context, r"pass\n\n\ndef", path="pkg")) == [("pkg/core.py", 2)]


def test_outside_folder_rejected(context: ToolContext) -> None:
    with pytest.raises(PathOutsideProject):
        search(context, "x", path="..")


def test_tool_state_folder_rejected(context: ToolContext, project: Path) -> None:
    (project / ".loco").mkdir()

    with pytest.raises(ToolError, match="tool state"):
        search(context, "x", path=".loco")
