"""Unit tests of loco_nb.llm.client against httpx.MockTransport.

The only real connection is to 127.0.0.1:9, where nothing listens, for the
"connection refused" cases.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from loco_nb.errors import ModelError, ServerResponseError, ServerUnavailable, StreamInterrupted
from loco_nb.llm.client import BODY_PREVIEW, ChatClient, ChatStream

BASE_URL = "http://127.0.0.1:1234/v1"
REFUSED_URL = "http://127.0.0.1:9/v1"
MESSAGES = [{"role": "user", "content": "hello"}]
Handler = Callable[[httpx.Request], httpx.Response]


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def _reply(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {
        "choices": [
            {"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3},
        **extra,
    }


def _sse(*payloads: Any, done: bool = True) -> str:
    lines = [f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n" for p in payloads]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines)


def _delta(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


def _sse_response(body: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)


class Recorder:
    """A MockTransport handler that stores every request and returns the response of ``respond``."""

    def __init__(self, respond: Handler) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.requests[-1].content)


async def _complete(handler: Handler, **kwargs: Any) -> Any:
    api_key = kwargs.pop("api_key", None)
    client = ChatClient(BASE_URL, api_key=api_key, transport=httpx.MockTransport(handler))
    try:
        return await client.complete("tiny", MESSAGES, **kwargs)
    finally:
        await client.aclose()


async def _collect(handler: Handler) -> tuple[list[str], ChatStream]:
    client = ChatClient(BASE_URL, transport=httpx.MockTransport(handler))
    stream = client.stream("tiny", MESSAGES)
    try:
        return [text async for text in stream], stream
    finally:
        await client.aclose()


async def _collect_until_error(handler: Handler) -> tuple[list[str], BaseException]:
    client = ChatClient(BASE_URL, transport=httpx.MockTransport(handler))
    received: list[str] = []
    try:
        async for text in client.stream("tiny", MESSAGES):
            received.append(text)
    except ModelError as exc:
        return received, exc
    finally:
        await client.aclose()
    raise AssertionError("the stream ended without an error")


# complete


def test_complete_returns_reply() -> None:
    reply = _run(_complete(lambda request: httpx.Response(200, json=_reply("hello there"))))

    assert reply.content == "hello there"
    assert reply.finish_reason == "stop"
    assert reply.usage.prompt_tokens == 7
    assert reply.usage.completion_tokens == 3


def test_complete_request_body() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=_reply()))

    _run(_complete(recorder, max_tokens=64, temperature=0))

    assert str(recorder.requests[0].url) == f"{BASE_URL}/chat/completions"
    assert recorder.body["model"] == "tiny"
    assert recorder.body["messages"] == MESSAGES
    assert recorder.body["stream"] is False
    assert recorder.body["max_tokens"] == 64
    assert recorder.body["temperature"] == 0


def test_complete_sends_response_format() -> None:
    schema = {"type": "object", "properties": {"name": {"const": "answer"}}}
    recorder = Recorder(lambda request: httpx.Response(200, json=_reply()))

    _run(_complete(recorder, json_schema=schema))

    response_format = recorder.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"] == schema
    assert response_format["json_schema"]["strict"] is True


def test_complete_without_schema_no_format() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=_reply()))

    _run(_complete(recorder))

    assert "response_format" not in recorder.body


def test_authorization_with_api_key() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=_reply()))

    _run(_complete(recorder, api_key="sk-test"))

    assert recorder.requests[0].headers["Authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("api_key", [None, ""])
def test_no_authorization_without_key(api_key: str | None) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=_reply()))

    _run(_complete(recorder, api_key=api_key))

    assert "Authorization" not in recorder.requests[0].headers


def test_null_content_is_empty() -> None:
    payload = {"choices": [{"message": {"content": None}, "finish_reason": "length"}]}

    reply = _run(_complete(lambda request: httpx.Response(200, json=payload)))

    assert reply.content == ""
    assert reply.usage.prompt_tokens == 0


def test_http_500_raises_response_error() -> None:
    body = "internal error: " + "x" * 2000

    with pytest.raises(ServerResponseError) as caught:
        _run(_complete(lambda request: httpx.Response(500, text=body)))

    error = caught.value
    assert error.status_code == 500
    assert error.body == body
    assert "HTTP 500" in str(error)
    assert "internal error: " in str(error)
    assert body not in str(error)
    assert str(error).endswith("x" * (BODY_PREVIEW - len("internal error: ")) + "…")


def test_http_404_names_model() -> None:
    with pytest.raises(ServerResponseError) as caught:
        _run(_complete(lambda request: httpx.Response(404, json={"error": "no model"})))

    assert caught.value.status_code == 404
    assert "'tiny'" in str(caught.value)
    assert caught.value.model == "tiny"


def test_non_json_body_raises() -> None:
    with pytest.raises(ModelError) as caught:
        _run(_complete(lambda request: httpx.Response(200, text="<html>proxy page</html>")))

    assert "not JSON" in str(caught.value)
    assert "<html>proxy page</html>" in str(caught.value)


@pytest.mark.parametrize("payload", [{}, {"choices": []}, {"choices": [{}]}, [1, 2], "text"])
def test_missing_choices_raises(payload: Any) -> None:
    with pytest.raises(ModelError) as caught:
        _run(_complete(lambda request: httpx.Response(200, json=payload)))

    assert "choices[0].message" in str(caught.value)


def test_read_timeout_raises_model_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ModelError) as caught:
        _run(_complete(handler))

    assert "LOCO_READ_TIMEOUT" in str(caught.value)
    assert not isinstance(caught.value, ServerUnavailable)


# list_models


def test_list_models_returns_entries() -> None:
    payload = {"data": [{"id": "a"}, "junk", {"id": "b"}]}

    async def scenario() -> list[dict[str, Any]]:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json=payload))
        client = ChatClient(BASE_URL, transport=transport)
        try:
            return await client.list_models()
        finally:
            await client.aclose()

    assert _run(scenario()) == [{"id": "a"}, {"id": "b"}]


def test_list_models_without_data() -> None:
    async def scenario() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
        client = ChatClient(BASE_URL, transport=transport)
        try:
            await client.list_models()
        finally:
            await client.aclose()

    with pytest.raises(ModelError) as caught:
        _run(scenario())

    assert "'data'" in str(caught.value)


# stream


def test_stream_yields_deltas_and_usage() -> None:
    body = _sse(
        _delta("Hel"),
        _delta("lo"),
        _delta("", finish="stop"),
        {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 2}},
    )

    texts, stream = _run(_collect(lambda request: _sse_response(body)))

    assert texts == ["Hel", "lo"]
    assert stream.usage.prompt_tokens == 12
    assert stream.usage.completion_tokens == 2
    assert stream.finish_reason == "stop"


def test_stream_request_body() -> None:
    schema = {"type": "object"}
    recorder = Recorder(lambda request: _sse_response(_sse(_delta("x"))))

    async def scenario() -> None:
        client = ChatClient(BASE_URL, transport=httpx.MockTransport(recorder))
        try:
            async for _ in client.stream("tiny", MESSAGES, json_schema=schema, max_tokens=5):
                pass
        finally:
            await client.aclose()

    _run(scenario())

    assert recorder.body["stream"] is True
    assert recorder.body["stream_options"] == {"include_usage": True}
    assert recorder.body["response_format"]["json_schema"]["schema"] == schema
    assert recorder.body["max_tokens"] == 5


def test_stream_without_done_interrupted() -> None:
    body = _sse(_delta("partial "), _delta("reply"), done=False)

    received, error = _run(_collect_until_error(lambda request: _sse_response(body)))

    assert received == ["partial ", "reply"]
    assert isinstance(error, StreamInterrupted)
    assert "[DONE]" in str(error)


def test_stream_error_event_raises() -> None:
    body = _sse(_delta("start"), {"error": {"message": "out of memory"}}, _delta("never"))

    received, error = _run(_collect_until_error(lambda request: _sse_response(body)))

    assert received == ["start"]
    assert type(error) is ModelError
    assert "out of memory" in str(error)


def test_stream_http_error_status() -> None:
    received, error = _run(
        _collect_until_error(lambda request: httpx.Response(503, text="loading model"))
    )

    assert received == []
    assert isinstance(error, ServerResponseError)
    assert error.status_code == 503
    assert error.body == "loading model"


def test_stream_not_event_stream() -> None:
    received, error = _run(_collect_until_error(lambda request: httpx.Response(200, json=_reply())))

    assert received == []
    assert "server-sent events" in str(error)


def test_stream_skips_non_json_event() -> None:
    body = _sse(_delta("a"), ": keep-alive comment", "not json", _delta("b"))

    texts, _ = _run(_collect(lambda request: _sse_response(body)))

    assert texts == ["a", "b"]


@pytest.mark.parametrize("odd", [[1, 2], "just a string", 42, None])
def test_stream_skips_non_object_event(odd: Any) -> None:
    body = _sse(_delta("a"), odd, _delta("b"))

    texts, _ = _run(_collect(lambda request: _sse_response(body)))

    assert texts == ["a", "b"]


def test_stream_broken_connection() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield _sse(_delta("first"), done=False).encode()
        raise httpx.RemoteProtocolError("peer closed connection")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())

    received, error = _run(_collect_until_error(handler))

    assert received == ["first"]
    assert isinstance(error, StreamInterrupted)


# connection refused


def test_complete_refused_names_url_and_hint() -> None:
    async def scenario() -> None:
        client = ChatClient(REFUSED_URL, unavailable_hint="start LM Studio", connect_timeout=2)
        try:
            await client.complete("tiny", MESSAGES)
        finally:
            await client.aclose()

    with pytest.raises(ServerUnavailable) as caught:
        _run(scenario())

    assert f"{REFUSED_URL}/chat/completions" in str(caught.value)
    assert "start LM Studio" in str(caught.value)
    assert caught.value.url == f"{REFUSED_URL}/chat/completions"


def test_stream_refused_names_url_and_hint() -> None:
    async def scenario() -> None:
        client = ChatClient(REFUSED_URL, unavailable_hint="start LM Studio", connect_timeout=2)
        try:
            async for _ in client.stream("tiny", MESSAGES):
                pass
        finally:
            await client.aclose()

    with pytest.raises(ServerUnavailable) as caught:
        _run(scenario())

    assert REFUSED_URL in str(caught.value)
    assert "start LM Studio" in str(caught.value)


def test_list_models_refused() -> None:
    async def scenario() -> None:
        client = ChatClient(REFUSED_URL + "/", connect_timeout=2)
        try:
            await client.list_models()
        finally:
            await client.aclose()

    with pytest.raises(ServerUnavailable) as caught:
        _run(scenario())

    assert f"{REFUSED_URL}/models" in str(caught.value)
    assert "start the server, or check the URL" in str(caught.value)


# native tool calls


def _call_delta(index: int, **piece: Any) -> dict[str, Any]:
    tool_call = {"index": index, **piece}
    return {"choices": [{"index": 0, "delta": {"tool_calls": [tool_call]}, "finish_reason": None}]}


def test_stream_joins_tool_call_pieces() -> None:
    body = _sse(
        _call_delta(0, id="call_a", type="function", function={"name": "read_file"}),
        _call_delta(0, function={"arguments": '{"path": '}),
        _call_delta(0, function={"arguments": '"main.py"}'}),
    )

    texts, stream = _run(_collect(lambda request: _sse_response(body)))

    assert texts == []
    assert [(c.id, c.name, c.arguments) for c in stream.tool_calls] == [
        ("call_a", "read_file", '{"path": "main.py"}')
    ]


def test_stream_tool_calls_by_index() -> None:
    body = _sse(
        _call_delta(1, id="second", function={"name": "list_files", "arguments": "{}"}),
        _call_delta(0, id="first", function={"name": "read_file", "arguments": "{}"}),
    )

    _, stream = _run(_collect(lambda request: _sse_response(body)))

    assert [c.id for c in stream.tool_calls] == ["first", "second"]


def test_stream_call_without_id_named() -> None:
    body = _sse(_call_delta(0, function={"name": "list_files", "arguments": "{}"}))

    _, stream = _run(_collect(lambda request: _sse_response(body)))

    assert stream.tool_calls[0].id == "call_0"


def test_arguments_as_object_kept() -> None:
    # Some servers send the arguments as a JSON object rather than a string.
    body = _sse(_call_delta(0, function={"name": "read_file", "arguments": {"path": "a.py"}}))

    _, stream = _run(_collect(lambda request: _sse_response(body)))

    assert json.loads(stream.tool_calls[0].arguments) == {"path": "a.py"}


def test_complete_reads_tool_calls() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": "{}"}}
        ],
    }
    payload = {"choices": [{"message": message, "finish_reason": "tool_calls"}]}

    reply = _run(_complete(lambda request: httpx.Response(200, json=payload)))

    assert reply.content == ""
    assert [(c.id, c.name) for c in reply.tool_calls] == [("c1", "read_file")]
