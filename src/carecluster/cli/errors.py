"""A person's mistake on the command line is one line on stderr and exit 2, never a traceback.

Every command runs inside `OneLineGroup.invoke`, the root group of the `carecluster` app, so a
usage error (a missing argument, a bad option) and the failures that come from what a person
typed (a revision that does not exist, a database that cannot be reached, a file that cannot be
read) are turned into one line here, once, rather than in each command. Anything else is a
defect and keeps its traceback, so it gets reported and fixed rather than hidden.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(text).__name__


def person_mistake(error: BaseException) -> str | None:
    """The one line for an error a person caused, or None when it is a defect."""
    from alembic.util import CommandError
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError

    from carecluster.currency.reference import CurrencyReferenceError
    from carecluster.reference import ReferenceError
    from carecluster.settings import SettingsError

    if isinstance(error, CommandError):
        return f"database migration: {_first_line(error)} (see `carecluster db history`)"
    if isinstance(error, ArgumentError | NoSuchModuleError):
        return f"--database-url: not a database URL carecluster can use: {_first_line(error)}"
    if isinstance(error, OperationalError | ProgrammingError):
        return (
            f"database: {_first_line(error.orig or error)} "
            "(is it reachable, and is its schema current? `carecluster db upgrade`)"
        )
    if isinstance(error, ReferenceError):
        return f"reference set {error.source}: {'; '.join(error.problems)}"
    if isinstance(error, CurrencyReferenceError | SettingsError):
        return _first_line(error)
    if isinstance(error, OSError) and (error.filename or error.strerror):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or _first_line(error)}"
    return None


class OneLineGroup(TyperGroup):
    """The root command group: turns usage errors and a person's mistakes into one line, exit 2."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except typer.Exit:
            raise
        except Exception as error:
            self._one_line(error, info_name or "carecluster")
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.Exit:
            raise
        except Exception as error:
            self._one_line(error, ctx.command_path)
            raise

    @staticmethod
    def _one_line(error: BaseException, command_path: str) -> None:
        """Print one line and exit 2 when `error` is a person's mistake; return otherwise."""
        from typer._click.exceptions import NoArgsIsHelpError, UsageError

        from carecluster.cli.common import fail

        if isinstance(error, NoArgsIsHelpError):
            return  # a bare group: its help is the answer
        if isinstance(error, UsageError):
            where = error.ctx.command_path if error.ctx is not None else command_path
            named = where.partition(" ")[2] or "options"
            fail(f"{named}: {_first_line(error.format_message())} (see {where} --help)")
        if isinstance(error, typer.Abort):
            fail("stopped at a prompt with no answer: nothing changed")
        message = person_mistake(error)
        if message is not None:
            fail(message)


def interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal); scripts must say --yes."""
    import sys

    return sys.stdin.isatty()


def confirm_or_stop(question: str, yes: bool) -> None:
    """Destructive commands: go on with `--yes`, or when a person answers y; otherwise stop, changing nothing."""
    from carecluster.cli.common import fail

    if yes:
        return
    if not interactive():
        fail(f"{question} Nothing changed: run it at a terminal to be asked, or pass --yes.")
    if not typer.confirm(f"{question} Continue?", default=False, err=True):
        fail("nothing changed.", 1)
