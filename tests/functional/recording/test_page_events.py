"""POST /events: the placement page's ``initialized`` (first view per learner and placement)
and ``terminated`` (once per launch), and the clear refusals for anything else."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from activities.placements import Placement
from tests.functional.recording.conftest import deliver, launch_placement, outbox, stored, verbs
from tests.support.lrs import LearningLockerProcess
from tests.support.platform_signer import PlatformSigner

TOKEN = re.compile(r'data-launch-token="([^"]+)"')


def launch_token(
    client: FlaskClient, lms: PlatformSigner, placement: Placement, **overrides: object
) -> str:
    """Launch the placement and read the token the page hands to activity-events.js."""
    response = launch_placement(client, lms, placement, **overrides)
    assert response.status_code == 200, response.get_data(as_text=True)
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, "the placement page must load activity-events.js with the launch token"
    return found.group(1)


def test_page_loads_the_events_script(
    client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    page = launch_placement(client, lms, placement).get_data(as_text=True)
    assert 'src="/static/activity-events.js"' in page
    assert 'data-events-url="/events"' in page
    assert f'data-placement="{placement.key}"' in page
    script = client.get("/static/activity-events.js")
    assert script.status_code == 200
    assert b"sendBeacon" in script.data
    assert b"pagehide" in script.data
    script.close()


def test_initialized_twice_is_one_statement(
    app: Flask,
    client: FlaskClient,
    lms: PlatformSigner,
    placement: Placement,
    lrs: LearningLockerProcess,
) -> None:
    """The first view only: the same learner's second view, even from a new launch and after
    the first was delivered, adds nothing."""
    token = launch_token(client, lms, placement)
    first = client.post("/events", data={"lt": token, "event": "initialized"})
    assert first.status_code == 204
    deliver(app)
    second_token = launch_token(client, lms, placement)
    again = client.post("/events", data={"lt": second_token, "event": "initialized"})
    assert again.status_code == 204
    assert verbs(app) == ["launched", "initialized", "launched"]
    deliver(app)
    initialized = outbox(app)[1]
    back = stored(lrs, initialized["id"])
    assert back["verb"]["id"] == "http://adlnet.gov/expapi/verbs/initialized"
    assert back["context"]["registration"] == outbox(app)[0]["context"]["registration"]
    by_registration = lrs.all_statements(
        registration=initialized["context"]["registration"],
        verb="http://adlnet.gov/expapi/verbs/initialized",
    )
    assert [s["id"] for s in by_registration] == [initialized["id"]]


def test_each_learner_gets_their_own_initialized(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    for sub in ("learner-a", "learner-b"):
        token = launch_token(client, lms, placement, sub=sub)
        assert client.post("/events", data={"lt": token, "event": "initialized"}).status_code == 204
    initialized = [s for s in outbox(app) if s["verb"]["id"].endswith("/initialized")]
    assert sorted(s["actor"]["account"]["name"] for s in initialized) == ["learner-a", "learner-b"]
    assert initialized[0]["context"]["registration"] != initialized[1]["context"]["registration"]


def test_terminated_via_events_endpoint_reaches_the_lrs(
    app: Flask,
    client: FlaskClient,
    lms: PlatformSigner,
    placement: Placement,
    lrs: LearningLockerProcess,
) -> None:
    """The beacon's form body (``lt`` + event), twice for one launch (pagehide fires on every
    in-frame navigation): one ``terminated``, with the launch's registration and object."""
    token = launch_token(client, lms, placement)
    for _ in range(2):
        response = client.post(
            "/events", data={"lt": token, "event": "terminated", "placement": placement.key}
        )
        assert response.status_code == 204
    launched, terminated = outbox(app)
    assert terminated["verb"]["id"] == "http://adlnet.gov/expapi/verbs/terminated"
    deliver(app)
    back = stored(lrs, terminated["id"])
    assert back["actor"]["account"] == {"homePage": lms.issuer, "name": "user-42"}
    assert back["object"]["id"] == launched["object"]["id"]
    assert back["context"]["registration"] == launched["context"]["registration"]
    # The session's length: from the launch's timestamp to the page being left.
    assert re.fullmatch(r"PT\d+(\.\d+)?S", back["result"]["duration"]), back["result"]


def test_bearer_header_is_accepted(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    token = launch_token(client, lms, placement)
    response = client.post(
        "/events", data={"event": "initialized"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204
    assert verbs(app) == ["launched", "initialized"]


def test_unknown_event_is_400_with_a_clear_message(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    token = launch_token(client, lms, placement)
    for event, shown in (("completed", "'completed'"), ("", "nothing"), ("x" * 500, "'xxxx")):
        response = client.post("/events", data={"lt": token, "event": event})
        assert response.status_code == 400
        body = html.unescape(response.get_data(as_text=True))
        assert "must be one of initialized, terminated" in body
        assert shown in body
        assert "x" * 100 not in body  # a long value is not echoed whole
    assert verbs(app) == ["launched"]


def test_missing_or_bad_token_is_401(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    missing = client.post("/events", data={"event": "initialized"})
    assert missing.status_code == 401
    assert "must be opened from your LMS course" in missing.get_data(as_text=True)
    forged = client.post("/events", data={"lt": "not-a-token", "event": "initialized"})
    assert forged.status_code == 401
    assert "could not confirm who you are" in forged.get_data(as_text=True)
    assert outbox(app) == []


def test_event_for_another_placement_is_refused(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    token = launch_token(client, lms, placement)
    response = client.post(
        "/events", data={"lt": token, "event": "initialized", "placement": "someone-elses"}
    )
    assert response.status_code == 400
    assert "not the one your LMS opened" in response.get_data(as_text=True)
    assert verbs(app) == ["launched"]


def test_get_is_not_allowed(client: FlaskClient) -> None:
    assert client.get("/events").status_code == 405
