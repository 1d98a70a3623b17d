"""Unit tests of loco_nb.config: LOCO_* variables and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from loco_nb.config import Settings, default_home, load_settings
from loco_nb.errors import ConfigError
from loco_nb.models import ModelSize


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:1234/v1", "http://127.0.0.1:1234/v1"),
        ("https://127.0.0.1/v1", "https://127.0.0.1/v1"),
        ("http://127.0.0.1:1234/v1/", "http://127.0.0.1:1234/v1"),
        ("http://127.0.0.1:1234/v1//", "http://127.0.0.1:1234/v1"),
        ("  http://127.0.0.1:1234/v1  ", "http://127.0.0.1:1234/v1"),
        ("http://localhost:8080/api/v1", "http://localhost:8080/api/v1"),
        ("HTTP://127.0.0.1:1234/v1", "HTTP://127.0.0.1:1234/v1"),
    ],
)
def test_base_url_accepted(monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", value)

    assert load_settings().base_url == expected


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_base_url_blank_means_unset(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", value)

    assert load_settings().base_url is None


def test_base_url_unset_by_default() -> None:
    assert load_settings().base_url is None


@pytest.mark.parametrize(
    "value",
    [
        "ftp://127.0.0.1/v1",
        "127.0.0.1:1234/v1",
        "file:///v1",
        "http:///v1",
        "http://127.0.0.1:1234",
        "http://127.0.0.1:1234/v2",
        "http://127.0.0.1:1234/v1/chat",
        "http://127.0.0.1:1234/api",
    ],
)
def test_base_url_rejected(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", value)

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert "LOCO_BASE_URL" in str(caught.value)
    assert repr(value) in str(caught.value)


def test_base_url_hint_adds_v1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", "http://127.0.0.1:1234/")

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert "http://127.0.0.1:1234/v1" in str(caught.value)


def test_base_url_override_validated() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(base_url="ftp://127.0.0.1/v1")

    assert "LOCO_BASE_URL" in str(caught.value)


def test_config_error_keeps_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_BASE_URL", "nope")

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOCO_MAX_STEPS", "0"),
        ("LOCO_MAX_STEPS", "many"),
        ("LOCO_CONNECT_TIMEOUT", "-1"),
        ("LOCO_READ_TIMEOUT", "0"),
        ("LOCO_DEFAULT_SIZE", "XXL"),
        ("LOCO_AUTO_APPROVE", "perhaps"),
    ],
)
def test_invalid_value_names_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert name in str(caught.value)


def test_default_size_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_DEFAULT_SIZE", "XL")

    assert load_settings().default_size is ModelSize.XL


def test_home_from_environment(isolated_env: Path) -> None:
    assert load_settings().home == isolated_env


def test_home_defaults_to_user_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LOCO_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))

    assert load_settings().home == tmp_path / ".loco"
    assert default_home() == tmp_path / ".loco"


def test_derived_folders_follow_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LOCO_MODELS_DIR")
    monkeypatch.setenv("LOCO_HOME", str(tmp_path))

    settings = load_settings()

    assert settings.weights_dir == tmp_path / "models"
    assert settings.run_dir == tmp_path / "run"


def test_models_dir_overrides_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOCO_MODELS_DIR", str(tmp_path / "weights"))

    assert load_settings().weights_dir == tmp_path / "weights"


def test_api_key_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_API_KEY", "sk-secret-value")

    settings = load_settings()

    assert "sk-secret-value" not in repr(settings)
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "sk-secret-value"


def test_defaults_without_environment() -> None:
    settings = Settings()

    assert settings.max_steps == 6
    assert settings.default_size is ModelSize.M
    assert settings.auto_approve is False
