"""The tool's picker and placement pages refuse bad input with a clear 4xx, never a 500."""

from __future__ import annotations

import re
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.grading import QueuedScore
from activities.placements import Placement
from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.registrations import add_platform
from tests.functional.sandbox.harness import Forms

#: An open question the prompt coach has nothing to say about: saved at the first submit.
OPEN = "What surprised you most in this week's reading, and why?"


@pytest.fixture
def platform_id(db_session: Session) -> int:
    platform = add_platform(
        db_session,
        issuer="https://lms.example.edu",
        client_id="c-1",
        auth_login_url="https://lms.example.edu/auth",
        auth_token_url="http://127.0.0.1:9/token",
        key_set_url="https://lms.example.edu/jwks",
        deployment_ids=("d-1",),
    )
    db_session.commit()
    return platform.id


def token(app: Flask, platform_id: int, **fields: Any) -> str:
    values: dict[str, Any] = {
        "platform_id": platform_id,
        "issuer": "https://lms.example.edu",
        "client_id": "c-1",
        "deployment_id": "d-1",
        "message_type": "LtiDeepLinkingRequest",
        "sub": "t-1",
        "roles": ("Instructor",),
        "context_id": "course-1",
        "deep_linking_settings": {"deep_link_return_url": "https://lms.example.edu/dl"},
    } | fields
    if values["message_type"] == "LtiResourceLinkRequest":
        # A launch of the placement's link: the key deep linking put in its custom values.
        values.setdefault("custom", {"peerloop_placement": "k-1"})
        values.setdefault("resource_link_id", "link-1")
    with app.test_request_context():
        return issue_token(LaunchContext(**values))


def placement(db_session: Session, platform_id: int) -> Placement:
    row = Placement(
        key="k-1",
        platform_id=platform_id,
        deployment_id="d-1",
        title="T",
        prompt="Why?",
        grading=True,
        score_maximum=10,
    )
    db_session.add(row)
    db_session.commit()
    return row


def test_the_picker_explains_what_is_missing(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    response = client.post(
        "/deep-linking/placements", data={"lt": token(app, platform_id), "title": " ", "prompt": ""}
    )
    assert response.status_code == 400
    page = Forms(response.text)
    assert "Give the activity a title." in page.text
    assert "Write the question learners will answer." in page.text
    assert 'role="alert"' in response.text
    assert db_session.scalars(select(Placement)).all() == []


def test_a_placement_answers_with_an_auto_submitting_signed_response(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    response = client.post(
        "/deep-linking/placements",
        data={"lt": token(app, platform_id), "title": "Week 1", "prompt": OPEN},
    )
    assert response.status_code == 200
    [form] = Forms(response.text).forms
    assert form["action"] == "https://lms.example.edu/dl"
    assert form["fields"]["JWT"].count(".") == 2
    row = db_session.scalars(select(Placement)).one()
    assert (row.title, row.context_id, row.deployment_id) == ("Week 1", "course-1", "d-1")


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"roles": ("Learner",)}, 403, "Only instructors"),
        ({"message_type": "LtiResourceLinkRequest"}, 400, "Deep Linking"),
        ({"deep_linking_settings": {}}, 400, "no deep_link_return_url"),
    ],
)
def test_only_a_staff_deep_linking_launch_may_place(
    app: Flask,
    client: FlaskClient,
    platform_id: int,
    fields: dict[str, Any],
    status: int,
    message: str,
) -> None:
    response = client.post(
        "/deep-linking/placements",
        data={"lt": token(app, platform_id, **fields), "title": "T", "prompt": "P"},
    )
    assert response.status_code == status
    assert message in Forms(response.text).text


def test_placement_pages_refuse_unknown_links_and_learners_re_sending_scores(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    placement(db_session, platform_id)
    lt = token(
        app,
        platform_id,
        message_type="LtiResourceLinkRequest",
        ags_endpoint={"scope": [], "lineitems": "http://127.0.0.1:9/li"},
    )
    other = client.get("/placements/nope", query_string={"lt": lt})
    assert other.status_code == 403
    assert "belongs to another activity" in other.text
    unplaced = token(app, platform_id, message_type="LtiResourceLinkRequest", custom={})
    missing = client.get("/placements/k-1", query_string={"lt": unplaced})
    assert missing.status_code == 404
    assert "does not lead to a Peerloop activity" in missing.text
    learner = token(app, platform_id, message_type="LtiResourceLinkRequest", roles=("Learner",))
    assert client.post("/placements/k-1/grades/resend", data={"lt": learner}).status_code == 403


def test_an_unreachable_roster_is_shown_not_hidden(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    placement(db_session, platform_id)
    lt = token(
        app,
        platform_id,
        message_type="LtiResourceLinkRequest",
        nrps={"context_memberships_url": "http://127.0.0.1:9/members"},
    )
    page = client.get("/placements/k-1", query_string={"lt": lt, "tab": "participation"})
    assert page.status_code == 200
    assert "The course roster could not be refreshed:" in Forms(page.text).text
    assert "could not be reached" in page.text


def _items(jwt_text: str) -> list[dict[str, Any]]:
    claims = jwt.decode(jwt_text, options={"verify_signature": False})
    items: list[dict[str, Any]] = claims[
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    ]
    return items


def test_grading_on_sends_a_line_item_in_the_deep_link_item(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    response = client.post(
        "/deep-linking/placements",
        data={
            "lt": token(app, platform_id),
            "title": "Week 1",
            "prompt": OPEN,
            "grading": "on",
            "score_maximum": "20",
        },
    )
    [form] = Forms(response.text).forms
    [item] = _items(form["fields"]["JWT"])
    row = db_session.scalars(select(Placement)).one()
    assert item["lineItem"] == {"label": "Week 1", "scoreMaximum": 20.0, "resourceId": row.key}
    assert (row.grading, row.score_maximum, row.is_pending) == (True, 20.0, True)


def test_grading_off_by_default_sends_no_line_item(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    picker = client.post(
        "/deep-linking/placements", data={"lt": token(app, platform_id), "title": " "}
    )
    assert 'name="grading"' in picker.text
    assert "grading" not in Forms(picker.text).forms[0]["fields"]  # not ticked
    response = client.post(
        "/deep-linking/placements",
        data={"lt": token(app, platform_id), "title": "Week 1", "prompt": OPEN},
    )
    [form] = Forms(response.text).forms
    [item] = _items(form["fields"]["JWT"])
    assert "lineItem" not in item
    row = db_session.scalars(select(Placement)).one()
    assert (row.grading, row.score_maximum) == (False, None)


def test_a_bad_score_maximum_is_explained(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    response = client.post(
        "/deep-linking/placements",
        data={
            "lt": token(app, platform_id),
            "title": "Week 1",
            "prompt": OPEN,
            "grading": "on",
            "score_maximum": "0",
        },
    )
    assert response.status_code == 400
    assert "The maximum score must be a number above 0" in Forms(response.text).text
    assert db_session.scalars(select(Placement)).all() == []


def test_grading_off_never_creates_a_line_item(
    app: Flask, client: FlaskClient, platform_id: int, db_session: Session
) -> None:
    """No line item in the launch and grading off: nothing is sent, nothing is created (the
    line-items URL here would refuse the connection if anything were tried)."""
    row = placement(db_session, platform_id)
    row.grading, row.score_maximum = False, None
    db_session.commit()
    lt = token(
        app,
        platform_id,
        message_type="LtiResourceLinkRequest",
        ags_endpoint={"scope": [], "lineitems": "http://127.0.0.1:9/li"},
    )
    page = client.get("/placements/k-1", query_string={"lt": lt, "tab": "participation"})
    assert "Grading is off for this activity" in Forms(page.text).text
    assert 'id="resend-grades"' not in page.text
    assert client.post("/placements/k-1/grades/resend", data={"lt": lt}).status_code == 303
    assert db_session.scalars(select(QueuedScore)).all() == []


@pytest.mark.parametrize(
    ("fields", "status"),
    [({"roles": ("Learner",)}, 403), ({"message_type": "LtiResourceLinkRequest"}, 200)],
)
def test_the_coach_endpoint_is_for_staff_of_any_launch(
    app: Flask, client: FlaskClient, platform_id: int, fields: dict[str, Any], status: int
) -> None:
    """Staff who set up a link in place use it too; a learner's token does not open it."""
    response = client.post(
        "/deep-linking/coach",
        data={"lt": token(app, platform_id, **fields), "prompt": "Is it useful?"},
    )
    assert response.status_code == status
    if status == 200:
        assert {f["code"] for f in response.json["findings"]} == {"closed_question", "too_short"}


def test_a_spanish_launch_gets_the_templates_in_spanish(
    app: Flask, client: FlaskClient, platform_id: int
) -> None:
    lt = token(app, platform_id, locale="es-ES")
    page = client.post("/deep-linking/placements", data={"lt": lt, "use_template": "1:mentoring:0"})
    assert page.status_code == 200
    text = Forms(page.text).text
    assert "Presentaciones" in text
    # The template filled the prompt (no script: the page came back with it).
    assert re.search(r'<textarea id="prompt"[^>]*>¿Qué consejo le darías', page.text)
