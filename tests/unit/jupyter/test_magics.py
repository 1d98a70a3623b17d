"""Unit tests of loco_nb.jupyter.magics that need no kernel."""

from __future__ import annotations

from typing import Any, cast

from loco_nb.agent.prompts import ANSWER_FORMATS
from loco_nb.jupyter.magics import ANSWER_FORMAT_NAMES, LocoMagics


def test_format_choices_match_prompts() -> None:
    assert tuple(ANSWER_FORMATS) == ANSWER_FORMAT_NAMES


def test_line_help_lists_commands() -> None:
    from loco_nb.jupyter.commands import COMMANDS

    text: str = cast(Any, LocoMagics.loco_line).getdoc()

    for name in COMMANDS:
        assert f"  {name} " in text, name
