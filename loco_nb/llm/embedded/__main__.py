"""Entry point of the embedded server's child process."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .serving import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m loco_nb.llm.embedded")
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--weights-dir", type=Path, required=True)
    parser.add_argument("--owner", default="child")
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(args.state_file, args.weights_dir, args.owner, args.parent_pid)


if __name__ == "__main__":
    main()
