#!/usr/bin/env bash
# Proves, as far as this machine allows, that carecluster installs on a fresh Debian 12 machine
# that has only what Debian gives it (python3, python3-venv, make): none of this machine's caches,
# Node.js, compilers or virtual environments.
#
# With root and debootstrap (installed from Debian's packages when missing), it builds a minimal
# Debian 12 root in $WORK (default /tmp/carecluster-fresh), copies in the committed tree
# (`git archive HEAD`), and inside it, with no Node.js anywhere:
#   1. installs carecluster from requirements-lock.txt (hashes checked) into a venv, as `make` does;
#   2. builds a wheel and installs it into a second venv with no source tree beside it;
#   3. creates a SQLite database with `carecluster db upgrade`, serves it on 127.0.0.1 and fetches
#      the sign-in page and every stylesheet it links: styled pages from the wheel alone;
#   4. shows that Node.js is absent, so none of the above used it.
# It does NOT run `make test` there (the browser tests need Chromium and the PostgreSQL tests a
# server: several hundred MB more and about 30 minutes on 2 cores) and does not try `make run`'s
# `npm ci` (no Node.js in the root: the committed assets make it unnecessary for serving).
#
# Without root or without network to Debian's archive it checks the prerequisites on this machine
# instead and says exactly what it could not prove. Run it outside the normal test suite:
#   sudo scripts/fresh_machine_check.sh            (about 5-10 minutes, ~1 GB in $WORK)
#   KEEP=1 scripts/fresh_machine_check.sh          keep $WORK for a look afterwards
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/carecluster-fresh}"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
PORT="${PORT:-18765}"
say() { printf 'fresh-machine: %s\n' "$*"; }
not_proved=()

check_prerequisites() {
    say "checking this machine's prerequisites instead"
    if command -v python3 >/dev/null && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        say "ok: $(python3 --version) (3.11 or newer)"
    else
        say "MISSING: Python 3.11 or newer (Debian 12: apt-get install python3)"
    fi
    if python3 -c 'import ensurepip, venv' 2>/dev/null; then
        say "ok: python3 -m venv works"
    else
        say "MISSING: the venv module (Debian: apt-get install python3-venv)"
    fi
    command -v make >/dev/null && say "ok: $(make --version | head -1)" || say "MISSING: make (apt-get install make)"
    if command -v node >/dev/null; then
        say "ok: Node.js $(node --version) (only \`make test\` and rebuilding the assets need it)"
    else
        say "note: no Node.js: serving works without it; \`make test\` needs Node.js 20 and npm for axe-core"
    fi
    [ -f "$REPO/requirements-lock.txt" ] && say "ok: requirements-lock.txt present" || say "MISSING: requirements-lock.txt"
    ls "$REPO"/src/carecluster/web/static/vendor >/dev/null 2>&1 &&
        say "ok: frontend assets committed inside the package (src/carecluster/web/static/vendor)" ||
        say "MISSING: committed frontend assets (run scripts/build_frontend.py)"
}

if [ "$(id -u)" != 0 ]; then
    not_proved+=("a clean Debian root (debootstrap and chroot need root)")
    check_prerequisites
else
    if ! command -v debootstrap >/dev/null; then
        say "installing debootstrap from Debian's packages"
        apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
    fi
    ROOTFS="$WORK/rootfs"
    cleanup() {
        local server
        server=$(cat "$ROOTFS/tmp/serve.pid" 2>/dev/null || true)
        if [ -n "$server" ]; then
            kill "$server" 2>/dev/null || true
            for _ in $(seq 20); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
        fi
        # Only /proc is mounted in the root (its /dev holds device nodes of its own, never a bind
        # of this machine's /dev); detach it, lazily if it is busy, and delete nothing while
        # anything is still mounted below $WORK.
        umount "$ROOTFS/proc" 2>/dev/null || umount -l "$ROOTFS/proc" 2>/dev/null || true
        if grep -q " $WORK/" /proc/mounts; then
            say "something is still mounted under $WORK: left in place for you to unmount and remove"
            return
        fi
        [ "${KEEP:-0}" = 1 ] || rm -rf --one-file-system "$WORK"
    }
    trap cleanup EXIT
    if grep -q " $WORK/" /proc/mounts; then
        say "something is mounted under $WORK (an earlier run?): unmount it first; nothing done"
        exit 1
    fi
    rm -rf --one-file-system "$WORK" && mkdir -p "$WORK"
    start=$(date +%s)
    say "debootstrap --variant=minbase $SUITE (a root with nothing but Debian's essentials)"
    if ! debootstrap --variant=minbase --include=python3,python3-venv,make,ca-certificates,curl \
        "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
        say "could not build the root (see $WORK/debootstrap.log; no route to $MIRROR?)"
        not_proved+=("a clean Debian root (debootstrap failed)")
        KEEP=1
        check_prerequisites
    else
        say "root ready in $(($(date +%s) - start)) s"
        mount -t proc proc "$ROOTFS/proc"
        # The few device nodes a Python install needs, made in the root itself (debootstrap
        # usually has): binding this machine's /dev there would put it in reach of the clean-up.
        for node in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0"; do
            set -- $node
            [ -e "$ROOTFS/dev/$1" ] || mknod -m 666 "$ROOTFS/dev/$1" "$2" "$3" "$4"
        done
        cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
        # A site's own certificate authorities (a TLS-inspecting proxy between this machine and
        # PyPI, say) are trusted there as here: network plumbing, not something carecluster needs.
        if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
            cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
            chroot "$ROOTFS" update-ca-certificates >/dev/null 2>&1
        fi
        mkdir -p "$ROOTFS/src/carecluster"
        git -C "$REPO" archive HEAD | tar -x -C "$ROOTFS/src/carecluster"
        cat >"$ROOTFS/tmp/inside.sh" <<EOF
set -euo pipefail
cd /src/carecluster
say() { printf 'fresh-machine (inside): %s\n' "\$*"; }
say "\$(python3 --version); node: \$(command -v node || echo absent); npm: \$(command -v npm || echo absent)"
t=\$(date +%s)
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet --require-hashes -r requirements-lock.txt
.venv/bin/pip install --quiet --no-deps -e .
say "make's install steps (lock, hashes checked) took \$((\$(date +%s) - t)) s"
.venv/bin/carecluster allocate 0,1,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0 >/dev/null && say "the CLI allocates"
t=\$(date +%s)
.venv/bin/pip wheel --quiet --no-deps -w /tmp/wheel .
python3 -m venv /opt/wheel-venv
/opt/wheel-venv/bin/pip install --quiet --upgrade pip
/opt/wheel-venv/bin/pip install --quiet --require-hashes -r requirements-lock.txt
/opt/wheel-venv/bin/pip install --quiet --no-deps /tmp/wheel/carecluster-*.whl
say "wheel built and installed apart from the source in \$((\$(date +%s) - t)) s: \$(ls /tmp/wheel)"
cd /tmp
export CARECLUSTER_DATA_DIR=/tmp/data
/opt/wheel-venv/bin/carecluster db upgrade >/dev/null
/opt/wheel-venv/bin/carecluster serve --port $PORT >/tmp/serve.log 2>&1 &
echo \$! >/tmp/serve.pid
for i in \$(seq 60); do curl -fsS http://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && break; sleep 1; done
curl -fsS http://127.0.0.1:$PORT/healthz && echo
curl -fsS http://127.0.0.1:$PORT/sign-in -o /tmp/sign-in.html
sheets=\$(grep -o 'href="[^"]*\.css"' /tmp/sign-in.html | cut -d'"' -f2)
[ -n "\$sheets" ] || { say "FAILED: the sign-in page links no stylesheet"; exit 1; }
for sheet in \$sheets; do
    bytes=\$(curl -fsS "http://127.0.0.1:$PORT\$sheet" | wc -c)
    [ "\$bytes" -gt 100 ] || { say "FAILED: \$sheet is empty"; exit 1; }
    say "served \$sheet (\$bytes bytes) from the installed wheel"
done
kill \$(cat /tmp/serve.pid)
command -v node >/dev/null && { say "FAILED: Node.js is in the root"; exit 1; }
say "no Node.js in this root: nothing above used it"
EOF
        if chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
            PIP_CERT=/etc/ssl/certs/ca-certificates.crt ${https_proxy:+https_proxy=$https_proxy} bash /tmp/inside.sh; then
            say "PROVED in a clean Debian $SUITE root: install from the lock, a wheel that serves styled pages without Node.js"
        else
            say "FAILED inside the clean root (see the lines above)"
            exit 1
        fi
    fi
fi
not_proved+=("\`make test\` on the fresh root (Chromium, PostgreSQL and Node.js for axe-core: run it on a real machine)")
for item in "${not_proved[@]}"; do say "not proved here: $item"; done
