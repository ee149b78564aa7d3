#!/usr/bin/env bash
# Make Debian's Chromium available for the browser tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own). Installs the `chromium` package where it is missing.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
echo "ensure-chromium: /usr/bin/chromium not found; installing Debian's chromium package" >&2
"$(dirname "$0")/apt-install.sh" ensure-chromium chromium fonts-liberation
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: installed, but /usr/bin/chromium is still missing" >&2; exit 1; }
echo "ensure-chromium: Chromium installed" >&2
