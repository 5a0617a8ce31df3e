"""A session on a clean, migrated database (SQLite and PostgreSQL), with one LRS destination
so that recorded statements land in the outbox, and a small world to arrange people in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.people import Participant
from activities.placements import Placement
from activities.recording import Visit
from lrs_client.outbox import save_destination
from lrs_client.tables import JournalEntry
from lti_tool.db import make_engine, make_session_factory
from lti_tool.models import Platform
from tests import factories
from tests.factories import PlacementFactory, PlatformFactory
from xapi.inputs import XapiOptions

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Words enough to unlock peers under the default minimum (15).
LONG = (
    "I would start the next client meeting by asking what they already tried, "
    "then listen for the real constraint before proposing anything at all."
)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    session = make_session_factory(engine)()
    save_destination(session, "test-lrs", "http://127.0.0.1:9/xapi/")
    session.commit()
    yield session
    session.rollback()
    session.close()
    engine.dispose()


@dataclass
class World:
    session: Session
    platform: Platform
    placement: Placement
    visit: Visit

    def learner(self, n: int, *, platform: Platform | None = None) -> Participant:
        platform = platform or self.platform
        return Participant(
            platform.id, platform.issuer, f"learner-{n}", name=f"Learner {n}", roles=("Learner",)
        )

    def staff(self, *, platform: Platform | None = None) -> Participant:
        platform = platform or self.platform
        return Participant(
            platform.id, platform.issuer, "teacher-1", name="Grace Teacher", roles=("Instructor",)
        )

    def placement_on(self, platform: Platform | None = None, **values: object) -> Placement:
        with factories.bind(self.session):
            row: Placement = PlacementFactory(platform=platform or self.platform, **values)
        return row


@pytest.fixture
def world(session: Session) -> World:
    with factories.bind(session):
        platform = PlatformFactory()
        placement = PlacementFactory(platform=platform)
    visit = Visit(tool_url="https://peerloop.test", options=XapiOptions(), course_id="course-7")
    return World(session, platform, placement, visit)


def later(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def statements(session: Session) -> list[dict[str, object]]:
    """The statements recorded in the journal (flushed or committed), oldest first: the one
    place that knows where statements are kept."""
    session.flush()
    payloads = session.scalars(select(JournalEntry.payload).order_by(JournalEntry.id)).all()
    return [json.loads(payload) for payload in payloads]


def verbs(session: Session) -> list[str]:
    """The last segment of each queued statement's verb IRI, e.g. ``posted``."""
    return [str(s["verb"]["id"]).rsplit("/", 1)[-1] for s in statements(session)]  # type: ignore[index]
