"""Execute notebooks in a real IPython kernel with nbclient and read back what each cell did.

The kernel is started by jupyter_client from the ``python3`` kernel spec and
inherits ``os.environ``, so ``LOCO_*`` variables set by fixtures reach it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

# IPython's pager text is coloured with ANSI escapes, which hide words from a plain search.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# One kernel start plus a scripted request takes a few seconds; the margin is for a busy CI.
CELL_TIMEOUT = 120


@dataclass
class ExecutedNotebook:
    """A notebook after execution, with the kernel's execute_reply content for each cell."""

    notebook: NotebookNode
    replies: dict[int, dict[str, Any]] = field(default_factory=dict)

    def outputs(self, index: int) -> list[NotebookNode]:
        return list(self.notebook.cells[index].outputs)

    def reply(self, index: int) -> dict[str, Any]:
        return self.replies[index]

    def stream(self, index: int, name: str = "stdout") -> str:
        """Return the text a cell wrote to ``name`` (``stdout`` or ``stderr``)."""
        return "".join(
            out.text
            for out in self.outputs(index)
            if out.output_type == "stream" and out.name == name
        )

    def displays(self, index: int, mime: str) -> list[str]:
        """Return the ``mime`` data of the cell's display_data outputs, in output order."""
        return [
            out.data[mime]
            for out in self.outputs(index)
            if out.output_type == "display_data" and mime in out.get("data", {})
        ]

    def result(self, index: int) -> str:
        """Return the text/plain of the cell's execute_result, or '' when there is none."""
        for out in self.outputs(index):
            if out.output_type == "execute_result":
                return str(out.data.get("text/plain", ""))
        return ""

    def next_input(self, index: int) -> list[dict[str, Any]]:
        """Return the cell's ``set_next_input`` payloads: the code it put in a new cell."""
        return [
            item
            for item in self.reply(index).get("payload", [])
            if item.get("source") == "set_next_input"
        ]

    def pager(self, index: int) -> str:
        """Return the text the cell sent to the pager (``%magic?`` help), without colours."""
        pages = [
            item["data"].get("text/plain", "")
            for item in self.reply(index).get("payload", [])
            if item.get("source") == "page"
        ]
        return _ANSI.sub("", "".join(pages))


# The type of the run_cells fixture: code cell sources in, executed notebook out.
RunCells = Callable[..., ExecutedNotebook]


def execute_cells(
    sources: Sequence[str], workdir: Path, *, allow_errors: bool = False
) -> ExecutedNotebook:
    """Run ``sources`` as the code cells of a new notebook in a ``python3`` kernel in ``workdir``.

    With ``allow_errors=False`` the first failing cell raises
    ``nbclient.exceptions.CellExecutionError``.
    """
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    return execute_notebook(notebook, workdir, allow_errors=allow_errors)


def execute_notebook(
    notebook: NotebookNode,
    workdir: Path,
    *,
    allow_errors: bool = False,
    timeout: int = CELL_TIMEOUT,
) -> ExecutedNotebook:
    """Run every code cell of ``notebook`` in a ``python3`` kernel in ``workdir``.

    ``timeout`` is per cell, in seconds. Cells tagged ``raises-exception`` may
    fail even with ``allow_errors=False``.
    """
    executed = ExecutedNotebook(notebook)

    def keep_reply(cell: NotebookNode, cell_index: int, execute_reply: dict[str, Any]) -> None:
        executed.replies[cell_index] = execute_reply["content"]

    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        allow_errors=allow_errors,
        on_cell_executed=keep_reply,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return executed
