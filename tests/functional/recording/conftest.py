"""Fixtures of the recording tests: the tool wired to the real LRS, a hand-signed platform
registered in the tool's database, and a placement it can launch."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from activities.placements import Placement
from lrs_client.dispatcher import Dispatcher
from lrs_client.tables import JournalEntry, OutboxRow
from lti_tool import create_app
from lti_tool.db import session_scope
from lti_tool.delivery import sync_default_destination
from lti_tool.models import Platform
from tests import factories
from tests.factories import PlacementFactory
from tests.support.lrs import PASSWORD, USERNAME, LearningLockerProcess
from tests.support.platform_signer import PlatformSigner, SigningKey
from tests.support.settings import make_settings

PSEUDONYM_SECRET = "test-pseudonym-secret"


@pytest.fixture(scope="session")
def recording_platform_key() -> SigningKey:
    return SigningKey.generate("recording-platform-key")


@pytest.fixture
def make_app(database_url: str, lrs: LearningLockerProcess) -> Iterator[Callable[..., Flask]]:
    """Apps on this test's database whose ``default`` LRS destination is the real LRS."""
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        values: dict[str, object] = {
            "lrs_url": lrs.endpoint,
            "lrs_username": USERNAME,
            "lrs_password": PASSWORD,
        }
        values.update(overrides)
        app = create_app(make_settings(database_url, **values))
        apps.append(app)
        # As `peerloop lrs sync-settings` would: building an app changes no destination.
        with session_scope(app.extensions["peerloop.sessions"]) as session:
            sync_default_destination(session, app.config["PEERLOOP"])
        return app

    yield make
    for app in apps:
        app.extensions["peerloop.engine"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def lms(recording_platform_key: SigningKey, db_session: Session) -> Iterator[PlatformSigner]:
    signer = PlatformSigner(keys=[recording_platform_key])
    with signer.serving():
        signer.register(db_session)
        yield signer


@pytest.fixture
def placement(lms: PlatformSigner, db_session: Session) -> Placement:
    """A placement as deep linking leaves it: key known, resource link id not yet."""
    platform = db_session.scalars(select(Platform).where(Platform.issuer == lms.issuer)).one()
    with factories.bind(db_session):
        row = PlacementFactory(platform=platform, deployment_id=lms.deployment_id)
    db_session.commit()
    return row


def launch_placement(
    client: FlaskClient, lms: PlatformSigner, placement: Placement, **overrides: Any
) -> TestResponse:
    """A resource-link launch of the placement (our key in the custom claim, as deep linking
    put it there)."""
    overrides.setdefault("lti_custom", {"peerloop_placement": placement.key})
    return lms.launch(client, **overrides)


def outbox(app: Flask) -> list[dict[str, Any]]:
    """The statements recorded (committed) in the journal, oldest first."""
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions() as session:
        payloads = session.scalars(select(JournalEntry.payload).order_by(JournalEntry.id)).all()
    return [json.loads(payload) for payload in payloads]


def verbs(app: Flask) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in outbox(app)]


def deliver(app: Flask) -> None:
    """Send the outbox to the LRS with the real dispatcher; fail on any delivery error."""
    dispatcher = Dispatcher(app.extensions["peerloop.sessions"])
    try:
        failure = dispatcher.flush()
    finally:
        dispatcher.close()
    assert failure is None, failure
    with app.extensions["peerloop.sessions"]() as session:
        statuses = set(session.scalars(select(OutboxRow.status)).all())
    assert statuses == {"sent"}, statuses


def stored(lrs: LearningLockerProcess, statement_id: str) -> dict[str, Any]:
    """One statement read back from the LRS by id."""
    response = lrs.get(statementId=statement_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
