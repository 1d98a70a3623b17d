"""Loading, unloading and help of the extension in a real IPython kernel."""

from __future__ import annotations

import json
import sys

from tests.jupyter.kernel import RunCells

SNAPSHOT = """\
import json, logging, re, warnings
root_handlers = list(logging.getLogger().handlers)
loco_handlers = list(logging.getLogger("loco_nb").handlers)
warning_filters = list(warnings.filters)
names_before = set(dir()) | {"names_before"}
"""

# IPython's history adds _, __, ___, _i, _ii, _iii, _iN and _N to the namespace as cells run.
DIFFERENCE = """\
names_now = set(dir())
history = re.compile(r"_{1,3}|_i{1,3}|_i?\\d+")
print(json.dumps({
    "names": sorted(n for n in names_now - names_before if not history.fullmatch(n)),
    "root_handlers": [repr(h) for h in logging.getLogger().handlers if h not in root_handlers],
    "loco_handlers": [repr(h) for h in logging.getLogger("loco_nb").handlers
                      if h not in loco_handlers],
    "filters_added": [repr(f) for f in warnings.filters if f not in warning_filters],
    "filters_removed": [repr(f) for f in warning_filters if f not in warnings.filters],
}))
"""

SUBCOMMANDS = ("models", "sessions", "new", "export", "help")


def test_kernel_runs_this_python(run_cells: RunCells) -> None:
    run = run_cells(["import json, sys; print(json.dumps([sys.executable, sys.prefix]))"])

    executable, prefix = json.loads(run.stream(0))

    assert executable == sys.executable
    assert prefix == sys.prefix


def test_load_ext_prints_nothing(run_cells: RunCells) -> None:
    run = run_cells(["%load_ext loco_nb"])

    assert run.outputs(0) == []


def test_load_ext_skips_nbformat_import(run_cells: RunCells) -> None:
    # nbformat imports jsonschema, whose format checkers take seconds to import;
    # only %loco export needs it.
    run = run_cells(["%load_ext loco_nb", "import sys; print('nbformat' in sys.modules)"])

    assert run.stream(1) == "False\n"


def test_load_ext_defers_heavy_imports(run_cells: RunCells) -> None:
    # The first question or command imports these; loading the extension must not.
    deferred = ["httpx", "pydantic", "pydantic_settings", "nbformat", "loco_nb.assistant"]
    check = f"import json, sys; print(json.dumps([m for m in {deferred!r} if m in sys.modules]))"

    run = run_cells(["%load_ext loco_nb", check])

    assert json.loads(run.stream(1)) == []


def test_load_ext_leaves_kernel_untouched(run_cells: RunCells) -> None:
    run = run_cells([SNAPSHOT, "%load_ext loco_nb", DIFFERENCE])

    changes = json.loads(run.stream(2))

    assert changes["names"] == []
    assert changes["root_handlers"] == []
    assert changes["loco_handlers"] == []
    assert changes["filters_added"] == []
    assert changes["filters_removed"] == []


def test_unload_ext_removes_magics(run_cells: RunCells) -> None:
    run = run_cells(
        [
            "%load_ext loco_nb",
            "%unload_ext loco_nb",
            "%loco sessions",
            "%%loco\nWhat does main.py do?",
            "print([type(c).__name__ for c in get_ipython().configurables])",
        ],
        allow_errors=True,
    )

    assert run.outputs(1) == []
    assert run.reply(2)["ename"] == "UsageError"
    assert "Line magic function `%loco` not found" in run.reply(2)["evalue"]
    assert run.reply(3)["ename"] == "UsageError"
    assert "Cell magic `%%loco` not found" in run.reply(3)["evalue"]
    assert "LocoMagics" not in run.stream(4)


def test_load_after_unload_works(run_cells: RunCells) -> None:
    run = run_cells(["%load_ext loco_nb", "%unload_ext loco_nb", "%load_ext loco_nb", "%loco help"])

    assert run.outputs(2) == []
    assert "sessions" in run.stream(3)


def test_line_help_lists_subcommands(run_cells: RunCells) -> None:
    run = run_cells(["%load_ext loco_nb", "%loco?"])

    help_text = run.pager(1)

    for command in SUBCOMMANDS:
        assert command in help_text, command
    assert "%loco COMMAND [options]" in help_text


def test_cell_help_lists_options(run_cells: RunCells) -> None:
    run = run_cells(["%load_ext loco_nb", "%%loco?"])

    help_text = run.pager(1)

    for option in (
        "--model",
        "--session",
        "--new",
        "--format",
        "--no-tools",
        "--plan",
        "--yes",
        "--base-url",
    ):
        assert option in help_text, option
    assert "%%loco [--model MODEL] [--session SESSION] [--new]" in help_text


def test_bare_line_magic_prints_help(run_cells: RunCells) -> None:
    run = run_cells(["%load_ext loco_nb", "%loco"])

    printed = run.stream(1)

    for command in SUBCOMMANDS:
        assert command in printed, command
