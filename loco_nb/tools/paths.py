"""Path confinement: every path a tool touches resolves inside the project root."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import PathOutsideProject, ToolError

# Folders that hold loco_nb's own state or version control, never project files.
HIDDEN_DIRS = frozenset({".git", ".loco", "__pycache__", ".ipynb_checkpoints"})


def resolve_inside(root: Path, path: str) -> Path:
    """Resolve ``path`` against ``root``, following symbolic links, and confine it.

    Relative paths are taken from the root; an absolute path is accepted only
    when it lies inside the root. Raises :class:`PathOutsideProject` naming the
    path and the root otherwise, and :class:`ToolError` for an empty path or one
    containing a NUL byte.
    """
    if not isinstance(path, str) or not path.strip():
        msg = "The path is empty; give a path relative to the project root."
        raise ToolError(msg)
    if "\x00" in path:
        msg = f"The path {path!r} contains a NUL byte."
        raise ToolError(msg)

    real_root = root.resolve()
    candidate = Path(os.path.expanduser(path)) if path.startswith("~") else Path(path)
    if not candidate.is_absolute():
        candidate = real_root / candidate

    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        # ValueError covers UnicodeEncodeError: JSON lets a model send a lone
        # surrogate such as "\ud800", which no file name can contain.
        msg = f"The path {path!r} cannot be resolved: {exc}"
        raise ToolError(msg) from exc

    if resolved != real_root and real_root not in resolved.parents:
        raise PathOutsideProject(path, real_root)
    return resolved


def relative(root: Path, path: Path) -> str:
    """Return ``path`` relative to the root, with forward slashes."""
    return path.relative_to(root.resolve()).as_posix() or "."
