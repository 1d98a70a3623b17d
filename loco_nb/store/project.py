"""The project context cache, ``<project>/.loco/project.json``, and its fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from ..errors import StoreError
from ..models import ProjectContext
from .atomic import write_atomic
from .corrupt import describe_error, move_aside


class ProjectCache:
    """Reads and writes the cached :class:`ProjectContext` of one project."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self.path = project_dir / ".loco" / "project.json"

    def load(self) -> ProjectContext | None:
        """Return the cached context, or None if there is none.

        A corrupt cache is moved aside and logged, and None is returned,
        because the context can always be built again.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            msg = f"Could not read {self.path}: {exc.strerror}"
            raise StoreError(msg, path=self.path) from exc

        try:
            return ProjectContext.model_validate_json(raw)
        except ValidationError as exc:
            move_aside(self.path, describe_error(exc))
            return None

    def save(self, context: ProjectContext) -> None:
        write_atomic(self.path, context.model_dump_json(indent=1).encode())


def fingerprint(root: Path, files: list[str]) -> str:
    """Return a digest of the relative path, size and mtime of every file in ``files``.

    Adding, removing, renaming or saving any file changes it; a file that
    vanished since it was listed counts with size and mtime -1.
    """
    digest = hashlib.sha256()
    for name in files:
        try:
            stat = (root / name).stat()
            size, mtime = stat.st_size, stat.st_mtime_ns
        except OSError:
            size, mtime = -1, -1
        digest.update(f"{name}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()
