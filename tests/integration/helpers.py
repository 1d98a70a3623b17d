"""Readers for what the scripted server received and what the store wrote."""

from __future__ import annotations

import json
from typing import Any

from loco_nb import Assistant
from tests.scripted_server import ScriptedServer


def decision_requests(server: ScriptedServer) -> list[dict[str, Any]]:
    """Return the chat requests that carry a ``response_format``."""
    return [body for body in server.requests if "response_format" in body]


def streamed_requests(server: ScriptedServer) -> list[dict[str, Any]]:
    return [body for body in server.requests if body.get("stream")]


def last_user_message(body: dict[str, Any]) -> str:
    """Return the content of the last user message in a chat request body."""
    users = [m for m in body["messages"] if m["role"] == "user"]
    return str(users[-1]["content"])


def tool_option(body: dict[str, Any], name: str) -> dict[str, Any]:
    """Return the branch of the decision schema that calls the tool ``name``."""
    options = body["response_format"]["json_schema"]["schema"]["anyOf"]
    for option in options:
        if option["properties"]["name"].get("const") == name:
            return dict(option)
    raise AssertionError(f"the decision schema has no option for {name!r}: {options}")


def saved_session(assistant: Assistant) -> dict[str, Any]:
    """Return the current session as read back from its JSON file."""
    path = assistant.store.path_for(assistant.session.id)
    return dict(json.loads(path.read_text()))


def tool_call(name: str, **params: Any) -> str:
    """Return a constrained decision reply that calls ``name`` with ``params``."""
    return json.dumps({"name": name, "params": params})


ANSWER = '{"name": "answer"}'
