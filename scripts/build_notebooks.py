"""Write the feature notebooks in notebooks/ from the cell lists below.

Run it after changing a notebook's cells here:

    .venv/bin/python scripts/build_notebooks.py

Each notebook is built with nbformat.v4, checked with nbformat.validate and
written without outputs. Cell ids come from the file name and the cell's
position, so building twice writes the same files. The tests check that the
notebooks in the repository match this script. The quickstart notebook is
not built here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"

# nbclient and JupyterLab keep running the notebook past a cell with this tag when it fails.
RAISES = "raises-exception"
# The cell a test (or papermill) replaces to point the notebook elsewhere.
PARAMETERS = "parameters"

Cell = tuple[str, str, list[str]]


def md(text: str) -> Cell:
    return ("markdown", text.strip("\n"), [])


def code(text: str, *tags: str) -> Cell:
    return ("code", text.strip("\n"), list(tags))


SETUP = [
    code("%load_ext loco_nb"),
    code('%config LocoMagics.project_dir = "sample_project"'),
]

ASK = [
    md("""
# Asking about a project

This notebook asks a local model about the small project in `sample_project/`.
With no server configured, loco_nb starts its embedded model on the first
question; on two CPU cores each answer takes about a minute.
"""),
    *SETUP,
    md("""
## A question

The model reads the files it needs through tools. Each tool result appears as
its own output, and the answer streams in below them.
"""),
    code("%%loco\nWhat does inventory.py do?"),
    md("""
## References to your variables

`{name}` in a question inserts the value of `name` from the notebook.
`{In[3]}` and `{Out[3]}` insert cell 3's input and output, and `{error}` the
last traceback. Braces that hold anything else, such as code or JSON, stay
as written, and `{{name}}` writes `{name}` literally.
"""),
    code("""
import csv

with open("sample_project/stock.csv", newline="") as handle:
    header = next(csv.reader(handle))
header
"""),
    code("%%loco\nstock.csv has the columns {header}. Which class in inventory.py holds them?"),
    md("""
## Code in a new cell

With `--format code` the answer is code only. In JupyterLab it appears in a
new cell below this one, unrun, so you can read it before running it.
`--no-tools` answers from the conversation so far without reading files,
which is quicker when the model has already seen what it needs.
"""),
    code(
        "%%loco --format code --no-tools\n"
        "Write a function low_stock(items, limit) that returns the items whose quantity "
        "is below limit."
    ),
    md("""
## Fixing an error

The next cell fails on purpose: `Item` has no field `price`.
"""),
    code(
        """
import sys

sys.path.insert(0, "sample_project")
from inventory import load_items

items = load_items("sample_project/stock.csv")
cheapest = min(items, key=lambda item: item.price)
""",
        RAISES,
    ),
    md("""
`%loco fix` sends the failing cell and its traceback to the model, and puts
the corrected cell below, unrun.
"""),
    code("%loco fix"),
]

EDIT = [
    md("""
# Editing files, with approval

Tools that change files (`write_file`, `edit_file`, `delete_file`) wait for
your approval. In JupyterLab the cell shows the change as a diff with
**Approve**, **Deny** and **Always for this session** buttons.

Nobody can click when a notebook runs headless, as in the tests, so the cells
here pass `--yes`, which approves the changes made while that one cell runs.
"""),
    md("""
The changes go to a copy of the sample project in a temporary folder, so
`sample_project/` stays as it is.
"""),
    code("""
import shutil
import tempfile
from pathlib import Path

project = Path(tempfile.mkdtemp()) / "sample_project"
shutil.copytree("sample_project", project, ignore=shutil.ignore_patterns(".loco"))
project
"""),
    code("%load_ext loco_nb"),
    code("%config LocoMagics.project_dir = str(project)"),
    md("""
## Asking for a change

The model changes the file with a tool, and the output shows the diff.
"""),
    code("%%loco --yes\nIn inventory.py, make total_value round its result to 2 decimal places."),
    code('print((project / "inventory.py").read_text())'),
    md("""
## Approving without buttons

- Leave out `--yes` to decide each change with the buttons.
- `%config LocoMagics.auto_approve = True` approves every change in this
  kernel, until you set it back to `False`.
- `loco_nb.Assistant(path, auto_approve=True)` does the same from a script.
"""),
]

PANEL = [
    md("""
# The chat panel

`%loco panel` shows a chat panel: the model picker, the sessions, the
conversation and the tasks of the running request. It shares the session
with `%%loco` cells, so you can switch between the two.
"""),
    *SETUP,
    code("%loco panel"),
    md("""
## Driving the panel from code

`loco_nb.panel()` returns the same panel. Its methods do what its buttons do:
`send()` asks a question as **Send** does, and `stop()` stops it. `send()`
returns at once; `await panel.wait()` waits until the answer is complete.
"""),
    code("""
import loco_nb

panel = loco_nb.panel()
panel.send("Which file reads stock.csv?")
await panel.wait(600)
"""),
    md("""
The panel's question is part of the session, so a `%%loco` cell continues the
same conversation:
"""),
    code("%%loco\nShow me the function that reads it."),
    code("%loco history"),
]

SESSIONS = [
    md("""
# Sessions, search and export

Every conversation is a session, saved as JSON under
`sample_project/.loco/sessions/`. A kernel keeps asking in the current
session until you start a new one.
"""),
    *SETUP,
    code("%%loco\nWhat does main.py print?"),
    code("%loco new"),
    code("%%loco\nWhich columns does stock.csv have?"),
    md("""
`%loco sessions` lists the project's sessions, newest first; the current one
is marked ▶. `%loco switch ID` makes another one current, and so does
`%%loco --session ID`, which then asks its question there.
"""),
    code("%loco sessions"),
    md("""
## Search

`%loco search` finds words in the messages and titles of every session.
"""),
    code("%loco search columns"),
    md("""
## Export and import

`%loco export` writes the current session as an ordinary notebook, with the
tool results as outputs. `%loco import` turns such a notebook back into a
session and makes it the current one.
"""),
    code("%loco export sessions-export.ipynb"),
    code("%loco import sessions-export.ipynb"),
    code("%loco sessions"),
    md("""
## Deleting

`%loco delete ID` moves a session to the trash in `~/.loco/trash/` rather
than deleting it. `%loco trash` lists what is there, and `%loco restore`
moves the newest entry back.
"""),
]

SERVERS = [
    md("""
# Using LM Studio, Ollama or another server

loco_nb works with any server that speaks the OpenAI API. Start the server
and load a model first:

- **LM Studio**: start its local server; it listens on port 1234.
- **Ollama**: `ollama pull qwen2.5-coder:7b`; the server listens on port 11434.
- **llama.cpp**: `llama-server -m MODEL.gguf` listens on port 8080.

Then set the server's URL, which ends in `/v1`, in the next cell.
"""),
    code(
        """
server_url = "http://127.0.0.1:1234/v1"  # LM Studio; Ollama: "http://127.0.0.1:11434/v1"
model_id = ""  # empty: the first model the server lists; for Ollama e.g. "qwen2.5-coder:7b"
""",
        PARAMETERS,
    ),
    *SETUP,
    code("%config LocoMagics.base_url = server_url"),
    code("%config LocoMagics.model = model_id"),
    md("""
`%loco status` asks the server which models it serves, and shows the size
(XS to XL) that loco_nb gives each from its parameter count.
"""),
    code("%loco status"),
    code("%%loco\nWhat does main.py do?"),
    md("""
## Where settings come from

`%config LocoMagics.…` sets a value for this kernel only. The same settings
can come from a file or the environment; from the highest precedence down:

1. a cell's options, such as `%%loco --base-url URL` or `--model`;
2. `%config LocoMagics.…`, or `c.LocoMagics.…` in the IPython profile;
3. `.loco/config.toml` in the project;
4. `config.toml` in `$LOCO_HOME` (`~/.loco` by default);
5. `LOCO_*` environment variables, such as `LOCO_BASE_URL`.

A project that always uses Ollama can keep this in `.loco/config.toml`:

```toml
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5-coder:7b"
```

`%loco config` shows every setting in force and where it came from.
"""),
    code("%loco config"),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "ask.ipynb": ASK,
    "edit.ipynb": EDIT,
    "panel.ipynb": PANEL,
    "sessions.ipynb": SESSIONS,
    "servers.ipynb": SERVERS,
}


def build(name: str, cells: list[Cell]) -> NotebookNode:
    """Return the notebook ``name`` made of ``cells``, validated."""
    stem = name.removesuffix(".ipynb")
    made = []
    for index, (kind, source, tags) in enumerate(cells):
        metadata = {"tags": tags} if tags else {}
        maker = new_markdown_cell if kind == "markdown" else new_code_cell
        made.append(maker(source, id=f"{stem}-{index}", metadata=metadata))

    notebook = new_notebook(
        cells=made,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return notebook


def built_notebooks() -> dict[str, NotebookNode]:
    return {name: build(name, cells) for name, cells in NOTEBOOKS.items()}


def main() -> int:
    for name, notebook in built_notebooks().items():
        nbformat.write(notebook, NOTEBOOKS_DIR / name)
        print(f"Wrote notebooks/{name}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
