"""A JupyterLab server on 127.0.0.1 for browser tests, isolated from the user's Jupyter setup.

The server gets its own config, data, runtime and settings folders, and a
config that turns off everything that would reach past this machine: the
news feed, the update check and the PyPI extension manager.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0

LAB_CONFIG = {
    # CI runs as root, which the server refuses without this.
    "ServerApp": {"allow_root": True},
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",
    },
}

# JupyterLab asks in a toast whether to fetch news; answering no up front keeps it off the page.
NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LabServer:
    """``jupyter lab`` serving ``root`` with a random token; ``env`` reaches its kernels."""

    root: Path
    state: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.state / "lab.log"

    def start(self) -> LabServer:
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [
            str(jupyter),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=self._environment(), stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_up()
        return self

    def stop(self) -> None:
        """Shut the server down through its API, which stops its kernels, then make sure."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                httpx.post(f"{self.url}/api/shutdown", headers=self.headers, timeout=10)
            except httpx.HTTPError:
                process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _environment(self) -> dict[str, str]:
        config = self.state / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "jupyter_server_config.json").write_text(json.dumps(LAB_CONFIG))
        notification = self.state / "lab_settings" / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(json.dumps(NO_NEWS))
        folders = {
            "JUPYTER_CONFIG_DIR": config,
            "JUPYTER_DATA_DIR": self.state / "data",
            "JUPYTER_RUNTIME_DIR": self.state / "runtime",
            "IPYTHONDIR": self.state / "ipython",
            "JUPYTERLAB_SETTINGS_DIR": self.state / "lab_settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.state / "lab_workspaces",
            # This environment's kernel spec and lab extensions (ipywidgets) come first.
            "JUPYTER_PATH": Path(sys.prefix) / "share" / "jupyter",
        }
        return {**os.environ, **{name: str(path) for name, path in folders.items()}, **self.env}

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log_tail()}")
            try:
                reply = httpx.get(f"{self.url}/api/status", headers=self.headers, timeout=2)
                if reply.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        msg = f"jupyter lab did not answer in {START_TIMEOUT:.0f}s:\n{self.log_tail()}"
        raise RuntimeError(msg)
