"""Statement equality as xAPI defines it: what an LRS may set or re-serialise is not a
difference; a different statement still is. The real strict LRS's read-back proves it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.compare import same_statement
from lrs_client.dispatcher import Dispatcher
from lrs_client.transport import Transport
from tests.support.lrs import LearningLockerProcess
from tests.unit.lrs_client.support import (
    FAST,
    add_destination,
    conflicting_lrs,
    counts,
    drain,
    enqueue_many,
    make_statement,
)


def _terminated(duration: str) -> dict[str, Any]:
    return make_statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/terminated", "display": {"en-US": "ended"}},
        result={"duration": duration, "completion": True},
        context={
            "registration": "6F1C2A3B-0000-4000-8000-00000000ABCD",
            "contextActivities": {"grouping": {"id": "https://LMS.Example.edu/course/1"}},
            "language": "en-US",
        },
        timestamp="2026-11-23T10:00:00.123456+01:00",
    )


# (what we sent, what an LRS hands back): each pair is the same statement.
NORMALISED = {
    "duration zero-padding": ("PT12M03.25S", "PT12M3.25S"),
    "duration zero seconds": ("PT03M00S", "PT03M0S"),
    "duration beyond 0.01 s": ("PT1.2345S", "PT1.23S"),
    "duration in other units": ("PT1H30M", "PT90M"),
}


@pytest.mark.parametrize(("ours", "theirs"), NORMALISED.values(), ids=NORMALISED.keys())
def test_durations_compare_by_value(ours: str, theirs: str) -> None:
    sent = _terminated(ours)
    stored = dict(copy.deepcopy(sent), result={"duration": theirs, "completion": True})
    assert same_statement(sent, stored)


def test_what_an_lrs_sets_or_reformats_is_not_a_difference() -> None:
    sent = _terminated("PT5M")
    sent["actor"] = {"mbox": "mailto:Learner@example.edu", "name": "A learner"}
    stored = copy.deepcopy(sent)
    stored.update(
        stored="2026-11-23T10:00:02.000Z",
        authority={"objectType": "Agent", "mbox": "mailto:lrs@example.org"},
        version="1.0.3",
        timestamp="2026-11-23T09:00:00.123Z",  # same instant, in UTC, to the millisecond
    )
    stored["id"] = sent["id"].upper()
    stored["actor"] = {
        "objectType": "Agent",
        "mbox": "MAILTO:Learner@example.edu",
        "name": "A learner",
    }
    stored["verb"]["display"] = {"EN-us": "ended"}  # language tags are case-insensitive
    stored["object"]["id"] = "HTTPS://PEERLOOP.EXAMPLE/a/1"  # scheme and host only
    stored["context"]["registration"] = sent["context"]["registration"].lower()
    stored["context"]["contextActivities"] = {
        "grouping": [{"objectType": "Activity", "id": "https://lms.example.edu/course/1"}]
    }
    assert same_statement(sent, stored)


DIFFERENT = {
    "verb": lambda s: s["verb"].update(id="http://adlnet.gov/expapi/verbs/completed"),
    "duration": lambda s: s["result"].update(duration="PT12M4S"),
    "duration in months, not minutes": lambda s: s["result"].update(duration="P12M3.25S"),
    "timestamp": lambda s: s.update(timestamp="2026-11-23T10:00:01.123+01:00"),
    "IRI path case": lambda s: s["object"].update(id="https://peerloop.example/A/1"),
    "mbox address": lambda s: s.update(actor={"mbox": "mailto:other@example.edu"}),
    "display text": lambda s: s["verb"]["display"].update({"en-US": "stopped"}),
    "result": lambda s: s["result"].update(completion=False),
}


@pytest.mark.parametrize("change", DIFFERENT.values(), ids=DIFFERENT.keys())
def test_a_different_statement_is_different(change: Any) -> None:
    sent = _terminated("PT12M03.25S")
    other = copy.deepcopy(sent)
    change(other)
    assert not same_statement(sent, other)


def test_the_strict_lrs_read_back_of_a_terminated_statement_compares_equal(
    lrs: LearningLockerProcess,
) -> None:
    """What the strict LRS really does to durations, timestamps and context activities."""
    sent = [_terminated(duration) for duration, _ in NORMALISED.values()]
    transport = Transport(lrs.endpoint, "peerloop", "x")
    try:
        stored = []
        for statement in sent:
            transport.put_statement(statement["id"], json.dumps(statement))
            stored.append(transport.get_statement(statement["id"]))
    finally:
        transport.close()
    for ours, theirs in zip(sent, stored, strict=True):
        assert theirs is not None
        assert same_statement(ours, theirs), (ours["result"], theirs["result"])


def test_a_resent_statement_answered_409_with_its_normalised_copy_is_delivered(
    sessions: sessionmaker[Session],
) -> None:
    """An LRS answering 409 to a re-send holds our statement with its duration reformatted:
    delivered, not parked dead as "a different statement"."""
    ours = dict(_terminated("PT12M03.25S"), timestamp="2026-11-23T10:00:00+00:00")
    held = copy.deepcopy(ours)
    held["result"]["duration"] = "PT12M3.25S"
    with conflicting_lrs(held=held) as (endpoint, _):
        add_destination(sessions, endpoint)
        enqueue_many(sessions, [ours])
        drain(Dispatcher(sessions, FAST), sessions)
    assert counts(sessions) == {"sent": 1}
