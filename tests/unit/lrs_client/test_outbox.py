"""The outbox: a statement commits with the caller's transaction, once per destination."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.outbox import disable_destination, enqueue, save_destination
from lrs_client.tables import Destination, OutboxRow
from tests.unit.lrs_client.support import add_destination, make_statement


def _rows(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        query = (
            select(Destination.name, OutboxRow.statement_id)
            .join(Destination)
            .order_by(Destination.name)
        )
        return [(name, sid) for name, sid in session.execute(query)]


def test_rolled_back_transaction_queues_nothing(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    session = sessions()
    assert enqueue(session, make_statement()) == 1
    session.rollback()
    session.close()
    assert _rows(sessions) == []


def test_committed_statement_is_queued_for_every_enabled_destination(
    sessions: sessionmaker[Session],
) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    add_destination(sessions, "http://127.0.0.1:10/xAPI/", name="research")
    add_destination(sessions, "http://127.0.0.1:11/xAPI/", name="old")
    with sessions.begin() as session:
        disable_destination(session, "old")
    statement = make_statement()
    with sessions.begin() as session:
        assert enqueue(session, statement) == 2
    assert _rows(sessions) == [("default", statement["id"]), ("research", statement["id"])]


def test_named_destinations_and_replays(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    add_destination(sessions, "http://127.0.0.1:10/xAPI/", name="research")
    statement = make_statement()
    with sessions.begin() as session:
        enqueue(session, statement, destinations=["research"])
    with sessions.begin() as session:  # a replay of the same interaction: no second row
        enqueue(session, statement, destinations=["research"])
    assert _rows(sessions) == [("research", statement["id"])]


def test_statement_without_id_is_refused(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    statement = make_statement()
    del statement["id"]
    with sessions() as session, pytest.raises(ValueError, match="needs its id"):
        enqueue(session, statement)


def test_destination_validation_and_update(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        with pytest.raises(ValueError, match="xAPI version"):
            save_destination(session, "x", "http://lrs.example/xAPI/", xapi_version="1.1")
        with pytest.raises(ValueError, match="http"):
            save_destination(session, "x", "lrs.example/xAPI")
        saved = save_destination(session, "x", "http://lrs.example/xAPI")
        saved.last_error = "old problem"
        saved = save_destination(session, "x", "http://lrs2.example/xAPI", "k", "s", "2.0.0")
    assert saved.endpoint == "http://lrs2.example/xAPI/"
    assert saved.xapi_version == "2.0.0"
    assert saved.last_error is None  # a changed configuration deserves a fresh start
