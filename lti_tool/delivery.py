"""The web layer's side of xAPI delivery: the dispatch config, the development worker thread,
and the ``default`` destination against the PEERLOOP_LRS_* settings (seed, sync, check).

Starting a process never changes a destination: the database holds the destinations every
process shares, and a process started with other settings (a second terminal without the
dev script's environment) must not switch them for the running server. ``default`` is seeded
from the settings by `peerloop db upgrade` (once) and follows them again only through
`peerloop lrs sync-settings`; a web or worker process whose settings disagree logs a warning.
Statements are recorded with ``lrs_client.outbox.enqueue`` (the journal), whatever the
destinations.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig
from lrs_client.outbox import disable_destination, save_destination
from lrs_client.tables import Destination
from lrs_client.worker import WorkerThread
from lti_tool.config import Settings
from lti_tool.logs import log_event

DEFAULT = "default"
_start_lock = threading.Lock()


def _default(session: Session) -> Destination | None:
    return session.scalars(select(Destination).where(Destination.name == DEFAULT)).first()


def _endpoint(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def seed_default_destination(session: Session, settings: Settings) -> bool:
    """Create ``default`` from the settings when there is none yet and a URL is set
    (`peerloop db upgrade`); an existing one is left alone. Flushes; True if created."""
    if not settings.lrs_url or _default(session) is not None:
        return False
    save_destination(
        session,
        DEFAULT,
        settings.lrs_url,
        settings.lrs_username or "",
        settings.lrs_password or "",
        settings.lrs_version,
    )
    return True


def sync_default_destination(session: Session, settings: Settings) -> str:
    """Make ``default`` match the settings (`peerloop lrs sync-settings`, an operator's
    explicit action); disable it when no URL is set (its pending statements wait, and new
    ones stay in the journal). Flushes; returns what it did, as a sentence."""
    if settings.lrs_url:
        existed = _default(session) is not None
        destination = save_destination(
            session,
            DEFAULT,
            settings.lrs_url,
            settings.lrs_username or "",
            settings.lrs_password or "",
            settings.lrs_version,
        )
        verb = "updated" if existed else "created"
        return f"LRS `default` {verb}: {destination.endpoint}, xAPI {destination.xapi_version}."
    if disable_destination(session, DEFAULT):
        return "PEERLOOP_LRS_URL is not set: LRS `default` disabled."
    return "PEERLOOP_LRS_URL is not set and there is no LRS `default`: nothing to do."


def settings_differences(session: Session, settings: Settings) -> list[str]:
    """What of ``default`` differs from the settings (names only, never a secret)."""
    destination = _default(session)
    if destination is None:
        return ["endpoint"] if settings.lrs_url else []
    if not settings.lrs_url:
        return ["enabled"] if destination.enabled else []
    wanted = {
        "endpoint": _endpoint(settings.lrs_url),
        "username": settings.lrs_username or "",
        "password": settings.lrs_password or "",
        "xapi_version": settings.lrs_version,
        "enabled": True,
    }
    return [name for name, value in wanted.items() if getattr(destination, name) != value]


def warn_if_settings_differ(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Log one warning line when the settings disagree with ``default``; change nothing."""
    try:
        with sessions() as session:
            differences = settings_differences(session, settings)
    except SQLAlchemyError as exc:  # tables not created yet (before `peerloop db upgrade`)
        log_event("lrs_settings_check_skipped", logging.DEBUG, reason=type(exc).__name__)
        return
    if differences:
        log_event(
            "lrs_settings_differ",
            logging.WARNING,
            destination=DEFAULT,
            differs=differences,
            using="database",
            fix="peerloop lrs sync-settings",
        )


def dispatch_config(settings: Settings, **overrides: Any) -> DispatchConfig:
    values: dict[str, Any] = {"read_timeout": settings.http_timeout_seconds}
    values.update({key: value for key, value in overrides.items() if value is not None})
    return DispatchConfig(**values)


def init_app(app: Flask) -> None:
    """On the first request (so CLI commands, which build an app too, do neither): compare
    the settings with ``default`` once, and in development start the dispatcher thread."""
    settings: Settings = app.config["PEERLOOP"]
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    start_worker = settings.lrs_worker_thread and settings.env != "test"

    @app.before_request
    def _first_request() -> None:
        if "peerloop.lrs_started" in app.extensions:
            return
        with _start_lock:
            if "peerloop.lrs_started" in app.extensions:
                return
            app.extensions["peerloop.lrs_started"] = True
            warn_if_settings_differ(sessions, settings)
            if start_worker:
                worker = WorkerThread(sessions, dispatch_config(settings)).start()
                app.extensions["peerloop.lrs_worker"] = worker
