"""Migrations build the schema from nothing, and they match the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from lti_tool.db import make_engine
from lti_tool.migrate import alembic_config, target_metadata, upgrade
from tests.support.databases import PostgresDatabase


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    database = PostgresDatabase(migrate=False)
    yield database.url
    database.drop()


def test_upgrade_from_empty_creates_every_model_table(empty_database: str) -> None:
    upgrade(empty_database)
    engine = make_engine(empty_database)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    expected = {table.name for metadata in target_metadata() for table in metadata.sorted_tables}
    assert expected <= tables
    assert "alembic_version" in tables


def test_models_match_migrations(empty_database: str) -> None:
    """`alembic check` finds nothing to generate: no model change lacks its migration."""
    upgrade(empty_database)
    command.check(alembic_config(empty_database))


def test_downgrade_to_base_and_up_again(empty_database: str) -> None:
    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    engine = make_engine(empty_database)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(empty_database)
