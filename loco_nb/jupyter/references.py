"""References in a question: ``{name}``, ``{In[3]}``, ``{Out[3]}`` and ``{error}``.

Only a brace pair that holds exactly such a reference is replaced, and a
``{name}`` only when the user's namespace has that name; everything else
in braces (code, dict literals, comprehensions, JSON) stays as written.
Doubling the braces of a reference writes it literally: ``{{name}}`` becomes
``{name}``. Other doubled braces, such as the ``}}`` that closes a nested
JSON object, stay as written.
"""

from __future__ import annotations

import re
import sys
import traceback
from typing import Any

from IPython.core.error import UsageError

MAX_VALUE_CHARS = 4000

_TARGET = r"In\[-?\d+\]|Out\[-?\d+\]|[A-Za-z_]\w*"
_REFERENCE = re.compile(rf"\{{\{{(?P<escaped>{_TARGET})\}}\}}|\{{(?P<reference>{_TARGET})\}}")


def expand(text: str, namespace: dict[str, Any]) -> str:
    """Return ``text`` with its references replaced by their values.

    Raises UsageError for ``{In[n]}``, ``{Out[n]}`` or ``{error}`` that name
    nothing, because a question built on a missing cell would mislead the model.
    """

    def replace(match: re.Match[str]) -> str:
        escaped = match.group("escaped")
        if escaped is not None:
            return "{" + escaped + "}"
        return _value(match.group("reference"), match.group(0), namespace)

    return _REFERENCE.sub(replace, text)


def last_error_text() -> str | None:
    """Return the traceback of the last exception in the kernel, or None.

    A UsageError is a magic's one-line complaint about its input, not the
    user's code failing, so it never counts as the last error.
    """
    kind = getattr(sys, "last_type", None)
    value = getattr(sys, "last_value", None)
    trace = getattr(sys, "last_traceback", None)
    if kind is None or value is None or issubclass(kind, UsageError):
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
        return _clip(_text_of(namespace[reference], token))
    return token


def _history(reference: str, namespace: dict[str, Any]) -> str:
    kind, number = reference[:-1].split("[")
    index = int(number)
    entries = namespace.get(kind)
    try:
        value = entries[index] if entries is not None else None
    except (IndexError, KeyError):
        value = None
    # In[0] is always empty: IPython numbers cells from 1.
    if value is None or (kind == "In" and value == ""):
        part = "input" if kind == "In" else "output"
        msg = f"{{{reference}}} refers to nothing: cell {index} has no {part}."
        raise UsageError(msg)
    return _clip(_text_of(value, "{" + reference + "}"))


def _text_of(value: Any, token: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return repr(value)
    except Exception as exc:
        # Any user object may define a __repr__ that raises.
        msg = f"Cannot insert {token}: repr() of its value raised {type(exc).__name__}: {exc}"
        raise UsageError(msg) from exc


def _clip(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return text[:MAX_VALUE_CHARS] + f"\n[… {len(text) - MAX_VALUE_CHARS} more characters]"
