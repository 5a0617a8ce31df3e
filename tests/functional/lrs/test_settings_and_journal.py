"""The ``default`` destination changes only by an operator's command; statements recorded
with no destination are kept and counted; a destination added later is backfilled exactly
once from the journal (checked by id in the real LRS)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.outbox import enqueue
from lrs_client.tables import Destination, JournalEntry, utcnow
from lti_tool import create_app
from lti_tool.commands.db import cli as db_cli
from lti_tool.commands.lrs import cli as lrs_cli
from lti_tool.logs import JsonFormatter
from tests.support.lrs import LearningLockerProcess
from tests.support.settings import make_settings
from tests.unit.lrs_client.support import make_statement

ELSEWHERE = "http://lrs.elsewhere.example/xAPI/"


@pytest.fixture
def build(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Apps on this test's database, exactly as configured: nothing synced behind the test."""
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        app = create_app(make_settings(database_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["peerloop.engine"].dispose()


def _default(app: Flask) -> Destination | None:
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions() as session:
        return session.scalars(select(Destination).where(Destination.name == "default")).first()


def _record(app: Flask, statements: list[dict[str, object]]) -> None:
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions.begin() as session:
        for statement in statements:
            enqueue(session, statement)


def test_db_upgrade_seeds_default_once_and_sync_settings_updates_it(
    build: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    first = build(lrs_url=lrs.endpoint, lrs_username="peerloop", lrs_password="s1")
    assert _default(first) is None  # building an app created nothing
    result = first.test_cli_runner().invoke(db_cli, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert "LRS `default` created from PEERLOOP_LRS_URL." in result.output
    seeded = _default(first)
    assert seeded is not None
    assert seeded.endpoint == lrs.endpoint
    assert seeded.password == "s1"

    other = build(lrs_url=ELSEWHERE, lrs_version="2.0.0")
    again = other.test_cli_runner().invoke(db_cli, ["upgrade"])
    assert again.exit_code == 0
    assert "left alone" in again.output
    assert _default(other).endpoint == lrs.endpoint  # type: ignore[union-attr]

    synced = other.test_cli_runner().invoke(lrs_cli, ["sync-settings"])
    assert synced.exit_code == 0, synced.output
    assert synced.output.strip() == f"LRS `default` updated: {ELSEWHERE}, xAPI 2.0.0."
    now = _default(other)
    assert now is not None
    assert (now.endpoint, now.xapi_version, now.enabled) == (
        ELSEWHERE,
        "2.0.0",
        True,
    )

    unset = build().test_cli_runner().invoke(lrs_cli, ["sync-settings"])
    assert "PEERLOOP_LRS_URL is not set: LRS `default` disabled." in unset.output
    assert _default(first).enabled is False  # type: ignore[union-attr]


def test_a_process_with_other_settings_warns_once_and_changes_nothing(
    build: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    server = build(lrs_url=lrs.endpoint)
    server.test_cli_runner().invoke(db_cli, ["upgrade"])
    before = _default(server)
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("peerloop")
    for settings in ({"lrs_url": lrs.endpoint}, {}, {"lrs_url": ELSEWHERE}):
        logger.addHandler(handler)
        try:
            client = build(**settings).test_client()
            client.get("/")
            client.get("/")  # the check runs once per process, on its first request
        finally:
            logger.removeHandler(handler)
    warnings = [json.loads(line) for line in lines if "lrs_settings_differ" in line]
    assert [w["differs"] for w in warnings] == [["enabled"], ["endpoint"]]
    assert all(
        w["level"] == "WARNING" and w["fix"] == "peerloop lrs sync-settings" for w in warnings
    )
    after = _default(server)
    assert after is not None
    assert before is not None
    assert (
        (after.endpoint, after.enabled)
        == (before.endpoint, before.enabled)
        == (
            lrs.endpoint,
            True,
        )
    )


def test_statements_with_no_destination_are_kept_counted_and_backfilled_once(
    build: Callable[..., Flask], lrs: LearningLockerProcess, private_lrs: LearningLockerProcess
) -> None:
    app = build()  # no LRS configured at all
    runner = app.test_cli_runner()
    statements = [make_statement() for _ in range(5)]
    _record(app, statements)
    status = runner.invoke(lrs_cli, ["status"])
    assert "recorded 5   not yet routed 5   recorded with no enabled destination 0" in (
        status.output
    )
    assert runner.invoke(lrs_cli, ["flush"]).output.strip() == "Nothing to deliver."
    status = runner.invoke(lrs_cli, ["status"])
    assert "recorded 5   not yet routed 0   recorded with no enabled destination 5" in (
        status.output
    )
    assert "peerloop lrs backfill --destination NAME" in status.output

    added = runner.invoke(
        lrs_cli, ["add-destination", "research", "--endpoint", private_lrs.endpoint]
    )
    assert added.exit_code == 0, added.output
    later = make_statement()  # recorded once the destination exists: routed to it
    _record(app, [later])
    assert "1 statements handled" in runner.invoke(lrs_cli, ["flush"]).output
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions.begin() as session:  # two statements from long ago
        session.execute(
            update(JournalEntry)
            .where(JournalEntry.statement_id.in_([s["id"] for s in statements[:2]]))
            .values(created_at=utcnow() - timedelta(days=3))
        )
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    recent = runner.invoke(lrs_cli, ["backfill", "--destination", "research", "--since", since])
    assert recent.exit_code == 0, recent.output
    assert "Looked at 4 statements recorded since" in recent.output
    assert "3 queued for 'research', 1 it already had." in recent.output  # `later` was routed
    everything = runner.invoke(lrs_cli, ["backfill", "--destination", "research"])
    assert "Looked at 6 statements: 2 queued for 'research', 4 it already had." in (
        everything.output
    )
    flushed = runner.invoke(lrs_cli, ["flush"])
    assert flushed.exit_code == 0
    assert "5 statements handled, 0 pending" in flushed.output

    again = runner.invoke(lrs_cli, ["backfill", "--destination", "research"])
    assert "0 queued for 'research', 6 it already had." in again.output
    assert runner.invoke(lrs_cli, ["flush"]).output.strip() == "Nothing to deliver."
    stored = [s["id"] for s in private_lrs.all_statements()]
    expected = sorted(s["id"] for s in [*statements, later])
    assert sorted(stored) == expected  # each exactly once
    assert "recorded with no enabled destination 0" in runner.invoke(lrs_cli, ["status"]).output
    runner.invoke(lrs_cli, ["disable-destination", "research"])
    disabled = runner.invoke(lrs_cli, ["backfill", "--destination", "research"])
    assert "It is disabled: they wait until it is enabled again." in disabled.output
    unknown = runner.invoke(lrs_cli, ["backfill", "--destination", "nowhere"])
    assert unknown.exit_code == 1
    assert "No LRS called 'nowhere'." in unknown.output
