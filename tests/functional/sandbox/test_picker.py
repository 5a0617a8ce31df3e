"""The picker through the sandbox LMS's deep linking: every setting arrives on the placement,
the line item in the content item, several activities in one response, the coach on save and
its endpoint (which only a launch token opens)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.placements import Placement
from activities.settings import read
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox
from tests.functional.sandbox.test_full_flow import launch, submit
from tests.support.live import LiveServer

ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
FIRST = "How would you apply this in your next client meeting?"
SECOND = "What would you do differently if you ran this project again, and why?"


def open_picker(sandbox: Sandbox, tool: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    home = Forms(browser.get(sandbox.url + "/", timeout=10).text)
    picker = launch(
        browser, sandbox, home.link(f"Launch as {people.INSTRUCTOR.name}")["href"], tool
    )
    assert "Add a Peerloop activity" in Forms(picker.text).text
    return browser, picker


def picker_fields(page: requests.Response) -> dict[str, Any]:
    [form] = [f for f in Forms(page.text).forms if f["id"] == "picker"]
    fields: dict[str, Any] = form["fields"]
    return fields


def content_items(returned: requests.Response) -> list[dict[str, Any]]:
    [form] = Forms(returned.text).forms
    claims = jwt.decode(form["fields"]["JWT"], options={"verify_signature": False})
    items: list[dict[str, Any]] = claims[ITEMS]
    return items


def test_two_activities_with_their_settings_in_one_response(
    live_app: LiveServer, sandbox: Sandbox, tool_session: Session
) -> None:
    browser, picker = open_picker(sandbox, live_app.url)
    # The sandbox takes several items (accept_multiple): a second block, without script.
    more = submit(browser, picker, "picker", title="Week 5", add_item="1")
    assert more.status_code == 200
    fields = picker_fields(more)
    assert fields["items"] == "2"
    assert fields["title"] == "Week 5"  # what was typed is kept
    assert "title-2" in fields
    assert 'id="prompt-2"' in more.text

    returned = submit(
        browser,
        more,
        "picker",
        title="Week 5",
        prompt=FIRST,
        purpose="You will meet a client next week.",
        due_at="2026-04-01T17:00",
        due_at_offset="120",
        anonymity_allowed="on",
        reveal_rule="after_peers",
        reveal_after_peers="5",
        min_words="30",
        grading="on",
        grade_reflections="1",
        grade_replies="2",
        score_maximum="20",
        **{"title-2": "Week 5, looking back", "prompt-2": SECOND},
    )
    assert returned.status_code == 200, returned.text
    first, second = content_items(returned)
    tool_session.expire_all()
    graded, plain = tool_session.scalars(select(Placement).order_by(Placement.id)).all()
    assert first["lineItem"] == {"label": "Week 5", "scoreMaximum": 20.0, "resourceId": graded.key}
    assert first["custom"] == {"peerloop_placement": graded.key}
    assert "lineItem" not in second
    assert second["title"] == "Week 5, looking back"

    values = read(graded)
    assert values["purpose"] == "You will meet a client next week."
    assert values["due_at"] == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
    assert values["anonymity_allowed"] is True
    assert (values["reveal_rule"], values["reveal_after_peers"]) == ("after_peers", 5)
    assert values["min_words"] == 30
    assert (values["grade_reflections"], values["grade_replies"]) == (1, 2)
    assert (graded.grading, graded.score_maximum) == (True, 20.0)
    # The second keeps the defaults: anonymity and grading off, post-first.
    plain_values = read(plain)
    assert (plain_values["anonymity_allowed"], plain_values["reveal_rule"]) == (False, "after_post")
    assert (plain.grading, plain.score_maximum) == (False, None)

    # The LMS adds both links and the graded one's gradebook column.
    done = submit(browser, returned)
    assert done.status_code == 200, done.text
    assert [link["title"] for link in sandbox.store.links()] == ["Week 5", "Week 5, looking back"]
    [column] = sandbox.store.lineitems()
    assert (column["label"], column["score_maximum"], column["resource_id"]) == (
        "Week 5",
        20.0,
        graded.key,
    )


def test_the_coach_warns_on_save_and_save_anyway_places_it(
    live_app: LiveServer, sandbox: Sandbox, tool_session: Session
) -> None:
    browser, picker = open_picker(sandbox, live_app.url)
    closed = "Did you find the video useful for your work?"
    warned = submit(browser, picker, "picker", title="Week 6", prompt=closed)
    assert warned.status_code == 200
    text = Forms(warned.text).text
    assert "the prompt coach has a suggestion" in text
    assert "This can be answered with a yes or a no" in text
    assert "To what extent did you find the video useful for your work, and why?" in text
    assert "Save anyway" in text
    assert tool_session.scalars(select(Placement)).all() == []
    assert sandbox.store.links() == []

    returned = submit(browser, warned, "picker", title="Week 6", prompt=closed, save_anyway="1")
    [item] = content_items(returned)
    assert item["title"] == "Week 6"
    tool_session.expire_all()
    assert tool_session.scalars(select(Placement.prompt)).all() == [closed]


def test_the_coach_endpoint_answers_a_launch_token_only(
    live_app: LiveServer, sandbox: Sandbox
) -> None:
    _browser, picker = open_picker(sandbox, live_app.url)
    token = picker_fields(picker)["lt"]
    url = f"{live_app.url}/deep-linking/coach"
    closed = "¿Es útil este enfoque para tu trabajo diario en el equipo?"
    answer = requests.post(url, data={"lt": token, "prompt": closed, "number": "2"}, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["language"] == "es"
    [finding] = body["findings"]
    assert finding["code"] == "closed_question"
    assert finding["rewrites"][0].startswith("¿Hasta qué punto es útil")
    assert 'name="rewrite-2"' in body["html"]
    assert "Use this" in body["html"]
    fine = requests.post(url, data={"lt": token, "prompt": "**" + FIRST + "**"}, timeout=10)
    assert (fine.json()["findings"], fine.json()["html"]) == ([], "")
    assert fine.json()["preview"] == f"<p><strong>{FIRST}</strong></p>\n"
    # Without the token (another site's page, or no launch): refused, nothing said.
    refused = requests.post(url, data={"prompt": closed}, timeout=10)
    assert refused.status_code == 401
    assert "findings" not in refused.text
    forged = requests.post(url, data={"lt": token[:-4] + "AAAA", "prompt": closed}, timeout=10)
    assert forged.status_code == 401
