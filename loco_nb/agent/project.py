"""The project context: a static pass over the project's files, cached until they change.

The static pass counts the files (honouring ``.gitignore``), reads the
manifests for the tech stack and entry points, and picks the key files. It
needs no git repository and no model. The description a model writes (see
:mod:`.describe`) is kept across static passes until ``%loco analyze``
replaces it.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from ..errors import ModelError, StoreError
from ..llm.router import Router, StatusSink
from ..models import ProjectContext, utc_now
from ..store.project import ProjectCache, fingerprint
from ..tools import project_files
from .describe import describe_project
from .manifests import read_manifests

logger = logging.getLogger("loco_nb")

MAX_KEY_FILES = 20

# Characters of the summary put in every system prompt. Small local models
# read prompts at about 37 tokens per second, so this costs about 3 seconds.
MAX_SUMMARY_CHARS = 400

_KEY_NAMES = {
    "readme.md", "readme.rst", "readme.txt", "readme", "license", "license.md", "license.txt",
    "dockerfile", "makefile", "docker-compose.yml", "compose.yaml", "tsconfig.json",
    "tox.ini", "noxfile.py", "justfile",
}  # fmt: skip


def scan_project(root: Path, files: list[str]) -> ProjectContext:
    """Return the static context of ``root``, whose files (relative, sorted) are ``files``."""
    facts = read_manifests(root, files)
    return ProjectContext(
        path=str(root),
        tech_stack=facts.tech_stack,
        key_files=_key_files(files, facts.manifests, facts.entry_points),
        entry_points=facts.entry_points,
        generated=utc_now(),
        file_count=len(files),
        fingerprint=fingerprint(root, files),
    )


def current_context(
    root: Path, cache: ProjectCache, files: list[str] | None = None
) -> ProjectContext:
    """Return the cached context, after a new static pass if any file changed since.

    The description and its model carry over to the new pass. A cache that
    cannot be written is logged, and the fresh context is returned anyway.
    """
    listed = project_files(root) if files is None else files
    cached = cache.load()
    if cached is not None and cached.fingerprint == fingerprint(root, listed):
        return cached

    fresh = scan_project(root, listed)
    if cached is not None:
        fresh.description = cached.description
        fresh.description_model = cached.description_model
        fresh.description_error = cached.description_error
    try:
        cache.save(fresh)
    except StoreError as exc:
        logger.warning("could not cache the project context: %s", exc)
    return fresh


async def analyze_project(
    root: Path, router: Router, choice: str | None, status: StatusSink | None = None
) -> ProjectContext:
    """Scan the project again, have the model ``choice`` describe it, and cache the result.

    If the model request fails, the new static context is cached with the
    previous description, and ``description_error`` contains the error.
    """
    cache = ProjectCache(root)
    previous = cache.load()
    files = project_files(root)
    context = scan_project(root, files)
    try:
        model = await router.resolve(choice, status)
        if status is not None:
            status(f"{model.id} is describing the project", None, None)
        context = await describe_project(context, router.client(model), model, files)
    except ModelError as exc:
        context.description_error = str(exc)

    if context.description_error and previous is not None:
        context.description = previous.description
        context.description_model = previous.description_model
    cache.save(context)
    return context


def prompt_summary(context: ProjectContext) -> str:
    """Return the project context in a few lines for a system prompt, at most MAX_SUMMARY_CHARS."""
    lines = []
    if context.description:
        lines.append(f"About the project: {context.description}")
    if context.tech_stack:
        lines.append(f"Tech stack: {', '.join(context.tech_stack)}")
    if context.entry_points:
        lines.append(f"Entry points: {'; '.join(context.entry_points)}")

    summary = "\n".join(lines)
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 1].rstrip() + "…"
    return summary


def _key_files(files: list[str], manifests: list[str], entry_points: list[str]) -> list[str]:
    named = [f for f in files if len(PurePosixPath(f).parts) == 1 and f.lower() in _KEY_NAMES]
    scripts = [f for f in files if f in entry_points or _is_module_entry(f, entry_points)]

    chosen: list[str] = []
    for name in [*manifests, *named, *scripts]:
        if name not in chosen:
            chosen.append(name)
    return chosen[:MAX_KEY_FILES]


def _is_module_entry(name: str, entry_points: list[str]) -> bool:
    path = PurePosixPath(name)
    module = ".".join(path.parts[:-1])
    return path.name == "__main__.py" and f"python -m {module}" in entry_points
