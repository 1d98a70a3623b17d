"""Unit tests of loco_nb.tools.plugins with a real package installed in a temporary folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from loco_nb.tools import default_registry
from loco_nb.tools.plugins import load_plugins
from loco_nb.tools.registry import ToolContext

PLUGIN = """
from pydantic import BaseModel
from loco_nb.models import ToolResult
from loco_nb.tools import Tool


class WordCountParams(BaseModel):
    text: str


class WordCount(Tool):
    name = "word_count"
    description = "Count the words of a text."
    params_model = WordCountParams

    def run(self, params, context):
        return ToolResult(name=self.name, content=str(len(params.text.split())))


class ReadFileAgain(WordCount):
    name = "read_file"


def make_tools():
    return [ReadFileAgain()]


not_a_tool = 42
"""

ENTRY_POINTS = """[loco_nb.tools]
word_count = loco_test_plugin:WordCount
broken = loco_test_broken:Thing
wrong = loco_test_plugin:not_a_tool
clash = loco_test_plugin:make_tools
"""


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the plugin package as pip would: the module and a dist-info folder on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "loco_test_plugin.py").write_text(PLUGIN)
    (site / "loco_test_broken.py").write_text("raise RuntimeError('this plugin is broken')\n")
    dist_info = site / "loco_test_plugin-1.2.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: loco-test-plugin\nVersion: 1.2\n"
    )
    (dist_info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    return site


def test_plugin_tool_loaded(installed: Path) -> None:
    plugins = {plugin.tool.name: plugin for plugin in load_plugins()}

    assert plugins["word_count"].source == "loco-test-plugin 1.2"
    assert set(plugins) == {"word_count", "read_file"}


def test_broken_plugins_logged_and_skipped(
    installed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="loco_nb"):
        load_plugins()

    messages = [record.getMessage() for record in caplog.records]
    assert any("loco_test_broken:Thing" in m and "this plugin is broken" in m for m in messages)
    assert any(
        "loco_test_plugin:not_a_tool" in m and "not a loco_nb.tools.Tool" in m for m in messages
    )


def test_registry_includes_plugin(installed: Path, tmp_path: Path) -> None:
    registry = default_registry(notebook=False)

    tool = registry.get("word_count")
    result = tool.run(tool.params_model(text="one two three"), ToolContext(root=tmp_path))
    assert result.content == "3"
    assert registry.source_of("word_count") == "loco-test-plugin 1.2"
    assert registry.source_of("read_file") == "built-in"


def test_name_clash_keeps_builtin(installed: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="loco_nb"):
        registry = default_registry(notebook=False)

    assert type(registry.get("read_file")).__module__ == "loco_nb.tools.files"
    assert any("skipped the tool read_file" in r.getMessage() for r in caplog.records)


def test_plugins_can_be_left_out(installed: Path) -> None:
    assert "word_count" not in default_registry(plugins=False, notebook=False)
