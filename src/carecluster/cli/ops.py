"""`carecluster backup` and `carecluster restore`: copies of the whole database an operator can trust.

A backup is only reported once it is complete and checked (SQLite's integrity check; pg_dump's
exit status), and a restore refuses to replace existing clinical records without `--force`.
Both print a row count per table, so the operator can compare the two ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carecluster.cli.common import fail
from carecluster.cli.service import DatabaseOption, YesOption, existing_database


def _summary(url: str | None) -> str:
    from carecluster.store.backup import table_digests

    digests = table_digests(url)
    return ", ".join(f"{name} {d.rows}" for name, d in digests.items() if d.rows)


def backup(
    target: Annotated[
        Path | None,
        typer.Argument(help="File to write (must not exist); default carecluster-<UTC time>.db or .dump here."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Back up the database while the service runs: SQLite's online backup API, or pg_dump for PostgreSQL."""
    from carecluster.store.backup import BackupError, default_backup_name
    from carecluster.store.backup import backup as do_backup

    existing_database(database)  # a backup of nothing would create an empty database first
    target = target or Path(default_backup_name(database))
    try:
        written = do_backup(database, target)
    except BackupError as error:
        typer.echo(f"carecluster: backup failed: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"carecluster: backup written to {written} ({written.stat().st_size} bytes)")
    typer.echo(f"rows: {_summary(database)}")


def restore(
    source: Annotated[Path, typer.Argument(help="A file written by `carecluster backup`.")],
    database: DatabaseOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds clinical records.")
    ] = False,
    yes: YesOption = False,
) -> None:
    """Replace the database with a backup (stop the service first). All or nothing.
    With --force it asks before replacing records, unless --yes."""
    from carecluster.cli.errors import confirm_or_stop
    from carecluster.store.backup import BackupError
    from carecluster.store.backup import restore as do_restore

    if not source.is_file():
        fail(f"{source}: no such backup file")
    if force:
        confirm_or_stop("--force replaces every record in the database with the backup's.", yes)

    try:
        do_restore(database, source, overwrite=force)
    except BackupError as error:
        typer.echo(f"carecluster: restore failed: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"carecluster: restored from {source}")
    typer.echo(f"rows: {_summary(database)}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
