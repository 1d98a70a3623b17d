"""inspect_variable: a short summary of a value in the notebook's namespace.

The summary gives the type, and where they exist the length, the shape and
dtype of an array, and the columns and first rows of a pandas DataFrame,
all truncated. pandas and numpy are recognised by their attributes and are
never imported here. Only attribute lookups run, never calls chosen by the
model, although a property may run code of its own.
"""

from __future__ import annotations

import contextlib
import reprlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ToolError
from ..models import ToolResult
from .notebook import NotebookTool
from .registry import ToolContext

MAX_REPR_CHARS = 2_000
MAX_COLUMNS = 50
HEAD_ROWS = 5

_REPR = reprlib.Repr()
_REPR.maxstring = 200
_REPR.maxother = 200
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 20


class InspectVariableParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Variable name, or a dotted attribute path such as 'df.columns'.")


class InspectVariable(NotebookTool):
    name = "inspect_variable"
    description = "Summarise a variable of the notebook: type, size, columns and first rows."
    params_model = InspectVariableParams

    def run(self, params: InspectVariableParams, context: ToolContext) -> ToolResult:
        namespace = self.shell_provider().user_ns
        value = _lookup(namespace, params.name)
        summary = summarize(value)

        lines = [f"=== {params.name}: {summary['type']} ==="]
        sizes = [key for key in ("length", "shape", "dtype") if key in summary]
        lines += [f"{key}: {summary[key]}" for key in sizes]
        if "columns" in summary:
            columns = ", ".join(f"{name} ({dtype})" for name, dtype in summary["columns"])
            lines.append(f"columns: {columns}")
        lines.append(summary["preview"])
        return ToolResult(
            name=self.name,
            params=params.model_dump(),
            content="\n".join(lines),
            kind="variable",
            data={"name": params.name, **summary},
        )


def summarize(value: Any) -> dict[str, Any]:
    """Return the type, sizes and a truncated preview of ``value`` as JSON-ready data."""
    kind = type(value)
    summary: dict[str, Any] = {"type": f"{kind.__module__}.{kind.__qualname__}"}
    if _is_dataframe(value):
        summary.update(_frame(value))
        return summary

    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        summary["shape"] = list(shape)
        summary["dtype"] = str(getattr(value, "dtype", ""))
    with contextlib.suppress(TypeError):
        summary["length"] = len(value)
    summary["preview"] = _clip(_safe_repr(value))
    return summary


def _lookup(namespace: dict[str, Any], name: str) -> Any:
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        msg = f"{name!r} is not a variable name; give a name such as 'df' or 'model.config'."
        raise ToolError(msg)
    if parts[0] not in namespace:
        known = ", ".join(sorted(n for n in namespace if not n.startswith("_"))[:30])
        msg = f"There is no variable {parts[0]!r} in the notebook; variables: {known or '(none)'}."
        raise ToolError(msg)

    value = namespace[parts[0]]
    for depth, part in enumerate(parts[1:], 2):
        try:
            value = getattr(value, part)
        except Exception as exc:
            # A property can raise anything; the model gets the error as text.
            prefix = ".".join(parts[:depth])
            msg = f"Reading {prefix} failed: {type(exc).__name__}: {exc}"
            raise ToolError(msg) from exc
    return value


def _is_dataframe(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith("pandas") and all(
        hasattr(value, attribute) for attribute in ("columns", "dtypes", "head", "shape")
    )


def _frame(frame: Any) -> dict[str, Any]:
    columns = [[str(name), str(dtype)] for name, dtype in list(frame.dtypes.items())[:MAX_COLUMNS]]
    try:
        head = frame.head(HEAD_ROWS).to_string(max_cols=20, max_colwidth=40)
    except Exception as exc:  # a broken frame still gets its other fields
        head = f"(head() failed: {type(exc).__name__}: {exc})"
    return {
        "shape": list(frame.shape),
        "length": int(frame.shape[0]),
        "columns": columns,
        "preview": _clip(head),
    }


def _safe_repr(value: Any) -> str:
    try:
        return _REPR.repr(value)
    except Exception as exc:  # a __repr__ can raise anything
        return f"(repr failed: {type(exc).__name__}: {exc})"


def _clip(text: str) -> str:
    if len(text) <= MAX_REPR_CHARS:
        return text
    return text[:MAX_REPR_CHARS] + f"\n[… {len(text) - MAX_REPR_CHARS} more characters]"
