"""Maps a size (XS … XL) or a model id to a model on one of the configured servers.

Servers come from ``LOCO_BASE_URL`` (with ``LOCO_MODEL``) and ``LOCO_SERVERS``;
with none configured, the embedded server provides S (Qwen2.5-Coder 0.5B) and
M (1.5B). Each server's models get a size from an explicit map in the
settings, else from what the server reports (parameter counts), else from
the parameter count in the model id. A size with no model falls back to the
nearest larger size, then the nearest smaller, and says so. A server that
stops answering is marked down, and its sizes move to the other servers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import ServerSettings, Settings
from ..errors import ModelError, ModelNotFound, ServerUnavailable
from ..models import ModelConfig, ModelSize
from .client import ChatClient
from .embedded import EmbeddedServer
from .embedded.weights import Progress
from .sizing import size_of

logger = logging.getLogger("loco_nb")

StatusSink = Callable[[str, int | None, int | None], None]

EMBEDDED = "embedded"

# A server found down is asked again on a later request, at most this often.
RECHECK_SECONDS = 5.0


def parse_size(value: str) -> ModelSize | None:
    """Return the size named by ``value`` (any case), or None if it names none."""
    try:
        return ModelSize(value.strip().upper())
    except ValueError:
        return None


@dataclass
class ServerHealth:
    """The health and the models of one server, as the router last saw them."""

    url: str
    up: bool = True
    error: ModelError | None = None
    models: list[ModelConfig] = field(default_factory=list)
    checked: float = field(default_factory=lambda: time.monotonic())


class Router:
    """Resolves requests to models and owns one client per server."""

    def __init__(self, settings: Settings, embedded: EmbeddedServer | None = None) -> None:
        self.settings = settings
        self.embedded = embedded or EmbeddedServer(settings)
        self.servers = _configured_servers(settings)
        self._health: dict[str, ServerHealth] | None = None
        self._clients: dict[str, ChatClient] = {}
        self._lock = asyncio.Lock()
        self.notices: list[str] = []

    @property
    def uses_embedded(self) -> bool:
        return not self.servers

    async def health(self, status: StatusSink | None = None) -> list[ServerHealth]:
        """Return every server with its models, discovering them on first use."""
        async with self._lock:
            if self._health is None:
                self._health = await self._discover(status)
            else:
                await self._recheck_down()
            return list(self._health.values())

    async def models(self, status: StatusSink | None = None) -> list[ModelConfig]:
        """Return the models of the servers that answer."""
        servers = await self.health(status)
        return [m for s in servers if s.up for m in s.models]

    async def resolve(self, choice: str | None, status: StatusSink | None = None) -> ModelConfig:
        """Return the model for a size or a model id; ``None`` means the default size."""
        servers = await self.health(status)
        models = [m for s in servers if s.up for m in s.models]
        if not models:
            raise _no_models_error(servers)

        size = parse_size(choice) if choice else self.settings.default_size
        if size is None:
            return self._by_id(models, choice or "")
        model, note = _nearest(models, size)
        if note is not None:
            self._notice(note, status)
        return model

    def mark_down(self, endpoint: str, error: ModelError) -> bool:
        """Mark a server down; return True if another server still has models."""
        if self._health is None or endpoint not in self._health:
            return False
        server = self._health[endpoint]
        server.up, server.error, server.checked = False, error, time.monotonic()
        logger.warning("server %s is down: %s", endpoint, error)
        return any(s.up and s.models for s in self._health.values())

    def client(self, model: ModelConfig) -> ChatClient:
        if model.endpoint not in self._clients:
            hint = "start the server there, or remove it from LOCO_SERVERS"
            if self.uses_embedded:
                hint = "the embedded server stopped; run the cell again to restart it"
            elif model.endpoint == self.settings.base_url:
                hint = "start the server there, or unset LOCO_BASE_URL to use the embedded model"
            self._clients[model.endpoint] = ChatClient(
                model.endpoint,
                api_key=model.api_key,
                connect_timeout=self.settings.connect_timeout,
                read_timeout=self.settings.read_timeout,
                unavailable_hint=hint,
            )
        return self._clients[model.endpoint]

    def forget(self) -> None:
        """Drop what was discovered, so the next request looks again."""
        self._health = None

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _notice(self, text: str, status: StatusSink | None) -> None:
        logger.info("%s", text)
        self.notices.append(text)
        if status is not None:
            status(text, None, None)

    async def _recheck_down(self) -> None:
        assert self._health is not None
        now = time.monotonic()
        stale = [
            server
            for server in self.servers
            if server.url in self._health
            and not self._health[server.url].up
            and now - self._health[server.url].checked >= RECHECK_SECONDS
        ]
        for health in await asyncio.gather(*(self._server_models(s) for s in stale)):
            self._health[health.url] = health

    async def _discover(self, status: StatusSink | None) -> dict[str, ServerHealth]:
        if self.uses_embedded:
            models = await asyncio.to_thread(self._embedded_models, status)
            return {EMBEDDED: ServerHealth(url=EMBEDDED, models=models)}

        found = await asyncio.gather(*(self._server_models(s) for s in self.servers))
        return {health.url: health for health in found}

    def _embedded_models(self, status: StatusSink | None) -> list[ModelConfig]:
        progress: Progress | None = None
        if status is not None:
            sink = status

            def progress(done: int, total: int) -> None:
                sink("Joining the embedded model weights", done, total)

        endpoints = self.embedded.endpoints(
            progress=progress,
            status=(lambda text: status(text, None, None)) if status else None,
        )
        return [
            ModelConfig(
                name=e.model_id,
                size=e.size,
                id=e.model_id,
                endpoint=e.base_url,
                context_length=e.context_length,
                structured_output=True,
            )
            for e in endpoints.values()
        ]

    async def _server_models(self, server: ServerSettings) -> ServerHealth:
        api_key = server.api_key.get_secret_value() if server.api_key else None
        probe = ModelConfig(
            name="probe", size=ModelSize.M, id="", endpoint=server.url, api_key=api_key
        )
        try:
            listed = await self.client(probe).list_models()
        except ModelError as exc:
            # INFO, because the error reaches the user: raised when no server is left, else
            # listed by %loco models. A WARNING would also print on the cell's stderr.
            logger.info("server %s is down: %s", server.url, exc)
            return ServerHealth(url=server.url, up=False, error=exc)

        models = _assign_sizes(server, listed, api_key, self.settings.tool_protocol)
        logger.info(
            "server %s serves %s", server.url, ", ".join(f"{m.size.value}={m.id}" for m in models)
        )
        return ServerHealth(url=server.url, models=models)

    def _by_id(self, models: list[ModelConfig], model_id: str) -> ModelConfig:
        for model in models:
            if model.id == model_id:
                return model
        if not self.uses_embedded:
            # A server may serve ids it does not list (Ollama tags, LM Studio's JIT loading).
            base = models[0]
            return base.model_copy(
                update={"name": model_id, "id": model_id, "context_length": None}
            )
        known = ", ".join(sorted({m.id for m in models}))
        msg = f"Unknown model {model_id!r}; use a size (XS, S, M, L, XL) or one of: {known}."
        raise ModelNotFound(msg, model=model_id)


def _configured_servers(settings: Settings) -> list[ServerSettings]:
    servers = list(settings.servers)
    if settings.base_url is not None:
        models = {size: settings.model for size in ModelSize} if settings.model else {}
        servers.insert(
            0, ServerSettings(url=settings.base_url, api_key=settings.api_key, models=models)
        )
    return servers


def _assign_sizes(
    server: ServerSettings, listed: list[dict[str, object]], api_key: str | None, protocol: str
) -> list[ModelConfig]:
    """Return the server's models with their sizes (several sizes may share one model)."""
    by_id = {str(entry.get("id")): entry for entry in listed if entry.get("id")}
    pairs: list[tuple[ModelSize, str]] = list(server.models.items())
    if not pairs:
        for model_id, entry in by_id.items():
            sized = size_of(entry)
            if sized is not None:
                pairs.append((sized[0], model_id))
        if not pairs and by_id:
            # Nothing says how big the models are; the first one serves every size.
            first = next(iter(by_id))
            pairs = [(size, first) for size in ModelSize]

    return [
        ModelConfig(
            name=model_id,
            size=size,
            id=model_id,
            endpoint=server.url,
            api_key=api_key,
            context_length=_context_length(by_id.get(model_id, {})),
            structured_output=protocol in ("auto", "schema"),
            native_tools=protocol == "native",
        )
        for size, model_id in pairs
    ]


def _nearest(models: list[ModelConfig], size: ModelSize) -> tuple[ModelConfig, str | None]:
    """Return the model of ``size``, else the nearest larger one, else the nearest smaller."""
    by_size: dict[ModelSize, ModelConfig] = {}
    for model in models:
        by_size.setdefault(model.size, model)
    if size in by_size:
        return by_size[size], None

    larger = sorted(s for s in by_size if s > size)
    smaller = sorted((s for s in by_size if s < size), reverse=True)
    candidate = (larger + smaller)[0]
    chosen = by_size[candidate]
    return (
        chosen,
        f"No {size.value} model is configured; using the {candidate.value} model {chosen.id}.",
    )


def _no_models_error(servers: list[ServerHealth]) -> ModelError:
    down = [s for s in servers if not s.up and s.error is not None]
    if len(down) == 1 and len(servers) == 1:
        return down[0].error  # type: ignore[return-value]
    empty = [s.url for s in servers if s.up]
    reasons = "; ".join(str(s.error) for s in down)
    if down and empty:
        listed = ", ".join(empty)
        return ServerUnavailable(f"No server offers a model: {reasons}; {listed} lists no models.")
    if down:
        return ServerUnavailable(f"None of the {len(servers)} servers answers: {reasons}")
    urls = ", ".join(empty)
    return ModelNotFound(f"{urls} list no models; load one in the server, or set LOCO_MODEL.")


def _context_length(entry: dict[str, object]) -> int | None:
    meta = entry.get("meta")
    if isinstance(meta, dict):
        for key in ("n_ctx", "n_ctx_train"):
            value = meta.get(key)
            if isinstance(value, int) and value > 0:
                return value
    value = entry.get("context_length") or entry.get("max_context_length")
    return value if isinstance(value, int) and value > 0 else None
