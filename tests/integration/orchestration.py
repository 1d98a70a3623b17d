"""A scripted server for orchestration tests: replies by task, native tool calls, timestamps.

:class:`TaskServer` extends the scripted server with what plans need:

- ``route(marker, …)`` queues replies for the requests whose messages contain
  ``marker`` (a task's "Your task: …" line), so concurrent tasks each get
  their own script whatever order their requests arrive in;
- :class:`Gate` replies wait until a request carrying another marker has
  arrived, which proves two tasks ran at once without measuring time;
- :class:`NativeCalls` replies stream OpenAI ``delta.tool_calls`` pieces;
- ``reject_tools`` returns HTTP 400 to requests carrying ``tools``;
- every request is kept as a :class:`Visit` with its arrival and end times;
- ``stop()`` also closes the connections a client keeps alive.
"""

from __future__ import annotations

import contextlib
import io
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.scripted_server import Scripted, ScriptedServer, _Handler, _usage

# How long a gate waits for the other task's request before giving up.
GATE_SECONDS = 10.0


@dataclass
class Gate(Scripted):
    """A reply sent only once a request containing ``wait_for`` has arrived."""

    wait_for: str = ""


@dataclass
class NativeCalls(Scripted):
    """A streamed reply whose ``calls`` (name, raw JSON arguments) arrive as tool_calls pieces."""

    calls: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Visit:
    """One chat request: its body, when it arrived and when its reply was sent."""

    body: dict[str, Any]
    started: float
    ended: float = 0.0

    def contains(self, marker: str) -> bool:
        return marker in json.dumps(self.body["messages"], ensure_ascii=False)


def task_marker(description: str) -> str:
    """Return the line that every request of the task with ``description`` carries."""
    return f"Your task: {description}"


@dataclass
class TaskServer(ScriptedServer):
    """A scripted server that routes replies by task and streams native tool calls."""

    reject_tools: bool = False
    visits: list[Visit] = field(default_factory=list)
    gates_opened: list[str] = field(default_factory=list)
    _routes: dict[str, queue.SimpleQueue[Scripted]] = field(default_factory=dict)
    _arrived: dict[str, threading.Event] = field(default_factory=dict)
    _current: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _connections: list[socket.socket] = field(default_factory=list)

    def reply(self, content: str | Scripted, **options: Any) -> TaskServer:
        """Queue a reply for requests that no route takes: text, or a prepared Scripted."""
        if isinstance(content, Scripted):
            self._queue.put(content)
        else:
            super().reply(content, **options)
        return self

    def route(self, marker: str, *replies: str | Scripted) -> TaskServer:
        """Queue ``replies`` for requests whose messages contain ``marker``."""
        target = self._routes.setdefault(marker, queue.SimpleQueue())
        self._event(marker)
        for reply in replies:
            target.put(reply if isinstance(reply, Scripted) else Scripted(content=reply))
        return self

    def gate(self, content: str, wait_for: str) -> Gate:
        self._event(wait_for)
        return Gate(content=content, wait_for=wait_for)

    def start(self) -> TaskServer:
        handler = type("TaskHandler", (_TaskHandler,), {"script": self})
        super().start()
        assert self._server is not None
        self._server.RequestHandlerClass = handler
        return self

    def stop(self) -> None:
        """Stop listening and close the keep-alive connections, as a stopped process does."""
        super().stop()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def visits_of(self, marker: str) -> list[Visit]:
        return [visit for visit in self.visits if visit.contains(marker)]

    def next_reply(self) -> Scripted:
        body_text = json.dumps(self._current.body.get("messages", []), ensure_ascii=False)
        for marker, replies in self._routes.items():
            if marker in body_text:
                try:
                    reply = replies.get_nowait()
                except queue.Empty:
                    return Scripted(status=500, error_body=f'{{"error": "no reply for {marker}"}}')
                return self._after_gate(reply)
        return self._after_gate(super().next_reply())

    def arrive(self, body: dict[str, Any]) -> Visit:
        visit = Visit(body=body, started=time.monotonic())
        text = json.dumps(body.get("messages", []), ensure_ascii=False)
        with self._lock:
            self.visits.append(visit)
            for marker, event in self._arrived.items():
                if marker in text:
                    event.set()
        return visit

    def _event(self, marker: str) -> threading.Event:
        with self._lock:
            return self._arrived.setdefault(marker, threading.Event())

    def _after_gate(self, reply: Scripted) -> Scripted:
        if isinstance(reply, Gate) and self._event(reply.wait_for).wait(GATE_SECONDS):
            self.gates_opened.append(reply.wait_for)
        return reply


class _TaskHandler(_Handler):
    script: TaskServer

    def setup(self) -> None:
        super().setup()
        with self.script._lock:
            self.script._connections.append(self.connection)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw or b"{}")
        visit = self.script.arrive(body)
        self.script._current.body = body
        try:
            if self.script.reject_tools and "tools" in body:
                self.script.requests.append(body)
                self._json(400, {"error": "tools are not supported by this server"})
                return
            # The parent reads the body again; the socket's reader comes back for the
            # next request on this keep-alive connection.
            connection, self.rfile = self.rfile, io.BytesIO(raw)
            try:
                super().do_POST()
            finally:
                self.rfile = connection
        finally:
            visit.ended = time.monotonic()

    def _stream(self, body: dict[str, Any], scripted: Scripted) -> None:
        if not isinstance(scripted, NativeCalls):
            super()._stream(body, scripted)
            return

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        if scripted.content:
            self._event(_delta({"content": scripted.content}))
        for index, (name, arguments) in enumerate(scripted.calls):
            # The first piece names the call; the arguments follow in two halves.
            head = {"index": index, "id": f"call_{index}", "type": "function"}
            self._event(_delta({"tool_calls": [{**head, "function": {"name": name}}]}))
            half = len(arguments) // 2
            for piece in (arguments[:half], arguments[half:]):
                self._event(
                    _delta({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                )
        self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
        self._event({"choices": [], "usage": _usage(body, scripted.content)})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def _delta(delta: dict[str, Any]) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}


def plan_reply(*tasks: tuple[str, str, str, list[str]], size: str = "L") -> str:
    """Return a planner reply: one (key, type, description, dependencies) tuple per task."""
    return json.dumps(
        {
            "tasks": [
                {
                    "key": key,
                    "type": task_type,
                    "description": description,
                    "size": size,
                    "dependencies": dependencies,
                }
                for key, task_type, description, dependencies in tasks
            ]
        }
    )


def planner_visits(server: TaskServer) -> list[Visit]:
    """Return the planning requests: those that carry the planner's system prompt."""
    return [
        visit for visit in server.visits if "You split a coding request" in json.dumps(visit.body)
    ]
