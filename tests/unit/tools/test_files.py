"""Unit tests of loco_nb.tools.files: read_file, list_files, write_file, project_files."""

from __future__ import annotations

from pathlib import Path

import pytest

from loco_nb.errors import PathOutsideProject, ToolError
from loco_nb.store.trash import list_trash
from loco_nb.tools.files import (
    MAX_LISTED,
    MAX_READ_CHARS,
    MAX_READ_LINES,
    DeleteFile,
    DeleteFileParams,
    ListFiles,
    ListFilesParams,
    ReadFile,
    ReadFileParams,
    WriteFile,
    WriteFileParams,
    project_files,
)
from loco_nb.tools.registry import ToolContext


@pytest.fixture
def context(project: Path) -> ToolContext:
    return ToolContext(root=project)


def _read(context: ToolContext, path: str, **params: int) -> str:
    return ReadFile().run(ReadFileParams(path=path, **params), context).content


def _write(context: ToolContext, path: str, content: str) -> dict[str, object]:
    return WriteFile().run(WriteFileParams(path=path, content=content), context).data


# read_file


def test_read_numbered_lines(context: ToolContext) -> None:
    content = _read(context, "util.py")

    assert content == (
        '=== util.py ===\n   1 | def greet(name):\n   2 |     return f"hello {name}"'
    )


def test_read_result_data(context: ToolContext) -> None:
    result = ReadFile().run(ReadFileParams(path="main.py"), context)

    assert result.kind == "file"
    assert result.data["path"] == "main.py"
    assert result.data["total_lines"] == 3
    assert result.data["lines"] == ["import util", "", 'print(util.greet("world"))']
    assert result.data["truncated"] is False


def test_read_line_window(context: ToolContext, project: Path) -> None:
    (project / "ten.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))

    content = _read(context, "ten.txt", start_line=4, num_lines=2)

    assert content == "=== ten.txt ===\n   4 | line 4\n   5 | line 5"


def test_read_window_past_end_clipped(context: ToolContext, project: Path) -> None:
    (project / "ten.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))

    content = _read(context, "ten.txt", start_line=9, num_lines=50)

    assert content.splitlines()[1:] == ["   9 | line 9", "  10 | line 10"]


def test_read_start_past_end(context: ToolContext) -> None:
    with pytest.raises(ToolError) as caught:
        _read(context, "main.py", start_line=4)

    assert "main.py has 3 lines" in str(caught.value)
    assert "start_line 4" in str(caught.value)


def test_read_last_line_allowed(context: ToolContext) -> None:
    assert _read(context, "main.py", start_line=3).endswith('   3 | print(util.greet("world"))')


def test_read_missing_file(context: ToolContext) -> None:
    with pytest.raises(ToolError) as caught:
        _read(context, "nope.py")

    assert "nope.py does not exist" in str(caught.value)


def test_read_folder_rejected(context: ToolContext, project: Path) -> None:
    (project / "pkg").mkdir()

    with pytest.raises(ToolError) as caught:
        _read(context, "pkg")

    assert "list_files" in str(caught.value)


def test_read_binary_file(context: ToolContext, project: Path) -> None:
    (project / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(ToolError) as caught:
        _read(context, "image.png")

    assert "binary" in str(caught.value)
    assert "image.png" in str(caught.value)


def test_read_non_utf8_file(context: ToolContext, project: Path) -> None:
    (project / "latin.txt").write_bytes("café crème\n".encode("latin-1"))

    assert _read(context, "latin.txt") == "=== latin.txt ===\n   1 | café crème"


def test_read_utf8_file(context: ToolContext, project: Path) -> None:
    (project / "unicode.txt").write_text("naïve → ✓\n", encoding="utf-8")

    assert _read(context, "unicode.txt") == "=== unicode.txt ===\n   1 | naïve → ✓"


def test_read_empty_file(context: ToolContext, project: Path) -> None:
    (project / "empty.py").write_text("")

    assert _read(context, "empty.py") == "=== empty.py ===\n(empty file)"


def test_read_caps_line_count(context: ToolContext, project: Path) -> None:
    total = MAX_READ_LINES + 100
    (project / "long.txt").write_text("".join(f"row {i}\n" for i in range(1, total + 1)))

    result = ReadFile().run(ReadFileParams(path="long.txt"), context)

    assert len(result.data["lines"]) == MAX_READ_LINES
    assert result.data["truncated"] is True
    assert result.content.endswith(f"[… truncated after line {MAX_READ_LINES} of {total}]")


def test_read_caps_characters(context: ToolContext, project: Path) -> None:
    (project / "wide.txt").write_text(("y" * 999 + "\n") * 100)

    result = ReadFile().run(ReadFileParams(path="wide.txt"), context)

    assert len("\n".join(result.data["lines"])) <= MAX_READ_CHARS
    assert result.data["truncated"] is True
    assert "[… truncated after line" in result.content


def test_read_exact_line_cap_not_truncated(context: ToolContext, project: Path) -> None:
    (project / "fits.txt").write_text("".join(f"{i}\n" for i in range(MAX_READ_LINES)))

    result = ReadFile().run(ReadFileParams(path="fits.txt"), context)

    assert result.data["truncated"] is False
    assert "truncated" not in result.content


def test_read_single_huge_line(context: ToolContext, project: Path) -> None:
    # Minified code is one line longer than the cap, and its start must still show.
    (project / "bundle.min.js").write_text("var a=1;" * (MAX_READ_CHARS // 4))

    result = ReadFile().run(ReadFileParams(path="bundle.min.js"), context)

    assert "(empty file)" not in result.content
    assert "   1 | var a=1;var a=1;" in result.content
    assert result.data["truncated"] is True
    assert len(result.content) <= MAX_READ_CHARS + 200


def test_read_outside_root(context: ToolContext) -> None:
    with pytest.raises(PathOutsideProject):
        _read(context, "../outside.txt")


# list_files


def test_list_honours_gitignore(context: ToolContext, project: Path) -> None:
    (project / "build").mkdir()
    (project / "build" / "out.py").write_text("x")
    (project / "debug.log").write_text("x")
    (project / "src").mkdir()
    (project / "src" / "trace.log").write_text("x")

    listed = project_files(project)

    assert listed == [".gitignore", "main.py", "util.py"]


def test_list_skips_tool_folders(context: ToolContext, project: Path) -> None:
    for folder in (".git", ".loco/sessions", "__pycache__", ".ipynb_checkpoints"):
        (project / folder).mkdir(parents=True)
        (project / folder / "inner.txt").write_text("x")

    assert project_files(project) == [".gitignore", "main.py", "util.py"]


def test_list_without_gitignore(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("x")

    assert project_files(tmp_path) == ["a.log", "sub/b.py"]


def test_list_gitignore_negation(project: Path) -> None:
    (project / ".gitignore").write_text("*.log\n!keep.log\n")
    (project / "drop.log").write_text("x")
    (project / "keep.log").write_text("x")

    assert "keep.log" in project_files(project)
    assert "drop.log" not in project_files(project)


def test_list_sizes_in_bytes(context: ToolContext, project: Path) -> None:
    result = ListFiles().run(ListFilesParams(), context)

    sizes = {row["path"]: row["size"] for row in result.data["files"]}
    assert sizes["main.py"] == (project / "main.py").stat().st_size
    assert f"main.py ({sizes['main.py']} bytes)" in result.content


def test_list_header_counts_files(context: ToolContext) -> None:
    result = ListFiles().run(ListFilesParams(), context)

    assert result.content.splitlines()[0] == "=== files in . (3) ==="
    assert result.data["total"] == 3
    assert result.kind == "file_list"


def test_list_subfolder(context: ToolContext, project: Path) -> None:
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    (project / "src" / "app.py").write_text("")

    result = ListFiles().run(ListFilesParams(path="src"), context)

    assert [row["path"] for row in result.data["files"]] == ["src/app.py", "src/pkg/mod.py"]
    assert result.data["folder"] == "src"


def test_list_file_path_rejected(context: ToolContext) -> None:
    with pytest.raises(ToolError) as caught:
        ListFiles().run(ListFilesParams(path="main.py"), context)

    assert "not a folder" in str(caught.value)


def test_list_caps_entries(context: ToolContext, project: Path) -> None:
    many = project / "many"
    many.mkdir()
    for i in range(MAX_LISTED + 5):
        (many / f"f{i:04d}.txt").write_text("")

    result = ListFiles().run(ListFilesParams(path="many"), context)

    assert len(result.data["files"]) == MAX_LISTED
    assert result.data["total"] == MAX_LISTED + 5
    assert result.content.endswith("[… 5 more files not listed]")


def test_list_skips_escaping_links(context: ToolContext, project: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside")
    (project / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (project / "alias.py").symlink_to(project / "util.py")

    listed = project_files(project)

    assert "leak.txt" not in listed
    assert "alias.py" in listed


def test_list_skips_dangling_link(context: ToolContext, project: Path) -> None:
    (project / "gone.py").symlink_to(project / "deleted.py")

    result = ListFiles().run(ListFilesParams(), context)

    assert "gone.py" not in [row["path"] for row in result.data["files"]]


def test_project_files_from_symlinked_root(project: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(project, target_is_directory=True)

    assert project_files(link) == [".gitignore", "main.py", "util.py"]


# write_file


def test_write_creates_folders(context: ToolContext, project: Path) -> None:
    data = _write(context, "pkg/sub/new.py", "x = 1\n")

    assert (project / "pkg" / "sub" / "new.py").read_text() == "x = 1\n"
    assert data["created"] is True
    assert data["path"] == "pkg/sub/new.py"


def test_write_diff_in_data(context: ToolContext, project: Path) -> None:
    data = _write(context, "util.py", 'def greet(name):\n    return f"hi {name}"\n')

    diff = str(data["diff"])
    assert diff.startswith("--- a/util.py\n+++ b/util.py\n")
    assert '-    return f"hello {name}"\n' in diff
    assert '+    return f"hi {name}"\n' in diff
    assert " def greet(name):\n" in diff
    assert data["created"] is False


def test_write_reports_verb(context: ToolContext) -> None:
    created = WriteFile().run(WriteFileParams(path="n.py", content="a\nb\n"), context)
    updated = WriteFile().run(WriteFileParams(path="n.py", content="a\n"), context)

    assert created.content == "Created n.py (2 lines)."
    assert updated.content == "Updated n.py (1 lines)."


def test_write_existing_empty_file(context: ToolContext, project: Path) -> None:
    (project / "__init__.py").write_text("")

    data = _write(context, "__init__.py", "VERSION = 1\n")

    assert data["created"] is False


def test_write_refuses_folder(context: ToolContext, project: Path) -> None:
    (project / "pkg").mkdir()

    with pytest.raises(ToolError) as caught:
        _write(context, "pkg", "x")

    assert "is a folder" in str(caught.value)
    assert (project / "pkg").is_dir()


def test_write_outside_root(context: ToolContext, project: Path) -> None:
    with pytest.raises(PathOutsideProject):
        _write(context, "../escaped.py", "x")

    assert not (project.parent / "escaped.py").exists()


def test_write_needs_approval() -> None:
    assert WriteFile.needs_approval is True
    assert ReadFile.needs_approval is False


# delete_file


def test_delete_moves_to_trash(context: ToolContext, project: Path, isolated_env: Path) -> None:
    result = DeleteFile().run(DeleteFileParams(path="util.py"), context)

    assert not (project / "util.py").exists()
    entries = list_trash(isolated_env / "trash", "loco_files")
    assert len(entries) == 1
    assert entries[0].originals == {"util.py": str(project.resolve() / "util.py")}
    assert (entries[0].folder / "util.py").read_text().startswith("def greet")
    assert result.kind == "trash"
    assert str(entries[0].folder) in result.content


def test_delete_uses_context_trash(project: Path, tmp_path: Path) -> None:
    context = ToolContext(root=project, trash_dir=tmp_path / "bin")

    DeleteFile().run(DeleteFileParams(path="main.py"), context)

    assert list_trash(tmp_path / "bin")[0].originals["main.py"].endswith("main.py")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing.py", "does not exist"),
        ("sub", "is a folder"),
        (".git/config", "tool state"),
        ("link.py", "symbolic link"),
    ],
)
def test_delete_rejected(context: ToolContext, project: Path, path: str, message: str) -> None:
    (project / "sub").mkdir()
    (project / ".git").mkdir()
    (project / ".git" / "config").write_text("[core]\n")
    (project / "link.py").symlink_to(project / "main.py")

    with pytest.raises(ToolError, match=message):
        DeleteFile().run(DeleteFileParams(path=path), context)

    assert (project / "main.py").exists()


def test_delete_outside_rejected(context: ToolContext, tmp_path: Path) -> None:
    (tmp_path / "victim.txt").write_text("x\n")

    with pytest.raises(PathOutsideProject):
        DeleteFile().run(DeleteFileParams(path="../victim.txt"), context)

    assert (tmp_path / "victim.txt").exists()


def test_delete_preview_and_approval(context: ToolContext) -> None:
    preview = DeleteFile().preview(DeleteFileParams(path="main.py"), context)

    assert preview.startswith("Move main.py (")
    assert DeleteFile.needs_approval is True


def test_write_preview_is_diff(context: ToolContext, project: Path) -> None:
    diff = WriteFile().preview(WriteFileParams(path="main.py", content="print(1)\n"), context)

    assert "+print(1)" in diff
    assert (project / "main.py").read_text().startswith("import util")


def test_read_remembers_file(context: ToolContext) -> None:
    ReadFile().run(ReadFileParams(path="util.py"), context)

    assert context.recent_files == ["util.py"]


def test_read_keeps_form_feed_in_line(context: ToolContext, project: Path) -> None:
    (project / "ff.py").write_text("a = 1\x0c\nb = 2\n")

    assert _read(context, "ff.py").split("\n")[1:] == ["   1 | a = 1\x0c", "   2 | b = 2"]
