"""The journal and the outbox: a statement commits with the caller's transaction, once, and
routing gives it one delivery row per destination enabled at that moment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.outbox import disable_destination, enqueue, is_queued, save_destination
from lrs_client.routing import route, route_waiting
from lrs_client.status import journal_status
from lrs_client.tables import Destination, JournalEntry, OutboxRow
from tests.unit.lrs_client.support import add_destination, make_statement


def _rows(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        query = (
            select(Destination.name, OutboxRow.statement_id)
            .join(Destination)
            .order_by(Destination.name)
        )
        return [(name, sid) for name, sid in session.execute(query)]


def _journal(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(JournalEntry.statement_id).order_by(JournalEntry.id)))


def test_rolled_back_transaction_records_nothing(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    session = sessions()
    assert enqueue(session, make_statement()) is True
    session.rollback()
    session.close()
    route_waiting(sessions)
    assert _journal(sessions) == []
    assert _rows(sessions) == []


def test_recording_writes_the_journal_only_and_routing_queues_for_enabled_destinations(
    sessions: sessionmaker[Session],
) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    add_destination(sessions, "http://127.0.0.1:10/xAPI/", name="research")
    add_destination(sessions, "http://127.0.0.1:11/xAPI/", name="old")
    with sessions.begin() as session:
        disable_destination(session, "old")
    statement = make_statement()
    with sessions.begin() as session:
        assert enqueue(session, statement) is True
    assert _journal(sessions) == [statement["id"]]
    assert _rows(sessions) == []  # recording does not look at destinations
    assert route_waiting(sessions) == 1
    assert _rows(sessions) == [("default", statement["id"]), ("research", statement["id"])]
    assert route_waiting(sessions) == 0  # routed once


def test_a_replay_is_a_no_op_not_a_failed_transaction(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    statement = make_statement()
    with sessions.begin() as session:
        enqueue(session, statement)
    route_waiting(sessions)
    with sessions.begin() as session:  # a replay of the same interaction
        assert enqueue(session, statement) is False
        assert enqueue(session, make_statement()) is True  # the transaction is still good
    route_waiting(sessions)
    assert len(_journal(sessions)) == 2
    assert _rows(sessions).count(("default", statement["id"])) == 1


def test_is_queued_answers_from_the_journal(sessions: sessionmaker[Session]) -> None:
    statement = make_statement()  # no destination at all
    with sessions.begin() as session:
        assert not is_queued(session, statement["id"])
        enqueue(session, statement)
        assert is_queued(session, statement["id"])  # within the transaction too


def test_statement_with_no_destination_is_kept_and_counted(
    sessions: sessionmaker[Session],
) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    with sessions.begin() as session:
        disable_destination(session, "default")
    statement = make_statement()
    with sessions.begin() as session:
        enqueue(session, statement)
    with sessions() as session:
        figures = journal_status(session)
        assert (figures.recorded, figures.unrouted, figures.undelivered) == (1, 1, 0)
    route_waiting(sessions)
    with sessions() as session:
        figures = journal_status(session)
        assert (figures.recorded, figures.unrouted, figures.undelivered) == (1, 0, 1)
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0
    assert _journal(sessions) == [statement["id"]]


def test_routing_works_in_bounded_batches(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    with sessions.begin() as session:
        for _ in range(7):
            enqueue(session, make_statement())
    with sessions.begin() as session:
        assert route(session, limit=3) == 3
    with sessions.begin() as session:
        assert route(session, limit=3) == 3
    with sessions.begin() as session:
        assert route(session, limit=3) == 1
    assert len(_rows(sessions)) == 7


def test_statement_without_id_is_refused(sessions: sessionmaker[Session]) -> None:
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
