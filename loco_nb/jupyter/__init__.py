"""Front ends: the magics, rich renderers and notebook export."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .export import export_session, session_to_notebook
    from .render import ToolResultView

# Imported on first use, not on %load_ext: export needs nbformat, whose jsonschema
# format checkers take seconds to import, and render needs pygments and pydantic.
_LAZY = {
    "export_session": "export",
    "session_to_notebook": "export",
    "ToolResultView": "render",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f".{module}", __name__), name)


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics; nothing is printed, logged or added to the user's namespace."""
    from .magics import LocoMagics

    magics = LocoMagics(shell=ipython)
    ipython.register_magics(magics)
    # %config reaches only the shell's configurables; Magics.__init__ adds itself there.
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove what load_ipython_extension registered and stop this kernel's assistant."""
    from .magics import LocoMagics

    registry = ipython.magics_manager.registry
    magics = registry.pop(LocoMagics.__name__, None)
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("loco", None)
    if magics is not None:
        ipython.configurables[:] = [c for c in ipython.configurables if c is not magics]
        magics.close()


__all__ = [
    "ToolResultView",
    "export_session",
    "load_ipython_extension",
    "session_to_notebook",
    "unload_ipython_extension",
]
