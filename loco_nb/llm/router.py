"""Maps a size (XS … XL) or a model id to a model on a server, with its client.

With ``LOCO_BASE_URL`` set, every size maps to ``LOCO_MODEL`` on that server,
or to the first model it lists. Without it, the embedded server provides S
(Qwen2.5-Coder 0.5B) and M (1.5B); XS falls back to S, and L and XL to M.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..config import Settings
from ..errors import ModelNotFound
from ..models import ModelConfig, ModelSize
from .client import ChatClient
from .embedded import EmbeddedServer
from .embedded.weights import Progress

logger = logging.getLogger("loco_nb")

StatusSink = Callable[[str, int | None, int | None], None]


def parse_size(value: str) -> ModelSize | None:
    """Return the size named by ``value`` (any case), or None if it names none."""
    try:
        return ModelSize(value.strip().upper())
    except ValueError:
        return None


class Router:
    """Resolves requests to models and owns one client per server."""

    def __init__(self, settings: Settings, embedded: EmbeddedServer | None = None) -> None:
        self.settings = settings
        self.embedded = embedded or EmbeddedServer(settings)
        self._models: list[ModelConfig] | None = None
        self._clients: dict[str, ChatClient] = {}
        self._lock = asyncio.Lock()

    @property
    def uses_embedded(self) -> bool:
        return self.settings.base_url is None

    async def models(self, status: StatusSink | None = None) -> list[ModelConfig]:
        """Return the models available, starting the embedded server if it is the source."""
        async with self._lock:
            if self._models is None:
                self._models = await self._discover(status)
            return self._models

    async def resolve(self, choice: str | None, status: StatusSink | None = None) -> ModelConfig:
        """Return the model for a size or a model id; ``None`` means the default size."""
        models = await self.models(status)
        size = parse_size(choice) if choice else self.settings.default_size
        if size is None:
            return self._by_id(models, choice or "")
        return _nearest(models, size)

    def client(self, model: ModelConfig) -> ChatClient:
        if model.endpoint not in self._clients:
            hint = (
                "the embedded server stopped; run the cell again to restart it"
                if self.uses_embedded
                else "start the server there, or unset LOCO_BASE_URL to use the embedded model"
            )
            self._clients[model.endpoint] = ChatClient(
                model.endpoint,
                api_key=model.api_key,
                connect_timeout=self.settings.connect_timeout,
                read_timeout=self.settings.read_timeout,
                unavailable_hint=hint,
            )
        return self._clients[model.endpoint]

    def forget(self) -> None:
        """Drop what was discovered, so the next request looks again (after a server died)."""
        self._models = None

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def _discover(self, status: StatusSink | None) -> list[ModelConfig]:
        if self.uses_embedded:
            return await asyncio.to_thread(self._embedded_models, status)
        return await self._server_models()

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

    async def _server_models(self) -> list[ModelConfig]:
        base_url = self.settings.base_url or ""
        api_key = self.settings.api_key.get_secret_value() if self.settings.api_key else None
        probe = ModelConfig(
            name="probe", size=ModelSize.M, id="", endpoint=base_url, api_key=api_key
        )
        listed = await self.client(probe).list_models()

        wanted = self.settings.model
        ids = [str(entry.get("id")) for entry in listed if entry.get("id")]
        if wanted is None and not ids:
            msg = f"{base_url} lists no models; load one in the server, or set LOCO_MODEL."
            raise ModelNotFound(msg, url=base_url)
        model_id = wanted or ids[0]
        context = _context_length(next((e for e in listed if e.get("id") == model_id), {}))

        logger.info("using model %s on %s", model_id, base_url)
        return [
            ModelConfig(
                name=model_id,
                size=size,
                id=model_id,
                endpoint=base_url,
                api_key=api_key,
                context_length=context,
                structured_output=True,
            )
            for size in ModelSize
        ]

    def _by_id(self, models: list[ModelConfig], model_id: str) -> ModelConfig:
        for model in models:
            if model.id == model_id:
                return model
        if not self.uses_embedded:
            base = models[0]
            return base.model_copy(
                update={"name": model_id, "id": model_id, "context_length": None}
            )
        known = ", ".join(sorted({m.id for m in models}))
        msg = f"Unknown model {model_id!r}; use a size (XS, S, M, L, XL) or one of: {known}."
        raise ModelNotFound(msg, model=model_id)


def _nearest(models: list[ModelConfig], size: ModelSize) -> ModelConfig:
    """Return the model of ``size``, else the nearest larger one, else the nearest smaller."""
    by_size = {m.size: m for m in models}
    if size in by_size:
        return by_size[size]

    larger = sorted(s for s in by_size if s > size)
    smaller = sorted((s for s in by_size if s < size), reverse=True)
    for candidate in larger + smaller:
        logger.info(
            "no %s model; using the %s model %s", size.value, candidate.value, by_size[candidate].id
        )
        return by_size[candidate]
    msg = f"No model is configured for size {size.value}."
    raise ModelNotFound(msg)


def _context_length(entry: dict[str, object]) -> int | None:
    meta = entry.get("meta")
    if isinstance(meta, dict):
        for key in ("n_ctx", "n_ctx_train"):
            value = meta.get(key)
            if isinstance(value, int) and value > 0:
                return value
    value = entry.get("context_length") or entry.get("max_context_length")
    return value if isinstance(value, int) and value > 0 else None
