"""Parse a file's new text with the parser its format has, to catch an edit that breaks it.

Python goes through :func:`ast.parse`, JSON through :mod:`json`, TOML through
:mod:`tomllib` (or ``tomli`` before Python 3.11), notebooks through
nbformat's reader and validator, and YAML through PyYAML when it is
installed. Other formats are not checked.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any


def syntax_error(name: str, text: str) -> str | None:
    """Return the parser's message for ``text`` as the file ``name``, or None if it parses.

    None also means that no parser is at hand for the format.
    """
    checker = _CHECKERS.get(PurePosixPath(name).suffix.lower())
    if checker is None:
        return None
    return checker(text)


def format_name(name: str) -> str | None:
    """Return the name of the format that :func:`syntax_error` checks ``name`` as, if any."""
    suffix = PurePosixPath(name).suffix.lower()
    return _FORMAT_NAMES.get(suffix) if suffix in _CHECKERS else None


def _python(text: str) -> str | None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except ValueError as exc:
        # ast.parse raises ValueError for source containing NUL bytes.
        return str(exc)
    return None


def _json(text: str) -> str | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    return None


def _toml_loads() -> Callable[[str], Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads
    try:
        import tomli
    except ImportError:
        return None
    loads: Callable[[str], Any] = tomli.loads
    return loads


def _toml(text: str) -> str | None:
    loads = _toml_loads()
    if loads is None:
        return None
    try:
        loads(text)
    except ValueError as exc:
        # tomllib.TOMLDecodeError derives from ValueError.
        return str(exc)
    return None


def _yaml(text: str) -> str | None:
    try:
        import yaml
    except ImportError:
        return None
    try:
        for _ in yaml.safe_load_all(text):
            pass
    except yaml.YAMLError as exc:
        return " ".join(str(exc).split())
    return None


def _notebook(text: str) -> str | None:
    import nbformat

    # nbformat has no type hints.
    reads: Callable[..., Any] = nbformat.reads
    validate: Callable[[Any], None] = nbformat.validate
    try:
        validate(reads(text, as_version=4))
    except nbformat.ValidationError as exc:
        return f"not a valid notebook: {exc.message}"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # nbformat.reads raises these for JSON that is not a notebook at all.
        return f"not a valid notebook: {exc}"
    return None


_CHECKERS: dict[str, Callable[[str], str | None]] = {
    ".py": _python,
    ".pyi": _python,
    ".json": _json,
    ".toml": _toml,
    ".yaml": _yaml,
    ".yml": _yaml,
    ".ipynb": _notebook,
}

_FORMAT_NAMES = {
    ".py": "Python",
    ".pyi": "Python",
    ".json": "JSON",
    ".toml": "TOML",
    ".yaml": "YAML",
    ".yml": "YAML",
    ".ipynb": "notebook",
}
