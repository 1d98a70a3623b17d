"""Fixtures that run notebooks in a real IPython kernel against the scripted server."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.jupyter.kernel import ExecutedNotebook, RunCells, execute_cells


@pytest.fixture(autouse=True)
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the kernel away from the user's IPython profile and Jupyter folders.

    JUPYTER_PATH puts this environment's kernel specs first, so a ``python3``
    spec in the user's data folder cannot start another interpreter.
    """
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter_runtime"))
    monkeypatch.setenv("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The kernel's working folder, where relative paths such as export targets land."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def run_cells(workdir: Path) -> RunCells:
    """Return a function that runs code cells in a new kernel and returns the executed notebook."""

    def run(sources: Sequence[str], *, allow_errors: bool = False) -> ExecutedNotebook:
        return execute_cells(sources, workdir, allow_errors=allow_errors)

    return run


@pytest.fixture
def setup_cells(project: Path) -> list[str]:
    """The two cells that load the extension and point it at the ``project`` folder."""
    return ["%load_ext loco_nb", f"%config LocoMagics.project_dir = {str(project)!r}"]
