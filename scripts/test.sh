#!/usr/bin/env bash
# Set up loco_nb and run every test, the slow ones (real model, real kernel) included.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/setup-browser.sh
exec .venv/bin/python -m pytest "$@"
