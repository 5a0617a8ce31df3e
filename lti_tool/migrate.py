"""Alembic, driven from code so ``peerloop db upgrade`` and the tests use the same path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def target_metadata() -> list[MetaData]:
    """Every table Peerloop owns: the web layer's and domain's, and lrs_client's."""
    # Importing the domain's model modules registers their tables on activities.db.Base.
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
