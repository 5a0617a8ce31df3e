"""Per-app database wiring and the request-scoped session views use."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.config import Settings
from lti_tool.db import make_engine, make_session_factory


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


def session_factory() -> sessionmaker[Session]:
    factory: sessionmaker[Session] = current_app.extensions["peerloop.sessions"]
    return factory


def db() -> Session:
    """The request's (or CLI command's) session; views commit once, services only flush."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


def settings() -> Settings:
    value: Settings = current_app.config["PEERLOOP"]
    return value


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
