"""Tech stack and entry points read from a project's manifest files.

Only manifests in the project root or one folder below it are read, so a
vendored or test-fixture project deeper down does not change the result.
An unreadable manifest is skipped and logged, since the rest still tells a lot.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

logger = logging.getLogger("loco_nb")

MAX_MANIFEST_DEPTH = 1

# Libraries worth naming in a tech stack, by the name their registry uses.
PYTHON_FRAMEWORKS = {
    "django", "flask", "fastapi", "starlette", "pydantic", "sqlalchemy", "numpy", "pandas",
    "polars", "scipy", "torch", "tensorflow", "jax", "scikit-learn", "jupyterlab", "notebook",
    "ipython", "ipywidgets", "httpx", "requests", "aiohttp", "pytest", "click", "typer",
    "streamlit", "celery",
}  # fmt: skip
JS_FRAMEWORKS = {
    "react": "react", "vue": "vue", "next": "next.js", "svelte": "svelte",
    "@angular/core": "angular", "express": "express", "electron": "electron", "vite": "vite",
    "jest": "jest", "typescript": "typescript",
}  # fmt: skip

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_MAIN_CLASS = re.compile(r"<mainClass>\s*([\w.$]+)\s*</mainClass>")


@dataclass
class ManifestFacts:
    """Facts from the manifests: languages and frameworks, entry points, the manifests read."""

    tech_stack: list[str] = field(default_factory=list)
    entry_points: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)

    def add(self, stack: list[str], entry_points: list[str]) -> None:
        self.tech_stack.extend(s for s in stack if s not in self.tech_stack)
        self.entry_points.extend(e for e in entry_points if e not in self.entry_points)


Reader = Callable[[Path, str, list[str]], tuple[list[str], list[str]]]


def read_manifests(root: Path, files: list[str]) -> ManifestFacts:
    """Read every known manifest among ``files`` (paths relative to ``root``)."""
    facts = ManifestFacts()
    # Root manifests first, so they lead the tech stack and the key files.
    for name in sorted(files, key=lambda f: (f.count("/"), f)):
        path = PurePosixPath(name)
        reader = _READERS.get(path.name)
        if reader is None or len(path.parts) - 1 > MAX_MANIFEST_DEPTH:
            continue
        try:
            stack, entry_points = reader(root / name, name, files)
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            logger.info("skipped the manifest %s: %s", root / name, exc)
            continue
        facts.manifests.append(name)
        facts.add(stack, entry_points)

    facts.add([], _python_modules(files))
    return facts


def _pyproject(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})

    requirements = [*project.get("dependencies", []), *poetry.get("dependencies", {})]
    stack = ["python", *_known(_requirement_names(requirements), PYTHON_FRAMEWORKS)]

    scripts = {**poetry.get("scripts", {}), **project.get("gui-scripts", {})}
    scripts.update(project.get("scripts", {}))
    return stack, [f"{script} = {target}" for script, target in scripts.items()]


def _requirements(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    wanted = [line for line in lines if line.strip() and not line.lstrip().startswith(("#", "-"))]
    return ["python", *_known(_requirement_names(wanted), PYTHON_FRAMEWORKS)], []


def _setup_script(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    return ["python"], []


def _package_json(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    dependencies = {**data.get("devDependencies", {}), **data.get("dependencies", {})}
    typed = "typescript" in dependencies or _sibling(name, "tsconfig.json") in files
    stack = ["typescript" if typed else "javascript", "node.js"]
    stack.extend(label for package, label in JS_FRAMEWORKS.items() if package in dependencies)

    entry_points = [f"{data['main']} (package.json main)"] if data.get("main") else []
    binaries = data.get("bin", {})
    if isinstance(binaries, str):
        binaries = {data.get("name", "bin"): binaries}
    entry_points.extend(f"{command} = {target}" for command, target in binaries.items())
    start = data.get("scripts", {}).get("start")
    if start:
        entry_points.append(f"npm start = {start}")
    return stack, entry_points


def _go_mod(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    return ["go"], [f for f in files if PurePosixPath(f).name == "main.go"]


def _cargo(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entry_points = [
        f"{binary.get('name', '?')} = {binary.get('path', '')}".rstrip(" =")
        for binary in data.get("bin", [])
    ]
    main = _sibling(name, "src/main.rs")
    if main in files:
        entry_points.append(main)
    return ["rust"], entry_points


def _pom(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    found = _MAIN_CLASS.findall(path.read_text(encoding="utf-8"))
    return ["java", "maven"], [f"{main_class} (pom.xml mainClass)" for main_class in found]


def _gradle(path: Path, name: str, files: list[str]) -> tuple[list[str], list[str]]:
    language = "kotlin" if name.endswith(".kts") else "java"
    return [language, "gradle"], []


def _python_modules(files: list[str]) -> list[str]:
    """Return ``python -m`` commands for packages with a ``__main__.py``, and root scripts."""
    entry_points = []
    for name in files:
        path = PurePosixPath(name)
        if path.name == "__main__.py" and len(path.parts) > 1:
            entry_points.append("python -m " + ".".join(path.parts[:-1]))
        elif len(path.parts) == 1 and path.name in ("main.py", "app.py", "manage.py"):
            entry_points.append(path.name)
    return entry_points


def _requirement_names(requirements: list[str]) -> list[str]:
    names = []
    for requirement in requirements:
        found = _REQUIREMENT_NAME.match(requirement)
        if found:
            names.append(found.group(1).lower().replace("_", "-"))
    return names


def _known(names: list[str], known: set[str]) -> list[str]:
    return [name for name in names if name in known]


def _sibling(manifest: str, name: str) -> str:
    return str(PurePosixPath(manifest).parent / name).removeprefix("./")


_READERS: dict[str, Reader] = {
    "pyproject.toml": _pyproject,
    "setup.py": _setup_script,
    "setup.cfg": _setup_script,
    "requirements.txt": _requirements,
    "package.json": _package_json,
    "go.mod": _go_mod,
    "Cargo.toml": _cargo,
    "pom.xml": _pom,
    "build.gradle": _gradle,
    "build.gradle.kts": _gradle,
}
