"""The ``%loco tools`` subcommand: the tools models can call, with their parameters."""

from __future__ import annotations

from typing import Any

from IPython.display import display

from ...tools import Tool, ToolRegistry
from ..render import Table
from . import subcommand


@subcommand("tools", "list the tools models can call, with their parameters and approval")
def list_tools(magics: Any, args: Any) -> None:
    registry = magics.assistant.registry
    headers = ["tool", "parameters", "approval", "from", "description"]
    rows = [_row(registry, tool) for tool in sorted(registry, key=lambda t: t.name)]
    display(Table(headers, rows, caption=f"{len(rows)} tools"))


def _row(registry: ToolRegistry, tool: Tool) -> list[str]:
    source = registry.source_of(tool.name)
    return [tool.name, parameters(tool), _approval(tool), source, tool.description]


def parameters(tool: Tool) -> str:
    """Return the parameters as ``name: type = default``, optional ones with their default."""
    schema = tool.params_model.model_json_schema()
    required = set(schema.get("required", []))
    shown = []
    for name, field in schema.get("properties", {}).items():
        text = f"{name}: {_type_name(field)}"
        if name not in required:
            text += f" = {field.get('default')!r}"
        shown.append(text)
    return ", ".join(shown) or "(none)"


def _type_name(field: dict[str, Any]) -> str:
    if "enum" in field:
        return " | ".join(repr(value) for value in field["enum"])
    if "anyOf" in field:
        return " | ".join(_type_name(option) for option in field["anyOf"])
    if field.get("type") == "array":
        return f"list[{_type_name(field.get('items', {}))}]"
    if "$ref" in field:
        return str(field["$ref"]).rsplit("/", 1)[-1]
    return str(field.get("type", "any"))


def _approval(tool: Tool) -> str:
    if not tool.needs_approval:
        return "none"
    return "asks each time" if not tool.auto_approvable else "asks (or --yes)"
