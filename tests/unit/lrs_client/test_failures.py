"""Failures back off per batch, a poison statement is split out and parked dead, an LRS that
is down backs off as a whole, and leases are short, renewed in flight and shown."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig, Dispatcher
from lrs_client.status import status
from lrs_client.tables import Destination, OutboxRow, utcnow
from tests.support.ports import free_port
from tests.unit.lrs_client.support import (
    FAST,
    add_destination,
    counts,
    drain,
    enqueue_many,
    faulty_lrs,
    make_statement,
)


def _destination(sessions: sessionmaker[Session]) -> Destination:
    with sessions() as session:
        return session.scalars(select(Destination)).one()


def test_a_poison_statement_is_parked_dead_and_its_batch_delivered(
    sessions: sessionmaker[Session],
) -> None:
    """The LRS answers 500 to any batch holding the poison statement (a column too short for
    its account name): after a few tries the batch is split, the ten others go, and the
    poison is dead with the LRS's own words."""
    statements = [make_statement() for _ in range(11)]
    poison = statements[6]["id"]

    def fails(batch: list[dict[str, str]], _post: int) -> bool:
        return any(statement["id"] == poison for statement in batch)

    with faulty_lrs(fails, "value too long for type character varying(50)") as (endpoint, lrs):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, statements)
        drain(Dispatcher(sessions, FAST), sessions, deadline=20)
    assert counts(sessions) == {"sent": 10, "dead": 1}
    assert sorted(lrs.stored) == sorted(s["id"] for s in statements if s["id"] != poison)
    with sessions() as session:
        dead = session.scalars(select(OutboxRow).where(OutboxRow.status == "dead")).one()
    assert dead.statement_id == poison
    assert dead.last_error is not None
    assert "character varying(50)" in dead.last_error


def test_an_lrs_failing_every_write_parks_nothing_and_backs_off_as_a_whole(
    sessions: sessionmaker[Session],
) -> None:
    with faulty_lrs(lambda _batch, _post: True) as (endpoint, lrs):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(11)])
        dispatcher = Dispatcher(sessions, FAST)
        end = time.monotonic() + 3
        while time.monotonic() < end and _destination(sessions).retry_at is None:
            if dispatcher.run_once() == 0:
                time.sleep(0.02)
        dispatcher.close()
    assert counts(sessions) == {"pending": 11}  # nothing dead: the LRS is down, not a statement
    assert _destination(sessions).retry_at is not None
    assert not lrs.stored
    assert [m for m, _ in lrs.requests].count("POST") >= FAST.down_after


def test_a_failed_batch_waits_alone_and_the_next_goes_without_a_probe(
    sessions: sessionmaker[Session],
) -> None:
    """An LRS that fails one request in a while: the next batch is posted at once — no
    destination-wide wait, no /about or GET statements before it — and the failed one
    follows after its own short backoff."""
    config = replace(FAST, batch_size=5, backoff_base=0.3, backoff_max=0.3, pipeline=False)
    with faulty_lrs(lambda _batch, post: post == 1) as (endpoint, lrs):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(10)])
        dispatcher = Dispatcher(sessions, config)
        assert dispatcher.run_once() == 5  # fails
        assert dispatcher.run_once() == 5  # the other batch, at once
        assert counts(sessions) == {"sent": 5, "pending": 5}
        assert _destination(sessions).retry_at is None
        drain(dispatcher, sessions, deadline=5)
        dispatcher.close()
    assert lrs.requests[0][1].endswith("/about")
    assert lrs.requests[1][0] == "GET"
    assert [method for method, _ in lrs.requests[2:]] == ["POST", "POST", "POST"]
    assert _destination(sessions).failures == 0  # a success resets it


def test_a_refused_connection_backs_the_destination_off(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, f"http://127.0.0.1:{free_port()}/xAPI/")
    enqueue_many(sessions, [make_statement() for _ in range(3)])
    assert Dispatcher(sessions, FAST).run_once() == 3
    destination = _destination(sessions)
    assert destination.retry_at is not None
    assert "connection refused" in (destination.last_error or "")
    with sessions() as session:
        assert {row.attempts for row in session.scalars(select(OutboxRow))} == {0}


def test_the_lease_is_short_by_default() -> None:
    assert DispatchConfig().lease_seconds <= 60


def test_a_slow_batch_keeps_its_lease_and_status_shows_it(
    sessions: sessionmaker[Session],
) -> None:
    """A POST answered after 1.5 s outlasts a 0.6 s lease: renewed in flight, a second worker
    polling all along never claims the batch; meanwhile `lrs status` shows it leased."""
    config = replace(FAST, lease_seconds=0.6, pipeline=False)
    slow = threading.Event()

    def fails(_batch: list[dict[str, str]], _post: int) -> bool:
        slow.set()
        time.sleep(1.5)
        return False

    with faulty_lrs(fails) as (endpoint, lrs):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(4)])
        first, second = Dispatcher(sessions, config), Dispatcher(sessions, config)
        posting = threading.Thread(target=first.run_once)
        posting.start()
        assert slow.wait(5)
        with sessions() as session:
            [line] = status(session)
        assert line.leased == 4
        assert line.lease_expires is not None
        assert line.lease_expires <= utcnow() + timedelta(seconds=0.7)
        stolen = 0
        while posting.is_alive():
            stolen += second.run_once()
            posting.join(0.05)
        first.close()
        second.close()
    assert stolen == 0
    assert counts(sessions) == {"sent": 4}
    assert [method for method, _ in lrs.requests].count("POST") == 1


def test_a_killed_workers_rows_come_back_when_its_short_lease_ends(
    sessions: sessionmaker[Session],
) -> None:
    with faulty_lrs(lambda _batch, _post: False) as (endpoint, lrs):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(3)])
        killed = Dispatcher(sessions, replace(FAST, lease_seconds=1.0))
        with sessions() as session:
            destination_id = session.scalars(select(Destination.id)).one()
        assert len(killed._claim(destination_id)) == 3  # claimed, then the worker dies
        other = Dispatcher(sessions, FAST)
        assert other.run_once() == 0  # leased
        time.sleep(1.1)
        drain(other, sessions, deadline=5)
        other.close()
    assert counts(sessions) == {"sent": 3}
    assert len(lrs.stored) == 3


def test_status_shows_no_lease_once_settled(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, f"http://127.0.0.1:{free_port()}/xAPI/")
    enqueue_many(sessions, [make_statement()])
    with sessions.begin() as session:
        session.execute(update(OutboxRow).values(claimed_until=utcnow() - timedelta(seconds=1)))
    with sessions() as session:
        [line] = status(session)
    assert line.leased == 0
    assert line.lease_expires is None
