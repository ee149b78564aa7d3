"""Files holding clinical data are created readable and writable by their owner only (0600).

The process umask (often 022) would otherwise leave the SQLite database, its backups and the
command line's exports readable by every account on the machine. Each file is opened with mode
0600 from the start (never created loose and tightened afterwards, which leaves a window), and
an export that replaces an existing file is tightened too, since it now holds clinical data.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600
OWNER_ONLY_DIR = 0o700


def ensure_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (SQLite then gives its -wal and
    -shm files the same mode); an existing file is left as the operator set it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        return
    os.close(fd)


def write_private(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path`, owner-only whether or not the file existed."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(payload)
    finally:
        os.close(fd)
