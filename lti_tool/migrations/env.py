"""Alembic environment: runs online against the URL that lti_tool.migrate puts in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from lti_tool.db import make_engine
from lti_tool.migrate import target_metadata

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata(),
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
