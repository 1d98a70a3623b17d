"""Settings: one model, filled from layered sources by :func:`load_settings`.

Each field declares its default and help once; the magics, ``%loco config``
and the README show the same text. Every field can be set as ``LOCO_<NAME>``
in the environment or as ``name = value`` in a ``config.toml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .errors import ConfigError
from .models import ModelSize


def default_home() -> Path:
    return Path.home() / ".loco"


def check_base_url(value: str, name: str = "LOCO_BASE_URL") -> str:
    """Return ``value`` without a trailing slash, or raise ValueError saying how to fix it."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        msg = (
            f"{name}={value!r} is not an http(s) URL with a host; use e.g. http://127.0.0.1:1234/v1"
        )
        raise ValueError(msg)
    if not url.endswith("/v1"):
        msg = f"{name}={value!r} must end in /v1, e.g. {url}/v1"
        raise ValueError(msg)
    return url


class ServerSettings(BaseModel):
    """One more OpenAI-compatible server the router may send tasks to."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Base URL ending in /v1.")
    api_key: SecretStr | None = Field(default=None, description="Bearer token, if any.")
    models: dict[ModelSize, str] = Field(
        default_factory=dict,
        description="Size to model id on this server; sizes come from the server when empty.",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return check_base_url(value, "url")


class Settings(BaseSettings):
    """Settings in force for one Assistant."""

    model_config = SettingsConfigDict(env_prefix="LOCO_", extra="forbid", validate_default=True)

    # Where each value came from, such as "LOCO_MODEL" or "/p/.loco/config.toml".
    _origins: dict[str, str] = PrivateAttr(default_factory=dict)

    base_url: str | None = Field(
        default=None,
        description=(
            "Base URL of an OpenAI-compatible server, ending in /v1. "
            "Unset to use the embedded llama.cpp server."
        ),
    )
    model: str | None = Field(
        default=None,
        description="Model id on that server; the first model it lists when unset.",
    )
    api_key: SecretStr | None = Field(default=None, description="Bearer token for the server.")
    home: Path = Field(
        default_factory=default_home,
        description="User directory for the model cache, the trash and server state.",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Where the embedded weights are joined; $LOCO_HOME/models when unset.",
    )
    connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a connection."
    )
    read_timeout: float = Field(
        default=600.0, gt=0, description="Seconds to wait for the next bytes of a reply."
    )
    max_steps: int = Field(
        default=6, ge=1, le=50, description="Tool-calling rounds per task before it must answer."
    )
    default_size: ModelSize = Field(
        default=ModelSize.M, description="Model size used when a request names none."
    )
    auto_approve: bool = Field(
        default=False, description="Run writes without asking. Off by default."
    )
    servers: list[ServerSettings] = Field(
        default_factory=list,
        description=(
            "More OpenAI-compatible servers, as a JSON list of {url, api_key, models}; "
            'models maps sizes to model ids, e.g. {"XL": "qwen2.5-coder:32b"}.'
        ),
    )
    planner_size: ModelSize = Field(
        default=ModelSize.M, description="Size of the model that splits requests into tasks."
    )
    max_parallel: int = Field(
        default=2, ge=1, le=16, description="How many independent tasks run at once."
    )
    tool_protocol: Literal["auto", "schema", "native", "text"] = Field(
        default="auto",
        description=(
            "How models call tools: a schema-constrained JSON reply, the OpenAI tools field, "
            "or <tool> tags in text. auto tries them in that order."
        ),
    )

    @field_validator("default_size", "planner_size", mode="before")
    @classmethod
    def _upper_size(cls, value: object) -> object:
        # Sizes are written in upper case; accept "s" from a file or a variable too.
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return check_base_url(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings reads the environment and the files itself, in its own order.
        return (init_settings,)

    @property
    def origins(self) -> dict[str, str]:
        """Where each setting came from; fields not listed have their default."""
        return dict(self._origins)

    def for_server(self, base_url: str) -> Settings:
        """Return a copy that sends every request to ``base_url`` and to no other server.

        The model id, the API key and the extra servers configured here belong
        to other servers, so the copy has none of them: a key is never sent to
        a URL it was not configured for. Raises ConfigError for an invalid URL.
        """
        try:
            url = check_base_url(base_url, "--base-url")
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        copy = self.model_copy(
            update={"base_url": url, "model": None, "api_key": None, "servers": []}
        )
        copy._origins = {**self._origins, "base_url": "cell option"}
        for name in ("model", "api_key", "servers"):
            copy._origins.pop(name, None)
        return copy

    @property
    def weights_dir(self) -> Path:
        return self.models_dir or self.home / "models"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"


def load_settings(
    project_dir: Path | None = None,
    *,
    traits: dict[str, object] | None = None,
    **overrides: object,
) -> Settings:
    """Return the settings in force, from the highest layer down.

    The layers are ``overrides`` (a cell's options), ``traits`` (the magics'
    traitlets), ``<project>/.loco/config.toml``, ``$LOCO_HOME/config.toml``
    and the ``LOCO_*`` environment variables. Raises :class:`ConfigError`
    naming the file or variable and the key at fault.
    """
    from .config_layers import resolve

    return resolve(Settings, project_dir, traits or {}, dict(overrides))
