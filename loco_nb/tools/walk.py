"""Walk the project's files the way git sees them: .gitignore files honoured, tool folders skipped.

Every folder's .gitignore applies below it, and a deeper file's patterns
take precedence over a shallower one's, as in git; ``.git/info/exclude``
applies last. Folders in :data:`HIDDEN_DIRS` are never entered. Symbolic
links are listed only when they point to a file inside the project, and
linked folders are not entered, so a walk cannot leave the project or loop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .ignore import IgnoreRules
from .paths import HIDDEN_DIRS

GITIGNORE = ".gitignore"


@dataclass(frozen=True)
class _Level:
    """The rules of one .gitignore and the folder (relative to the root) they apply from."""

    prefix: str
    rules: IgnoreRules


def project_files(root: Path, folder: Path | None = None) -> list[str]:
    """Return the project's files below ``folder``, relative to the root, sorted.

    Skips loco_nb's and git's folders and anything a .gitignore excludes.
    Symbolic links that leave the project or point nowhere are skipped too.
    """
    return sorted(iter_files(root, folder))


def iter_files(root: Path, folder: Path | None = None) -> Iterator[str]:
    """Yield the files :func:`project_files` returns, in walk order."""
    real_root = root.resolve()
    start = (folder or real_root).resolve()
    relative = start.relative_to(real_root).as_posix()
    prefix = "" if relative == "." else relative + "/"

    levels = _levels_above(real_root, prefix)
    if levels is None:
        return
    yield from _walk(real_root, start, prefix, levels)


def _levels_above(root: Path, prefix: str) -> list[_Level] | None:
    """Return the rules in force at ``prefix``, or None if a folder on the way is ignored."""
    levels: list[_Level] = []
    exclude = IgnoreRules.load(root / ".git" / "info" / "exclude")
    if exclude:
        levels.append(_Level("", exclude))

    # The start folder's own .gitignore is read by the walk.
    current = ""
    for name in [part for part in prefix.split("/") if part]:
        rules = IgnoreRules.load(root / current / GITIGNORE)
        if rules:
            levels.append(_Level(current, rules))
        if name in HIDDEN_DIRS or _is_ignored(levels, current + name, name, is_dir=True):
            return None
        current += name + "/"
    return levels


def _walk(root: Path, start: Path, prefix: str, levels: list[_Level]) -> Iterator[str]:
    pending = [(str(start), prefix, levels)]
    while pending:
        folder, prefix, levels = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if any(entry.name == GITIGNORE for entry in entries):
            rules = IgnoreRules.load(Path(folder) / GITIGNORE)
            if rules:
                levels = [*levels, _Level(prefix, rules)]

        for entry in entries:
            name = entry.name
            path = prefix + name
            if entry.is_symlink():
                if _link_inside(root, entry.path) and not _is_ignored(levels, path, name, False):
                    yield path
            elif entry.is_dir():
                if name not in HIDDEN_DIRS and not _is_ignored(levels, path, name, True):
                    pending.append((entry.path, path + "/", levels))
            elif not _is_ignored(levels, path, name, False):
                yield path


def _is_ignored(levels: list[_Level], path: str, name: str, is_dir: bool) -> bool:
    # The deepest .gitignore with a matching pattern decides.
    for level in reversed(levels):
        relative = path[len(level.prefix) :] if level.prefix else path
        verdict = level.rules.ignored(relative, name, is_dir=is_dir)
        if verdict is not None:
            return verdict
    return False


def _link_inside(root: Path, link: str) -> bool:
    """Return True for a link to a file inside ``root``; links to folders are not followed."""
    try:
        target = Path(link).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return target.is_file() and root in target.parents
