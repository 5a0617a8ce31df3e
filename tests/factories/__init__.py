"""factory_boy factories for the rows tests arrange, so a test names only what matters to it.

Each flushes into the session bound with ``bind(session)`` (the ``factories`` fixture binds
the test's ``db_session``); the test commits when the app must see the rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.placements import Placement
from lti_tool.models import Deployment, Platform

_bound: list[Session] = []


@contextmanager
def bind(session: Session) -> Iterator[None]:
    """Make the factories add their rows to ``session`` while the block runs."""
    _bound.append(session)
    try:
        yield
    finally:
        _bound.pop()


def _session() -> Session:
    if not _bound:
        raise RuntimeError("bind a session first: with tests.factories.bind(session): …")
    return _bound[-1]


class _Factory(SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


class PlatformFactory(_Factory):
    class Meta:
        model = Platform

    issuer = factory.Sequence(lambda n: f"https://lms{n}.example.test")
    client_id = "peerloop-client-1"
    auth_login_url = factory.LazyAttribute(lambda o: f"{o.issuer}/auth")
    auth_token_url = factory.LazyAttribute(lambda o: f"{o.issuer}/token")
    key_set_url = factory.LazyAttribute(lambda o: f"{o.issuer}/jwks")
    name = "Test LMS"
    source = "cli"


class DeploymentFactory(_Factory):
    class Meta:
        model = Deployment

    class Params:
        platform = factory.SubFactory(PlatformFactory)

    platform_id = factory.SelfAttribute("platform.id")
    deployment_id = "deployment-1"
    source = "cli"


class PlacementFactory(_Factory):
    class Meta:
        model = Placement

    class Params:
        platform = factory.SubFactory(PlatformFactory)

    # Random like the real keys: statement ids come from the key, and test runs share an LRS.
    key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    kind = "reflection"
    platform_id = factory.SelfAttribute("platform.id")
    deployment_id = "deployment-1"
    context_id = "course-7"
    title = "Week 1 reflection"
    prompt = "How would you apply this in your next client meeting?"
    created_by_sub = "teacher-1"
    created_at = factory.LazyFunction(utcnow)
