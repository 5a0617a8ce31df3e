"""Peerloop against the sandbox behaving like Chamilo 1.11 (``sandbox.flavour.CHAMILO``): a
login without client_id or deployment id, deployment ids per course and message type, deep-link
items' custom values dropped, custom names lower-cased, the launch posted to the link's URL,
the tool's key pasted as PEM, AGS media types compared verbatim and a filtered line-item list
that breaks with an HTML page (status 200)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.placements import Placement
from lti_tool.cli import main
from lti_tool.lti import ags, claims
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient
from lti_tool.models import Deployment
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox, platform_row
from tests.functional.sandbox.test_full_flow import send_scores, submit
from tests.support.live import LiveServer

TITLE = "After the field trip"
PROMPT = "What surprised you most, and why?"
LEARNER = people.LEARNERS[0]
ALL_SCOPES = [claims.SCOPE_LINEITEM, claims.SCOPE_RESULT_READONLY, claims.SCOPE_SCORE]

REFLECTION = "Next time I would ask the team what they already tried, then listen."


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(main, args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def current_pem(app: Flask) -> str:
    """The current key's PEM as ``peerloop keys list --pem`` prints it."""
    output = _cli(app, "keys", "list", "--pem")
    start = output.index("-----BEGIN PUBLIC KEY-----")
    end = output.index("-----END PUBLIC KEY-----") + len("-----END PUBLIC KEY-----")
    return output[start:end]


def paste_key(browser: requests.Session, sandbox: Sandbox, pem: str) -> None:
    saved = browser.post(f"{sandbox.url}/admin/tool-key", data={"pem": pem}, timeout=10)
    assert saved.status_code == 200, saved.text
    assert sandbox.store.tool_public_pem() == pem


def launch(browser: requests.Session, sandbox: Sandbox, path: str) -> requests.Response:
    """Open a launch page and follow its new-window login to the tool; the login initiation
    names no client and no deployment, as Chamilo's does."""
    page = browser.get(sandbox.url + path, timeout=10)
    assert page.status_code == 200, page.text
    login_url = Forms(page.text).link("Open in a new window")["href"]
    params = parse_qs(urlsplit(login_url).query)
    assert "client_id" not in params
    assert "lti_deployment_id" not in params
    login = browser.get(login_url, timeout=10)
    assert login.url.startswith(f"{sandbox.url}/auth?"), login.text
    landed = submit(browser, login)
    assert landed.status_code == 200, landed.text
    return landed


def place_activity(
    browser: requests.Session, sandbox: Sandbox, session: Session, course: str = ""
) -> tuple[dict[str, object], Placement]:
    picker = launch(browser, sandbox, f"/launch/{people.INSTRUCTOR.user_id}/deep-linking{course}")
    returned = submit(
        browser, picker, "picker", title=TITLE, prompt=PROMPT, grading="on", score_maximum="10"
    )
    done = submit(browser, returned)
    assert done.status_code == 200, done.text
    assert TITLE in Forms(done.text).text
    link = sandbox.store.links()[-1]
    session.expire_all()
    placement = session.scalars(
        select(Placement).where(Placement.title == TITLE).order_by(Placement.id.desc())
    ).first()
    assert placement is not None
    return link, placement


def test_an_activity_placed_from_chamilo_opens_without_its_custom_value(
    live_app: LiveServer, chamilo: Sandbox, session: Session
) -> None:
    """Chamilo drops the item's ``custom`` and posts the launch to the item's URL: the key
    travels in the URL's path, and that path takes the launch."""
    instructor = requests.Session()
    paste_key(instructor, chamilo, current_pem(live_app.app))  # type: ignore[attr-defined]
    link, placement = place_activity(instructor, chamilo, session)
    assert link["custom"] == {}  # dropped, as Chamilo does
    assert link["url"] == f"{live_app.url}/lti/launch/p/{placement.key}"
    assert not urlsplit(str(link["url"])).query

    learner = requests.Session()
    page = launch(learner, chamilo, f"/launch/{LEARNER.user_id}/link/{link['id']}")
    text = Forms(page.text).text
    assert TITLE in text
    assert PROMPT in text
    session.expire_all()
    assert session.get(Placement, placement.id).resource_link_id == f"sbx-link-{link['id']}"

    # The learner's reflection is scored and reaches the gradebook: Chamilo accepts the score
    # media type (its 415 refused the plain JSON one).
    posted = submit(
        learner,
        page,
        None,
        body=REFLECTION,
    )
    assert posted.status_code == 200, Forms(posted.text).text
    assert send_scores(live_app) == 1
    [score] = chamilo.store.scores()
    assert (score["user_id"], score["score_given"]) == (LEARNER.user_id, 10)


def test_deployment_ids_change_per_course_and_between_deep_linking_and_launches(
    live_app: LiveServer, chamilo: Sandbox, session: Session
) -> None:
    instructor = requests.Session()
    paste_key(instructor, chamilo, current_pem(live_app.app))  # type: ignore[attr-defined]
    link, placement = place_activity(instructor, chamilo, session)
    assert placement.deployment_id == "1"  # the deep-linking request's, sent back in the response
    learner = requests.Session()
    assert TITLE in launch(learner, chamilo, f"/launch/{LEARNER.user_id}/link/{link['id']}").text

    copy_id = chamilo.store.copy_course(people.COURSE_ID)
    [copied] = chamilo.store.links(copy_id)
    assert TITLE in launch(learner, chamilo, f"/launch/{LEARNER.user_id}/link/{copied['id']}").text
    session.expire_all()
    copy = session.scalars(select(Placement).where(Placement.context_id == copy_id)).one()
    assert (copy.origin_id, copy.deployment_id) == (placement.id, f"{copy_id}-2")
    recorded = session.scalars(
        select(Deployment.deployment_id).where(Deployment.platform_id == chamilo.platform_id)
    ).all()
    assert sorted(recorded) == sorted(["1", "2", f"{copy_id}-2"])


def test_custom_names_come_lower_cased(
    live_app: LiveServer, chamilo: Sandbox, session: Session
) -> None:
    """A teacher types the key into the tool's custom parameters by hand, in capitals;
    Chamilo sends the name lower-cased, which is the name Peerloop reads."""
    instructor = requests.Session()
    paste_key(instructor, chamilo, current_pem(live_app.app))  # type: ignore[attr-defined]
    _, placement = place_activity(instructor, chamilo, session)
    typed = chamilo.store.add_link(
        "Typed by hand",
        None,
        f"{live_app.url}/lti/launch",
        {"PEERLOOP_PLACEMENT": placement.key},
    )
    learner = requests.Session()
    page = launch(learner, chamilo, f"/launch/{LEARNER.user_id}/link/{typed}")
    assert PROMPT in Forms(page.text).text


def test_deep_linking_is_checked_against_the_pasted_key_until_rotation(
    live_app: LiveServer, chamilo: Sandbox, session: Session
) -> None:
    """No JWKS URL: after ``peerloop keys rotate`` the LMS refuses the tool's responses until
    the administrator pastes the new key (the README says so)."""
    app: Flask = live_app.app  # type: ignore[attr-defined]
    instructor = requests.Session()
    paste_key(instructor, chamilo, current_pem(app))
    old = current_pem(app)
    _cli(app, "keys", "rotate")
    new = current_pem(app)
    assert new != old
    picker = launch(instructor, chamilo, f"/launch/{people.INSTRUCTOR.user_id}/deep-linking")
    returned = submit(instructor, picker, "picker", title=TITLE, prompt=PROMPT)
    refused = submit(instructor, returned)
    assert refused.status_code == 400
    assert "Signature verification failed" in refused.text
    assert chamilo.store.links() == []

    paste_key(instructor, chamilo, new)
    place_activity(instructor, chamilo, session)
    assert [row["title"] for row in chamilo.store.links()] == [TITLE]


# -- AGS as Chamilo answers it ---------------------------------------------------------------


def make_client(session: Session, sandbox: Sandbox, **endpoint: object) -> ags.AgsClient:
    claim = {
        "scope": ALL_SCOPES,
        "lineitems": f"{sandbox.url}/api/courses/{people.COURSE_ID}/lineitems",
    } | endpoint
    return ags.AgsClient(ServiceClient(session, platform_row(session, sandbox), timeout=5), claim)


def test_scores_and_line_items_use_the_ags_media_types(session: Session, chamilo: Sandbox) -> None:
    client = make_client(session, chamilo)
    item = client.create_line_item(label="Reflection", score_maximum=10, resource_id="p-1")
    assert client.get_line_item(item.id).label == "Reflection"
    assert [found.id for found in client.find_line_items()] == [item.id]
    client.submit_score(
        item.id,
        user_id=LEARNER.user_id,
        score_given=6,
        score_maximum=10,
        timestamp=ags.next_timestamp(None),
    )
    assert [row["score_given"] for row in chamilo.store.scores()] == [6]


def test_a_broken_filtered_lookup_falls_back_to_the_whole_list(
    session: Session, chamilo: Sandbox
) -> None:
    client = make_client(session, chamilo)
    other = client.create_line_item(label="Other", score_maximum=5, resource_id="p-other")
    mine = client.create_line_item(label="Mine", score_maximum=10, resource_id="p-mine")
    assert [item.id for item in client.find_line_items(resource_id="p-mine")] == [mine.id]
    found = client.find_or_create_line_item(label="Mine", score_maximum=10, resource_id="p-mine")
    assert found.id == mine.id
    created = client.find_or_create_line_item(label="New", score_maximum=3, resource_id="p-new")
    assert created.id not in (mine.id, other.id)
    assert len(chamilo.store.lineitems()) == 3


def test_a_broken_lookup_says_what_was_asked_and_what_came_back(
    session: Session, chamilo: Sandbox
) -> None:
    """The container URL itself carries a filter, so the unfiltered retry breaks too."""
    container = f"{chamilo.url}/api/courses/{people.COURSE_ID}/lineitems?tag=week-1"
    client = make_client(session, chamilo, lineitems=container)
    with pytest.raises(PlatformServiceError) as broken:
        client.find_line_items(resource_id="p-1")
    message = broken.value.message
    assert f"GET {container}&resource_id=p-1" in message
    assert "HTTP 200" in message
    assert "text/html" in message
    assert "Fatal error: Uncaught TypeError: getLineItems()" in message  # its first line of text
    assert f"GET {container}, answered" in message  # the unfiltered retry, named too
    assert "not JSON" in message
