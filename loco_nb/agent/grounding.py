"""Notes that keep small models honest about the files a request names.

Constrained replies limit read_file to the project's real files, so a model
asked for ``missing.py`` or ``../../etc/passwd`` cannot even try the path and
tends to read another file and answer about that one instead. A note added
to the request states which named paths do not exist or lie outside the
project, so the answer can say so.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import PathOutsideProject, ToolError
from ..tools.paths import resolve_inside

# Extensions of files people name in questions; a bare "e.g" or "v2.5" is not a path.
_EXTENSIONS = (
    "py|pyi|ipynb|js|jsx|ts|tsx|json|toml|yaml|yml|md|rst|txt|csv|tsv|cfg|ini|sh|rs|go|java|"
    "kt|c|h|cc|cpp|hpp|rb|php|html|css|scss|sql|xml|lock|env|r|jl|swift|dart|vue|svelte"
)
_PATH = re.compile(
    rf"(?<![\w/.~-])((?:~|\.{{1,2}})?/[\w./-]+|[\w.-]+(?:/[\w.-]+)*\.(?:{_EXTENSIONS}))(?![\w/-])",
    re.IGNORECASE,
)


def path_notes(request: str, root: Path) -> list[str]:
    """Return one note per path named in ``request`` that is missing or outside the project."""
    notes = []
    for token in dict.fromkeys(match.group(1).rstrip(".") for match in _PATH.finditer(request)):
        try:
            resolved = resolve_inside(root, token)
        except PathOutsideProject:
            notes.append(f"{token!r} is outside the project, so loco_nb cannot read it.")
            continue
        except ToolError:
            continue
        if not resolved.exists():
            notes.append(f"{token!r} does not exist in the project yet.")
    return notes
