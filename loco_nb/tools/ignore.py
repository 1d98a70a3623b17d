"""The patterns of one .gitignore file, matched fast enough for trees of 50,000 files.

Git's rule is that the last pattern matching a path decides, and a leading
``!`` re-includes. Matching every pattern's regular expression against every
path costs patterns × files, so the patterns that are plain names (``build``),
suffixes (``*.pyc``) or plain paths (``/dist``) go into dictionaries, and
only the others are tried as regular expressions (pathspec's translation of
gitignore syntax), newest first, stopping below the best index found. A
pattern with a wildcard-free component (``**/cache/*.tmp``) is tried only on
paths that have that component.

Paths are relative to the folder of the .gitignore, with ``/`` separators.
A directory is ignored with everything in it: as in git, a file inside an
ignored directory cannot be re-included, so walkers skip such directories.
"""

from __future__ import annotations

import re
from pathlib import Path

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

_WILDCARDS = frozenset("*?[\\")

# (index, include) of the last pattern that matched, or None.
Verdict = tuple[int, bool] | None
Generic = tuple[int, bool, "re.Pattern[str]"]


class IgnoreRules:
    """The compiled patterns of one .gitignore file."""

    def __init__(self, lines: list[str]) -> None:
        # Plain patterns, each table for files and for folders: by name, by path,
        # by a suffix that starts with a dot, by any other suffix.
        self._files = _Tables()
        self._folders = _Tables()
        # Regular-expression patterns: those any path may match, and those indexed
        # by a component a matching path must have.
        self._anywhere: list[Generic] = []
        self._by_component: dict[str, list[Generic]] = {}
        self._by_folder: dict[str, list[Generic]] = {}
        for index, line in enumerate(lines):
            self._add(index, line)
        self._folders.merge(self._files)

    def __bool__(self) -> bool:
        return bool(self._files or self._folders or self._anywhere or self._by_component)

    @classmethod
    def load(cls, path: Path) -> IgnoreRules | None:
        """Read a .gitignore file; None when it cannot be read."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return cls(text.splitlines())

    def ignored(self, path: str, name: str, *, is_dir: bool) -> bool | None:
        """Return True if ``path`` is ignored, False if re-included, None if no pattern matches.

        ``name`` is the last component of ``path``.
        """
        best = self._lookup(path, name, is_dir=is_dir)
        candidates = self._candidates(path[: len(path) - len(name)])
        own = self._by_component.get(name)
        if own:
            candidates = sorted([*candidates, *own], reverse=True)

        target = path + "/" if is_dir else path
        floor = best[0] if best else -1
        for index, include, regex in candidates:
            if index <= floor:
                break
            if regex.match(target):
                best = (index, include)
                break
        return None if best is None else best[1]

    def _candidates(self, folder: str) -> list[Generic]:
        """Return the patterns a path in ``folder`` (``a/b/``) may match, newest first."""
        found = self._by_folder.get(folder)
        if found is None:
            found = list(self._anywhere)
            for component in folder.split("/"):
                found.extend(self._by_component.get(component, ()))
            found.sort(reverse=True)
            self._by_folder[folder] = found
        return found

    def _lookup(self, path: str, name: str, *, is_dir: bool) -> Verdict:
        tables = self._folders if is_dir else self._files
        best = _newer(tables.names.get(name), tables.paths.get(path))
        dot = name.find(".")
        while dot != -1:
            best = _newer(best, tables.dot_suffixes.get(name[dot:]))
            dot = name.find(".", dot + 1)
        for length in tables.lengths:
            if length <= len(name):
                best = _newer(best, tables.suffixes.get(name[-length:]))
        return best

    def _add(self, index: int, line: str) -> None:
        pattern = GitIgnoreSpecPattern(line)
        if pattern.include is None or pattern.regex is None:
            return  # a blank line or a comment

        body = line.rstrip()
        negated = body.startswith("!")
        body = body[1:] if negated else body
        dir_only = body.endswith("/")
        body = body.rstrip("/")
        verdict = (index, not negated)
        tables = self._folders if dir_only else self._files

        wild = bool(_WILDCARDS.intersection(body))
        if "/" in body.lstrip("/") or body.startswith("/"):
            if wild:
                self._add_generic((index, not negated, pattern.regex), body)
            else:
                tables.paths[body.lstrip("/")] = verdict
        elif not wild:
            tables.names[body] = verdict
        elif len(body) > 1 and body[0] == "*" and not _WILDCARDS.intersection(body[1:]):
            tables.add_suffix(body[1:], verdict)
        else:
            self._add_generic((index, not negated, pattern.regex), body)

    def _add_generic(self, generic: Generic, body: str) -> None:
        literal = [
            part for part in body.split("/") if part and not _WILDCARDS.intersection(part)
        ]
        if literal:
            self._by_component.setdefault(max(literal, key=len), []).append(generic)
        else:
            self._anywhere.append(generic)


class _Tables:
    """Plain patterns by name, by path and by suffix, each with its (index, include)."""

    def __init__(self) -> None:
        self.names: dict[str, tuple[int, bool]] = {}
        self.paths: dict[str, tuple[int, bool]] = {}
        self.dot_suffixes: dict[str, tuple[int, bool]] = {}
        self.suffixes: dict[str, tuple[int, bool]] = {}
        self.lengths: list[int] = []

    def __bool__(self) -> bool:
        return bool(self.names or self.paths or self.dot_suffixes or self.suffixes)

    def add_suffix(self, suffix: str, verdict: tuple[int, bool]) -> None:
        if suffix.startswith(".") and "." not in suffix[1:]:
            self.dot_suffixes[suffix] = verdict
            return
        self.suffixes[suffix] = verdict
        if len(suffix) not in self.lengths:
            self.lengths.append(len(suffix))

    def merge(self, other: _Tables) -> None:
        """Add ``other``'s patterns where they are newer: folders match file patterns too."""
        for mine, theirs in (
            (self.names, other.names),
            (self.paths, other.paths),
            (self.dot_suffixes, other.dot_suffixes),
            (self.suffixes, other.suffixes),
        ):
            for text, verdict in theirs.items():
                found = _newer(mine.get(text), verdict)
                if found is not None:
                    mine[text] = found
        self.lengths.extend(n for n in other.lengths if n not in self.lengths)


def _newer(first: Verdict, second: Verdict) -> Verdict:
    if first is None:
        return second
    if second is None or first[0] > second[0]:
        return first
    return second
