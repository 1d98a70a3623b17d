"""References in a question: ``{name}``, ``{In[3]}``, ``{Out[3]}`` and ``{error}``.

Only a brace pair that holds exactly such a reference is replaced, and a
``{name}`` only when the user's namespace has that name; everything else
in braces (code, dict literals, comprehensions, JSON) stays as written.
``{{`` and ``}}`` always become single braces.
"""

from __future__ import annotations

import re
import sys
import traceback
from typing import Any

from IPython.core.error import UsageError

MAX_VALUE_CHARS = 4000

_REFERENCE = re.compile(r"\{\{|\}\}|\{(In\[-?\d+\]|Out\[-?\d+\]|error|[A-Za-z_]\w*)\}")


def expand(text: str, namespace: dict[str, Any]) -> str:
    """Return ``text`` with its references replaced by their values.

    Raises UsageError for ``{In[n]}``, ``{Out[n]}`` or ``{error}`` that name
    nothing, because a question built on a missing cell would mislead the model.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return _value(match.group(1), token, namespace)

    return _REFERENCE.sub(replace, text)


def last_error_text() -> str | None:
    """Return the traceback of the last exception in the kernel, or None."""
    kind = getattr(sys, "last_type", None)
    value = getattr(sys, "last_value", None)
    trace = getattr(sys, "last_traceback", None)
    if kind is None or value is None:
        return None
    return "".join(traceback.format_exception(kind, value, trace))


def _value(reference: str, token: str, namespace: dict[str, Any]) -> str:
    if reference == "error":
        text = last_error_text()
        if text is None:
            msg = "{error} refers to the last exception, but none has been raised in this kernel."
            raise UsageError(msg)
        return _clip(text)

    if reference.startswith(("In[", "Out[")):
        return _history(reference, namespace)

    if reference in namespace:
        value = namespace[reference]
        return _clip(value if isinstance(value, str) else repr(value))
    return token


def _history(reference: str, namespace: dict[str, Any]) -> str:
    kind, number = reference[:-1].split("[")
    index = int(number)
    entries = namespace.get(kind)
    try:
        value = entries[index] if entries is not None else None
    except (IndexError, KeyError):
        value = None
    if value is None:
        part = "input" if kind == "In" else "output"
        msg = f"{{{reference}}} refers to nothing: cell {index} has no {part}."
        raise UsageError(msg)
    return _clip(value if isinstance(value, str) else repr(value))


def _clip(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return text[:MAX_VALUE_CHARS] + f"\n[… {len(text) - MAX_VALUE_CHARS} more characters]"
