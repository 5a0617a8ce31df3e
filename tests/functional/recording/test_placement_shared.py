"""Placing an activity through the deep-linking POST records ``shared`` by the instructor, in
the same transaction as the placement; the learners' later launches name the same activity."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.placements import Placement
from tests.functional.recording.conftest import deliver, outbox, stored
from tests.support.lrs import LearningLockerProcess
from tests.support.platform_signer import INSTRUCTOR, PlatformSigner

SHARED = "http://adlnet.gov/expapi/verbs/shared"
DL_SETTINGS = {
    "deep_link_return_url": "https://lms.example.test/deep-link-return",
    "accept_types": ["ltiResourceLink"],
    "accept_presentation_document_targets": ["iframe", "window"],
}
TOKEN_FIELD = re.compile(r'name="lt" value="([^"]+)"')


def picker_token(client: FlaskClient, lms: PlatformSigner) -> str:
    """An instructor's deep-linking launch; the picker's form carries the launch token."""
    response = lms.launch(
        client,
        sub="teacher-1",
        name="Grace Teacher",
        lti_message_type="LtiDeepLinkingRequest",
        lti_roles=[INSTRUCTOR],
        lti_resource_link={"id": "unused"},
        **{"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": DL_SETTINGS},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    found = TOKEN_FIELD.search(response.get_data(as_text=True))
    assert found, "the picker must carry the launch token"
    return found.group(1)


def test_placing_an_activity_records_shared_by_the_instructor(
    app: Flask,
    client: FlaskClient,
    lms: PlatformSigner,
    db_session: Session,
    lrs: LearningLockerProcess,
) -> None:
    token = picker_token(client, lms)
    response = client.post(
        "/deep-linking/placements",
        data={
            "lt": token,
            "title": "After the case study",
            "prompt": "What would you change in your next project, and why?",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    placement = db_session.scalars(select(Placement)).one()
    (shared,) = outbox(app)
    assert shared["verb"]["id"] == SHARED

    # A learner's launch of the new link names the same activity and course.
    launched = lms.launch(
        client, lti_custom={"peerloop_placement": placement.key},
        lti_resource_link={"id": "link-new"},
    )  # fmt: skip
    assert launched.status_code == 200, launched.get_data(as_text=True)
    _, learner = outbox(app)
    assert learner["object"]["id"] == shared["object"]["id"]
    course = shared["context"]["contextActivities"]["grouping"][0]["id"]
    assert learner["context"]["contextActivities"]["grouping"][0]["id"] == course

    deliver(app)
    back = stored(lrs, shared["id"])
    assert back["actor"]["account"] == {"homePage": lms.issuer, "name": "teacher-1"}
    assert back["verb"]["id"] == SHARED
    assert back["object"]["definition"]["name"] == {"und": "After the case study"}
    assert back["context"]["instructor"]["account"]["name"] == "teacher-1"
    assert back["timestamp"].startswith(placement.created_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_refused_placement_records_nothing(
    app: Flask, client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    """A picker form with errors creates no placement and so no statement."""
    token = picker_token(client, lms)
    response = client.post(
        "/deep-linking/placements", data={"lt": token, "title": "", "prompt": ""}
    )
    assert response.status_code == 400
    assert db_session.scalars(select(Placement)).all() == []
    assert outbox(app) == []
