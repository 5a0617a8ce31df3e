"""query(): the xAPI filters, and ``more`` followed to the end, against the real LRS."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from lrs_client.errors import LrsUnreachableError
from lrs_client.query import query
from lrs_client.transport import Transport
from tests.support.lrs import LearningLockerProcess
from tests.support.ports import free_port
from tests.unit.lrs_client.support import make_statement

COMMENTED = "http://adlnet.gov/expapi/verbs/commented"


@pytest.fixture
def stored(lrs: LearningLockerProcess) -> tuple[str, list[dict[str, object]]]:
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(7)]
    statements[2]["verb"] = {"id": COMMENTED}
    statements[5]["verb"] = {"id": COMMENTED}
    response = requests.post(
        lrs.endpoint + "statements",
        json=statements,
        headers={"X-Experience-API-Version": "1.0.3"},
        auth=("a", "b"),
        timeout=10,
    )
    response.raise_for_status()
    return registration, statements


def test_query_follows_more_to_the_end(
    lrs: LearningLockerProcess, stored: tuple[str, list[dict[str, object]]]
) -> None:
    registration, statements = stored
    transport = Transport(lrs.endpoint, "a", "b")
    found = list(query(transport, registration=registration, page_size=3))
    assert sorted(s["id"] for s in found) == sorted(str(s["id"]) for s in statements)
    assert len(list(query(transport, registration=registration, limit=5, page_size=2))) == 5


def test_query_filters_by_verb_agent_activity_and_time(
    lrs: LearningLockerProcess, stored: tuple[str, list[dict[str, object]]]
) -> None:
    registration, statements = stored
    transport = Transport(lrs.endpoint, "a", "b")
    by_verb = list(query(transport, registration=registration, verb=COMMENTED))
    assert {s["id"] for s in by_verb} == {statements[2]["id"], statements[5]["id"]}
    agent = {"objectType": "Agent", "account": statements[0]["actor"]["account"]}  # type: ignore[index]
    by_agent = list(
        query(
            transport,
            registration=registration,
            agent=agent,
            activity="https://peerloop.example/a/1",
            related_activities=True,
            since=datetime.now(UTC) - timedelta(hours=1),
            until=datetime.now(UTC) + timedelta(minutes=1),
        )
    )
    assert len(by_agent) == 7
    later = list(query(transport, registration=registration, since=datetime.now(UTC)))
    assert later == []


def test_query_of_an_unreachable_lrs_raises_a_clear_error() -> None:
    transport = Transport(f"http://127.0.0.1:{free_port()}/xAPI/")
    with pytest.raises(LrsUnreachableError, match="connection refused"):
        list(query(transport, verb=COMMENTED))
