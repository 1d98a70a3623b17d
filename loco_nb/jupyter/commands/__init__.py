"""The subcommands of the ``%loco`` line magic, one module per topic.

A topic module defines plain functions and registers each with
:func:`subcommand`. The line magic looks up the first word of the line here
and hands the rest to that command's parser. Importing this package imports
every topic module, so the registry is complete.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

Handler = Callable[[Any, Any], None]
"""Called with the LocoMagics instance and the parsed arguments."""


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    parser: MagicArgumentParser
    handler: Handler


COMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, summary: str, *arguments: tuple[tuple[str, ...], dict[str, Any]]
) -> Callable[[Handler], Handler]:
    """Register a handler as ``%loco NAME``; ``arguments`` are argparse (flags, options) pairs."""

    def register(handler: Handler) -> Handler:
        # IPython's help formatter writes a "%" before prog itself.
        parser = MagicArgumentParser(prog=f"loco {name}", description=summary, add_help=False)
        for flags, options in arguments:
            parser.add_argument(*flags, **options)
        COMMANDS[name] = Subcommand(name, summary, parser, handler)
        return handler

    return register


def arg(*flags: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Return one argument declaration for :func:`subcommand`."""
    return flags, options


def find(name: str) -> Subcommand:
    """Return the subcommand called ``name``, or raise UsageError naming the closest one."""
    command = COMMANDS.get(name.lower())
    if command is not None:
        return command
    close = difflib.get_close_matches(name.lower(), COMMANDS, n=1)
    hint = f" Did you mean %loco {close[0]}?" if close else ""
    msg = f"Unknown command {name!r}.{hint} Commands: {', '.join(sorted(COMMANDS))}."
    raise UsageError(msg)


def overview() -> str:
    """Return the help text listing every subcommand."""
    width = max(len(name) for name in COMMANDS)
    lines = [
        f"  {c.name.ljust(width)}  {c.summary}"
        for c in sorted(COMMANDS.values(), key=lambda c: c.name)
    ]
    return "\n".join(lines)


from . import (  # noqa: E402, F401  (registers the subcommands)
    basics,
    models,
    notebook,
    panel,
    project,
    sessions,
    tools,
)
