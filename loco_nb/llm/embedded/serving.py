"""The process that hosts llama.cpp's server for each embedded model."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...errors import EmbeddedServerError
from .server import Endpoint, ServerState
from .weights import EMBEDDED_WEIGHTS, WeightSpec, ensure_weights

logger = logging.getLogger("loco_nb")

# Each slot gets context_length tokens; two slots let two tasks share a model.
SLOTS = 2
CONTEXT_PER_SLOT = 8192


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_model(spec: WeightSpec, weights: Path) -> tuple[Any, Endpoint]:
    """Load one GGUF file into llama.cpp's server on a free loopback port."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(weights)
    params.model_alias = {spec.model_id}
    params.hostnames = ["127.0.0.1"]
    params.port = free_port()
    params.n_parallel = SLOTS
    params.n_ctx = SLOTS * CONTEXT_PER_SLOT
    threads = os.cpu_count() or 2
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads

    try:
        server = xllamacpp.Server(params)
    except Exception as exc:
        msg = f"llama.cpp could not load {weights}: {exc}"
        raise EmbeddedServerError(msg) from exc

    endpoint = Endpoint(
        size=spec.size,
        model_id=spec.model_id,
        base_url=f"{server.listening_address}/v1",
        context_length=CONTEXT_PER_SLOT,
    )
    return server, endpoint


def serve(
    state_file: Path,
    weights_dir: Path,
    owner: str,
    parent_pid: int | None = None,
    on_ready: Callable[[list[Endpoint]], None] | None = None,
) -> None:
    """Serve every embedded model until SIGTERM, SIGINT or the parent's exit."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    servers = []
    endpoints = []
    for spec in EMBEDDED_WEIGHTS:
        server, endpoint = start_model(spec, ensure_weights(spec, weights_dir))
        servers.append(server)
        endpoints.append(endpoint)

    state = ServerState(pid=os.getpid(), owner=owner, endpoints=endpoints)
    state.write(state_file)
    if on_ready is not None:
        on_ready(endpoints)

    try:
        while not stop.wait(1.0):
            if parent_pid is not None and os.getppid() != parent_pid:
                logger.info("parent %d exited; stopping", parent_pid)
                break
    finally:
        current = ServerState.read(state_file)
        if current is not None and current.pid == os.getpid():
            with contextlib.suppress(OSError):
                state_file.unlink()
        servers.clear()
