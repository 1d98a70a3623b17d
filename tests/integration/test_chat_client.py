"""ChatClient against the scripted server: requests, streams and the errors it converts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from loco_nb import ModelError, ServerResponseError, ServerUnavailable, StreamInterrupted
from loco_nb.llm.client import ChatClient
from tests.scripted_server import ScriptedServer

T = TypeVar("T")

MODEL = "scripted-coder-7b"
HELLO = [{"role": "user", "content": "Say hello."}]


def run_with_client(url: str, scenario: Callable[[ChatClient], Awaitable[T]], **options: Any) -> T:
    """Run ``scenario`` with a fresh client on its own event loop, closing the client after."""

    async def main() -> T:
        client = ChatClient(url, **options)
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


async def collect(client: ChatClient, **options: Any) -> tuple[list[str], Any]:
    stream = client.stream(MODEL, HELLO, **options)
    pieces = [piece async for piece in stream]
    return pieces, stream


def test_list_models_returns_entries(scripted: ScriptedServer) -> None:
    models = run_with_client(scripted.url, lambda client: client.list_models())

    assert [m["id"] for m in models] == [MODEL]


def test_complete_sends_response_format(scripted: ScriptedServer) -> None:
    schema = {"type": "object", "properties": {"name": {"const": "answer"}}}
    scripted.reply('{"name": "answer"}')

    reply = run_with_client(
        scripted.url,
        lambda client: client.complete(MODEL, HELLO, json_schema=schema, temperature=0),
    )

    assert reply.content == '{"name": "answer"}'
    assert reply.finish_reason == "stop"
    body = scripted.requests[0]
    assert body["stream"] is False
    assert body["temperature"] == 0
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": schema, "strict": True},
    }


def test_complete_reports_usage(scripted: ScriptedServer) -> None:
    scripted.reply("Hello there, this is a reply.")

    reply = run_with_client(scripted.url, lambda client: client.complete(MODEL, HELLO))

    assert reply.usage.prompt_tokens > 0
    assert reply.usage.completion_tokens == len("Hello there, this is a reply.") // 4
    assert "response_format" not in scripted.requests[0]


def test_stream_yields_deltas_in_order(scripted: ScriptedServer) -> None:
    scripted.reply("Hello there, this is a reply.")

    pieces, stream = run_with_client(scripted.url, collect)

    assert pieces == ["Hello ", "there, ", "this ", "is ", "a ", "reply."]
    assert stream.finish_reason == "stop"
    assert stream.usage.completion_tokens == len("Hello there, this is a reply.") // 4
    assert scripted.requests[0]["stream_options"] == {"include_usage": True}


def test_complete_http_error_raises(scripted: ScriptedServer) -> None:
    scripted.fail(503, '{"error": "overloaded"}')

    with pytest.raises(ServerResponseError) as caught:
        run_with_client(scripted.url, lambda client: client.complete(MODEL, HELLO))

    assert caught.value.status_code == 503
    assert caught.value.body == '{"error": "overloaded"}'
    assert "HTTP 503" in str(caught.value)
    assert caught.value.model == MODEL


def test_stream_http_error_raises(scripted: ScriptedServer) -> None:
    scripted.fail(500, '{"error": "the model crashed"}')

    with pytest.raises(ServerResponseError) as caught:
        run_with_client(scripted.url, collect)

    assert caught.value.status_code == 500
    assert "the model crashed" in str(caught.value)


def test_stream_error_body_shortened(scripted: ScriptedServer) -> None:
    scripted.fail(500, "x" * 1000)

    with pytest.raises(ServerResponseError) as caught:
        run_with_client(scripted.url, collect)

    assert len(caught.value.body) == 1000
    assert str(caught.value).endswith("x" * 300 + "…")


def test_cut_stream_raises_interrupted(scripted: ScriptedServer) -> None:
    scripted.cut("one two three four five", after=2)
    received: list[str] = []

    async def scenario(client: ChatClient) -> None:
        async for piece in client.stream(MODEL, HELLO):
            received.append(piece)

    with pytest.raises(StreamInterrupted) as caught:
        run_with_client(scripted.url, scenario)

    assert received == ["one ", "two "]
    assert "ended before [DONE]" in str(caught.value)
    assert caught.value.url == f"{scripted.url}/chat/completions"


def test_refused_connection_raises_unavailable() -> None:
    url = "http://127.0.0.1:9/v1"

    with pytest.raises(ServerUnavailable) as caught:
        run_with_client(
            url, lambda client: client.list_models(), unavailable_hint="start the test server"
        )

    assert f"{url}/models" in str(caught.value)
    assert str(caught.value).endswith("start the test server.")


def test_refused_stream_raises_unavailable() -> None:
    with pytest.raises(ServerUnavailable):
        run_with_client("http://127.0.0.1:9/v1", collect)


def test_slow_server_times_out(scripted: ScriptedServer) -> None:
    scripted.reply("late", delay=2.0)

    with pytest.raises(ModelError) as caught:
        run_with_client(
            scripted.url, lambda client: client.complete(MODEL, HELLO), read_timeout=0.2
        )

    assert "Timed out waiting for scripted-coder-7b" in str(caught.value)
    assert "LOCO_READ_TIMEOUT" in str(caught.value)


def test_wrong_route_raises_response_error(scripted: ScriptedServer) -> None:
    base = scripted.url.removesuffix("/v1")

    with pytest.raises(ServerResponseError) as caught:
        run_with_client(base + "/nothing", lambda client: client.list_models())

    assert caught.value.status_code == 404


def sse(*payloads: str) -> bytes:
    """Return server-sent events with the given ``data`` payloads."""
    return "".join(f"data: {payload}\n\n" for payload in payloads).encode()


def delta(text: str) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]})


def test_stream_error_event_raises(fixed_reply_server: Callable[..., str]) -> None:
    url = fixed_reply_server(sse(delta("Hello "), '{"error": {"message": "out of memory"}}'))

    with pytest.raises(ModelError) as caught:
        run_with_client(url, collect)

    assert "reported an error during the reply" in str(caught.value)
    assert "out of memory" in str(caught.value)


def test_stream_skips_non_json_event(fixed_reply_server: Callable[..., str]) -> None:
    url = fixed_reply_server(sse(delta("Hello "), "keep-alive", delta("world."), "[DONE]"))

    pieces, _ = run_with_client(url, collect)

    assert pieces == ["Hello ", "world."]


@pytest.mark.parametrize(
    "payload", ["[1, 2]", "42", '"text"', "null", '{"choices": "x"}', '{"choices": ["x"]}']
)
def test_stream_skips_non_object_event(
    fixed_reply_server: Callable[..., str], payload: str
) -> None:
    url = fixed_reply_server(sse(delta("Hello "), payload, delta("world."), "[DONE]"))

    pieces, _ = run_with_client(url, collect)

    assert pieces == ["Hello ", "world."]


def test_stream_without_sse_raises(fixed_reply_server: Callable[..., str]) -> None:
    url = fixed_reply_server(b'{"choices": []}', content_type="application/json")

    with pytest.raises(ModelError) as caught:
        run_with_client(url, collect)

    assert "did not stream server-sent events" in str(caught.value)


def test_complete_non_json_body_raises(fixed_reply_server: Callable[..., str]) -> None:
    url = fixed_reply_server(b"<html>proxy error</html>", content_type="text/html")

    with pytest.raises(ModelError) as caught:
        run_with_client(url, lambda client: client.complete(MODEL, HELLO))

    assert "returned a body that is not JSON" in str(caught.value)
    assert "proxy error" in str(caught.value)


def test_complete_without_choices_raises(fixed_reply_server: Callable[..., str]) -> None:
    url = fixed_reply_server(b'{"object": "chat.completion"}', content_type="application/json")

    with pytest.raises(ModelError) as caught:
        run_with_client(url, lambda client: client.complete(MODEL, HELLO))

    assert "returned no choices[0].message" in str(caught.value)
