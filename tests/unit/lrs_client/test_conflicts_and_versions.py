"""409s settled by reading the statement back, per-destination xAPI version, Retry-After as a
date, leases that ran out, and passwords kept out of messages."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.compare import same_statement
from lrs_client.dispatcher import Dispatcher
from lrs_client.errors import LrsUnreachableError
from lrs_client.tables import Destination, OutboxRow, utcnow
from lrs_client.transport import Transport, redact_url
from tests.support.lrs import LearningLockerProcess
from tests.support.ports import free_port
from tests.unit.lrs_client.support import (
    FAST,
    add_destination,
    answering_lrs,
    conflicting_lrs,
    counts,
    drain,
    enqueue_many,
    make_statement,
    recording_lrs,
    slow_isolating_lrs,
)


def _dead_errors(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.status == "dead")).all()
        return [row.last_error or "" for row in rows]


def test_409_for_the_statement_we_sent_is_delivered(sessions: sessionmaker[Session]) -> None:
    ours = make_statement()
    with conflicting_lrs(held=ours) as (endpoint, seen):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [ours])
        drain(Dispatcher(sessions, FAST), sessions)
    assert counts(sessions) == {"sent": 1}
    methods = [method for method, _ in seen]
    assert "PUT" in methods
    assert any(f"statementId={ours['id']}" in str(p) for _, p in seen)


def test_409_for_another_statement_under_our_id_is_dead_with_the_lrs_message(
    sessions: sessionmaker[Session],
) -> None:
    held = make_statement()
    ours = dict(held, verb={"id": "http://adlnet.gov/expapi/verbs/commented"})
    with conflicting_lrs(held=held) as (endpoint, _):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [ours])
        drain(Dispatcher(sessions, FAST), sessions)
    assert counts(sessions) == {"dead": 1}
    [message] = _dead_errors(sessions)
    assert message.startswith("409")
    assert "Conflict: statement id already used" in message
    assert "different statement" in message


def test_a_statement_read_back_from_the_strict_lrs_compares_equal(
    lrs: LearningLockerProcess,
) -> None:
    ours = make_statement(
        result={"response": "Mine", "extensions": {"https://peerloop.example/x/words": 1}}
    )
    transport = Transport(lrs.endpoint, "peerloop", "x")
    try:
        transport.put_statement(ours["id"], json.dumps(ours))
        stored = transport.get_statement(ours["id"])
        assert transport.get_statement(str(uuid.uuid4())) is None
    finally:
        transport.close()
    assert stored is not None
    assert "stored" in stored
    assert same_statement(ours, stored)
    assert not same_statement(
        dict(ours, verb={"id": "http://adlnet.gov/expapi/verbs/asked"}), stored
    )


def test_each_destination_gets_its_own_version_header_and_property(
    sessions: sessionmaker[Session],
) -> None:
    statement = make_statement(version="1.0.3")
    with recording_lrs() as (old, seen_old), recording_lrs() as (new, seen_new):
        add_destination(sessions, old, name="old")
        add_destination(sessions, new, name="new", xapi_version="2.0.0")
        enqueue_many(sessions, [statement])
        drain(Dispatcher(sessions, FAST), sessions)
    [(_, headers_old, [body_old])] = [s for s in seen_old if s[0] == "POST"]
    [(_, headers_new, [body_new])] = [s for s in seen_new if s[0] == "POST"]
    assert headers_old["X-Experience-API-Version"] == "1.0.3"
    assert body_old["version"] == "1.0.3"
    assert headers_new["X-Experience-API-Version"] == "2.0.0"
    assert body_new["version"] == "2.0.0"
    assert {k: v for k, v in body_new.items() if k != "version"} == {
        k: v for k, v in statement.items() if k != "version"
    }


def test_retry_after_as_an_http_date_is_honoured(sessions: sessionmaker[Session]) -> None:
    later = format_datetime(utcnow() + timedelta(seconds=600), usegmt=True)
    with answering_lrs(429, {"message": "slow down"}, {"Retry-After": later}) as endpoint:
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement()])
        before = utcnow()
        assert Dispatcher(sessions, FAST).run_once() == 1
    with sessions() as session:
        row = session.scalars(select(OutboxRow)).one()
    assert row.next_attempt_at >= before + timedelta(seconds=590)  # this batch waits
    assert counts(sessions) == {"pending": 1}


def test_a_worker_whose_lease_ran_out_settles_nothing(sessions: sessionmaker[Session]) -> None:
    add_destination(sessions, f"http://127.0.0.1:{free_port()}/xAPI/")
    enqueue_many(sessions, [make_statement() for _ in range(3)])
    with sessions() as session:
        destination_id = session.scalars(select(Destination.id)).one()
    late, current = Dispatcher(sessions, FAST), Dispatcher(sessions, FAST)
    late_rows = late._claim(destination_id)
    with sessions.begin() as session:  # the late worker's lease runs out
        session.execute(update(OutboxRow).values(claimed_until=utcnow() - timedelta(seconds=1)))
    current_rows = current._claim(destination_id)
    assert [r.id for r in current_rows] == [r.id for r in late_rows]
    late._settle(destination_id, sent=[], dead=[(row, "stale") for row in late_rows])
    late._release(late_rows)
    with sessions() as session:
        rows = session.scalars(select(OutboxRow)).all()
    assert {row.status for row in rows} == {"pending"}
    assert {row.claim_token for row in rows} == {current_rows[0].token}
    current._settle(destination_id, sent=current_rows)
    assert counts(sessions) == {"sent": 3}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://key:s3cret@lrs.example/xAPI/", "https://key:***@lrs.example/xAPI/"),
        ("http://key:s3cret@127.0.0.1:8080/x/", "http://key:***@127.0.0.1:8080/x/"),
        ("http://key:s3cret@[::1]:8080/x/", "http://key:***@[::1]:8080/x/"),
        ("https://lrs.example/xAPI/", "https://lrs.example/xAPI/"),
    ],
)
def test_passwords_in_urls_are_redacted(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_transport_errors_never_show_the_password() -> None:
    transport = Transport(f"http://key:s3cret@127.0.0.1:{free_port()}/xAPI/", "u", "pw-9f2")
    with pytest.raises(LrsUnreachableError) as caught:
        transport.check()
    transport.close()
    assert "s3cret" not in str(caught.value)
    assert "pw-9f2" not in str(caught.value)
    assert "key:***@127.0.0.1" in str(caught.value)


def test_a_long_isolation_keeps_its_lease(sessions: sessionmaker[Session]) -> None:
    """Six PUTs of 0.5 s outlast a 2 s lease: renewed, it keeps a second worker (polling all
    along) from claiming the batch and posting it again."""
    config = replace(FAST, lease_seconds=2.0)
    with slow_isolating_lrs(put_seconds=0.5) as (endpoint, seen):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [make_statement() for _ in range(6)])
        first, second = Dispatcher(sessions, config), Dispatcher(sessions, config)
        isolating = threading.Thread(target=first.run_once)
        isolating.start()
        while isolating.is_alive():
            second.run_once()
            isolating.join(0.05)
        first.close()
        second.close()
    assert counts(sessions) == {"sent": 6}
    assert [method for method, _ in seen].count("POST") == 1
    assert [method for method, _ in seen].count("PUT") == 6
