"""Corrupt files are renamed next to where they were, never deleted or overwritten."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pydantic import ValidationError

from ..errors import CorruptFile, StoreError
from ..models import utc_now

logger = logging.getLogger("loco_nb")


def move_aside(path: Path, reason: str) -> CorruptFile:
    """Rename ``path`` to ``<name>.corrupt-<YYYYMMDD_HHMMSS>`` and return the error to report.

    The new name no longer ends in ``.json``, so the store stops reading it,
    and the user can repair it and rename it back. Raises :class:`StoreError`
    if the rename fails, because then the file would be read and fail again.
    """
    stamp = f"{utc_now():%Y%m%d_%H%M%S}"
    target = _free_name(path, f"{path.name}.corrupt-{stamp}")
    try:
        os.rename(path, target)
    except OSError as exc:
        msg = f"{path} is corrupt ({reason}) and could not be moved aside: {exc.strerror or exc}"
        raise StoreError(msg, path=path) from exc

    logger.warning("moved the corrupt file %s aside to %s: %s", path, target, reason)
    msg = (
        f"{path} is corrupt ({reason}); it was moved aside to {target}. "
        "Repair it and rename it back to load it again."
    )
    return CorruptFile(msg, path=path, moved_to=target)


def _free_name(path: Path, name: str) -> Path:
    target = path.with_name(name)
    attempt = 1
    while target.exists():
        target = path.with_name(f"{name}_{attempt}")
        attempt += 1
    return target


def describe_error(error: ValidationError) -> str:
    """Return the first problem of a failed parse in a few words, for messages."""
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return f"invalid JSON, {first['msg'].removeprefix('Invalid JSON: ')}"

    where = ".".join(str(part) for part in first["loc"]) or "the top level"
    more = error.error_count() - 1
    return f"{where}: {first['msg']}" + (f", and {more} more errors" if more else "")
