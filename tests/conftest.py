"""Shared fixtures: every test runs with its own LOCO_HOME and no LOCO_* settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scripted_server import ScriptedServer

REPO = Path(__file__).resolve().parent.parent

# The embedded weights are 1.6 GB once joined; tests share one copy in the
# repository's ignored .cache folder instead of joining them per test.
WEIGHTS_CACHE = REPO / ".cache" / "models"


@pytest.fixture(scope="session", autouse=True)
def session_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Isolate the whole run, so fixtures wider than one test never touch ~/.loco either."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("LOCO_"):
                patch.delenv(name)
        home = tmp_path_factory.mktemp("loco_session_home")
        patch.setenv("LOCO_HOME", str(home))
        patch.setenv("LOCO_MODELS_DIR", str(WEIGHTS_CACHE))
        yield home


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Clear LOCO_* variables and point LOCO_HOME at a fresh folder."""
    for name in list(os.environ):
        if name.startswith("LOCO_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("loco_home")
    monkeypatch.setenv("LOCO_HOME", str(home))
    monkeypatch.setenv("LOCO_MODELS_DIR", str(WEIGHTS_CACHE))
    return home


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A small project folder with two Python files and a .gitignore."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "main.py").write_text('import util\n\nprint(util.greet("world"))\n')
    (root / "util.py").write_text('def greet(name):\n    return f"hello {name}"\n')
    (root / ".gitignore").write_text("build/\n*.log\n")
    yield root


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """A scripted OpenAI-compatible server on 127.0.0.1, set as LOCO_BASE_URL."""
    with ScriptedServer() as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server
