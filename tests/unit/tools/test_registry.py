"""Unit tests of loco_nb.tools.registry: call validation and the decision schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from loco_nb.errors import ToolError
from loco_nb.models import ToolCall, ToolResult
from loco_nb.tools import ANSWER, Tool, ToolContext, ToolRegistry, default_registry
from loco_nb.tools.files import ReadFileParams

SIGNATURE = "read_file(path, start_line?, num_lines?)"


class EchoParams(BaseModel):
    text: str


class Echo(Tool):
    name = "echo"
    description = "Repeat the text."
    params_model = EchoParams

    def run(self, params: Any, context: ToolContext) -> ToolResult:
        return ToolResult(name=self.name, content=params.text)


@pytest.fixture
def registry() -> ToolRegistry:
    return default_registry(plugins=False, notebook=False)


@pytest.fixture
def context(tmp_path: Path) -> ToolContext:
    return ToolContext(root=tmp_path, file_choices=["main.py", "util.py"])


def _options_by_name(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {option["properties"]["name"]["const"]: option for option in schema["anyOf"]}


# validate


def test_validate_returns_params_model(registry: ToolRegistry) -> None:
    params = registry.validate(ToolCall(name="read_file", params={"path": "main.py"}))

    assert isinstance(params, ReadFileParams)
    assert params.path == "main.py"
    assert params.start_line == 1


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "path"),
        ({"path": "a.py", "start_line": 0}, "start_line"),
        ({"path": "a.py", "num_lines": "many"}, "num_lines"),
        ({"path": "a.py", "colour": "red"}, "colour"),
        ({"path": ["a.py"]}, "path"),
    ],
)
def test_validate_names_parameter(
    registry: ToolRegistry, params: dict[str, Any], named: str
) -> None:
    with pytest.raises(ToolError) as caught:
        registry.validate(ToolCall(name="read_file", params=params))

    assert f"{named}:" in str(caught.value)


def test_validate_shows_signature(registry: ToolRegistry) -> None:
    with pytest.raises(ToolError) as caught:
        registry.validate(ToolCall(name="read_file", params={}))

    assert f"Expected: {SIGNATURE}" in str(caught.value)
    assert "Invalid parameters for read_file" in str(caught.value)


def test_validate_lists_every_problem(registry: ToolRegistry) -> None:
    with pytest.raises(ToolError) as caught:
        registry.validate(ToolCall(name="write_file", params={"colour": "red"}))

    message = str(caught.value)
    assert "path:" in message
    assert "content:" in message
    assert "colour:" in message


def test_validate_unknown_tool(registry: ToolRegistry) -> None:
    with pytest.raises(ToolError) as caught:
        registry.validate(ToolCall(name="run_shell", params={}))

    assert "'run_shell'" in str(caught.value)
    assert "list_files, read_file, run_command, search_files, write_file" in str(caught.value)


def test_get_unknown_has_no_cause(registry: ToolRegistry) -> None:
    with pytest.raises(ToolError) as caught:
        registry.get("nope")

    assert caught.value.__cause__ is None


# registration


def test_register_duplicate_rejected(registry: ToolRegistry) -> None:
    with pytest.raises(ValueError, match="read_file"):
        registry.register(default_registry().get("read_file"))


def test_register_answer_name_rejected() -> None:
    class Answer(Echo):
        name = ANSWER

    with pytest.raises(ValueError, match="answer"):
        ToolRegistry([Answer()])


def test_registry_iterates_and_contains() -> None:
    registry = ToolRegistry([Echo()])

    assert "echo" in registry
    assert "read_file" not in registry
    assert [tool.name for tool in registry] == ["echo"]


def test_describe_marks_optional() -> None:
    assert default_registry().get("read_file").describe().startswith(SIGNATURE)


def test_openai_spec_shape() -> None:
    spec = Echo().openai_spec()

    assert spec["type"] == "function"
    assert spec["function"]["name"] == "echo"
    assert spec["function"]["parameters"]["required"] == ["text"]


# decision_schema


def test_schema_has_every_tool(registry: ToolRegistry, context: ToolContext) -> None:
    options = _options_by_name(registry.decision_schema(context))

    assert set(options) == {
        "read_file", "list_files", "search_files", "write_file", "edit_file", "delete_file",
        "run_command", ANSWER,
    }  # fmt: skip


def test_schema_answer_option(registry: ToolRegistry, context: ToolContext) -> None:
    answer = _options_by_name(registry.decision_schema(context))[ANSWER]

    assert answer["required"] == ["name"]
    assert answer["additionalProperties"] is False
    assert set(answer["properties"]) == {"name"}


def test_schema_read_file_enum(registry: ToolRegistry, context: ToolContext) -> None:
    read_file = _options_by_name(registry.decision_schema(context))["read_file"]

    path_schema = read_file["properties"]["params"]["properties"]["path"]
    assert path_schema == {"enum": ["main.py", "util.py"]}


def test_schema_without_choices_is_string(registry: ToolRegistry, tmp_path: Path) -> None:
    read_file = _options_by_name(registry.decision_schema(ToolContext(root=tmp_path)))["read_file"]

    path_schema = read_file["properties"]["params"]["properties"]["path"]
    assert "enum" not in path_schema
    assert path_schema["type"] == "string"


def test_schema_choices_not_leaked(registry: ToolRegistry, context: ToolContext) -> None:
    registry.decision_schema(context)

    read_file = _options_by_name(registry.decision_schema(ToolContext(root=context.root)))
    path_schema = read_file["read_file"]["properties"]["params"]["properties"]["path"]
    assert "enum" not in path_schema


def test_schema_write_file_free_path(registry: ToolRegistry, context: ToolContext) -> None:
    # A new file is not among the existing ones, so write_file's path has no enum.
    write_file = _options_by_name(registry.decision_schema(context))["write_file"]

    assert "enum" not in write_file["properties"]["params"]["properties"]["path"]


def test_schema_tool_options_strict(registry: ToolRegistry, context: ToolContext) -> None:
    for name, option in _options_by_name(registry.decision_schema(context)).items():
        if name == ANSWER:
            continue
        assert option["required"] == ["name", "params"]
        assert option["additionalProperties"] is False
        assert option["properties"]["params"]["additionalProperties"] is False
