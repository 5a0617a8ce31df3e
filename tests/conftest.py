"""Shared fixtures. Every test that uses ``app`` runs on SQLite and on PostgreSQL
(``tests.support.settings.DATABASES``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from lti_tool import create_app
from lti_tool.config import Settings
from tests.support.databases import PostgresDatabase, SqliteTemplate
from tests.support.live import LiveServer
from tests.support.lrs import LearningLockerProcess
from tests.support.ports import free_port
from tests.support.settings import DATABASES, make_settings

#: On CI, a run in which no test passed on PostgreSQL fails (see the module).
pytest_plugins = ["tests.support.postgres_gate"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    database = PostgresDatabase()
    yield database
    database.drop()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database: SQLite or the machine's PostgreSQL."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        yield template.fresh(tmp_path)
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.empty()
    yield database.url
    database.empty()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["peerloop.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session on the app's database, for arranging and checking rows."""
    session: Session = app.extensions["peerloop.sessions"]()
    yield session
    session.close()


@pytest.fixture
def live_app(database_url: str) -> Iterator[LiveServer]:
    """The tool served over HTTP on a loopback port, base_url matching that port."""
    port = free_port()
    app = create_app(make_settings(database_url, base_url=f"http://127.0.0.1:{port}"))
    server = LiveServer(app, port).start()
    server.app = app  # type: ignore[attr-defined]
    yield server
    server.stop()
    app.extensions["peerloop.engine"].dispose()


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LearningLockerProcess]:
    """One real, strict LRS for the session. Tests must not assume it is empty: filter by
    their own ids or registrations. Use ``private_lrs`` to stop or restart an LRS."""
    process = LearningLockerProcess(tmp_path_factory.mktemp("lrs"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def private_lrs(tmp_path: Path) -> Iterator[LearningLockerProcess]:
    """An LRS of this test's own, empty, which the test may stop, kill and restart."""
    process = LearningLockerProcess(tmp_path)
    process.start()
    yield process
    process.stop()
