"""The ``loco-nb`` command: serve the embedded models, list models, ask from a shell."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .agent.events import Event, Progress, Token, ToolCallStarted, ToolResultReady
from .assistant import Assistant
from .config import load_settings
from .errors import LocoError
from .jupyter.render import describe_call
from .llm.embedded.server import ServerState, is_healthy
from .llm.embedded.serving import serve
from .llm.embedded.weights import EMBEDDED_WEIGHTS, ensure_weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loco-nb", description="loco_nb from the shell.")
    parser.add_argument("-v", "--verbose", action="store_true", help="Log each request.")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "serve", help="Run the embedded llama.cpp server in the foreground; kernels reuse it."
    )
    commands.add_parser("models", help="List the models and the sizes they serve.")
    ask = commands.add_parser("ask", help="Ask a question about a project and print the answer.")
    ask.add_argument("question")
    ask.add_argument("--project", default=".", help="Project folder (default: the current one).")
    ask.add_argument("--model", "-m", help="A size (XS … XL) or a model id.")
    ask.add_argument("--yes", action="store_true", help="Approve file changes.")

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return _run(args)
    except (LocoError, ValueError) as exc:
        print(f"loco-nb: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except KeyboardInterrupt:
        print("\nloco-nb: stopped; the session was saved.", file=sys.stderr)  # noqa: T201
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve()
    if args.command == "models":
        assistant = Assistant(".")
        try:
            for model in sorted(assistant.models(on_event=_print_event), key=lambda m: m.size):
                print(f"{model.size.value:>2}  {model.id}  {model.endpoint}")  # noqa: T201
        finally:
            assistant.close()
        return 0

    assistant = Assistant(Path(args.project), auto_approve=args.yes)
    try:
        assistant.ask(args.question, model=args.model, on_event=_print_event)
    finally:
        assistant.close()
    print()  # noqa: T201
    return 0


def _serve() -> int:
    settings = load_settings()
    running = ServerState.read(settings.run_dir / "embedded.json")
    if running is not None and is_healthy(running):
        urls = ", ".join(e.base_url for e in running.endpoints)
        msg = (
            f"an embedded server already runs (pid {running.pid}, {urls}); kernels reuse it. "
            "Stop it first to start another."
        )
        raise LocoError(msg)
    for spec in EMBEDDED_WEIGHTS:
        ensure_weights(spec, settings.weights_dir, _print_progress(spec.filename))

    def ready(endpoints: list) -> None:  # type: ignore[type-arg]
        for endpoint in endpoints:
            print(f"{endpoint.size.value}  {endpoint.model_id}  {endpoint.base_url}")  # noqa: T201
        print("Serving; kernels on this machine reuse this server. Ctrl-C stops it.")  # noqa: T201
        sys.stdout.flush()

    serve(settings.run_dir / "embedded.json", settings.weights_dir, owner="serve", on_ready=ready)
    return 0


def _print_progress(name: str):  # type: ignore[no-untyped-def]
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // total
        if percent != last[0] and percent % 10 == 0:
            print(f"joining {name}: {percent}%", file=sys.stderr)  # noqa: T201
            last[0] = percent

    return progress


def _print_event(event: Event) -> None:
    if isinstance(event, Token):
        print(event.text, end="", flush=True)  # noqa: T201
    elif isinstance(event, ToolCallStarted):
        print(f"\n→ {describe_call(event.call)}", file=sys.stderr)  # noqa: T201
    elif isinstance(event, ToolResultReady) and not event.result.ok:
        print(f"  ✗ {event.result.content}", file=sys.stderr)  # noqa: T201
    elif isinstance(event, Progress) and event.total is None:
        print(event.text, file=sys.stderr)  # noqa: T201


if __name__ == "__main__":
    sys.exit(main())
