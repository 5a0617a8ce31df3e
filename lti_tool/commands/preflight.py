"""What every ``peerloop`` command checks before it runs, and how its failures read: one line
naming what is wrong and what to do, never a traceback, never a secret."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from lti_tool import migrate

# Long-running commands keep the JSON logs services are expected to write; the others are an
# operator at a terminal, who reads the command's own sentence (warnings still show).
SERVICES = frozenset({("run",), ("lrs", "worker"), ("grades", "worker"), ("sandbox", "run")})
# The one command that may create the database (and so a SQLite file) where none is.
CREATES_DATABASE = frozenset({("db", "upgrade")})


def command_path(ctx: click.Context | None) -> tuple[str, ...]:
    """``("platform", "list")`` for ``peerloop platform list`` (the root group left out)."""
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.command.name or "")
        ctx = ctx.parent
    return tuple(reversed(names))


def shown_url(url: str) -> str:
    """The database URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "PEERLOOP_DATABASE_URL"  # not a URL at all: better not echo it


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (relative paths are relative to the current folder)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _missing_schema(reason: str) -> bool:
    # SQLite says "no such table", PostgreSQL 'relation "…" does not exist'.
    return "no such table" in reason or ("relation" in reason and "does not exist" in reason)


def describe_database_error(error: SQLAlchemyError, url: str) -> str:
    orig = getattr(error, "orig", None)
    lines = str(orig if orig is not None else error).strip().splitlines()
    reason = lines[0] if lines else type(error).__name__
    if _missing_schema(reason):
        return (
            f"The database {shown_url(url)} lacks Peerloop's tables ({reason}): "
            "run `peerloop db upgrade`."
        )
    return f"Cannot use the database {shown_url(url)}: {reason}. Check PEERLOOP_DATABASE_URL."


def check_database(url: str, command: tuple[str, ...]) -> None:
    """Refuse to run ``command`` unless the database exists at this code's revision."""
    if command in CREATES_DATABASE:
        return
    path = sqlite_file(url)
    if path is not None and not path.exists():
        # Connecting would create an empty file wherever the command happens to run.
        raise click.ClickException(
            f"No database at {path.resolve()}: run `peerloop db upgrade` to create it, "
            "or set PEERLOOP_DATABASE_URL (a relative SQLite path is relative to the "
            "current folder)."
        )
    try:
        current = migrate.current_revision(url)
    except SQLAlchemyError as error:
        raise click.ClickException(describe_database_error(error, url)) from None
    head = migrate.head_revision()
    if current is None:
        raise click.ClickException(
            f"The database {shown_url(url)} has no Peerloop schema yet: run `peerloop db upgrade`."
        )
    if current != head:
        raise click.ClickException(
            f"The database {shown_url(url)} is at revision {current}, this Peerloop needs "
            f"{head}: run `peerloop db upgrade`."
        )


def quiet_logs_for(command: tuple[str, ...], level_was_set: bool) -> None:
    """An operator command prints sentences; its INFO log lines would repeat them as JSON."""
    if command not in SERVICES and not level_was_set:
        logger = logging.getLogger("peerloop")
        logger.setLevel(max(logger.level, logging.WARNING))


def describe_unexpected(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    detail = f": {lines[0]}" if lines else ""
    return (
        f"Unexpected error ({type(error).__name__}){detail}. "
        "PEERLOOP_LOG_LEVEL=DEBUG logs the traceback."
    )
