#!/usr/bin/env bash
# Make Debian's Chromium available for the browser tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own). Installs the `chromium` package where it is missing.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
echo "ensure-chromium: /usr/bin/chromium not found; installing Debian's chromium package" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: apt-get is not available: install Chromium at /usr/bin/chromium and run make test again" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-chromium: need root (or sudo) to install Chromium with apt-get" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: installed, but /usr/bin/chromium is still missing" >&2; exit 1; }
echo "ensure-chromium: Chromium installed" >&2
