"""Subcommands for the project context: show it, and rebuild it with a model's description."""

from __future__ import annotations

from typing import Any

from IPython.display import display

from ...models import ProjectContext
from ..cell_view import CellView
from ..render import MarkdownText
from . import arg, subcommand


@subcommand("project", "show what loco_nb knows about the project, as every request sees it")
def show_project(magics: Any, args: Any) -> None:
    display(MarkdownText(describe_context(magics.assistant.project_context())))


@subcommand(
    "analyze",
    "scan the project again and have a model describe it",
    arg("--model", "-m", help="A size (XS, S, M, L, XL) or a model id; the default size if unset."),
)
def analyze(magics: Any, args: Any) -> None:
    view = CellView()
    context = magics.assistant.analyze_project(model=args.model, on_event=view)
    if context.description_error:
        view.status.update(MarkdownText("⚠ *Scanned the project; the description failed.*"))
    else:
        view.status.update(MarkdownText(f"✓ *Described by {context.description_model}.*"))
    display(MarkdownText(describe_context(context)))


def describe_context(context: ProjectContext) -> str:
    """Return the context as Markdown: facts first, then the description or why there is none."""
    lines = [
        f"**Project** `{context.path}`: {context.file_count} files "
        "(not counting what .gitignore excludes)",
        f"**Tech stack:** {', '.join(context.tech_stack) or 'none found'}",
        f"**Entry points:** {'; '.join(f'`{e}`' for e in context.entry_points) or 'none found'}",
        f"**Key files:** {', '.join(f'`{f}`' for f in context.key_files) or 'none found'}",
        f"**Scanned:** {context.generated:%Y-%m-%d %H:%M} UTC",
    ]
    if context.description:
        lines.append(f"**Description** (by {context.description_model}): {context.description}")
    if context.description_error:
        lines.append(
            f"**No new description:** {context.description_error} "
            "%loco analyze tries again once a model answers."
        )
    elif not context.description:
        lines.append("**Description:** none yet; %loco analyze has a model write one.")
    return "\n\n".join(lines)
