"""The ``%loco panel`` subcommand."""

from __future__ import annotations

from typing import Any

from IPython.display import display

from . import subcommand


@subcommand("panel", "show the chat and task panel, which shares the session with %%loco cells")
def show_panel(magics: Any, args: Any) -> None:
    # ipywidgets is imported here, not when the extension loads.
    from ..panel import panel_for

    display(panel_for(magics))
