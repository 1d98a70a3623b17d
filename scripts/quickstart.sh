#!/usr/bin/env bash
# Set up loco_nb and execute notebooks/quickstart.ipynb headless against the
# embedded model, leaving the executed notebook and the session export beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
.venv/bin/jupyter execute notebooks/quickstart.ipynb --output=quickstart-executed
echo
echo "Executed notebook: notebooks/quickstart-executed.ipynb"
echo "Session export:    notebooks/quickstart-export.ipynb"
