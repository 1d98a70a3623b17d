"""Front ends: the magics, rich renderers and notebook export."""

from __future__ import annotations

from typing import Any

from .export import export_session, session_to_notebook
from .render import ToolResultView


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics; nothing is printed, logged or added to the user's namespace."""
    from .magics import LocoMagics

    magics = LocoMagics(shell=ipython)
    ipython.register_magics(magics)
    # %config reaches only configurables the shell knows about.
    ipython.configurables.append(magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove what load_ipython_extension registered and stop this kernel's assistant."""
    from .magics import LocoMagics

    registry = ipython.magics_manager.registry
    magics = registry.pop(LocoMagics.__name__, None)
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("loco", None)
    if magics is not None:
        if magics in ipython.configurables:
            ipython.configurables.remove(magics)
        magics.close()


__all__ = [
    "ToolResultView",
    "export_session",
    "load_ipython_extension",
    "session_to_notebook",
    "unload_ipython_extension",
]
