#!/usr/bin/env bash
# apt-install.sh WHO PACKAGE...: install Debian packages for the test suite, as root or with sudo.
# Shared by the ensure-*.sh scripts; WHO names the caller in every message.
set -euo pipefail
who=$1
shift
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: apt-get is not available: install $* yourself and run make test again" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "$who: need root (or sudo) to install $* with apt-get" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
