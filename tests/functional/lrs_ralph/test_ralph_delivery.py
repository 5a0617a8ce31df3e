"""Ralph 5.1.0 as a second real LRS next to Learning Locker: the dispatcher delivers a class's
statements, built by ``xapi.builders``, to both; Ralph's failures stay Ralph's.

Ralph's limits shaped these tests (measured, see tests/support/ralph.py and shared/XAPI.md):
- its fs backend accepts one writing POST per process and answers 500 to every later one,
  so each test has a fresh Ralph and sends each Ralph batch in one POST (batch size ≥ the
  statements sent); the 500 itself is tested as the retryable outage it looks like;
- it has no ``about`` resource, so the dispatcher's first check relies on the statements read;
- an all-duplicate POST answers 204 with an empty body, which is what a re-send gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig, Dispatcher
from lrs_client.outbox import enqueue, save_destination
from lrs_client.routing import route_waiting
from lrs_client.tables import PENDING, Destination, OutboxRow
from lti_tool import create_app
from tests.functional.lrs_ralph.statements import class_statements
from tests.support.lrs import LearningLockerProcess
from tests.support.ralph import PASSWORD, USERNAME, RalphProcess
from tests.support.settings import make_settings

pytestmark = pytest.mark.lrs

RALPH = "ralph"
LEARNING_LOCKER = "learning-locker"
# One batch holds every statement a test sends, so Ralph sees one writing POST per batch.
CONFIG = DispatchConfig(
    batch_size=200,
    lease_seconds=30,
    connect_timeout=2,
    read_timeout=10,
    backoff_base=0.05,
    backoff_max=0.2,
    idle_seconds=0.02,
)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """The outbox of a fresh, migrated database (no default LRS configured)."""
    app = create_app(make_settings(database_url))
    factory: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    yield factory
    app.extensions["peerloop.engine"].dispose()


def _destinations(
    sessions: sessionmaker[Session], ralph: RalphProcess, lrs: LearningLockerProcess | None
) -> None:
    with sessions.begin() as session:
        save_destination(session, RALPH, ralph.endpoint, USERNAME, PASSWORD)
        if lrs is not None:
            save_destination(session, LEARNING_LOCKER, lrs.endpoint, "peerloop", "lrs-test")


def _queue(sessions: sessionmaker[Session], statements: list[dict[str, Any]]) -> None:
    with sessions.begin() as session:
        for statement in statements:
            enqueue(session, statement)
    route_waiting(sessions)  # their delivery rows now, as the dispatcher's first round would


def _dispatch_until_idle(dispatcher: Dispatcher, rounds: int = 10) -> None:
    """Run the dispatcher until no due row is left (a backed-off destination is not due)."""
    for _ in range(rounds):
        if dispatcher.run_once() == 0:
            break
    dispatcher.sync()


def _states(sessions: sessionmaker[Session], destination: str) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(OutboxRow.status, func.count())
            .join(Destination, Destination.id == OutboxRow.destination_id)
            .where(Destination.name == destination)
            .group_by(OutboxRow.status)
        ).all()
    return {status: int(count) for status, count in rows}


def _destination(sessions: sessionmaker[Session], name: str) -> Destination:
    with sessions() as session:
        destination = session.scalars(select(Destination).where(Destination.name == name)).one()
        session.expunge(destination)
        return destination


def _ids(statements: list[dict[str, Any]]) -> list[str]:
    return sorted(statement["id"] for statement in statements)


def test_one_batch_of_built_statements_reaches_ralph_and_learning_locker_alike(
    sessions: sessionmaker[Session], ralph: RalphProcess, lrs: LearningLockerProcess
) -> None:
    _, statements = class_statements(learners=10)
    _destinations(sessions, ralph, lrs)
    _queue(sessions, statements)
    dispatcher = Dispatcher(sessions, CONFIG)
    try:
        _dispatch_until_idle(dispatcher)
    finally:
        dispatcher.close()
    assert _states(sessions, RALPH) == {"sent": 30}
    assert _states(sessions, LEARNING_LOCKER) == {"sent": 30}
    assert sorted(ralph.stored_ids()) == _ids(statements)  # each id once
    held = {statement["id"] for statement in lrs.all_statements()}
    assert set(_ids(statements)) <= held
    for name in (RALPH, LEARNING_LOCKER):
        destination = _destination(sessions, name)
        assert destination.failures == 0
        assert destination.last_success_at is not None


def test_ralph_500_after_its_first_post_leaves_its_rows_pending_while_learning_locker_gets_them(
    sessions: sessionmaker[Session], ralph: RalphProcess, lrs: LearningLockerProcess
) -> None:
    _, first = class_statements(learners=2)
    _, second = class_statements(learners=3)
    _destinations(sessions, ralph, lrs)
    dispatcher = Dispatcher(sessions, CONFIG)
    try:
        _queue(sessions, first)
        _dispatch_until_idle(dispatcher)
        assert _states(sessions, RALPH) == {"sent": 6}
        _queue(sessions, second)
        _dispatch_until_idle(dispatcher)  # Ralph's fs backend now answers 500 to any write
        assert dispatcher.last_failure is not None
        assert "(500)" in dispatcher.last_failure
    finally:
        dispatcher.close()
    # Ralph's rows wait for a retry: a 500 is an outage, never a reason to drop statements.
    assert _states(sessions, RALPH) == {"sent": 6, "pending": 9}
    ralph_state = _destination(sessions, RALPH)
    assert ralph_state.failures >= 1  # the batch backs off; the destination is not down yet
    assert ralph_state.last_error is not None
    assert "(500)" in ralph_state.last_error
    with sessions() as session:
        waiting = session.scalars(
            select(OutboxRow)
            .join(Destination, Destination.id == OutboxRow.destination_id)
            .where(Destination.name == RALPH, OutboxRow.status == PENDING)
        ).all()
        assert {row.statement_id for row in waiting} == set(_ids(second))
        assert all("(500)" in (row.last_error or "") for row in waiting)
        assert all(row.next_attempt_at is not None for row in waiting)
    assert sorted(ralph.stored_ids()) == _ids(first)
    # Learning Locker's side is untouched by Ralph's failure.
    assert _states(sessions, LEARNING_LOCKER) == {"sent": 15}
    locker_state = _destination(sessions, LEARNING_LOCKER)
    assert locker_state.failures == 0
    assert locker_state.retry_at is None
    held = {statement["id"] for statement in lrs.all_statements()}
    assert set(_ids(first) + _ids(second)) <= held


def test_resending_a_batch_ralph_already_holds_counts_as_delivered(
    sessions: sessionmaker[Session], ralph: RalphProcess
) -> None:
    _, statements = class_statements(learners=4)
    _destinations(sessions, ralph, None)
    _queue(sessions, statements)
    dispatcher = Dispatcher(sessions, CONFIG)
    try:
        _dispatch_until_idle(dispatcher)
        assert _states(sessions, RALPH) == {"sent": 12}
        # The answer to that POST was lost, as far as the outbox knows: due again.
        with sessions.begin() as session:
            session.execute(update(OutboxRow).values(status=PENDING, sent_at=None))
        dispatcher.last_failure = None
        _dispatch_until_idle(dispatcher)
    finally:
        dispatcher.close()
    # Ralph answered the all-duplicate POST with 204 and an empty body: delivered, not failed.
    assert dispatcher.last_failure is None
    assert _states(sessions, RALPH) == {"sent": 12}
    assert _destination(sessions, RALPH).failures == 0
    assert sorted(ralph.stored_ids()) == _ids(statements)  # still each id once


def test_the_204_of_an_all_duplicate_post_is_what_ralph_answers(ralph: RalphProcess) -> None:
    """Pins the behaviour the re-send test relies on, at the HTTP level."""
    _, statements = class_statements(learners=1)
    body = json.dumps(statements)
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    url = ralph.endpoint + "statements"
    first = requests.post(url, data=body, headers=headers, auth=ralph.auth, timeout=10)
    again = requests.post(url, data=body, headers=headers, auth=ralph.auth, timeout=10)
    assert first.status_code == 200
    assert sorted(first.json()) == _ids(statements)
    assert again.status_code == 204
    assert again.content == b""
