"""Migrations build the schema from nothing, and they match the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

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


def test_journal_migration_moves_outbox_payloads_and_back(empty_database: str) -> None:
    """0004 keeps every queued statement: one journal entry per statement id (routed), its
    delivery rows linked to it; downgrade puts the payloads back in the rows."""
    from sqlalchemy import text

    config = alembic_config(empty_database)
    upgrade(empty_database, "0003")
    engine = make_engine(empty_database)
    payload = '{"id":"%s","verb":{"id":"https://example.org/v"}}'
    with engine.begin() as connection:
        for name in ("default", "research"):
            connection.execute(
                text(
                    "INSERT INTO lrs_destinations (name, endpoint, username, password,"
                    " xapi_version, enabled, failures, created_at) VALUES"
                    " (:name, 'http://lrs.example/xAPI/', '', '', '1.0.3', true, 0,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"name": name},
            )
        rows = [(1, "s-1", "sent"), (2, "s-1", "pending"), (1, "s-2", "dead")]
        for destination_id, statement_id, status in rows:
            connection.execute(
                text(
                    "INSERT INTO lrs_outbox (destination_id, statement_id, payload, status,"
                    " attempts, created_at, next_attempt_at) VALUES (:d, :s, :p, :st, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"d": destination_id, "s": statement_id, "p": payload % statement_id, "st": status},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        journal = connection.execute(
            text("SELECT statement_id, payload, routed_at IS NOT NULL FROM lrs_journal ORDER BY id")
        ).all()
        linked = connection.execute(
            text(
                "SELECT o.statement_id, j.statement_id, o.status FROM lrs_outbox o"
                " JOIN lrs_journal j ON j.id = o.journal_id ORDER BY o.id"
            )
        ).all()
    assert [tuple(row) for row in journal] == [
        ("s-1", payload % "s-1", True),
        ("s-2", payload % "s-2", True),
    ]
    assert [tuple(row) for row in linked] == [
        ("s-1", "s-1", "sent"),
        ("s-1", "s-1", "pending"),
        ("s-2", "s-2", "dead"),
    ]
    command.downgrade(config, "0003")
    with engine.connect() as connection:
        back = connection.execute(
            text("SELECT statement_id, payload FROM lrs_outbox ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in back] == [
        ("s-1", payload % "s-1"),
        ("s-1", payload % "s-1"),
        ("s-2", payload % "s-2"),
    ]


def test_0005_keeps_grade_records_and_marks_launched_placements(empty_database: str) -> None:
    """0005 alters the placement table in place: on SQLite a recreated table would be dropped
    with foreign keys on, taking every grade record with it by cascade."""
    upgrade(empty_database, "0004")
    engine = make_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO platform (id, issuer, client_id, auth_login_url, auth_token_url,"
                " key_set_url, source, created_at) VALUES (1, 'https://lms', 'c', 'https://a',"
                " 'https://t', 'https://k', 'cli', '2026-01-01 00:00:00+00:00')"
            )
        )
        for pid, link in ((1, "link-1"), (2, None)):
            conn.execute(
                text(
                    "INSERT INTO placement (id, key, kind, platform_id, deployment_id,"
                    " resource_link_id, title, prompt, lineitem_url, created_at) VALUES"
                    " (:id, :key, 'reflection', 1, 'd', :link, 'T', 'P',"
                    " 'https://lms/li/1', '2026-01-01 00:00:00+00:00')"
                ),
                {"id": pid, "key": f"k-{pid}", "link": link},
            )
        conn.execute(
            text(
                "INSERT INTO grade_sync (placement_id, user_sub, score_given, score_maximum,"
                " status, updated_at) VALUES (1, 'u', 1, 2, 'sent', '2026-01-01 00:00:00+00:00')"
            )
        )
    upgrade(empty_database)
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM grade_sync")) == 1
        launched = conn.execute(
            text("SELECT key, first_launched_at IS NOT NULL FROM placement ORDER BY id")
        ).all()
        assert [tuple(row) for row in launched] == [("k-1", True), ("k-2", False)]
        assert conn.scalar(text("SELECT value FROM change_counter")) == 0
    engine.dispose()


def test_0006_clears_token_audiences_that_are_not_urls(empty_database: str) -> None:
    """Dynamic registration stored Canvas's bare-host authorization_server as the audience,
    which Canvas refuses; 0006 makes the token URL the audience again, and keeps URLs."""
    upgrade(empty_database, "0005")
    engine = make_engine(empty_database)
    with engine.begin() as conn:
        for client_id, audience in (("bare", "sso.canvaslms.com"), ("url", "https://a/aud")):
            conn.execute(
                text(
                    "INSERT INTO platform (issuer, client_id, auth_login_url, auth_token_url,"
                    " auth_token_audience, key_set_url, source, created_at) VALUES"
                    " ('https://canvas.instructure.com', :c, 'https://a/l', 'https://a/t', :a,"
                    " 'https://a/k', 'dynamic', CURRENT_TIMESTAMP)"
                ),
                {"c": client_id, "a": audience},
            )
    upgrade(empty_database)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT client_id, auth_token_audience, frame_origins FROM platform ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("bare", None, None), ("url", "https://a/aud", None)]
