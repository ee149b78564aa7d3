#!/usr/bin/env bash
# Make the PostgreSQL server binaries (initdb, pg_ctl) available for the test suite.
#
# The storage and API tests run against SQLite and PostgreSQL; the tests start their own
# throw-away server on a loopback port (tests/store/postgres.py) and stop it afterwards, so all
# this script does is install Debian's `postgresql` package where the binaries are missing.
set -euo pipefail

have_postgres() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        return 0
    fi
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1 && return 0
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

if have_postgres; then
    exit 0
fi

echo "ensure-postgres: PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
"$(dirname "$0")/apt-install.sh" ensure-postgres postgresql
have_postgres || { echo "ensure-postgres: installed, but initdb/pg_ctl still not found" >&2; exit 1; }
echo "ensure-postgres: PostgreSQL installed" >&2
