"""An OpenAI-compatible HTTP server on 127.0.0.1 that replays scripted replies.

Tests queue what each chat request should get (a reply, an HTTP error, a
stream cut short) and read back the request bodies the server received. It
is a real server on a real socket, so the client, the kernel and notebooks
talk to it exactly as they would to LM Studio or llama.cpp.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """One scripted answer to a chat request."""

    content: str = ""
    status: int = 200
    error_body: str = ""
    cut_after: int | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0


@dataclass
class ScriptedServer:
    """Serve ``/v1/models`` and ``/v1/chat/completions`` from a queue of scripted replies.

    With ``reject_schema`` every request carrying ``response_format`` gets an
    HTTP 400, as servers without structured output answer.
    """

    models: tuple[str, ...] = ("scripted-coder-7b",)
    reject_schema: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    _queue: queue.SimpleQueue[Scripted] = field(default_factory=queue.SimpleQueue)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply(self, content: str, **options: Any) -> ScriptedServer:
        self._queue.put(Scripted(content=content, **options))
        return self

    def fail(self, status: int, body: str = '{"error": "scripted failure"}') -> ScriptedServer:
        self._queue.put(Scripted(status=status, error_body=body))
        return self

    def cut(self, content: str, after: int) -> ScriptedServer:
        """Stream the first ``after`` chunks of ``content``, then close without ``[DONE]``."""
        self._queue.put(Scripted(content=content, cut_after=after))
        return self

    def start(self) -> ScriptedServer:
        handler = type("Handler", (_Handler,), {"script": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_reply(self) -> Scripted:
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return Scripted(status=500, error_body='{"error": "no scripted reply left"}')


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up mid-reply; cancellation tests do that on purpose."""


class _Handler(BaseHTTPRequestHandler):
    script: ScriptedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            data = [
                {"id": m, "object": "model", "owned_by": "scripted"} for m in self.script.models
            ]
            self._json(200, {"object": "list", "data": data})
        elif self.path == "/health":
            self._json(200, {"status": "ok"})
        else:
            self._json(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.script.requests.append(body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": f"no route {self.path}"})
            return
        if self.script.reject_schema and "response_format" in body:
            self._json(400, {"error": "response_format is not supported"})
            return

        scripted = self.script.next_reply()
        time.sleep(scripted.delay)
        if scripted.status != 200:
            self._send(scripted.status, scripted.error_body.encode(), "application/json")
        elif body.get("stream"):
            self._stream(body, scripted)
        else:
            self._json(200, _completion(body, scripted.content))

    def _stream(self, body: dict[str, Any], scripted: Scripted) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

        chunks = _chunks(scripted.content)
        for index, piece in enumerate(chunks):
            if scripted.cut_after is not None and index >= scripted.cut_after:
                self.close_connection = True
                return
            delta = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self._event(delta)
            time.sleep(scripted.chunk_delay)

        self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self._event({"choices": [], "usage": _usage(body, scripted.content)})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _chunks(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)] if text else []


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
    completion = len(content) // 4
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "model": body.get("model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(body, content),
    }
