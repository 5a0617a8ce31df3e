"""Clean databases for tests: a fresh SQLite file per test (copied from a migrated template),
and one PostgreSQL database per test session, emptied after every test."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from lti_tool.db import make_engine
from lti_tool.migrate import target_metadata, upgrade

PG_SERVER = os.environ.get("PEERLOOP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def build_schema(url: str) -> None:
    """Create every table the way production does: Alembic migrations."""
    upgrade(url)


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.sqlite"
        build_schema(f"sqlite:///{self.path}")

    def fresh(self, directory: Path) -> str:
        target = directory / f"peerloop-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copy(self.path, target)
        return f"sqlite:///{target}"


class PostgresDatabase:
    def __init__(self, *, migrate: bool = True) -> None:
        self.name = f"peerloop_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.url = f"{PG_SERVER}/{self.name}"
        if migrate:
            build_schema(self.url)
        self.engine: Engine = make_engine(self.url)

    def empty(self) -> None:
        tables = [t.name for md in target_metadata() for t in md.sorted_tables]
        if not tables:
            return
        quoted = ", ".join(f'"{t}"' for t in tables)
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        self.engine.dispose()
        admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()
