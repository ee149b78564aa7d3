"""`carecluster users create-admin | reset-password | unlock | list`: account work at the server.

For when the API cannot help (no admin left, an admin's forgotten password). Passwords are
asked for without echo (or read from stdin when it is not a terminal), never taken as an
argument, so they stay out of shell history and process lists. Bad input is one line on
stderr and exit 2; every command is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from carecluster.cli.common import fail
from carecluster.cli.service import DatabaseOption
from carecluster.store.db import Database

T = TypeVar("T")
users_app = typer.Typer(help="Accounts at the server's console: first admin, password reset, unlock, list.")

PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for without echo; at least 10 characters.",
    ),
]


def _run(database: str | None, what: str, work: Callable[..., T], *, create: bool = False) -> T:
    """`work(uow)` in one unit of work; only `create` (the first admin) may create the database."""
    from carecluster.cli.service import existing_database
    from carecluster.service.errors import Invalid, ServiceError
    from carecluster.service_layer.unit_of_work import SqlAlchemyUnitOfWork
    from carecluster.store.db import Database, database_url, sqlite_path
    from carecluster.store.migrate import ensure_schema

    url = database_url(database) if create else existing_database(database)
    new_file = sqlite_path(url)
    if new_file is not None and new_file.exists():
        new_file = None
    ensure_schema(url)
    db = Database(url)
    try:
        with SqlAlchemyUnitOfWork(db) as uow:  # commits if the use case succeeds
            return work(uow)
    except Invalid as error:
        _forget(db, new_file)
        fail(f"users {what}: " + "; ".join(f"{loc[-1] if loc else 'input'}: {msg}" for loc, msg in error.errors))
    except ServiceError as error:
        _forget(db, new_file)
        fail(f"users {what}: {error.message}")
    finally:
        db.dispose()


def _forget(db: Database, created: Path | None) -> None:
    """Refused input stores nothing: a SQLite file this command created for it goes again."""
    if created is None:
        return
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        created.with_name(created.name + suffix).unlink(missing_ok=True)


@users_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Argument(help="Letters, digits, dots, hyphens, underscores or @.")],
    full_name: Annotated[str, typer.Option("--full-name", help="The person's full name.")],
    password: PasswordOption,
    database: DatabaseOption = None,
) -> None:
    """Create an admin account (the first one, or a new one when none is left)."""
    from carecluster.service import operator

    user = _run(
        database, "create-admin", lambda s: operator.create_admin(s, username, full_name, password), create=True
    )
    typer.echo(f"carecluster: admin {user.username} created (id {user.id})")


@users_app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument(help="The account's username.")],
    password: PasswordOption,
    database: DatabaseOption = None,
) -> None:
    """Set a new password: every session and token of the account ends at once."""
    from carecluster.service import operator

    ended = _run(database, "reset-password", lambda s: operator.reset_password(s, username, password))
    typer.echo(f"carecluster: password of {username} reset; {ended} session(s) ended")


@users_app.command("unlock")
def unlock(
    username: Annotated[str, typer.Argument(help="The account's username.")],
    database: DatabaseOption = None,
) -> None:
    """Clear the account's sign-in delays at every address."""
    from carecluster.service import operator

    cleared = _run(database, "unlock", lambda s: operator.unlock(s, username))
    typer.echo(f"carecluster: {username} unlocked ({cleared} address(es) cleared)")


@users_app.command("list")
def list_users(database: DatabaseOption = None) -> None:
    """Every account: role, active, failed sign-ins and addresses now waiting."""
    from carecluster.service import operator

    lines = _run(database, "list", operator.list_accounts)
    typer.echo("id\tusername\trole\tactive\tfailed_logins\twaiting_addresses\tfull_name")
    for a in lines:
        active = "yes" if a.active else "no"
        typer.echo(
            f"{a.id}\t{a.username}\t{a.role}\t{active}\t{a.failed_logins}\t{a.throttled_addresses}\t{a.full_name}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
