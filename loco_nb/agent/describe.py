"""A short description of the project, written by a model from the static context."""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from ..errors import ModelError
from ..llm.client import ChatClient
from ..models import ModelConfig, ProjectContext, utc_now

logger = logging.getLogger("loco_nb")

# The prompt stays under about 500 tokens, which the embedded 1.5B model reads
# in about 14 seconds on two CPU cores at 37 tokens per second.
README_CHARS = 1200
MAX_FOLDERS = 15
MAX_REPLY_TOKENS = 120
MAX_DESCRIPTION_CHARS = 350

_SYSTEM = (
    "You describe software projects for a coding assistant. Reply with at most two plain "
    "sentences: what the project does, and how its code is organised. No lists, no Markdown."
)


async def describe_project(
    context: ProjectContext, client: ChatClient, model: ModelConfig, files: list[str]
) -> ProjectContext:
    """Return ``context`` with a description written by ``model``, in one short request.

    If the request fails, the static context is returned unchanged except
    for ``description_error``, which contains the error, so the caller can go
    on offline.
    """
    messages = [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": describe_request(context, files)},
    ]
    try:
        reply = await client.complete(
            model.id, messages, max_tokens=MAX_REPLY_TOKENS, temperature=0.2
        )
    except ModelError as exc:
        logger.warning("could not describe the project with %s: %s", model.id, exc)
        return context.model_copy(update={"description_error": str(exc)})

    description = _clean(reply.content)
    if not description:
        error = f"{model.id} returned an empty description."
        return context.model_copy(update={"description_error": error})
    return context.model_copy(
        update={
            "description": description,
            "description_model": model.id,
            "description_error": "",
            "generated": utc_now(),
        }
    )


def describe_request(context: ProjectContext, files: list[str]) -> str:
    """Return the user turn: the static facts, the top-level folders and the README's start."""
    folders = sorted({PurePosixPath(f).parts[0] for f in files if len(PurePosixPath(f).parts) > 1})
    lines = [
        f"Project folder: {Path(context.path).name}",
        f"Files: {context.file_count}",
        f"Tech stack: {', '.join(context.tech_stack) or 'unknown'}",
        f"Entry points: {'; '.join(context.entry_points) or 'none found'}",
        f"Top-level folders: {', '.join(folders[:MAX_FOLDERS]) or 'none'}",
        f"Key files: {', '.join(context.key_files) or 'none'}",
    ]
    readme = _readme_start(Path(context.path), context.key_files)
    if readme:
        lines.append(f"README (start):\n{readme}")
    return "\n".join(lines)


def _readme_start(root: Path, key_files: list[str]) -> str:
    for name in key_files:
        if name.lower().startswith("readme"):
            try:
                with (root / name).open(encoding="utf-8", errors="replace") as readme:
                    return readme.read(README_CHARS)
            except OSError:
                return ""
    return ""


def _clean(text: str) -> str:
    words = " ".join(text.split())
    if len(words) <= MAX_DESCRIPTION_CHARS:
        return words
    cut = words[:MAX_DESCRIPTION_CHARS]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > 0 else cut.rstrip() + "…"
