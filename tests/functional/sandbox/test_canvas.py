"""The sandbox behaving like Canvas: one issuer for every school, the school's pages on
another origin, a bare-host ``authorization_server``, Canvas's placement rules for dynamic
registration, ``post_message_forwarding``, 50-member roster pages, and 412 for a line item
tied to a link that has none. Each test fails against the Peerloop that did not know them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.grading import SENT, QueuedScore
from lti_tool.lti import ags, claims
from lti_tool.lti.nrps import NrpsClient
from lti_tool.lti.service_client import ServiceClient
from lti_tool.lti.tool_configuration import canvas_configuration
from lti_tool.models import Platform
from sandbox import people
from sandbox.app import REGISTRATION_TOKEN
from sandbox.flavour import CANVAS, other_loopback_url
from sandbox.registration import TOOL_CONFIGURATION
from sandbox.storage import link_key
from tests.functional.sandbox.harness import (
    Forms,
    Sandbox,
    platform_row,
    running_sandbox,
    staff_tab,
)
from tests.functional.sandbox.test_full_flow import PROMPT, TITLE, send_scores, submit
from tests.support.live import LiveServer

DEEP_LINKING = "LtiDeepLinkingRequest"
CANVAS_TOOL_ID_CLAIM = "https://canvas.instructure.com/lti/tool_id"
SCOPES = [claims.SCOPE_LINEITEM, claims.SCOPE_SCORE]

REFLECTION = "Next time I would ask the team what they already tried, then listen."


@pytest.fixture
def canvas(live_app: LiveServer, tmp_path: Path) -> Iterator[Sandbox]:
    """Canvas registered by hand, as an admin does with a developer key and
    ``peerloop platform add --issuer https://canvas.instructure.com --frame-origin …``."""
    with running_sandbox(live_app.app, live_app.url, tmp_path, CANVAS) as running:  # type: ignore[attr-defined]
        yield running


@pytest.fixture
def canvas_unregistered(live_app: LiveServer, tmp_path: Path) -> Iterator[Sandbox]:
    """Canvas before dynamic registration. Its OpenID configuration is served on its shared
    host (a second loopback name), so the issuer is that host's URL here: LTI-DR wants the
    issuer on the configuration's origin, and https://canvas.instructure.com is not ours."""
    flavour = replace(CANVAS, issuer=None)
    with running_sandbox(
        live_app.app,
        live_app.url,
        tmp_path,
        flavour,
        register=False,  # type: ignore[attr-defined]
    ) as running:
        yield running


def _register(live_app: LiveServer, sandbox: Sandbox) -> requests.Response:
    config_url = f"{other_loopback_url(sandbox.url)}/api/lti/security/openid-configuration"
    return requests.get(
        f"{live_app.url}/lti/register",
        params={"openid_configuration": config_url, "registration_token": REGISTRATION_TOKEN},
        timeout=10,
    )


def _registered(session: Session) -> Platform:
    session.expire_all()
    return session.scalars(select(Platform)).one()


def test_dynamic_registration_puts_deep_linking_on_canvas_pickers(
    live_app: LiveServer, canvas_unregistered: Sandbox
) -> None:
    """Canvas gives a message without placements link_selection and keeps the first per
    placement: a bare resource-link message first made "add from Modules" a plain link."""
    done = _register(live_app, canvas_unregistered)
    assert done.status_code == 200, done.text
    [registration] = canvas_unregistered.app.extensions["sandbox.registrations"]
    assert registration["placements"] == {
        "link_selection": DEEP_LINKING,
        "assignment_selection": DEEP_LINKING,
    }
    tool = registration["body"][TOOL_CONFIGURATION]
    # The same tool_id as the developer-key JSON, so Canvas sees one tool either way.
    [extension] = canvas_configuration(live_app.url)["extensions"]
    assert tool[CANVAS_TOOL_ID_CLAIM] == extension["tool_id"]


def test_done_page_says_what_remains_to_do_in_canvas(
    live_app: LiveServer, canvas_unregistered: Sandbox
) -> None:
    text = Forms(_register(live_app, canvas_unregistered).text).text
    assert "turn the new Peerloop key On" in text
    assert "installed and enabled" in text
    assert "Your LMS can now launch Peerloop" not in text


def test_dynamic_registration_lets_the_school_origin_frame_the_tool(
    live_app: LiveServer, canvas_unregistered: Sandbox, session: Session
) -> None:
    """Canvas frames tools from the school's domain (the registration endpoint's), not from
    its issuer's or login host's."""
    _register(live_app, canvas_unregistered)
    platform = _registered(session)
    school = canvas_unregistered.url
    assert urlsplit(platform.issuer).netloc != urlsplit(school).netloc
    assert urlsplit(platform.auth_login_url).netloc != urlsplit(school).netloc
    assert platform.frame_origin_list == [school]
    policy = requests.get(f"{live_app.url}/", timeout=10).headers["Content-Security-Policy"]
    assert school in policy.split()
    assert "*" not in policy.split()


def test_service_tokens_after_dynamic_registration_are_addressed_to_the_token_url(
    live_app: LiveServer, canvas_unregistered: Sandbox, session: Session
) -> None:
    """Canvas's authorization_server is a bare host; as aud it is refused ("the 'aud' is
    invalid"), so every grade and roster call failed."""
    _register(live_app, canvas_unregistered)
    platform = _registered(session)
    assert platform.auth_token_audience is None
    client = ServiceClient(session, platform, timeout=5)
    assert client.access_token([claims.SCOPE_NRPS])
    members = NrpsClient(
        client, f"{canvas_unregistered.url}/api/courses/{people.COURSE_ID}/memberships"
    ).members()
    assert [m.user_id for m in members] == [p.user_id for p in people.PEOPLE]


def test_roster_pages_of_fifty_are_followed(
    live_app: LiveServer, tmp_path: Path, session: Session
) -> None:
    """Canvas sends at most 50 members a page whatever limit is asked; here 2, so the small
    sandbox course takes several pages."""
    flavour = replace(CANVAS, nrps_page_size=2)
    with running_sandbox(live_app.app, live_app.url, tmp_path, flavour) as sandbox:  # type: ignore[attr-defined]
        client = ServiceClient(session, platform_row(session, sandbox), timeout=5)
        url = f"{sandbox.url}/api/courses/{people.COURSE_ID}/memberships"
        members = NrpsClient(client, url).members(limit=100)
    assert [m.user_id for m in members] == [p.user_id for p in people.PEOPLE]


def test_a_line_item_canvas_will_not_tie_to_the_link_is_made_for_the_course(
    canvas: Sandbox, session: Session
) -> None:
    link_id = canvas.store.add_link("Discussion", None, "https://tool/lti/launch", {})
    client = ags.AgsClient(
        ServiceClient(session, platform_row(session, canvas), timeout=5),
        {"scope": SCOPES, "lineitems": f"{canvas.url}/api/courses/{people.COURSE_ID}/lineitems"},
    )
    item = client.find_or_create_line_item(
        label="Discussion", score_maximum=10, resource_id="p-1", resource_link_id=link_key(link_id)
    )
    assert client.link_refused == 412
    assert item.resource_link_id is None
    assert item.resource_id == "p-1"
    # Found again by our resource id: no second column.
    again = ags.AgsClient(client.client, client.endpoint)
    assert (
        again.find_or_create_line_item(
            label="Discussion",
            score_maximum=10,
            resource_id="p-1",
            resource_link_id=link_key(link_id),
        ).id
        == item.id
    )
    assert again.link_refused is None


def _launch(
    browser: requests.Session, sandbox: Sandbox, path: str, tool_url: str
) -> requests.Response:
    """A Canvas launch: the frame names the shared issuer and the forwarding frame; the
    login goes to the shared host; the tool's page may be framed by the school."""
    page = browser.get(sandbox.url + path, timeout=10)
    assert page.status_code == 200, page.text
    forms = Forms(page.text)
    params = parse_qs(urlsplit(forms.iframes[-1]).query)
    assert params["iss"] == ["https://canvas.instructure.com"]
    assert params["lti_storage_target"] == ["post_message_forwarding"]
    assert forms.iframes[0] == f"{other_loopback_url(sandbox.url)}/post_message_forwarding"
    login = browser.get(forms.link("Open in a new window")["href"], timeout=10)
    assert login.url.startswith(f"{other_loopback_url(sandbox.url)}/auth?")
    landed = submit(browser, login)
    assert landed.status_code == 200, landed.text
    assert sandbox.url in landed.headers["Content-Security-Policy"].split()
    return landed


def test_canvas_round_trip_with_a_course_column_for_a_module_link(
    live_app: LiveServer, canvas: Sandbox, tool_session: Session
) -> None:
    """Registered by hand with the shared issuer and the school's frame origin: deep linking,
    then a score for a link Canvas made no assignment for (its line item removed, as for a
    Modules link): the grade goes to a course column and the teacher is told."""
    tool = live_app.url
    instructor = requests.Session()
    picker = _launch(instructor, canvas, f"/launch/{people.INSTRUCTOR.user_id}/deep-linking", tool)
    returned = submit(
        instructor, picker, "picker", title=TITLE, prompt=PROMPT, grading="on", score_maximum="10"
    )
    assert submit(instructor, returned).status_code == 200
    [link] = canvas.store.links()
    for item in canvas.store.lineitems(course_id=people.COURSE_ID):
        canvas.store.delete_lineitem(item["id"])
    learner = requests.Session()
    learner_page = _launch(
        learner, canvas, f"/launch/{people.LEARNERS[0].user_id}/link/{link['id']}", tool
    )
    posted = submit(
        learner,
        learner_page,
        None,
        body=REFLECTION,
    )
    assert posted.status_code == 200, Forms(posted.text).text
    assert send_scores(live_app) == 1
    page = staff_tab(
        instructor,
        _launch(instructor, canvas, f"/launch/{people.INSTRUCTOR.user_id}/link/{link['id']}", tool),
        "participation",
    )
    text = Forms(page.text).text
    assert "would not tie a gradebook column to this link (it answered 412)" in text
    [column] = canvas.store.lineitems(course_id=people.COURSE_ID)
    assert column["resource_link_id"] is None
    assert [s["score_given"] for s in canvas.store.scores()] == [10]
    row = tool_session.scalars(select(QueuedScore)).one()
    assert row.status == SENT
