"""Unit tests of loco_nb.tools.paths: no path a model writes may leave the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loco_nb.errors import PathOutsideProject, ToolError
from loco_nb.tools.paths import relative, resolve_inside

# Path pieces small models and hostile inputs produce: parent steps, both
# separators, dots, home markers, unicode (surrogates included) and long names.
_PIECE = st.one_of(
    st.sampled_from(["..", ".", "", "~", "~root", "/", "\\", "../..", "..\\..", "./..", "...."]),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=12),
    st.text(alphabet="./\\~", min_size=1, max_size=8),
    st.integers(min_value=200, max_value=5000).map(lambda n: "x" * n),
)
_RELATIVE_PATHS = st.lists(_PIECE, min_size=1, max_size=12).map("/".join)
_HYPOTHESIS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    (project / "main.py").write_text("print()\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    return project


def _is_inside(root: Path, path: Path) -> bool:
    real_root = root.resolve()
    return path == real_root or real_root in path.parents


@_HYPOTHESIS
@given(path=_RELATIVE_PATHS)
@example(path="../secret.txt")
@example(path="src/../../secret.txt")
@example(path="src/pkg/../../../secret.txt")
@example(path="\ud800/..")
@example(path="..\\..\\secret.txt")
def test_random_paths_stay_inside(root: Path, path: str) -> None:
    try:
        resolved = resolve_inside(root, path)
    except ToolError:
        return

    assert _is_inside(root, resolved)


@_HYPOTHESIS
@given(path=_RELATIVE_PATHS)
def test_random_paths_under_symlinked_root(tmp_path: Path, path: str) -> None:
    real = tmp_path / "real"
    real.mkdir(exist_ok=True)
    link = tmp_path / "link"
    if not link.is_symlink():
        link.symlink_to(real, target_is_directory=True)

    try:
        resolved = resolve_inside(link, path)
    except ToolError:
        return

    assert _is_inside(real, resolved)


@pytest.mark.parametrize(
    "path",
    ["..", "../secret.txt", "src/../../secret.txt", "./../project/../secret.txt", "~", "~/x"],
)
def test_parent_steps_rejected(root: Path, path: str) -> None:
    with pytest.raises(PathOutsideProject):
        resolve_inside(root, path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("main.py", "main.py"),
        ("./main.py", "main.py"),
        ("src/pkg/../../main.py", "main.py"),
        ("src//pkg///mod.py", "src/pkg/mod.py"),
        (".", "."),
        ("src/", "src"),
        ("new/folder/file.py", "new/folder/file.py"),
    ],
)
def test_relative_paths_accepted(root: Path, path: str, expected: str) -> None:
    assert relative(root, resolve_inside(root, path)) == expected


@pytest.mark.parametrize("path", ["", "   ", "\t"])
def test_empty_path_rejected(root: Path, path: str) -> None:
    with pytest.raises(ToolError) as caught:
        resolve_inside(root, path)

    assert "empty" in str(caught.value)


def test_nul_byte_rejected(root: Path) -> None:
    with pytest.raises(ToolError) as caught:
        resolve_inside(root, "main.py\x00.txt")

    assert "NUL" in str(caught.value)


def test_lone_surrogate_rejected(root: Path) -> None:
    # json.loads turns the escape "\ud800" in a model's reply into a lone surrogate.
    with pytest.raises(ToolError):
        resolve_inside(root, "src/\ud800.py")


def test_absolute_inside_accepted(root: Path) -> None:
    inside = root / "src" / "pkg" / "mod.py"

    assert resolve_inside(root, str(inside)) == inside.resolve()


def test_absolute_root_accepted(root: Path) -> None:
    assert resolve_inside(root, str(root)) == root.resolve()


def test_absolute_outside_rejected(root: Path) -> None:
    outside = str(root.parent / "secret.txt")

    with pytest.raises(PathOutsideProject) as caught:
        resolve_inside(root, outside)

    assert outside in str(caught.value)
    assert str(root.resolve()) in str(caught.value)
    assert caught.value.path == outside
    assert caught.value.root == root.resolve()


def test_sibling_with_shared_prefix(root: Path) -> None:
    # "/tmp/project-old" starts with "/tmp/project" but is not inside it.
    sibling = root.parent / (root.name + "-old")
    sibling.mkdir()

    with pytest.raises(PathOutsideProject):
        resolve_inside(root, str(sibling / "f.py"))


def test_file_link_escaping_rejected(root: Path) -> None:
    (root / "leak.txt").symlink_to(root.parent / "secret.txt")

    with pytest.raises(PathOutsideProject):
        resolve_inside(root, "leak.txt")


def test_folder_link_escaping_rejected(root: Path) -> None:
    (root / "up").symlink_to(root.parent, target_is_directory=True)

    with pytest.raises(PathOutsideProject):
        resolve_inside(root, "up/secret.txt")


def test_absolute_link_escaping_rejected(root: Path) -> None:
    (root / "etc").symlink_to("/etc", target_is_directory=True)

    with pytest.raises(PathOutsideProject):
        resolve_inside(root, "etc/hostname")


def test_dangling_link_outside_rejected(root: Path) -> None:
    # write_file would create the link's target, outside the project.
    (root / "future.txt").symlink_to(root.parent / "not-yet.txt")

    with pytest.raises(PathOutsideProject):
        resolve_inside(root, "future.txt")


def test_link_inside_accepted(root: Path) -> None:
    (root / "alias.py").symlink_to(root / "src" / "pkg" / "mod.py")

    resolved = resolve_inside(root, "alias.py")

    assert resolved == (root / "src" / "pkg" / "mod.py").resolve()


def test_folder_link_inside_accepted(root: Path) -> None:
    (root / "pkg").symlink_to(root / "src" / "pkg", target_is_directory=True)

    resolved = resolve_inside(root, "pkg/mod.py")

    assert resolved == (root / "src" / "pkg" / "mod.py").resolve()


def test_link_loop_rejected(root: Path) -> None:
    (root / "loop_a").symlink_to(root / "loop_b")
    (root / "loop_b").symlink_to(root / "loop_a")

    with pytest.raises(ToolError):
        resolve_inside(root, "loop_a")


def test_symlinked_root_accepted(tmp_path: Path, root: Path) -> None:
    link = tmp_path / "link-to-project"
    link.symlink_to(root, target_is_directory=True)

    resolved = resolve_inside(link, "main.py")

    assert resolved == (root / "main.py").resolve()
    assert relative(link, resolved) == "main.py"


def test_relative_uses_forward_slashes(root: Path) -> None:
    relative_path = relative(root, root.resolve() / "src" / "pkg" / "mod.py")

    assert relative_path == "src/pkg/mod.py"
