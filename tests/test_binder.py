"""The binder/ folder: the files mybinder.org builds from, and postBuild joining the weights."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loco_nb.llm.embedded.weights import EMBEDDED_WEIGHTS
from tests.conftest import REPO

BINDER = REPO / "binder"
POST_BUILD = BINDER / "postBuild"

# Joining both models writes 1.6 GB; a run on two cores takes about 10 seconds.
POST_BUILD_TIMEOUT = 600


def embedded_python(script: str) -> str:
    found = re.search(r"<<'PYTHON'\n(.*?)\nPYTHON\n", script, re.DOTALL)
    assert found is not None, "postBuild has no python heredoc"
    return found.group(1)


def test_binder_files_exist() -> None:
    for name in ("requirements.txt", "runtime.txt", "postBuild", "README.md"):
        assert (BINDER / name).is_file(), name


def test_runtime_names_python_3() -> None:
    # repo2docker gives Python older than 3.7 a kernel environment apart from JupyterLab.
    assert re.fullmatch(r"python-3\.1[0-9]\n", (BINDER / "runtime.txt").read_text())


def test_requirements_install_repository() -> None:
    lines = [
        line.strip()
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    assert lines == ["."]


def test_post_build_is_executable() -> None:
    mode = POST_BUILD.stat().st_mode

    assert mode & stat.S_IXUSR
    assert POST_BUILD.read_text().startswith("#!/usr/bin/env bash\n")


def test_post_build_shell_runs_only_python() -> None:
    script = POST_BUILD.read_text()
    outside = re.sub(r"<<'PYTHON'\n.*?\nPYTHON\n", "<<'PYTHON'\n", script, flags=re.DOTALL)
    commands = [line for line in outside.splitlines() if line.strip() and not line.startswith("#")]

    assert commands == ["set -euo pipefail", "python - <<'PYTHON'"]


def test_post_build_imports_only_loco_nb() -> None:
    tree = ast.parse(embedded_python(POST_BUILD.read_text()))
    modules = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]

    assert modules
    for module in modules:
        assert module is not None
        assert module.split(".")[0] == "loco_nb", module


def test_post_build_calls_ensure_weights() -> None:
    python = embedded_python(POST_BUILD.read_text())

    assert "ensure_weights(spec, folder)" in python
    assert "for spec in EMBEDDED_WEIGHTS:" in python


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty LOCO_HOME, removed after the test because it ends up holding 1.6 GB."""
    home = tmp_path / "binder_home"
    monkeypatch.setenv("LOCO_HOME", str(home))
    monkeypatch.delenv("LOCO_MODELS_DIR", raising=False)
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_post_build_joins_weights(fresh_home: Path) -> None:
    environ = dict(os.environ)
    # Binder's PATH starts with the environment that requirements.txt was installed into.
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"

    done = subprocess.run(
        [str(POST_BUILD)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=POST_BUILD_TIMEOUT,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for spec in EMBEDDED_WEIGHTS:
        joined = fresh_home / "models" / spec.filename
        marker = json.loads((fresh_home / "models" / f"{spec.filename}.verified.json").read_text())
        assert joined.stat().st_size == spec.total_bytes
        assert marker["sha256"] == spec.sha256
        assert f"Verified {joined}" in done.stdout
