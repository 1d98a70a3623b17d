"""Unit tests of loco_nb.agent.manifests: tech stack and entry points from manifest files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loco_nb.agent.manifests import read_manifests


def project_with(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(files)


PYPROJECT = """
[project]
name = "demo"
dependencies = ["Django>=5", "requests", "tomli; python_version < '3.11'"]

[project.scripts]
demo = "demo.cli:main"

[project.gui-scripts]
demo-gui = "demo.gui:run"
"""


def test_pyproject_stack(tmp_path: Path) -> None:
    files = project_with(tmp_path, {"pyproject.toml": PYPROJECT})

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack == ["python", "django", "requests"]
    assert facts.manifests == ["pyproject.toml"]


def test_pyproject_scripts(tmp_path: Path) -> None:
    files = project_with(tmp_path, {"pyproject.toml": PYPROJECT})

    facts = read_manifests(tmp_path, files)

    assert facts.entry_points == ["demo-gui = demo.gui:run", "demo = demo.cli:main"]


def test_poetry_scripts(tmp_path: Path) -> None:
    text = (
        '[tool.poetry.dependencies]\nfastapi = "^0.110"\n[tool.poetry.scripts]\nserve = "app:run"\n'
    )
    files = project_with(tmp_path, {"pyproject.toml": text})

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack == ["python", "fastapi"]
    assert facts.entry_points == ["serve = app:run"]


def test_requirements_txt(tmp_path: Path) -> None:
    text = "# pinned\nnumpy==2.0\n-r other.txt\npandas\nleftpad\n"
    files = project_with(tmp_path, {"requirements.txt": text})

    assert read_manifests(tmp_path, files).tech_stack == ["python", "numpy", "pandas"]


def test_package_json(tmp_path: Path) -> None:
    package = {
        "name": "web",
        "main": "index.js",
        "bin": {"web-cli": "bin/cli.js"},
        "scripts": {"start": "node server.js"},
        "dependencies": {"react": "^18", "express": "^4"},
        "devDependencies": {"typescript": "^5"},
    }
    files = project_with(tmp_path, {"package.json": json.dumps(package)})

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack[:2] == ["typescript", "node.js"]
    assert {"react", "express"} <= set(facts.tech_stack)
    assert facts.entry_points == [
        "index.js (package.json main)",
        "web-cli = bin/cli.js",
        "npm start = node server.js",
    ]


def test_package_json_bin_string(tmp_path: Path) -> None:
    files = project_with(tmp_path, {"package.json": '{"name": "tool", "bin": "cli.js"}'})

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack == ["javascript", "node.js"]
    assert facts.entry_points == ["tool = cli.js"]


def test_go_mod(tmp_path: Path) -> None:
    files = project_with(
        tmp_path, {"go.mod": "module example.com/x\n", "cmd/x/main.go": "package main\n"}
    )

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack == ["go"]
    assert facts.entry_points == ["cmd/x/main.go"]


def test_cargo_toml(tmp_path: Path) -> None:
    text = '[package]\nname = "x"\n[[bin]]\nname = "tool"\npath = "src/bin/tool.rs"\n'
    files = project_with(tmp_path, {"Cargo.toml": text, "src/main.rs": "fn main() {}\n"})

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack == ["rust"]
    assert facts.entry_points == ["tool = src/bin/tool.rs", "src/main.rs"]


def test_pom_xml(tmp_path: Path) -> None:
    text = "<project><build><mainClass>com.example.App</mainClass></build></project>"
    files = project_with(tmp_path, {"pom.xml": text})

    facts = read_manifests(tmp_path, files)

    assert facts.tech_stack == ["java", "maven"]
    assert facts.entry_points == ["com.example.App (pom.xml mainClass)"]


def test_python_module_and_script(tmp_path: Path) -> None:
    files = project_with(tmp_path, {"pkg/tool/__main__.py": "", "main.py": "", "lib/main.py": ""})

    facts = read_manifests(tmp_path, files)

    assert facts.entry_points == ["main.py", "python -m pkg.tool"]


def test_deep_manifest_ignored(tmp_path: Path) -> None:
    files = project_with(tmp_path, {"tests/fixtures/demo/package.json": '{"name": "fixture"}'})

    assert read_manifests(tmp_path, files).tech_stack == []


def test_one_folder_down_read(tmp_path: Path) -> None:
    files = project_with(tmp_path, {"frontend/package.json": '{"name": "ui"}'})

    assert read_manifests(tmp_path, files).tech_stack == ["javascript", "node.js"]


@pytest.mark.parametrize(
    ("name", "text"),
    [("pyproject.toml", "[project\nname="), ("package.json", "{not json"), ("Cargo.toml", "[[")],
)
def test_broken_manifest_skipped(tmp_path: Path, name: str, text: str) -> None:
    files = project_with(tmp_path, {name: text, "requirements.txt": "flask\n"})

    facts = read_manifests(tmp_path, files)

    assert facts.manifests == ["requirements.txt"]
    assert facts.tech_stack == ["python", "flask"]
