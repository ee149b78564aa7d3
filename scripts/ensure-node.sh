#!/usr/bin/env bash
# Make Node.js and npm available for `npm ci` (the NHS.UK frontend, Swagger UI and axe-core).
# As root, installs Debian's `nodejs` and `npm` where npm is missing; otherwise says in one line
# what to install and stops. Serving carecluster needs no Node.js: the assets are committed.
#
# MIN_NODE is the lowest version nhsuk-frontend's `engines.node` allows (package-lock.json:
# "^20.9.0 || ^22.11.0 || >= 24.11.0"; tests/packaging/test_ensure_node.py keeps them in step).
# An older Node.js is reported, not refused: npm only warns (EBADENGINE) and the files copied by
# scripts/build_frontend.py do not run under Node.js. Debian 12's own nodejs is 18.x.
set -euo pipefail

MIN_NODE=20.9.0

have_npm() {
    command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1
}

if ! have_npm; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-node: npm (Node.js) not found: install it as root with \`apt-get install nodejs npm\` (Node.js $MIN_NODE or newer preferred) and run make again" >&2
        exit 1
    fi
    echo "ensure-node: npm not found; installing Debian's nodejs and npm packages" >&2
    "$(dirname "$0")/apt-install.sh" ensure-node nodejs npm
    have_npm || { echo "ensure-node: installed, but node or npm is still not on PATH" >&2; exit 1; }
    echo "ensure-node: Node.js $(node --version) and npm $(npm --version) installed" >&2
fi

# Compare major.minor.patch of `node --version` (v20.20.2) with MIN_NODE, with bash alone.
version=$(node --version)
IFS=. read -r major minor patch <<<"${version#v}"
IFS=. read -r need_major need_minor need_patch <<<"$MIN_NODE"
older=0
if ((major != need_major)); then
    ((major < need_major)) && older=1
elif ((minor != need_minor)); then
    ((minor < need_minor)) && older=1
else
    ((${patch%%[!0-9]*} < need_patch)) && older=1
fi
if ((older)); then
    echo "ensure-node: Node.js $version is older than $MIN_NODE, the lowest nhsuk-frontend declares; npm ci will warn (EBADENGINE) but carry on - install Node.js 20 or newer to match" >&2
fi
exit 0
