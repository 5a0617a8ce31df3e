"""The web layer's side of xAPI delivery: ``record()`` for views and services, the ``default``
destination kept in step with the PEERLOOP_LRS_* settings, and the development worker thread."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig
from lrs_client.outbox import disable_destination, enqueue, save_destination
from lrs_client.worker import WorkerThread
from lti_tool.config import Settings
from lti_tool.db import session_scope
from lti_tool.logs import log_event

DEFAULT = "default"
_start_lock = threading.Lock()


def record(session: Session, statement_json: dict[str, Any]) -> None:
    """Queue a statement (with its ``id``) for every enabled LRS, in the caller's transaction:
    it is delivered if and only if the caller commits. Never touches the network."""
    enqueue(session, statement_json)


def sync_default_destination(session: Session, settings: Settings) -> None:
    """Make the ``default`` destination match the settings; disable it when no URL is set
    (its pending statements wait rather than vanish)."""
    if settings.lrs_url:
        save_destination(
            session,
            DEFAULT,
            settings.lrs_url,
            settings.lrs_username or "",
            settings.lrs_password or "",
            settings.lrs_version,
        )
    else:
        disable_destination(session, DEFAULT)


def dispatch_config(settings: Settings, **overrides: Any) -> DispatchConfig:
    values: dict[str, Any] = {"read_timeout": settings.http_timeout_seconds}
    values.update({key: value for key, value in overrides.items() if value is not None})
    return DispatchConfig(**values)


def init_app(app: Flask) -> None:
    """Sync the default destination, and in development run the dispatcher in a thread,
    started by the first request so that CLI commands (which build an app too) never do."""
    settings: Settings = app.config["PEERLOOP"]
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    try:
        with session_scope(sessions) as session:
            sync_default_destination(session, settings)
    except SQLAlchemyError as exc:  # tables not created yet (before `peerloop db upgrade`)
        # Expected once, before `peerloop db upgrade` creates the tables: not worth a warning.
        log_event("lrs_destination_sync_skipped", logging.DEBUG, reason=type(exc).__name__)
    if settings.lrs_worker_thread and settings.env != "test":

        @app.before_request
        def _start_worker() -> None:
            if "peerloop.lrs_worker" in app.extensions:
                return
            with _start_lock:
                if "peerloop.lrs_worker" not in app.extensions:
                    worker = WorkerThread(sessions, dispatch_config(settings)).start()
                    app.extensions["peerloop.lrs_worker"] = worker
