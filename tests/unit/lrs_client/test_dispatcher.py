"""Delivery to the real strict LRS (and stand-ins for what it cannot do): batches, rejected
statements, duplicates, outages, silence, Retry-After, misconfiguration, competing workers."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig, Dispatcher, backoff_delay
from lrs_client.tables import Destination, OutboxRow, utcnow
from tests.support.lrs import LearningLockerProcess
from tests.unit.lrs_client.support import (
    FAST,
    add_destination,
    answering_lrs,
    counts,
    drain,
    enqueue_many,
    make_statement,
    silent_lrs,
)

HEADERS = {"X-Experience-API-Version": "1.0.3"}


def _ids_on(lrs: LearningLockerProcess, registration: str) -> list[str]:
    return [s["id"] for s in lrs.all_statements(registration=registration)]


def _destination(sessions: sessionmaker[Session], name: str = "default") -> Destination:
    with sessions() as session:
        return session.scalars(select(Destination).where(Destination.name == name)).one()


@pytest.mark.parametrize("pipeline", [True, False], ids=["pipelined", "in-line"])
def test_batches_are_delivered_and_marked_sent(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess, pipeline: bool
) -> None:
    add_destination(sessions, lrs.endpoint)
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(120)]
    enqueue_many(sessions, statements)
    dispatcher = Dispatcher(sessions, replace(FAST, pipeline=pipeline))
    drain(dispatcher, sessions)
    assert counts(sessions) == {"sent": 120}
    assert sorted(_ids_on(lrs, registration)) == sorted(s["id"] for s in statements)
    assert _destination(sessions).last_success_at is not None


def test_one_bad_statement_in_fifty_is_parked_dead_with_the_lrs_message(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess
) -> None:
    add_destination(sessions, lrs.endpoint)
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(50)]
    bad = statements[17]
    bad["verb"] = {"id": "not an IRI"}
    enqueue_many(sessions, statements)
    drain(Dispatcher(sessions, FAST), sessions)
    assert counts(sessions) == {"sent": 49, "dead": 1}
    with sessions() as session:
        dead = session.scalars(select(OutboxRow).where(OutboxRow.status == "dead")).one()
    assert dead.statement_id == bad["id"]
    assert dead.last_error is not None
    assert "verb.id" in dead.last_error
    stored = _ids_on(lrs, registration)
    assert len(stored) == 49
    assert bad["id"] not in stored


def test_statement_the_lrs_already_holds_counts_as_delivered(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess
) -> None:
    add_destination(sessions, lrs.endpoint)
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(3)]
    posted = requests.post(
        lrs.endpoint + "statements",
        json=statements[:2],
        headers=HEADERS,
        timeout=10,
        auth=("peerloop", "x"),
    )
    assert posted.status_code == 200
    enqueue_many(sessions, statements)
    drain(Dispatcher(sessions, FAST), sessions)
    assert counts(sessions) == {"sent": 3}
    assert sorted(_ids_on(lrs, registration)) == sorted(s["id"] for s in statements)


def test_an_id_holding_another_statement_is_dead_and_the_rest_delivered(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess
) -> None:
    add_destination(sessions, lrs.endpoint)
    registration = str(uuid.uuid4())
    taken = make_statement(registration)
    requests.post(
        lrs.endpoint + "statements", json=[taken], headers=HEADERS, timeout=10, auth=("a", "b")
    ).raise_for_status()
    ours = dict(taken, verb={"id": "http://adlnet.gov/expapi/verbs/commented"})
    other = make_statement(registration)
    enqueue_many(sessions, [ours, other])
    drain(Dispatcher(sessions, FAST), sessions)
    assert counts(sessions) == {"sent": 1, "dead": 1}
    with sessions() as session:
        dead = session.scalars(select(OutboxRow).where(OutboxRow.status == "dead")).one()
    assert dead.statement_id == ours["id"]
    assert dead.last_error is not None
    assert dead.last_error.startswith("409")


def test_unavailable_lrs_backs_off_honouring_retry_after(
    sessions: sessionmaker[Session],
) -> None:
    with answering_lrs(503, {"message": "maintenance"}, {"Retry-After": "120"}) as endpoint:
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(5)])
        dispatcher = Dispatcher(sessions, FAST)
        before = utcnow()
        assert dispatcher.run_once() == 5
        assert dispatcher.run_once() == 0  # the batch now waits
    destination = _destination(sessions)
    assert destination.failures == 1
    assert destination.retry_at is None  # one refused request is not an LRS that is down
    assert destination.last_error is not None
    assert "maintenance" in destination.last_error
    assert counts(sessions) == {"pending": 5}
    with sessions() as session:
        rows = session.scalars(select(OutboxRow)).all()
    # The LRS answered, so the try counts.
    assert all(row.claim_token is None and row.attempts == 1 for row in rows)
    assert all(row.next_attempt_at >= before + timedelta(seconds=119) for row in rows)


def test_silent_lrs_times_out_and_the_rows_wait(sessions: sessionmaker[Session]) -> None:
    with silent_lrs() as silent:
        add_destination(sessions, silent.endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(3)])
        config = DispatchConfig(read_timeout=0.3, connect_timeout=0.3, backoff_base=0.01)
        dispatcher = Dispatcher(sessions, config)
        assert dispatcher.run_once() == 3
        assert silent.accepted  # it did connect, and got no answer
    destination = _destination(sessions)
    assert destination.last_error is not None
    assert "did not answer within 0.3 s" in destination.last_error
    assert counts(sessions) == {"pending": 3}


def test_lrs_speaking_another_version_kills_no_statement(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess
) -> None:
    add_destination(sessions, lrs.endpoint, xapi_version="2.0.0")
    enqueue_many(sessions, [make_statement() for _ in range(4)])
    Dispatcher(sessions, FAST).run_once()
    assert counts(sessions) == {"pending": 4}
    error = _destination(sessions).last_error
    assert error is not None
    assert "does not speak xAPI 2.0.0" in error


def test_refused_credentials_are_reported_not_dead(sessions: sessionmaker[Session]) -> None:
    with answering_lrs(401, {"message": "Unauthorised"}) as endpoint:
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement()])
        Dispatcher(sessions, FAST).run_once()
    assert counts(sessions) == {"pending": 1}
    error = _destination(sessions).last_error
    assert error is not None
    assert "refused our credentials (401)" in error


def test_each_destination_has_its_own_state(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess
) -> None:
    add_destination(sessions, lrs.endpoint)
    add_destination(sessions, "http://127.0.0.1:9/xAPI/", name="research")  # nothing listens
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(10)]
    enqueue_many(sessions, statements)
    dispatcher = Dispatcher(sessions, FAST)
    for _ in range(4):
        dispatcher.run_once()
    dispatcher.sync()  # settling runs on a helper thread
    with sessions() as session:
        states = dict(
            session.execute(
                select(Destination.name, OutboxRow.status).join(Destination).distinct()
            ).all()
        )
    assert states == {"default": "sent", "research": "pending"}
    research = _destination(sessions, "research")
    assert research.last_error is not None
    assert "connection refused" in research.last_error
    assert _destination(sessions).last_error is None
    assert len(_ids_on(lrs, registration)) == 10


def test_two_workers_never_send_the_same_statement(
    sessions: sessionmaker[Session], lrs: LearningLockerProcess
) -> None:
    """Two dispatchers with their own connections claim from one outbox concurrently."""
    add_destination(sessions, lrs.endpoint)
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(400)]
    enqueue_many(sessions, statements)
    claimed: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        config = DispatchConfig(batch_size=10, backoff_base=0.01, backoff_max=0.05)
        dispatcher = Dispatcher(sessions, config)
        original = dispatcher._claim

        def recording_claim(destination_id: int):  # type: ignore[no-untyped-def]
            rows = original(destination_id)
            claimed[name].extend(row.statement_id for row in rows)
            return rows

        dispatcher._claim = recording_claim  # type: ignore[method-assign]
        try:
            while dispatcher.run_once():
                pass
            dispatcher.close()
        except BaseException as exc:  # noqa: BLE001  (any failure of the thread fails the test)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert claimed["a"], "both workers took part"
    assert claimed["b"], "both workers took part"
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 400
    assert counts(sessions) == {"sent": 400}
    assert len(_ids_on(lrs, registration)) == 400


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    # attempt: (lowest, highest) delay; the jitter keeps each within the upper half of its step
    expected = {1: (0.5, 1.0), 2: (1.0, 2.0), 4: (4.0, 8.0), 10: (30.0, 60.0)}
    for attempt, (low, high) in expected.items():
        delay = backoff_delay(attempt, 1.0, 60.0)
        assert low <= delay <= high, f"attempt {attempt}: {delay}"
