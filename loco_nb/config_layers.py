"""The sources of the settings and their order of precedence.

From highest to lowest: a cell's options, the magics' traitlets,
``<project>/.loco/config.toml``, ``$LOCO_HOME/config.toml``, and ``LOCO_*``
environment variables. Files with unknown keys or values of the wrong type
are rejected with the file and the key, never skipped quietly.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

if TYPE_CHECKING:
    from .config import Settings

# Fields whose environment variable holds JSON rather than a plain value.
_JSON_FIELDS = {"servers"}


@dataclass(frozen=True)
class Layer:
    """The values of one source; ``origin`` names the source for each key."""

    values: dict[str, Any]
    origins: dict[str, str]


def resolve(
    settings_cls: type[Settings],
    project_dir: Path | None,
    traits: dict[str, object],
    overrides: dict[str, object],
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Merge the layers and validate the result as one Settings."""
    fields = set(settings_cls.model_fields)
    environment = env_layer(fields, environ)
    home = Path(
        str(
            overrides.get("home")
            or traits.get("home")
            or environment.values.get("home")
            or Path.home() / ".loco"
        )
    )

    layers = [
        environment,
        toml_layer(home.expanduser() / "config.toml", fields),
        toml_layer(project_dir / ".loco" / "config.toml", fields) if project_dir else None,
        plain_layer(traits, fields, "%config LocoMagics"),
        plain_layer(overrides, fields, "cell option"),
    ]
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for layer in layers:
        if layer is not None:
            values.update(layer.values)
            origins.update(layer.origins)

    try:
        settings = settings_cls(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origins)) from exc
    settings._origins = origins
    return settings


def env_layer(fields: set[str], environ: Mapping[str, str]) -> Layer:
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in fields:
        variable = f"LOCO_{name.upper()}"
        raw = environ.get(variable)
        if raw is None or raw == "":
            continue
        values[name] = _decode_json(raw, variable) if name in _JSON_FIELDS else raw
        origins[name] = variable
    return Layer(values, origins)


def toml_layer(path: Path, fields: set[str]) -> Layer | None:
    """Return the settings in a config.toml, or None when the file does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        msg = f"Could not read {path}: {exc.strerror}"
        raise ConfigError(msg) from exc

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path} is not valid TOML: {exc}"
        raise ConfigError(msg) from exc

    _reject_unknown(set(data), fields, str(path))
    return Layer(dict(data), {name: str(path) for name in data})


def plain_layer(values: dict[str, object], fields: set[str], origin: str) -> Layer:
    _reject_unknown(set(values), fields, origin)
    kept = {name: value for name, value in values.items() if value is not None}
    return Layer(kept, {name: origin for name in kept})


def _reject_unknown(keys: set[str], fields: set[str], origin: str) -> None:
    unknown = sorted(keys - fields)
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], sorted(fields), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    known = ", ".join(sorted(fields))
    msg = f"Unknown setting {unknown[0]!r} in {origin}.{hint} The settings are: {known}."
    raise ConfigError(msg)


def _decode_json(raw: str, variable: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        msg = f"{variable} is not valid JSON ({exc.msg} at position {exc.pos}); see the README."
        raise ConfigError(msg) from exc


def _describe(error: ValidationError, origins: dict[str, str]) -> str:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "settings"
        where = origins.get(name, "the defaults")
        key = ".".join(str(part) for part in item["loc"])
        if not where.startswith("LOCO_"):
            source = f"{key!r} in {where}"
        elif len(item["loc"]) > 1:
            # A JSON variable such as LOCO_SERVERS: name the field inside it too.
            source = f"{where} ({key})"
        else:
            source = where
        problems.append(f"{source}: {item['msg']}")
    return "Invalid loco_nb settings: " + "; ".join(problems)
