"""Fixtures for the Assistant integration tests.

The scripted server and the project folder come from tests/conftest.py. Every
Assistant made here is closed after the test, so no loop thread or HTTP
client outlives it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from loco_nb import Assistant
from tests.integration.orchestration import TaskServer
from tests.scripted_server import ScriptedServer


@pytest.fixture
def make_assistant(project: Path) -> Iterator[Callable[..., Assistant]]:
    """Return a factory of Assistants on ``project``.

    Call it after a server fixture is set up, because an Assistant reads LOCO_BASE_URL when it
    is created.
    """
    created: list[Assistant] = []

    def make(**options: Any) -> Assistant:
        assistant = Assistant(project, **options)
        created.append(assistant)
        return assistant

    yield make
    for assistant in created:
        assistant.close()


@pytest.fixture
def assistant(scripted: ScriptedServer, make_assistant: Callable[..., Assistant]) -> Assistant:
    """An Assistant on ``project`` that talks to the ``scripted`` server."""
    return make_assistant()


@pytest.fixture
def text_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """A scripted server that rejects ``response_format`` with HTTP 400, set as LOCO_BASE_URL."""
    with ScriptedServer(reject_schema=True) as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server


class _FixedReplyHandler(BaseHTTPRequestHandler):
    """Reply to every POST with HTTP 200 and the same content type and body."""

    content_type = "text/event-stream"
    body = b""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def fixed_reply_server() -> Iterator[Callable[..., str]]:
    """Return a function that starts a server on 127.0.0.1 sending one fixed reply.

    It covers what the scripted server cannot send: error events inside a stream,
    events that are not JSON objects, and bodies that are not JSON. The function
    takes the body and an optional ``content_type`` and returns the server's /v1 URL.
    """
    servers: list[ThreadingHTTPServer] = []

    def start(body: bytes, content_type: str = "text/event-stream") -> str:
        attributes = {"body": body, "content_type": content_type}
        handler = type("FixedReplyHandler", (_FixedReplyHandler,), attributes)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        host, port = server.server_address[:2]
        return f"http://{host}:{port}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def task_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[TaskServer]:
    """A :class:`TaskServer` on 127.0.0.1, set as LOCO_BASE_URL."""
    with TaskServer() as server:
        monkeypatch.setenv("LOCO_BASE_URL", server.url)
        yield server
