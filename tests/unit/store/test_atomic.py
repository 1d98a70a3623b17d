"""Unit tests of loco_nb.store.atomic: a failed write leaves the old file whole."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

import pytest

from loco_nb.errors import StoreError
from loco_nb.store import atomic
from loco_nb.store.atomic import write_atomic

ORIGINAL = b"original bytes\n"


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "file.json"
    path.parent.mkdir()
    path.write_bytes(ORIGINAL)
    return path


def test_write_creates_file(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"

    write_atomic(path, b"hello")

    assert path.read_bytes() == b"hello"


def test_write_creates_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.txt"

    write_atomic(path, b"x")

    assert path.read_bytes() == b"x"


def test_write_replaces_content(target: Path) -> None:
    write_atomic(target, b"new")

    assert target.read_bytes() == b"new"
    assert os.listdir(target.parent) == ["file.json"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_full_disk_keeps_original(
    target: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    monkeypatch.setattr(atomic.os, failing, _disk_full)

    with pytest.raises(StoreError):
        write_atomic(target, b"new content that never lands")

    assert target.read_bytes() == ORIGINAL


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_full_disk_removes_temp_file(
    target: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    monkeypatch.setattr(atomic.os, failing, _disk_full)

    with pytest.raises(StoreError):
        write_atomic(target, b"new")

    assert os.listdir(target.parent) == ["file.json"]


def test_full_disk_error_names_path(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.os, "replace", _disk_full)

    with pytest.raises(StoreError) as caught:
        write_atomic(target, b"new")

    assert caught.value.path == target
    assert str(target) in str(caught.value)
    assert os.strerror(errno.ENOSPC) in str(caught.value)
    assert isinstance(caught.value.__cause__, OSError)


def test_temp_file_creation_failure(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.tempfile, "mkstemp", _disk_full)

    with pytest.raises(StoreError) as caught:
        write_atomic(target, b"new")

    assert caught.value.path == target
    assert target.read_bytes() == ORIGINAL


def test_parent_creation_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")

    with pytest.raises(StoreError) as caught:
        write_atomic(blocker / "child.txt", b"x")

    assert caught.value.path == blocker / "child.txt"


def test_write_error_removes_temp(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    class FailingFile:
        def __init__(self, fd: int) -> None:
            self._file = real_fdopen(fd, "wb")

        def __enter__(self) -> FailingFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: FailingFile(fd))

    with pytest.raises(StoreError):
        write_atomic(target, b"new")

    assert target.read_bytes() == ORIGINAL
    assert os.listdir(target.parent) == ["file.json"]


def test_overwrite_keeps_file_mode(target: Path) -> None:
    target.chmod(0o755)

    write_atomic(target, b"#!/bin/sh\n")

    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_new_file_follows_umask(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    previous = os.umask(0o022)
    try:
        write_atomic(path, b"x")
    finally:
        os.umask(previous)

    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_temp_file_in_same_folder(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # os.replace is atomic only within one filesystem, so the temporary file
    # must sit next to the target.
    seen: list[str] = []
    real_mkstemp = tempfile.mkstemp

    def recording_mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, name = real_mkstemp(*args, **kwargs)  # type: ignore[call-overload]
        seen.append(name)
        return fd, name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", recording_mkstemp)

    write_atomic(target, b"new")

    assert len(seen) == 1
    assert Path(seen[0]).parent == target.parent
