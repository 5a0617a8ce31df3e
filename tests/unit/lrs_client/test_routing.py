"""Routing journal entries to destinations, and backfilling a destination from the journal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.outbox import enqueue
from lrs_client.routing import backfill, route, route_waiting
from lrs_client.tables import Destination, JournalEntry, OutboxRow, utcnow
from tests.unit.lrs_client.support import add_destination, make_statement


def _delivered_to(sessions: sessionmaker[Session], name: str) -> list[str]:
    with sessions() as session:
        query = (
            select(OutboxRow.statement_id)
            .join(Destination)
            .where(Destination.name == name)
            .order_by(OutboxRow.id)
        )
        return list(session.scalars(query))


def test_an_entry_committed_after_a_later_one_is_still_routed(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    """PostgreSQL commits out of id order: the entry with the smaller id becomes visible after
    routing has seen (and routed) a larger one. A "highest id seen" cursor would skip it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: ids commit in order")
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    early, late = make_statement(), make_statement()
    slow = sessions()
    enqueue(slow, early)  # takes the smaller id, commits last
    with sessions.begin() as session:
        enqueue(session, late)
    assert route_waiting(sessions) == 1  # only the committed one is visible
    slow.commit()
    slow.close()
    assert route_waiting(sessions) == 1
    assert sorted(_delivered_to(sessions, "default")) == sorted([early["id"], late["id"]])


def test_two_routers_side_by_side_share_the_entries(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    """SKIP LOCKED: a second worker routes other entries instead of waiting or doubling."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the PostgreSQL claim is what is tested")
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    with sessions.begin() as session:
        for _ in range(6):
            enqueue(session, make_statement())
    first = sessions()
    assert route(first, limit=4) == 4  # holds its four entries' locks, uncommitted
    with sessions.begin() as second:
        assert route(second, limit=4) == 2  # the other two, without waiting
    first.commit()
    first.close()
    delivered = _delivered_to(sessions, "default")
    assert len(delivered) == len(set(delivered)) == 6


def test_backfill_queues_each_entry_once_for_a_destination_added_later(
    sessions: sessionmaker[Session],
) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    statements = [make_statement() for _ in range(5)]
    with sessions.begin() as session:
        for statement in statements:
            enqueue(session, statement)
    route_waiting(sessions)
    add_destination(sessions, "http://127.0.0.1:10/xAPI/", name="research")
    with sessions() as session:
        batches = list(backfill(session, "research", batch_size=2))
        session.commit()
    assert batches == [(2, 2), (2, 2), (1, 1)]  # bounded batches
    assert sorted(_delivered_to(sessions, "research")) == sorted(s["id"] for s in statements)
    with sessions() as session:
        assert list(backfill(session, "research")) == [(5, 0)]  # a second run adds nothing
        session.commit()
    assert len(_delivered_to(sessions, "default")) == 5  # the other destination untouched


def test_backfill_since_a_time_and_an_unknown_destination(
    sessions: sessionmaker[Session],
) -> None:
    add_destination(sessions, "http://127.0.0.1:9/xAPI/")
    old, new = make_statement(), make_statement()
    with sessions.begin() as session:
        enqueue(session, old)
        enqueue(session, new)
        session.execute(
            update(JournalEntry)
            .where(JournalEntry.statement_id == old["id"])
            .values(created_at=utcnow() - timedelta(days=3))
        )
    with sessions() as session:
        done = list(backfill(session, "default", since=utcnow() - timedelta(days=1)))
        session.commit()
    assert done == [(1, 1)]
    assert _delivered_to(sessions, "default") == [new["id"]]
    with sessions() as session, pytest.raises(LookupError):
        list(backfill(session, "nowhere"))
