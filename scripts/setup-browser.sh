#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests, which Playwright drives at
# /usr/bin/chromium (Playwright never downloads a browser here). Running it
# again does nothing once Chromium is installed. Where apt-get or root is
# missing it explains why, writes the reason to test-output/ and exits 0, and
# the browser tests skip with that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

reason_file=test-output/browser-unavailable.txt
mkdir -p test-output
rm -f "$reason_file"

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

skip() {
    echo "scripts/setup-browser.sh: $1; the browser tests will be skipped." >&2
    echo "$1" > "$reason_file"
    exit 0
}

if ! command -v apt-get > /dev/null; then
    skip "apt-get is not available to install Debian's chromium package"
fi
if [ "$(id -u)" -ne 0 ]; then
    skip "installing Debian's chromium package needs root (apt-get install chromium)"
fi

echo "Installing Debian's chromium package for the browser tests…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
