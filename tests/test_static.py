"""The package passes its own lint and type checks, as configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing() -> None:
    result = run_tool("ruff", "check", "loco_nb", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    result = run_tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
