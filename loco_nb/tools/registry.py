"""The tool contract and the registry that validates calls against it.

Each tool declares its parameters once, as a pydantic model. From that model
come the validation of a call, the JSON schema used to constrain a model's
reply, and the OpenAI ``tools`` entry.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from ..errors import ToolError
from ..models import ToolCall, ToolResult

logger = logging.getLogger("loco_nb")

# The pseudo-tool a model picks, in a constrained reply, when it is ready to answer.
ANSWER = "answer"
BUILT_IN = "built-in"


# How many recently read or changed files the edit_file schema offers anchors for.
MAX_RECENT_FILES = 3


@dataclass
class ToolContext:
    """The project and state a tool may use while it runs.

    ``recent_files`` are the files the task read or changed, newest last;
    tools whose schema depends on a file's lines (edit_file's anchors) offer
    those files. ``trash_dir`` is where delete_file moves files.
    """

    root: Path
    file_choices: list[str] = field(default_factory=list)
    recent_files: list[str] = field(default_factory=list)
    trash_dir: Path | None = None

    def remember(self, path: str) -> None:
        """Record that the task read or changed ``path`` (relative to the root)."""
        if path in self.recent_files:
            self.recent_files.remove(path)
        self.recent_files.append(path)
        del self.recent_files[:-MAX_RECENT_FILES]


class Tool(ABC):
    """A capability a model can call by name."""

    name: ClassVar[str]
    description: ClassVar[str]
    params_model: ClassVar[type[BaseModel]]
    needs_approval: ClassVar[bool] = False
    # False for tools that ask the user every time, even with auto-approve on (run_command).
    auto_approvable: ClassVar[bool] = True

    @abstractmethod
    def run(self, params: Any, context: ToolContext) -> ToolResult:
        """Execute the call; raise :class:`ToolError` with a message the model can act on."""

    def preview(self, params: Any, context: ToolContext) -> str:
        """Return what the call would do, for the user who approves it (a diff, a command).

        Raises :class:`ToolError` when the call cannot succeed, so it fails
        without asking the user first.
        """
        return ""

    def approval_key(self, params: Any) -> str:
        """Return what "always for this session" allows: by default every call of this tool."""
        return self.name

    def params_schema(self, context: ToolContext) -> dict[str, Any]:
        """Return the JSON schema of the parameters, narrowed to this project if useful."""
        return self.params_model.model_json_schema()

    def describe(self) -> str:
        fields = ", ".join(
            f"{name}{'' if info.is_required() else '?'}"
            for name, info in self.params_model.model_fields.items()
        )
        return f"{self.name}({fields}): {self.description}"

    def openai_spec(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.params_model.model_json_schema(),
            },
        }


class ToolRegistry:
    """The tools offered to models, by name."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._sources: dict[str, str] = {}
        for tool in tools or []:
            self.register(tool)

    def register(self, tool: Tool, source: str = BUILT_IN) -> None:
        """Add ``tool``; ``source`` names the package it came from, for ``%loco tools``."""
        if tool.name == ANSWER or tool.name in self._tools:
            msg = f"A tool named {tool.name!r} is already registered."
            raise ValueError(msg)
        self._tools[tool.name] = tool
        self._sources[tool.name] = source

    def source_of(self, name: str) -> str:
        return self._sources[self.get(name).name]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Any:
        return iter(self._tools.values())

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(sorted(self._tools))
            msg = f"There is no tool {name!r}; the tools are: {known}."
            raise ToolError(msg) from None

    def validate(self, call: ToolCall) -> BaseModel:
        """Return the call's parameters as the tool's model, or raise a precise ToolError."""
        tool = self.get(call.name)
        try:
            return tool.params_model.model_validate(call.params)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
                for err in exc.errors()
            )
            msg = f"Invalid parameters for {call.name}: {problems}. Expected: {tool.describe()}"
            raise ToolError(msg) from exc

    def decision_schema(self, context: ToolContext) -> dict[str, Any]:
        """Return the schema of a constrained reply: one tool call, or the answer marker."""
        options = [
            {
                "type": "object",
                "properties": {
                    "name": {"const": tool.name},
                    "params": tool.params_schema(context),
                },
                "required": ["name", "params"],
                "additionalProperties": False,
            }
            for tool in self._tools.values()
        ]
        options.append(
            {
                "type": "object",
                "properties": {"name": {"const": ANSWER}},
                "required": ["name"],
                "additionalProperties": False,
            }
        )
        return {"anyOf": options}
