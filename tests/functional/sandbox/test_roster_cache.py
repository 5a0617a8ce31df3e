"""The instructor's placement page fetches the course roster once, not on every view."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.models import Platform, ServiceToken
from sandbox import people
from tests import factories
from tests.factories import PlacementFactory
from tests.functional.sandbox.harness import Forms, Sandbox, platform_row
from tests.support.live import LiveServer


def staff_token(app: Flask, sandbox: Sandbox, memberships_url: str) -> str:
    context = LaunchContext(
        platform_id=sandbox.platform_id,
        issuer=sandbox.url,
        client_id="c",
        deployment_id="d",
        message_type="LtiResourceLinkRequest",
        sub=people.INSTRUCTOR.user_id,
        roles=("Instructor",),
        context_id=people.COURSE_ID,
        resource_link_id="sbx-link-1",
        custom={"peerloop_placement": "k-1"},
        nrps={"context_memberships_url": memberships_url},
    )
    with app.test_request_context():
        return issue_token(context)


def test_the_roster_is_fetched_once_and_then_shown_from_the_cache(
    live_app: LiveServer, sandbox: Sandbox, session: Session
) -> None:
    app: Flask = live_app.app  # type: ignore[attr-defined]
    with factories.bind(session):
        PlacementFactory(
            key="k-1",
            platform=session.get(Platform, sandbox.platform_id),
            context_id=people.COURSE_ID,
            resource_link_id="sbx-link-1",
        )
    session.commit()
    url = f"{sandbox.url}/api/courses/{people.COURSE_ID}/memberships"
    client = app.test_client()
    learner = people.LEARNERS[1].name
    assert learner

    first = client.get(
        "/placements/k-1",
        query_string={"lt": staff_token(app, sandbox, url), "tab": "participation"},
    )
    assert first.status_code == 200
    assert learner in Forms(first.text).text

    # Cut the tool off from the platform's services: no token left, the token URL unreachable.
    platform = platform_row(session, sandbox)
    platform.auth_token_url = "http://127.0.0.1:9/token"
    session.execute(delete(ServiceToken).where(ServiceToken.platform_id == platform.id))
    session.commit()

    again = client.get(
        "/placements/k-1",
        query_string={"lt": staff_token(app, sandbox, url), "tab": "participation"},
    )
    assert again.status_code == 200
    assert learner in Forms(again.text).text
    assert "could not be" not in again.text  # the roster is the course's, kept for minutes
