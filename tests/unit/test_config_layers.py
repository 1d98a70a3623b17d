"""Unit tests of the settings layers: precedence, origins and errors that name the source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loco_nb.config import load_settings
from loco_nb.errors import ConfigError
from loco_nb.models import ModelSize


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def home(isolated_env: Path) -> Path:
    """$LOCO_HOME, which the autouse fixture points at a fresh folder."""
    return isolated_env


@pytest.fixture
def home_config(home: Path) -> Path:
    return home / "config.toml"


@pytest.fixture
def project_config(project: Path) -> Path:
    return project / ".loco" / "config.toml"


# Each case sets max_steps in two adjacent layers; the higher layer must win.
def test_home_file_beats_environment(
    monkeypatch: pytest.MonkeyPatch, home_config: Path, project: Path
) -> None:
    monkeypatch.setenv("LOCO_MAX_STEPS", "3")
    write_toml(home_config, "max_steps = 4\n")

    assert load_settings(project).max_steps == 4


def test_project_file_beats_home_file(
    home_config: Path, project_config: Path, project: Path
) -> None:
    write_toml(home_config, "max_steps = 4\n")
    write_toml(project_config, "max_steps = 5\n")

    assert load_settings(project).max_steps == 5


def test_traits_beat_project_file(project_config: Path, project: Path) -> None:
    write_toml(project_config, "max_steps = 5\n")

    assert load_settings(project, traits={"max_steps": 7}).max_steps == 7


def test_cell_option_beats_traits(project_config: Path, project: Path) -> None:
    write_toml(project_config, "max_steps = 5\n")

    settings = load_settings(project, traits={"max_steps": 7}, max_steps=8)

    assert settings.max_steps == 8


def test_environment_beats_default(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    monkeypatch.setenv("LOCO_MAX_STEPS", "3")

    assert load_settings(project).max_steps == 3


def test_layers_merge_per_key(
    monkeypatch: pytest.MonkeyPatch, home_config: Path, project_config: Path, project: Path
) -> None:
    monkeypatch.setenv("LOCO_READ_TIMEOUT", "30")
    write_toml(home_config, "max_steps = 4\n")
    write_toml(project_config, 'default_size = "L"\n')

    settings = load_settings(project, traits={"max_parallel": 3})

    assert settings.read_timeout == 30.0
    assert settings.max_steps == 4
    assert settings.default_size is ModelSize.L
    assert settings.max_parallel == 3


def test_none_trait_leaves_lower_layer(project_config: Path, project: Path) -> None:
    write_toml(project_config, "max_steps = 5\n")

    assert load_settings(project, traits={"max_steps": None}).max_steps == 5


def test_origins_name_each_layer(
    monkeypatch: pytest.MonkeyPatch, home_config: Path, project_config: Path, project: Path
) -> None:
    monkeypatch.setenv("LOCO_READ_TIMEOUT", "30")
    write_toml(home_config, "max_steps = 4\n")
    write_toml(project_config, 'default_size = "L"\n')

    origins = load_settings(project, traits={"max_parallel": 3}, model="m-7b").origins

    assert origins["read_timeout"] == "LOCO_READ_TIMEOUT"
    assert origins["max_steps"] == str(home_config)
    assert origins["default_size"] == str(project_config)
    assert origins["max_parallel"] == "%config LocoMagics"
    assert origins["model"] == "cell option"


def test_origin_follows_winning_layer(
    monkeypatch: pytest.MonkeyPatch, project_config: Path, project: Path
) -> None:
    monkeypatch.setenv("LOCO_MAX_STEPS", "3")
    write_toml(project_config, "max_steps = 5\n")

    assert load_settings(project).origins["max_steps"] == str(project_config)


def test_defaults_have_no_origin(project: Path) -> None:
    origins = load_settings(project).origins

    assert "max_steps" not in origins
    assert "tool_protocol" not in origins


def test_origins_is_a_copy(project: Path) -> None:
    settings = load_settings(project, traits={"max_steps": 7})

    settings.origins["max_steps"] = "changed"

    assert settings.origins["max_steps"] == "%config LocoMagics"


def test_home_config_found_via_loco_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write_toml(elsewhere / "config.toml", 'model = "from-elsewhere"\n')
    monkeypatch.setenv("LOCO_HOME", str(elsewhere))

    settings = load_settings()

    assert settings.model == "from-elsewhere"
    assert settings.origins["model"] == str(elsewhere / "config.toml")


def test_home_config_read_without_project(home_config: Path) -> None:
    write_toml(home_config, "max_steps = 4\n")

    assert load_settings(None).max_steps == 4


def test_missing_files_are_fine(project: Path) -> None:
    assert load_settings(project).max_steps == 6


def test_toml_servers_table_array(project_config: Path, project: Path) -> None:
    write_toml(
        project_config,
        '[[servers]]\nurl = "http://127.0.0.1:11434/v1"\nmodels = { XL = "coder:32b" }\n',
    )

    servers = load_settings(project).servers

    assert len(servers) == 1
    assert servers[0].url == "http://127.0.0.1:11434/v1"
    assert servers[0].models == {ModelSize.XL: "coder:32b"}


def test_size_accepts_lower_case(project_config: Path, project: Path) -> None:
    write_toml(project_config, 'default_size = "s"\nplanner_size = "xl"\n')

    settings = load_settings(project)

    assert settings.default_size is ModelSize.S
    assert settings.planner_size is ModelSize.XL


def test_unknown_key_names_file(project_config: Path, project: Path) -> None:
    write_toml(project_config, "max_step = 4\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert str(project_config) in str(caught.value)
    assert "'max_step'" in str(caught.value)
    assert "Did you mean 'max_steps'?" in str(caught.value)


def test_unknown_key_in_home_file(home_config: Path) -> None:
    write_toml(home_config, 'base_ur = "http://127.0.0.1:1234/v1"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert str(home_config) in str(caught.value)
    assert "Did you mean 'base_url'?" in str(caught.value)


def test_unknown_key_far_from_all(project_config: Path, project: Path) -> None:
    write_toml(project_config, "zzzz = 1\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert "Did you mean" not in str(caught.value)
    assert "The settings are: " in str(caught.value)


def test_unknown_trait_rejected(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(project, traits={"colour": "blue"})

    assert "'colour' in %config LocoMagics" in str(caught.value)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('max_steps = "many"', "max_steps"),
        ("max_steps = 0", "max_steps"),
        ('default_size = "XXL"', "default_size"),
        ("auto_approve = 3.5", "auto_approve"),
        ("base_url = 1234", "base_url"),
        ('base_url = "ftp://127.0.0.1/v1"', "base_url"),
        ('tool_protocol = "smoke"', "tool_protocol"),
        ('servers = "http://127.0.0.1:1234/v1"', "servers"),
    ],
)
def test_wrong_type_names_file_and_key(
    project_config: Path, project: Path, line: str, key: str
) -> None:
    write_toml(project_config, line + "\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert f"'{key}' in {project_config}" in str(caught.value)


def test_nested_error_names_full_key(project_config: Path, project: Path) -> None:
    write_toml(project_config, '[[servers]]\nurl = "http://127.0.0.1:1234"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert f"'servers.0.url' in {project_config}" in str(caught.value)


def test_wrong_trait_type_names_magics(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(project, traits={"default_size": "Q"})

    assert "'default_size' in %config LocoMagics" in str(caught.value)


def test_invalid_toml_names_file(project_config: Path, project: Path) -> None:
    write_toml(project_config, "max_steps = = 4\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert str(caught.value).startswith(f"{project_config} is not valid TOML")
    assert "line 1" in str(caught.value)


def test_non_utf8_toml_names_file(project_config: Path, project: Path) -> None:
    project_config.parent.mkdir(parents=True)
    project_config.write_bytes(b'model = "caf\xe9"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert str(project_config) in str(caught.value)


def test_unreadable_config_names_file(project_config: Path, project: Path) -> None:
    project_config.mkdir(parents=True)

    with pytest.raises(ConfigError) as caught:
        load_settings(project)

    assert str(caught.value).startswith(f"Could not read {project_config}")


def test_invalid_servers_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_SERVERS", '[{"url": "http://127.0.0.1:1234/v1",}')

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert str(caught.value).startswith("LOCO_SERVERS is not valid JSON")
    assert "position" in str(caught.value)


def test_servers_json_wrong_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_SERVERS", json.dumps({"url": "http://127.0.0.1:1234/v1"}))

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert "LOCO_SERVERS" in str(caught.value)


def test_servers_json_unknown_field(monkeypatch: pytest.MonkeyPatch) -> None:
    servers = [{"url": "http://127.0.0.1:1234/v1", "modles": {}}]
    monkeypatch.setenv("LOCO_SERVERS", json.dumps(servers))

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert "LOCO_SERVERS" in str(caught.value)
    assert "servers.0.modles" in str(caught.value)


def test_servers_json_read(monkeypatch: pytest.MonkeyPatch) -> None:
    servers = [{"url": "http://127.0.0.1:1234/v1", "models": {"S": "tiny"}}]
    monkeypatch.setenv("LOCO_SERVERS", json.dumps(servers))

    settings = load_settings()

    assert settings.servers[0].models == {ModelSize.S: "tiny"}
    assert settings.origins["servers"] == "LOCO_SERVERS"


def test_for_server_keeps_other_settings(project: Path) -> None:
    settings = load_settings(project, traits={"max_steps": 3})

    copy = settings.for_server("http://127.0.0.1:1234/v1/")

    assert copy.base_url == "http://127.0.0.1:1234/v1"
    assert copy.max_steps == 3
    assert copy.origins["base_url"] == "cell option"


def test_for_server_drops_key_and_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCO_API_KEY", "secret-token")
    monkeypatch.setenv("LOCO_MODEL", "coder:7b")
    monkeypatch.setenv("LOCO_SERVERS", json.dumps([{"url": "http://127.0.0.1:8080/v1"}]))

    copy = load_settings().for_server("http://127.0.0.1:1234/v1")

    assert copy.api_key is None
    assert copy.model is None
    assert copy.servers == []
    assert "api_key" not in copy.origins


def test_for_server_rejects_bad_url() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings().for_server("127.0.0.1:1234")

    assert "--base-url='127.0.0.1:1234'" in str(caught.value)
