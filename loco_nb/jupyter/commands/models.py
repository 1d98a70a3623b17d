"""Subcommands about models: the size map with server health, and per-model metrics."""

from __future__ import annotations

from typing import Any

from IPython.display import display

from ...errors import LocoError
from ..cell_view import CellView
from ..render import MarkdownText, Table
from . import subcommand


@subcommand("models", "show which model serves each size, and each server's health")
def list_models(magics: Any, args: Any) -> None:
    view = CellView()
    try:
        servers = magics.assistant.servers(on_event=view)
    except LocoError as exc:
        view.fail(exc)
        raise
    up = sum(1 for s in servers if s.up)
    view.status.update(MarkdownText(f"{up} of {len(servers)} servers answer"))

    rows = [
        [m.size.value, m.id, s.url, "up", str(m.context_length or "?"), _protocol(m)]
        for s in servers
        if s.up
        for m in sorted(s.models, key=lambda m: m.size)
    ]
    rows += [["", "", s.url, f"down: {s.error}", "", ""] for s in servers if not s.up]
    display(Table(["size", "model", "server", "health", "context", "tool calls"], rows))
    for notice in magics.assistant.router.notices[-3:]:
        print(notice)  # noqa: T201


@subcommand("metrics", "show latency, speed and success rate per model and task type")
def show_metrics(magics: Any, args: Any) -> None:
    figures = magics.assistant.metrics.figures()
    if not figures:
        print("No tasks have run in this project yet.")  # noqa: T201
        return

    rows = [
        [
            f.model_id,
            str(f.tasks),
            f"{100 * f.success_rate:.0f}%",
            f"{f.mean_seconds:.1f}s",
            f"{f.tokens_per_second:.1f}",
            ", ".join(
                f"{kind} {done}/{total}" for kind, (done, total) in sorted(f.by_type.items())
            ),
        ]
        for f in figures
    ]
    headers = ["model", "tasks", "completed", "mean time", "output tok/s", "by task type"]
    display(Table(headers, rows, caption=f"Metrics in {magics.assistant.metrics.path}"))


def _protocol(model: Any) -> str:
    if model.structured_output:
        return "JSON schema"
    if model.native_tools:
        return "tools field"
    return "<tool> tags"
