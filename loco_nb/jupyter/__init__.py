"""Front ends: the magics, rich renderers and notebook export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .render import ToolResultView

if TYPE_CHECKING:
    from .export import export_session, session_to_notebook


def __getattr__(name: str) -> Any:
    # nbformat imports jsonschema, whose format checkers take seconds to import,
    # so the export module is imported on first use instead of on %load_ext.
    if name in ("export_session", "session_to_notebook"):
        from . import export

        return getattr(export, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


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
