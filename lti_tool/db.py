"""What the running app holds for a request: one engine, a session per request or command
(``get_session()``), and the settings (``current_settings()``).

Operations only flush; the view or command commits once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.config import Settings


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on, a busy timeout, and WAL with
    ``synchronous=NORMAL``: a commit is written to the log without waiting for the disk
    (the log is synced at checkpoints), which SQLite documents as safe from corruption; an
    operating-system crash or power cut may lose the last commits, an application crash does
    not. It takes the disk's flush (about 1.5 ms here) off every commit."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def init_app(app: Flask, settings: Settings) -> None:
    if settings.database_url.startswith("sqlite:///") and ":memory:" not in settings.database_url:
        # A newcomer's first run: create the SQLite file's folder (instance/ by default).
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    engine = make_engine(settings.database_url)
    app.extensions["peerloop.engine"] = engine
    app.extensions["peerloop.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def commit_without_waiting_for_disk(session: Session) -> None:
    """Let this transaction's commit return before the disk has it: for writes whose loss in
    a database crash only costs a retry (an OIDC login's state: its launch is then refused as
    unknown, and the user opens the activity again). PostgreSQL: ``synchronous_commit`` off
    for this transaction only (no corruption risk; the last fraction of a second of such
    commits may be lost in a server crash). SQLite commits that way already (see
    ``make_engine``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NO_SYNC_COMMIT)


_NO_SYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")


def session_factory() -> sessionmaker[Session]:
    factory: sessionmaker[Session] = current_app.extensions["peerloop.sessions"]
    return factory


def get_session() -> Session:
    """The request's (or CLI command's) session; views commit once, operations only flush."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


def current_settings() -> Settings:
    """The running app's settings (inside a request or an app context)."""
    value: Settings = current_app.config["PEERLOOP"]
    return value


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
