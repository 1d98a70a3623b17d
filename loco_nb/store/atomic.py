"""Crash-safe file writes: a temporary file, fsync, then rename over the target."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from ..errors import StoreError


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    A full disk or a crash leaves the previous file in place and removes the
    temporary one. The file keeps the permission bits of the file it replaces;
    a new file gets 0o666 minus the umask. Raises :class:`StoreError` with the
    path on any OS error.
    """
    tmp_name: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = _target_mode(path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as tmp:
            if mode is not None:
                os.chmod(tmp_name, mode)
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        msg = f"Could not write {path}: {exc.strerror or exc}"
        raise StoreError(msg, path=path) from exc

    _fsync_directory(path.parent)


def _target_mode(path: Path) -> int | None:
    # mkstemp creates the file with mode 0o600, which would drop the execute
    # bit of a script or make a shared file private once renamed over it.
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        pass
    umask = _current_umask()
    return None if umask is None else 0o666 & ~umask


def _current_umask() -> int | None:
    # os.umask() can only read the mask by setting it, which races with other
    # threads creating files, so read it from /proc on Linux instead.
    # NOTE: elsewhere a new file keeps mkstemp's 0o600.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is flushed too.
    # Some filesystems refuse to open a directory; the write itself is done.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
