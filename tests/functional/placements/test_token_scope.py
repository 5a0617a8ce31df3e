"""A launch token opens and grades only the placement it was issued for: same platform, course
and resource link. Every route that takes a placement id is checked, including against a
second platform that reuses the first one's course id, user subs and resource link ids."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from activities.placements import Placement
from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.registrations import add_platform

COURSE, SUB, LINK = "course-1", "u-1", "link-1"


def register(session: Session, host: str) -> int:
    platform = add_platform(
        session,
        issuer=f"https://{host}",
        client_id="c-1",
        auth_login_url=f"https://{host}/auth",
        auth_token_url="http://127.0.0.1:9/token",
        key_set_url=f"https://{host}/jwks",
        deployment_ids=("d-1",),
    )
    session.flush()
    return platform.id


def place(session: Session, platform_id: int, key: str, link: str) -> None:
    session.add(
        Placement(
            key=key,
            platform_id=platform_id,
            deployment_id="d-1",
            context_id=COURSE,
            resource_link_id=link,
            title=f"Activity {key}",
            prompt="Why?",
            grading=True,
            score_maximum=10,
        )
    )


@pytest.fixture
def platforms(db_session: Session) -> tuple[int, int]:
    """Two LMSs with the same course id, user sub and link ids; placements ``a`` and ``c``
    on the first (two links of one course), ``b`` on the second."""
    first, second = (
        register(db_session, "lms-one.example.edu"),
        register(db_session, "lms-two.example.edu"),
    )
    place(db_session, first, "a", LINK)
    place(db_session, first, "c", "link-2")
    place(db_session, second, "b", LINK)
    db_session.commit()
    return first, second


def token(app: Flask, platform_id: int, key: str, **fields: Any) -> str:
    values: dict[str, Any] = {
        "platform_id": platform_id,
        "issuer": "https://lms-one.example.edu" if key != "b" else "https://lms-two.example.edu",
        "client_id": "c-1",
        "deployment_id": "d-1",
        "message_type": "LtiResourceLinkRequest",
        "sub": SUB,
        "roles": ("Instructor",),
        "context_id": COURSE,
        "resource_link_id": LINK,
        "custom": {"peerloop_placement": key},
        "ags_endpoint": {"scope": [], "lineitems": "http://127.0.0.1:9/li"},
    } | fields
    with app.test_request_context():
        return issue_token(LaunchContext(**values))


def test_the_page_of_another_placement_is_refused(
    app: Flask, client: FlaskClient, platforms: tuple[int, int]
) -> None:
    first, _ = platforms
    lt = token(app, first, "a")
    assert client.get("/placements/a", query_string={"lt": lt}).status_code == 200
    for other in ("c", "b", "nope"):  # same course, other link; other platform; none
        refused = client.get(f"/placements/{other}", query_string={"lt": lt})
        assert refused.status_code == 403, other
        assert "belongs to another activity" in refused.text
        assert "Activity a" not in refused.text
        assert f"Activity {other}" not in refused.text


def test_re_sending_another_placements_scores_is_refused(
    app: Flask, client: FlaskClient, platforms: tuple[int, int]
) -> None:
    first, _ = platforms
    lt = token(app, first, "a")
    for other in ("c", "b"):
        refused = client.post(f"/placements/{other}/grades/resend", data={"lt": lt})
        assert refused.status_code == 403, other
        assert "belongs to another activity" in refused.text


def test_a_token_naming_another_platform_is_refused_for_re_sending_scores(
    app: Flask, client: FlaskClient, platforms: tuple[int, int]
) -> None:
    """A token whose platform id and issuer disagree (the platform re-registered under the
    same id by another LMS) grades nothing."""
    _, second = platforms
    lt = token(app, second, "b", issuer="https://lms-one.example.edu")
    refused = client.post("/placements/b/grades/resend", data={"lt": lt})
    assert refused.status_code == 403
    assert "no longer registered" in refused.text


def test_a_platform_cannot_reach_another_platforms_placement_by_its_key(
    app: Flask, client: FlaskClient, platforms: tuple[int, int]
) -> None:
    """The second LMS's launch carries the first one's key in its custom values (anyone who
    saw the key can put it there): it finds nothing, on the page or in events."""
    _, second = platforms
    lt = token(app, second, "a")
    assert client.get("/placements/a", query_string={"lt": lt}).status_code == 404
    events = client.post("/events", data={"lt": lt, "event": "initialized", "placement": "a"})
    assert events.status_code == 404


def test_events_for_another_placement_are_refused(
    app: Flask, client: FlaskClient, platforms: tuple[int, int]
) -> None:
    first, _ = platforms
    lt = token(app, first, "a")
    ok = client.post("/events", data={"lt": lt, "event": "initialized", "placement": "a"})
    assert ok.status_code == 204
    for other in ("c", "b"):
        refused = client.post(
            "/events", data={"lt": lt, "event": "initialized", "placement": other}
        )
        assert refused.status_code == 400, other


def test_a_token_from_another_course_opens_nothing(
    app: Flask, client: FlaskClient, platforms: tuple[int, int]
) -> None:
    first, _ = platforms
    lt = token(app, first, "a", context_id="course-2")
    assert client.get("/placements/a", query_string={"lt": lt}).status_code == 404
