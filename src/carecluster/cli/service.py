"""`carecluster serve`, `carecluster demo-data` and `carecluster db`: running carecluster as a service."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from carecluster.store.db import database_url, is_sqlite, sqlite_path

db_app = typer.Typer(help="Database schema: upgrade to the newest migration, or step back down.")


def _url(url: str | None) -> str:
    return database_url(url)


def existing_database(url: str | None) -> str:
    """The URL of a database that already exists: reading or changing records never creates one
    (a mistyped path or data dir must not leave an empty database file behind)."""
    from carecluster.cli.common import fail

    resolved = database_url(url)
    path = sqlite_path(resolved)
    if path is not None and not path.is_file():
        fail(f"no database at {path}: create it with `carecluster db upgrade`, or set CARECLUSTER_DATABASE_URL")
    return resolved


YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking (for scripts).")]


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; default $CARECLUSTER_DATABASE_URL, else SQLite in $CARECLUSTER_DATA_DIR (./data).",
        show_default=False,
    ),
]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: DatabaseOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (PostgreSQL; SQLite is best served by one); default $CARECLUSTER_WORKERS, else 1.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the REST API (OpenAPI at /docs); the database schema is migrated first."""
    import uvicorn

    from carecluster.logs import configure_logging
    from carecluster.settings import current_settings
    from carecluster.store.migrate import ensure_schema

    settings = current_settings()
    configure_logging(settings)
    workers = workers or settings.workers
    url = _url(database)
    ensure_schema(url)
    typer.echo(f"carecluster: serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    typer.echo(f"carecluster: database {url if is_sqlite(url) else url.split('@')[-1]}")
    if workers > 1:
        os.environ["CARECLUSTER_DATABASE_URL"] = url  # each worker process reads its settings at start-up
        uvicorn.run(
            "carecluster.http.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,  # its lines carry paths and query strings; carecluster logs each request itself
            proxy_headers=False,  # the app believes only $CARECLUSTER_TRUSTED_PROXIES (Settings)
        )
        return
    from carecluster.http import create_app

    app = create_app(settings.model_copy(update={"database_url": url, "migrate": False}))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False)


def demo_data(
    service_users: Annotated[int, typer.Option("--service-users", help="How many synthetic service users.")] = 500,
    password: Annotated[
        str | None,
        typer.Option(
            help="Password of the four demo logins; default the documented demo password.", show_default=False
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same people.")] = 20261123,
    database: DatabaseOption = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing if the database already has users.")] = False,
) -> None:
    """Create synthetic teams, demo users (one per role) and service users with histories. No real people."""
    from sqlalchemy import select

    from carecluster.api import resolve_reference
    from carecluster.service.demo import DEMO_PASSWORD, DEMO_USERS, create_demo_data
    from carecluster.store.db import Database
    from carecluster.store.migrate import ensure_schema
    from carecluster.store.models import User

    url = _url(database)
    ensure_schema(url)
    db = Database(url)
    try:
        with db.transaction(write=False) as session:
            has_users = session.scalar(select(User.id).limit(1)) is not None
        if has_users:
            if if_empty:
                typer.echo("carecluster: the database already has users; demo data not added")
                return
            typer.echo("carecluster: the database already has users; demo data is only added to an empty one", err=True)
            raise typer.Exit(1)
        step = max(1, service_users // 10)

        def progress(done: int) -> None:
            if done % step == 0 or done == service_users:
                typer.echo(f"  {done}/{service_users} service users")

        summary = create_demo_data(
            db, resolve_reference(None), service_users, password=password or DEMO_PASSWORD, seed=seed, progress=progress
        )
    finally:
        db.dispose()
    typer.echo(
        f"carecluster: demo data: {summary.teams} teams, {summary.users} users, {summary.service_users} service users, "
        f"{summary.assessments} assessments, {summary.reviews} reviews, {summary.outcomes} outcome measures, "
        f"{summary.transfers} transfers"
    )
    shown = "(as given)" if password else DEMO_PASSWORD
    typer.echo("demo logins (password " + shown + "): " + ", ".join(f"{u} ({r})" for u, _n, r, _t in DEMO_USERS))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head", database: DatabaseOption = None) -> None:
    """Migrate the schema up (default: to the newest revision)."""
    from carecluster.store.migrate import check_revision, upgrade

    check_revision(revision)  # before anything is created: a mistyped revision leaves no empty file behind
    upgrade(_url(database), revision)
    typer.echo(f"carecluster: database at {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="A revision from `carecluster db history`, or 'base'.")],
    database: DatabaseOption = None,
    yes: YesOption = False,
) -> None:
    """Migrate the schema down to REVISION: the columns and tables of later revisions, and the data
    in them, are dropped ('base' removes every table). Asks first unless --yes."""
    from carecluster.cli.errors import confirm_or_stop
    from carecluster.store.migrate import check_revision, downgrade

    url = existing_database(database)
    check_revision(revision)
    where = url if is_sqlite(url) else url.split("@")[-1]
    confirm_or_stop(f"Downgrading {where} to {revision} drops the data of every later revision.", yes)
    downgrade(url, revision)
    typer.echo(f"carecluster: database at {revision}")


@db_app.command("history")
def db_history(database: DatabaseOption = None) -> None:
    """The migrations, oldest first, with the one the database is at marked (current)."""
    from carecluster.store.db import make_engine
    from carecluster.store.migrate import current_revision, revisions

    current = None
    path = sqlite_path(_url(database))
    if path is None or path.is_file():
        engine = make_engine(_url(database))
        try:
            current = current_revision(engine)
        finally:
            engine.dispose()
    for revision, doc in revisions():
        mark = "  (current)" if revision == current else ""
        typer.echo(f"{revision}  {doc}{mark}")
    if current is None:
        typer.echo("carecluster: the database has no schema yet (`carecluster db upgrade` creates it)")


@db_app.command("rebuild-report-facts")
def db_rebuild_report_facts(database: DatabaseOption = None) -> None:
    """Refill the reports' derived tables from the clinical records.

    Every write through carecluster keeps them current; run this after loading records around
    it (SQL bulk loads, a restore from another tool). Safe at any time: it changes no record.
    """
    import time

    from carecluster.store import report_facts
    from carecluster.store.db import Database

    db = Database(existing_database(database))
    try:
        start = time.perf_counter()
        with db.engine.begin() as conn:
            counts = report_facts.rebuild(conn)
    finally:
        db.dispose()
    rows = ", ".join(f"{table} {n:,} rows" for table, n in counts.items())
    typer.echo(f"carecluster: report facts rebuilt in {time.perf_counter() - start:.1f} s: {rows}")


@db_app.command("path")
def db_path(database: DatabaseOption = None) -> None:
    """Print the SQLite file in use (nothing for PostgreSQL): `make run` checks it to seed once."""
    path = sqlite_path(_url(database))
    if path is not None:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo-data")(demo_data)
    app.add_typer(db_app, name="db")
