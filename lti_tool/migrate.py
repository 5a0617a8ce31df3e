"""Alembic, driven from code so ``peerloop db upgrade`` and the tests use the same path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool

from lti_tool.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def target_metadata() -> list[MetaData]:
    """Every table Peerloop owns: the web layer's and domain's, and lrs_client's."""
    # Importing the domain's model modules registers their tables on activities.db.Base.
    import activities.grading
    import activities.placements
    import activities.reflection.models
    import activities.roster
    import activities.settings  # noqa: F401
    import lrs_client.tables
    import lti_tool.models  # noqa: F401
    from activities.db import Base

    return [Base.metadata, lrs_client.tables.metadata]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def head_revision() -> str:
    """The revision this code's migrations end at."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "no migration in lti_tool/migrations/versions"
    return head


def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None when it has no Peerloop schema yet."""
    engine = make_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def describe_upgrade(before: str | None, after: str | None) -> str:
    """What `peerloop db upgrade` did, for the operator who ran it."""
    if before == after:
        return f"Already up to date at revision {after}."
    if before is None:
        return f"Created the database schema (revision {after})."
    return f"Upgraded the database from revision {before} to {after}."
