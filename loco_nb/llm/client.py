"""An async client for OpenAI-compatible chat servers, on httpx.

It speaks the subset every local server shares (LM Studio, Ollama, llama.cpp's
server, vLLM): ``GET /models`` and ``POST /chat/completions``, plain or
streamed as server-sent events that end with ``data: [DONE]``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse

from ..errors import ModelError, ServerResponseError, ServerUnavailable, StreamInterrupted

logger = logging.getLogger("loco_nb")

BODY_PREVIEW = 300

# HTTP statuses, and words in the body, with which servers reject a request feature they lack.
REJECTED_STATUSES = (400, 404, 422, 501)
SCHEMA_WORDS = ("response_format", "json_schema", "schema", "grammar", "not supported")
TOOLS_WORDS = ("tools", "tool_choice", "function", "not supported")


def rejects_feature(error: ModelError, words: tuple[str, ...]) -> bool:
    """Return True if ``error`` is an HTTP error whose body names one of ``words``."""
    if not isinstance(error, ServerResponseError) or error.status_code not in REJECTED_STATUSES:
        return False
    body = error.body.lower()
    return any(word in body for word in words)


@dataclass
class Usage:
    """Token counts the server reported for one reply."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class NativeCall:
    """A call from the OpenAI ``tool_calls`` field; ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str


@dataclass
class ChatReply:
    """A complete, non-streamed reply."""

    content: str
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    tool_calls: list[NativeCall] = field(default_factory=list)


@dataclass
class ChatStream:
    """A streamed reply: iterate for text deltas, then read ``usage``, ``finish_reason``
    and any ``tool_calls`` the server streamed in pieces."""

    chunks: AsyncIterator[str]
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    call_parts: dict[int, NativeCall] = field(default_factory=dict)

    @property
    def tool_calls(self) -> list[NativeCall]:
        return [self.call_parts[index] for index in sorted(self.call_parts)]

    def __aiter__(self) -> AsyncIterator[str]:
        return self.chunks


class ChatClient:
    """Talks to one OpenAI-compatible server.

    ``unavailable_hint`` ends the message raised when nothing answers at the
    URL, so the caller can name the way out that fits where the URL came from.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 600.0,
        unavailable_hint: str = "start the server, or check the URL",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.unavailable_hint = unavailable_hint
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def list_models(self) -> list[dict[str, Any]]:
        """Return the ``data`` entries of ``GET /models``."""
        url = f"{self.base_url}/models"
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise self._convert(exc, url, None) from exc

        self._check_status(response, url, None)
        payload = _decode_json(response, url)
        models = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(models, list):
            msg = f"{url} returned no 'data' list of models; is this an OpenAI-compatible server?"
            raise ModelError(msg, url=url)
        return [m for m in models if isinstance(m, dict)]

    async def complete(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        **options: Any,
    ) -> ChatReply:
        """Send one chat request and return the whole reply.

        With ``json_schema`` the request asks for structured output through
        ``response_format``, which llama.cpp, LM Studio, vLLM and Ollama honour.
        """
        url = f"{self.base_url}/chat/completions"
        body = _request_body(model, messages, json_schema, stream=False, options=options)
        started = time.perf_counter()
        try:
            response = await self._http.post(url, json=body)
        except httpx.HTTPError as exc:
            raise self._convert(exc, url, model) from exc

        self._log(url, model, response.status_code, started)
        self._check_status(response, url, model)
        return _parse_reply(_decode_json(response, url), url, model)

    def stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        **options: Any,
    ) -> ChatStream:
        """Start a streamed chat request; iterate the result for text deltas."""
        result = ChatStream(chunks=_empty())
        result.chunks = self._stream_chunks(result, model, messages, json_schema, options)
        return result

    async def _stream_chunks(
        self,
        result: ChatStream,
        model: str,
        messages: list[dict[str, Any]],
        json_schema: dict[str, Any] | None,
        options: dict[str, Any],
    ) -> AsyncIterator[str]:
        url = f"{self.base_url}/chat/completions"
        body = _request_body(model, messages, json_schema, stream=True, options=options)
        started = time.perf_counter()
        try:
            async with aconnect_sse(self._http, "POST", url, json=body) as source:
                self._log(url, model, source.response.status_code, started)
                if source.response.status_code >= 400:
                    await source.response.aread()
                    self._check_status(source.response, url, model)
                async for text in _read_events(source.aiter_sse(), result, url, model):
                    yield text
        except SSEError as exc:
            # Caught first because httpx_sse (0.4.3) derives SSEError from httpx.TransportError.
            msg = f"{url} did not stream server-sent events: {exc}"
            raise ModelError(msg, url=url, model=model) from exc
        except httpx.HTTPError as exc:
            raise self._convert(exc, url, model) from exc

    def _convert(self, exc: httpx.HTTPError, url: str, model: str | None) -> ModelError:
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            msg = f"No server answers at {url}: {self.unavailable_hint}."
            return ServerUnavailable(msg, url=url, model=model)
        if isinstance(exc, httpx.ReadTimeout):
            msg = (
                f"Timed out waiting for {model or 'the server'} at {url}; "
                "raise LOCO_READ_TIMEOUT or use a smaller model."
            )
            return ModelError(msg, url=url, model=model)
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            msg = f"The connection to {url} broke during the reply ({exc}); try again."
            return StreamInterrupted(msg, url=url, model=model)
        return ModelError(f"Request to {url} failed: {exc}", url=url, model=model)

    def _check_status(self, response: httpx.Response, url: str, model: str | None) -> None:
        if response.status_code < 400:
            return
        body = response.text
        preview = body if len(body) <= BODY_PREVIEW else body[:BODY_PREVIEW] + "…"
        msg = f"{url} answered HTTP {response.status_code} for model {model!r}: {preview}"
        raise ServerResponseError(
            msg, status_code=response.status_code, body=body, url=url, model=model
        )

    @staticmethod
    def _log(url: str, model: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        logger.info("POST %s model=%s -> %d in %.2fs", url, model, status, elapsed)


async def _empty() -> AsyncIterator[str]:
    return
    yield


async def _read_events(
    events: AsyncIterator[Any], result: ChatStream, url: str, model: str
) -> AsyncIterator[str]:
    async for event in events:
        if event.data.strip() == "[DONE]":
            return
        try:
            payload = json.loads(event.data)
        except json.JSONDecodeError:
            logger.warning("ignored a non-JSON event from %s: %.100s", url, event.data)
            continue
        if not isinstance(payload, dict):
            logger.warning(
                "ignored an event that is not a JSON object from %s: %.100s", url, event.data
            )
            continue

        if "error" in payload:
            msg = f"{url} reported an error during the reply: {payload['error']}"
            raise ModelError(msg, url=url, model=model)
        _record_usage(payload, result)
        choices = payload.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, dict):
                continue
            if choice.get("finish_reason"):
                result.finish_reason = choice["finish_reason"]
            delta = choice.get("delta") or {}
            _collect_calls(delta.get("tool_calls"), result.call_parts)
            text = delta.get("content")
            if text:
                yield text

    msg = f"The stream from {url} ended before [DONE]; the reply is incomplete."
    raise StreamInterrupted(msg, url=url, model=model)


def _collect_calls(pieces: Any, parts: dict[int, NativeCall]) -> None:
    """Join streamed tool-call pieces: the first names the call, later ones add arguments."""
    for piece in pieces if isinstance(pieces, list) else []:
        if not isinstance(piece, dict):
            continue
        index = int(piece.get("index", len(parts)))
        function = piece.get("function") or {}
        call = parts.setdefault(index, NativeCall(id="", name="", arguments=""))
        call.id = piece.get("id") or call.id or f"call_{index}"
        call.name = call.name or function.get("name") or ""
        arguments = function.get("arguments") or ""
        # The OpenAI format sends a JSON string; a few servers send the object itself.
        call.arguments += arguments if isinstance(arguments, str) else json.dumps(arguments)


def _record_usage(payload: dict[str, Any], result: ChatStream) -> None:
    usage = payload.get("usage")
    if isinstance(usage, dict):
        result.usage = Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )


def _request_body(
    model: str,
    messages: list[dict[str, Any]],
    json_schema: dict[str, Any] | None,
    *,
    stream: bool,
    options: dict[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": stream, **options}
    if stream:
        body["stream_options"] = {"include_usage": True}
    if json_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": json_schema, "strict": True},
        }
    return body


def _decode_json(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        preview = response.text[:BODY_PREVIEW]
        msg = f"{url} returned a body that is not JSON: {preview!r}"
        raise ModelError(msg, url=url) from exc


def _parse_reply(payload: Any, url: str, model: str) -> ChatReply:
    try:
        choice = payload["choices"][0]
        content = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        msg = f"{url} returned no choices[0].message in its reply: {str(payload)[:BODY_PREVIEW]}"
        raise ModelError(msg, url=url, model=model) from exc

    usage = payload.get("usage") or {}
    parts: dict[int, NativeCall] = {}
    _collect_calls(choice["message"].get("tool_calls"), parts)
    return ChatReply(
        content=content,
        tool_calls=[parts[index] for index in sorted(parts)],
        finish_reason=choice.get("finish_reason"),
        usage=Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        ),
    )
