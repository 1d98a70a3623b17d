"""Unit tests of loco_nb.llm.router over httpx.MockTransport servers.

Each fake server is a base URL on 127.0.0.1 that the mock transport serves;
no socket is opened. A server in ``down`` raises ``httpx.ConnectError``, as a
stopped server does.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest

from loco_nb.config import ServerSettings, Settings
from loco_nb.errors import ModelNotFound, ServerUnavailable
from loco_nb.llm import router as router_module
from loco_nb.llm.client import ChatClient
from loco_nb.llm.router import RECHECK_SECONDS, Router
from loco_nb.models import ModelConfig, ModelSize

LAPTOP = "http://127.0.0.1:1234/v1"
BOX = "http://127.0.0.1:8000/v1"


class FakeServers:
    """The ``/v1/models`` lists of several fake servers, and which of them are down."""

    def __init__(self) -> None:
        self.listed: dict[str, list[dict[str, Any]]] = {}
        self.down: set[str] = set()
        self.probes: list[str] = []

    def serve(self, url: str, *entries: dict[str, Any]) -> FakeServers:
        self.listed[url] = list(entries)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        base = str(request.url).rsplit("/models", 1)[0]
        self.probes.append(base)
        if base in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"object": "list", "data": self.listed.get(base, [])})


class FakeClock:
    """Stands in for the router's ``time`` module, so a test decides when time passes."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> FakeServers:
    fake = FakeServers()
    transport = httpx.MockTransport(fake.handle)
    monkeypatch.setattr(
        router_module, "ChatClient", functools.partial(ChatClient, transport=transport)
    )
    return fake


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(router_module, "time", fake)
    return fake


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def _router(*servers: ServerSettings, **settings: Any) -> Router:
    return Router(Settings(servers=list(servers), **settings))


def _server(url: str, **models: str) -> ServerSettings:
    return ServerSettings(url=url, models={ModelSize(k): v for k, v in models.items()})


def _entry(model_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": model_id, "object": "model", **fields}


async def _resolve(router: Router, choice: str | None) -> ModelConfig:
    try:
        return await router.resolve(choice)
    finally:
        await router.aclose()


# sizes


def test_explicit_map_wins(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("qwen2.5-coder-14b"), _entry("tiny"))
    router = _router(_server(LAPTOP, S="tiny"))

    model = _run(_resolve(router, "S"))

    assert model.id == "tiny"
    assert model.endpoint == LAPTOP


def test_explicit_map_keeps_unlisted_id(servers: FakeServers) -> None:
    # Ollama and LM Studio serve ids they do not list; the map is trusted.
    servers.serve(LAPTOP, _entry("something-else"))
    router = _router(_server(LAPTOP, XL="qwen2.5-coder:32b"))

    model = _run(_resolve(router, "XL"))

    assert model.id == "qwen2.5-coder:32b"


def test_sizes_from_ids(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("qwen2.5-coder-0.5b"), _entry("qwen2.5-coder-14b"))
    router = _router(_server(LAPTOP))

    small = _run(_resolve(router, "S"))
    large = _run(_resolve(router, "L"))

    assert small.id == "qwen2.5-coder-0.5b"
    assert large.id == "qwen2.5-coder-14b"


def test_sizes_from_metadata(servers: FakeServers) -> None:
    servers.serve(
        LAPTOP,
        _entry("coder.gguf", meta={"n_params": 1_500_000_000, "n_ctx": 4096}),
        _entry("qwen2.5-coder:latest", details={"parameter_size": "7.6B"}),
    )
    router = _router(_server(LAPTOP))

    medium = _run(_resolve(router, "M"))
    large = _run(_resolve(router, "L"))

    assert medium.id == "coder.gguf"
    assert medium.context_length == 4096
    assert large.id == "qwen2.5-coder:latest"


def test_unsized_model_serves_every_size(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("gpt-4o"))
    router = _router(_server(LAPTOP))

    models = _run(router.models())

    assert sorted(m.size for m in models) == list(ModelSize)
    assert {m.id for m in models} == {"gpt-4o"}


def test_unsized_model_dropped_beside_sized(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("nomic-embed-text"), _entry("qwen2.5-coder-7b"))
    router = _router(_server(LAPTOP))

    models = _run(router.models())

    assert [m.id for m in models] == ["qwen2.5-coder-7b"]


def test_sizes_across_servers(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("qwen2.5-coder-1.5b"))
    servers.serve(BOX, _entry("qwen2.5-coder-32b"))
    router = _router(_server(LAPTOP), _server(BOX))

    medium = _run(_resolve(router, "M"))
    huge = _run(_resolve(router, "XL"))

    assert medium.endpoint == LAPTOP
    assert huge.endpoint == BOX


# nearest size


def test_missing_size_uses_larger(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("qwen2.5-coder-0.5b"), _entry("qwen2.5-coder-14b"))
    router = _router(_server(LAPTOP))

    model = _run(_resolve(router, "M"))

    assert model.id == "qwen2.5-coder-14b"


def test_missing_size_uses_nearest_larger(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-32b"), _entry("b-7b"), _entry("c-0.5b"))
    router = _router(_server(LAPTOP))

    model = _run(_resolve(router, "M"))

    assert model.id == "b-7b"


def test_missing_size_falls_to_smaller(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("c-0.5b"), _entry("b-1.5b"))
    router = _router(_server(LAPTOP))

    model = _run(_resolve(router, "XL"))

    assert model.id == "b-1.5b"


def test_fallback_notice_names_both(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("qwen2.5-coder-14b"))
    router = _router(_server(LAPTOP))
    statuses: list[str] = []

    async def resolve() -> ModelConfig:
        try:
            return await router.resolve("S", lambda text, done, total: statuses.append(text))
        finally:
            await router.aclose()

    _run(resolve())

    assert router.notices == ["No S model is configured; using the L model qwen2.5-coder-14b."]
    assert statuses == router.notices


def test_exact_size_no_notice(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("qwen2.5-coder-14b"))
    router = _router(_server(LAPTOP))

    _run(_resolve(router, "L"))

    assert router.notices == []


def test_default_size_when_none(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-0.5b"), _entry("b-1.5b"), _entry("c-14b"))
    router = _router(_server(LAPTOP), default_size=ModelSize.L)

    model = _run(_resolve(router, None))

    assert model.id == "c-14b"


# model ids


def test_size_word_any_case(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-0.5b"), _entry("b-14b"))
    router = _router(_server(LAPTOP))

    model = _run(_resolve(router, "l"))

    assert model.id == "b-14b"


def test_listed_id_chosen(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-0.5b"))
    servers.serve(BOX, _entry("b-14b"))
    router = _router(_server(LAPTOP), _server(BOX))

    model = _run(_resolve(router, "b-14b"))

    assert model.id == "b-14b"
    assert model.endpoint == BOX


def test_unlisted_id_passed_through(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-0.5b"))
    router = _router(_server(LAPTOP))

    model = _run(_resolve(router, "llama3.1:8b"))

    assert model.id == "llama3.1:8b"
    assert model.endpoint == LAPTOP
    assert model.context_length is None


def test_base_url_model_serves_all(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("first"), _entry("chosen"))
    router = Router(Settings(base_url=LAPTOP, model="chosen"))

    model = _run(_resolve(router, "XS"))

    assert model.id == "chosen"
    assert router.notices == []


# health and failover


def test_down_server_marked_down(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    servers.serve(BOX, _entry("b-7b"))
    servers.down.add(LAPTOP)
    router = _router(_server(LAPTOP), _server(BOX))

    health = {s.url: s for s in _run(router.health())}
    _run(router.aclose())

    assert health[LAPTOP].up is False
    assert isinstance(health[LAPTOP].error, ServerUnavailable)
    assert health[BOX].up is True


def test_down_server_size_served_elsewhere(servers: FakeServers) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    servers.serve(BOX, _entry("b-7b"))
    servers.down.add(LAPTOP)
    router = _router(_server(LAPTOP), _server(BOX))

    model = _run(_resolve(router, "L"))

    assert model.id == "b-7b"


def test_mark_down_moves_size(servers: FakeServers, clock: FakeClock) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    servers.serve(BOX, _entry("b-7b"))
    router = _router(_server(LAPTOP), _server(BOX))

    async def scenario() -> tuple[ModelConfig, bool, ModelConfig]:
        first = await router.resolve("L")
        others = router.mark_down(first.endpoint, ServerUnavailable("gone"))
        second = await router.resolve("L")
        await router.aclose()
        return first, others, second

    first, others, second = _run(scenario())

    assert first.endpoint == LAPTOP
    assert others is True
    assert second.endpoint == BOX


def test_mark_down_last_server(servers: FakeServers, clock: FakeClock) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    router = _router(_server(LAPTOP))

    async def scenario() -> bool:
        model = await router.resolve("L")
        others = router.mark_down(model.endpoint, ServerUnavailable("gone"))
        await router.aclose()
        return others

    assert _run(scenario()) is False


def test_mark_down_unknown_endpoint(servers: FakeServers) -> None:
    router = _router(_server(LAPTOP))

    assert router.mark_down(BOX, ServerUnavailable("gone")) is False


def test_down_server_not_rechecked_early(servers: FakeServers, clock: FakeClock) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    servers.serve(BOX, _entry("b-7b"))
    servers.down.add(LAPTOP)
    router = _router(_server(LAPTOP), _server(BOX))

    async def scenario() -> None:
        await router.health()
        servers.down.clear()
        clock.now += RECHECK_SECONDS / 2
        await router.health()
        await router.aclose()

    _run(scenario())

    assert servers.probes.count(LAPTOP) == 1


def test_down_server_rechecked_later(servers: FakeServers, clock: FakeClock) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    servers.serve(BOX, _entry("b-7b"))
    servers.down.add(LAPTOP)
    router = _router(_server(LAPTOP), _server(BOX))

    async def scenario() -> ModelConfig:
        await router.health()
        servers.down.clear()
        clock.now += RECHECK_SECONDS
        return await _resolve(router, "L")

    model = _run(scenario())

    assert servers.probes.count(LAPTOP) == 2
    assert model.endpoint == LAPTOP


def test_marked_down_rechecked_later(servers: FakeServers, clock: FakeClock) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    servers.serve(BOX, _entry("b-7b"))
    router = _router(_server(LAPTOP), _server(BOX))

    async def scenario() -> list[bool]:
        await router.health()
        router.mark_down(LAPTOP, ServerUnavailable("gone"))
        early = [s.up for s in await router.health() if s.url == LAPTOP]
        clock.now += RECHECK_SECONDS
        late = [s.up for s in await router.health() if s.url == LAPTOP]
        await router.aclose()
        return early + late

    assert _run(scenario()) == [False, True]


def test_healthy_server_not_reprobed(servers: FakeServers, clock: FakeClock) -> None:
    servers.serve(LAPTOP, _entry("a-7b"))
    router = _router(_server(LAPTOP))

    async def scenario() -> None:
        await router.health()
        clock.now += 10 * RECHECK_SECONDS
        await router.health()
        await router.aclose()

    _run(scenario())

    assert servers.probes == [LAPTOP]


def test_all_down_names_each(servers: FakeServers) -> None:
    servers.down.update({LAPTOP, BOX})
    router = _router(_server(LAPTOP), _server(BOX))

    with pytest.raises(ServerUnavailable) as caught:
        _run(_resolve(router, "M"))

    message = str(caught.value)
    assert message.startswith("None of the 2 servers answers")
    assert LAPTOP in message
    assert BOX in message


def test_only_server_down_raises_its_error(servers: FakeServers) -> None:
    servers.down.add(LAPTOP)
    router = _router(_server(LAPTOP))

    with pytest.raises(ServerUnavailable) as caught:
        _run(_resolve(router, "M"))

    assert str(caught.value).startswith(f"No server answers at {LAPTOP}/models")


def test_no_models_listed_error(servers: FakeServers) -> None:
    servers.serve(LAPTOP)
    router = _router(_server(LAPTOP))

    with pytest.raises(ModelNotFound) as caught:
        _run(_resolve(router, "M"))

    assert "list no models" in str(caught.value)
    assert "LOCO_MODEL" in str(caught.value)


def test_one_down_other_empty_error(servers: FakeServers) -> None:
    servers.serve(BOX)
    servers.down.add(LAPTOP)
    router = _router(_server(LAPTOP), _server(BOX))

    with pytest.raises(ServerUnavailable) as caught:
        _run(_resolve(router, "M"))

    assert LAPTOP in str(caught.value)
    assert f"{BOX} lists no models" in str(caught.value)
    assert "None of the" not in str(caught.value)


def test_servers_entry_hint(servers: FakeServers) -> None:
    servers.down.add(BOX)
    router = _router(_server(BOX))

    with pytest.raises(ServerUnavailable) as caught:
        _run(_resolve(router, "M"))

    assert "remove it from LOCO_SERVERS" in str(caught.value)


def test_base_url_hint(servers: FakeServers) -> None:
    servers.down.add(LAPTOP)
    router = Router(Settings(base_url=LAPTOP))

    with pytest.raises(ServerUnavailable) as caught:
        _run(_resolve(router, "M"))

    assert "unset LOCO_BASE_URL" in str(caught.value)
