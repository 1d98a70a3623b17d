"""The trash: deleted sessions and files move here, never vanish.

Each deletion gets its own folder, ``$LOCO_HOME/trash/<label>_<YYYYMMDD_HHMMSS>/``,
with the moved items and a ``manifest.json`` recording where each came from,
so it can be listed and restored. ``shutil.move`` copies and then removes
when the trash is on another filesystem than the original.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import StoreError
from ..models import utc_now
from .atomic import write_atomic

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class TrashEntry:
    """One deletion: its folder in the trash and the original paths of what it holds."""

    folder: Path
    label: str
    deleted: datetime
    originals: dict[str, str]


def move_to_trash(trash_dir: Path, paths: list[Path], label: str) -> TrashEntry:
    """Move ``paths`` into a new trash folder named after ``label`` and the time.

    Raises :class:`StoreError` naming the path that could not be moved; items
    moved before the failure stay in the trash and are listed in its manifest.
    """
    deleted = utc_now()
    folder = _new_folder(trash_dir, f"{label}_{deleted:%Y%m%d_%H%M%S}")
    originals: dict[str, str] = {}
    try:
        for path in paths:
            target = folder / path.name
            if target.exists():
                target = folder / f"{len(originals)}_{path.name}"
            shutil.move(str(path), str(target))
            originals[target.name] = str(path.resolve())
    except OSError as exc:
        msg = (
            f"Could not move {exc.filename or path} to the trash in {folder}: {exc.strerror or exc}"
        )
        raise StoreError(msg, path=path) from exc
    finally:
        _write_manifest(folder, label, deleted, originals)
    return TrashEntry(folder=folder, label=label, deleted=deleted, originals=originals)


def list_trash(trash_dir: Path, label: str | None = None) -> list[TrashEntry]:
    """Return the deletions in the trash, newest first, optionally only one label's."""
    entries = []
    for manifest in trash_dir.glob(f"*/{MANIFEST}"):
        try:
            raw = json.loads(manifest.read_text())
            entry = TrashEntry(
                folder=manifest.parent,
                label=str(raw["label"]),
                deleted=datetime.fromisoformat(raw["deleted"]),
                originals={str(k): str(v) for k, v in raw["originals"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if label is None or entry.label == label:
            entries.append(entry)
    return sorted(entries, key=lambda e: e.deleted, reverse=True)


def restore(entry: TrashEntry) -> list[Path]:
    """Move every item of ``entry`` back where it came from and remove its trash folder.

    Raises :class:`StoreError` if something now exists at an original path,
    so nothing is overwritten.
    """
    taken = [Path(p) for p in entry.originals.values() if Path(p).exists()]
    if taken:
        msg = f"Cannot restore {entry.folder.name}: {taken[0]} exists; move it away first."
        raise StoreError(msg, path=taken[0])

    restored = []
    for name, original in entry.originals.items():
        target = Path(original)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(str(entry.folder / name), str(target))
        except OSError as exc:
            msg = f"Could not restore {target} from {entry.folder}: {exc.strerror or exc}"
            raise StoreError(msg, path=target) from exc
        restored.append(target)

    shutil.rmtree(entry.folder, ignore_errors=True)
    return restored


def _new_folder(trash_dir: Path, name: str) -> Path:
    for attempt in range(1000):
        folder = trash_dir / (name if attempt == 0 else f"{name}_{attempt}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
        except OSError as exc:
            msg = f"Could not create the trash folder {folder}: {exc.strerror or exc}"
            raise StoreError(msg, path=folder) from exc
    msg = f"Too many trash folders named {name} in {trash_dir}."
    raise StoreError(msg, path=trash_dir)


def _write_manifest(folder: Path, label: str, deleted: datetime, originals: dict[str, str]) -> None:
    payload = {"label": label, "deleted": deleted.isoformat(), "originals": originals}
    write_atomic(folder / MANIFEST, json.dumps(payload, indent=1).encode())
