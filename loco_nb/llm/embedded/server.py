"""The embedded default: llama.cpp's HTTP server on 127.0.0.1, one port per model.

The server runs in a child process (``python -m loco_nb.llm.embedded``) so a
crash in native code cannot take the kernel with it. The child records its
endpoints in ``$LOCO_HOME/run/embedded.json``; any process that finds that
file with a live, healthy server reuses it instead of loading the weights
again. A server started by a kernel stops when that kernel exits; one
started by ``loco-nb serve`` runs until that command is stopped.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from filelock import FileLock

from ...config import Settings
from ...errors import EmbeddedServerError
from ...models import ModelSize
from .weights import EMBEDDED_WEIGHTS, Progress, ensure_weights

logger = logging.getLogger("loco_nb")

START_TIMEOUT = 300.0
LOG_TAIL = 2000


@dataclass(frozen=True)
class Endpoint:
    """One model served by the embedded server."""

    size: ModelSize
    model_id: str
    base_url: str
    context_length: int


@dataclass(frozen=True)
class ServerState:
    """The contents of the running server's state file."""

    pid: int
    owner: str
    endpoints: list[Endpoint]

    @classmethod
    def read(cls, path: Path) -> ServerState | None:
        try:
            raw = json.loads(path.read_text())
            endpoints = [
                Endpoint(
                    size=ModelSize(e["size"]),
                    model_id=e["model_id"],
                    base_url=e["base_url"],
                    context_length=int(e["context_length"]),
                )
                for e in raw["endpoints"]
            ]
            return cls(pid=int(raw["pid"]), owner=str(raw["owner"]), endpoints=endpoints)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "pid": self.pid,
            "owner": self.owner,
            "endpoints": [asdict(e) for e in self.endpoints],
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=1))
        os.replace(tmp, path)


def is_healthy(state: ServerState) -> bool:
    """Return True if the recorded process is alive and every endpoint returns 200 on /health."""
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass

    for endpoint in state.endpoints:
        health = endpoint.base_url.removesuffix("/v1") + "/health"
        try:
            if httpx.get(health, timeout=2.0).status_code != 200:
                return False
        except httpx.HTTPError:
            return False
    return True


class EmbeddedServer:
    """Finds or starts the embedded server for one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_path = settings.run_dir / "embedded.json"
        self.log_path = settings.run_dir / "embedded.log"
        self._child: subprocess.Popen[bytes] | None = None

    def endpoints(
        self, progress: Progress | None = None, status: Callable[[str], None] | None = None
    ) -> dict[ModelSize, Endpoint]:
        """Return the served models by size, starting the server on first use."""
        state = ServerState.read(self.state_path)
        if state is not None and is_healthy(state):
            return {e.size: e for e in state.endpoints}

        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.settings.run_dir / "embedded.lock")):
            state = ServerState.read(self.state_path)
            if state is None or not is_healthy(state):
                for spec in EMBEDDED_WEIGHTS:
                    ensure_weights(spec, self.settings.weights_dir, progress)
                if status is not None:
                    status("Starting the embedded llama.cpp server")
                state = self._start()
        return {e.size: e for e in state.endpoints}

    def stop(self) -> None:
        """Stop the server if this process started it."""
        child, self._child = self._child, None
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        logger.info("stopped the embedded server (pid %d)", child.pid)

    def _start(self) -> ServerState:
        with contextlib.suppress(FileNotFoundError):
            self.state_path.unlink()
        command = [
            sys.executable,
            "-m",
            "loco_nb.llm.embedded",
            "--state-file",
            str(self.state_path),
            "--weights-dir",
            str(self.settings.weights_dir),
            "--owner",
            f"kernel:{os.getpid()}",
            "--parent-pid",
            str(os.getpid()),
        ]
        with self.log_path.open("ab") as log:
            self._child = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        atexit.register(self.stop)
        logger.info(
            "started the embedded server (pid %d), log in %s", self._child.pid, self.log_path
        )
        return self._wait_until_ready(self._child)

    def _wait_until_ready(self, child: subprocess.Popen[bytes]) -> ServerState:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if child.poll() is not None:
                msg = (
                    f"The embedded llama.cpp server exited with code {child.returncode} while "
                    f"starting. Last lines of {self.log_path}:\n{self._log_tail()}"
                )
                raise EmbeddedServerError(msg)
            state = ServerState.read(self.state_path)
            if state is not None and state.pid == child.pid and is_healthy(state):
                return state
            time.sleep(0.2)

        self.stop()
        msg = (
            f"The embedded server did not respond within {START_TIMEOUT:.0f}s; see {self.log_path}."
        )
        raise EmbeddedServerError(msg)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-LOG_TAIL:]
        except OSError:
            return "(no log)"
