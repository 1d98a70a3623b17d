"""Unit tests of the project context: the static pass, its cache, the model's description."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest

from loco_nb.agent.describe import describe_project
from loco_nb.agent.project import (
    MAX_SUMMARY_CHARS,
    current_context,
    prompt_summary,
    scan_project,
)
from loco_nb.llm.client import ChatClient
from loco_nb.models import ModelConfig, ModelSize, ProjectContext
from loco_nb.store.project import ProjectCache
from loco_nb.tools import project_files
from tests.conftest import REPO

MODEL = ModelConfig(
    name="tiny", size=ModelSize.S, id="tiny-coder", endpoint="http://127.0.0.1:9/v1"
)


# this repository, as the static pass sees it


@pytest.fixture(scope="module")
def repo_context() -> ProjectContext:
    return scan_project(REPO, project_files(REPO))


def test_repo_stack_is_python(repo_context: ProjectContext) -> None:
    assert repo_context.tech_stack[0] == "python"
    assert "pydantic" in repo_context.tech_stack


def test_repo_entry_points(repo_context: ProjectContext) -> None:
    assert "loco-nb = loco_nb.cli:main" in repo_context.entry_points
    assert "python -m loco_nb.llm.embedded" in repo_context.entry_points


def test_repo_key_files(repo_context: ProjectContext) -> None:
    assert repo_context.key_files[0] == "pyproject.toml"
    assert "README.md" in repo_context.key_files
    assert "loco_nb/llm/embedded/__main__.py" in repo_context.key_files


def test_repo_file_count_honours_gitignore(repo_context: ProjectContext) -> None:
    assert repo_context.file_count == len(project_files(REPO))
    assert repo_context.file_count < sum(len(files) for _, _, files in os.walk(REPO))


# cache and refresh, in a folder that is not a git repository


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (root / "app.py").write_text("print('hi')\n")
    return root


def test_context_cached(folder: Path) -> None:
    cache = ProjectCache(folder)

    first = current_context(folder, cache)

    assert cache.path.is_file()
    assert current_context(folder, cache).generated == first.generated


def test_context_outside_git(folder: Path) -> None:
    context = current_context(folder, ProjectCache(folder))

    assert context.file_count == 2
    assert context.entry_points == ["app.py"]


def test_new_file_triggers_scan(folder: Path) -> None:
    cache = ProjectCache(folder)
    current_context(folder, cache)

    (folder / "package.json").write_text('{"name": "ui"}')

    assert "javascript" in current_context(folder, cache).tech_stack


def test_edited_file_triggers_scan(folder: Path) -> None:
    cache = ProjectCache(folder)
    before = current_context(folder, cache)

    (folder / "pyproject.toml").write_text('[project]\ndependencies = ["flask"]\n')

    assert current_context(folder, cache).fingerprint != before.fingerprint
    assert "flask" in current_context(folder, cache).tech_stack


def test_description_survives_scan(folder: Path) -> None:
    cache = ProjectCache(folder)
    described = current_context(folder, cache)
    described.description = "A greeting script."
    cache.save(described)

    (folder / "more.py").write_text("")

    assert current_context(folder, cache).description == "A greeting script."


def test_corrupt_cache_moved_aside(folder: Path) -> None:
    cache = ProjectCache(folder)
    cache.path.parent.mkdir()
    cache.path.write_text("{broken")

    context = current_context(folder, cache)

    assert context.file_count == 2
    assert len(list(cache.path.parent.glob("project.json.corrupt-*"))) == 1


def test_cache_keeps_unknown_fields(folder: Path) -> None:
    cache = ProjectCache(folder)
    cache.path.parent.mkdir()
    cache.path.write_text(json.dumps({"path": str(folder), "languages_by_size": {"py": 2}}))

    loaded = cache.load()

    assert loaded is not None
    assert loaded.model_extra == {"languages_by_size": {"py": 2}}


# the summary for prompts


def test_summary_lines() -> None:
    context = ProjectContext(
        path="/p", description="Greets.", tech_stack=["python"], entry_points=["main.py"]
    )

    assert prompt_summary(context) == (
        "About the project: Greets.\nTech stack: python\nEntry points: main.py"
    )


def test_summary_empty_without_facts() -> None:
    assert prompt_summary(ProjectContext(path="/p")) == ""


def test_summary_bounded() -> None:
    context = ProjectContext(path="/p", description="word " * 500)

    summary = prompt_summary(context)

    assert len(summary) <= MAX_SUMMARY_CHARS
    assert summary.endswith("word…")


# the description a model writes


def client_replying(handler: httpx.MockTransport) -> ChatClient:
    return ChatClient(MODEL.endpoint, transport=handler)


def reply_with(content: str) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        body = {"choices": [{"message": {"role": "assistant", "content": content}}]}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def describe(folder: Path, transport: httpx.MockTransport) -> ProjectContext:
    context = scan_project(folder, project_files(folder))
    client = client_replying(transport)

    async def run() -> ProjectContext:
        try:
            return await describe_project(context, client, MODEL, project_files(folder))
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_description_written(folder: Path) -> None:
    described = describe(folder, reply_with("  A script that\nprints hi.  "))

    assert described.description == "A script that prints hi."
    assert described.description_model == "tiny-coder"
    assert described.description_error == ""


def test_description_request_has_facts(folder: Path) -> None:
    seen: list[dict[str, object]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"choices": [{"message": {"content": "x"}}]})

    describe(folder, httpx.MockTransport(handle))
    messages = seen[0]["messages"]

    assert isinstance(messages, list)
    assert "Entry points: app.py" in messages[1]["content"]
    assert seen[0]["max_tokens"] == 120


def test_description_offline(folder: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    described = describe(folder, httpx.MockTransport(refuse))

    assert described.description == ""
    assert "No server answers" in described.description_error
    assert described.entry_points == ["app.py"]


def test_description_empty_reply(folder: Path) -> None:
    described = describe(folder, reply_with("   "))

    assert described.description == ""
    assert "empty description" in described.description_error
