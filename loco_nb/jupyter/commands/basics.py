"""The help subcommand."""

from __future__ import annotations

from typing import Any

from . import COMMANDS, arg, find, overview, subcommand


@subcommand("help", "show this help, or one command's options", arg("command", nargs="?"))
def show_help(magics: Any, args: Any) -> None:
    if args.command:
        print(find(args.command).parser.format_help())  # noqa: T201
        return
    print(f"%loco COMMAND [options]\n\n{overview()}\n\n%loco help COMMAND shows its options.")  # noqa: T201
    print("Ask questions in a %%loco cell; %%loco? lists its options.")  # noqa: T201


__all__ = ["COMMANDS"]
