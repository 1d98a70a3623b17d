"""run_command: a shell command in a project folder, with a timeout and capped output.

The command runs through ``/bin/sh -c`` in its own process group, so a
timeout stops the command and everything it started. Standard input is
empty, and standard error is merged into the output. The user approves
every command (the exact text and folder), because a command can do
anything the user can. "Always for this session" allows only that same
command in that folder again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ToolError
from ..models import ToolResult
from .paths import relative, resolve_inside
from .registry import Tool, ToolContext

MAX_OUTPUT_CHARS = 20_000
DEFAULT_TIMEOUT = 60
MAX_TIMEOUT = 600
# Seconds a command may take to exit after SIGTERM, and again after SIGKILL.
KILL_GRACE = 5


class RunCommandParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str = Field(min_length=1, description="Shell command line, e.g. 'pytest -q tests'.")
    cwd: str = Field(default=".", description="Folder to run in, relative to the project root.")
    timeout: int = Field(
        default=DEFAULT_TIMEOUT, ge=1, le=MAX_TIMEOUT, description="Seconds before it is stopped."
    )


class RunCommand(Tool):
    name = "run_command"
    description = "Run a shell command in the project and return its exit status and output."
    params_model = RunCommandParams
    needs_approval = True
    auto_approvable = False

    def approval_key(self, params: RunCommandParams) -> str:
        return f"{self.name}\0{params.cwd}\0{params.command}"

    def preview(self, params: RunCommandParams, context: ToolContext) -> str:
        shown = relative(context.root, _folder(params, context))
        return f"$ {params.command}\n(in {shown}, timeout {params.timeout} s)"

    def run(self, params: RunCommandParams, context: ToolContext) -> ToolResult:
        folder = _folder(params, context)
        shown = relative(context.root, folder)
        started = time.monotonic()
        output, exit_code, timed_out = _execute(params.command, str(folder), params.timeout)
        seconds = round(time.monotonic() - started, 2)

        text, truncated = _cap(output)
        status = f"timed out after {params.timeout} s" if timed_out else f"exit status {exit_code}"
        header = f"$ {params.command}  (in {shown}; {status}; {seconds} s)"
        return ToolResult(
            name=self.name,
            params=params.model_dump(exclude_defaults=True),
            ok=exit_code == 0 and not timed_out,
            content=f"{header}\n{text}" if text else f"{header}\n(no output)",
            kind="command",
            data=_data(params, shown, text, exit_code, timed_out, truncated, seconds),
        )


def _folder(params: RunCommandParams, context: ToolContext) -> Path:
    folder = resolve_inside(context.root, params.cwd)
    if not folder.is_dir():
        msg = f"The working folder {params.cwd!r} is not a folder in the project."
        raise ToolError(msg)
    return folder


def _execute(command: str, cwd: str, timeout: int) -> tuple[str, int | None, bool]:
    """Return the merged output, the exit code (None if it never ended) and whether it timed out."""
    try:
        process = subprocess.Popen(
            ["/bin/sh", "-c", command], cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        msg = f"Could not start /bin/sh for {command!r}: {exc.strerror or exc}."
        raise ToolError(msg) from exc

    try:
        raw, _ = process.communicate(timeout=timeout)
        return _decode(raw), process.returncode, False
    except subprocess.TimeoutExpired:
        raw = _stop(process)
        return _decode(raw), process.returncode, True


def _stop(process: subprocess.Popen[bytes]) -> bytes:
    """Stop the command's process group, politely first, and return what it printed."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            raw, _ = process.communicate(timeout=KILL_GRACE)
            return raw
        except subprocess.TimeoutExpired:
            continue
    # A process that left the group still holds the pipe open; give up on its output.
    return b""


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n")


def _cap(output: str) -> tuple[str, bool]:
    """Keep the start and the end of long output, where commands print what matters."""
    if len(output) <= MAX_OUTPUT_CHARS:
        return output.rstrip("\n"), False
    half = MAX_OUTPUT_CHARS // 2
    skipped = len(output) - 2 * half
    return f"{output[:half]}\n[… {skipped} characters left out …]\n{output[-half:]}".rstrip(), True


def _data(
    params: RunCommandParams,
    shown: str,
    output: str,
    exit_code: int | None,
    timed_out: bool,
    truncated: bool,
    seconds: float,
) -> dict[str, Any]:
    return {
        "command": params.command, "cwd": shown, "output": output, "exit_code": exit_code,
        "timed_out": timed_out, "truncated": truncated, "seconds": seconds,
    }  # fmt: skip
