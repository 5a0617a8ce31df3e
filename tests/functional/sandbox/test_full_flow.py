"""The whole LTI round trip against the sandbox LMS (lti1p3platform) over loopback, driven
like a browser with cookies blocked nowhere: login → launch → deep linking → a learner's
reflection → its participation score through AGS (the grade worker) → NRPS roster. The
sandbox and the tool are separate servers on separate ports (origins)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.grading import SENT, QueuedScore
from activities.placements import Placement
from activities.reflection import operations as ops
from lti_tool.auth import read_token
from lti_tool.grades import GradeWorker
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox, staff_tab
from tests.support.live import LiveServer

TITLE = "After the case study"
PROMPT = "How would you apply this in your next client meeting?"
LEARNER = people.LEARNERS[2]


def submit(
    browser: requests.Session, page: requests.Response, form_id: str | None = None, **values: str
) -> requests.Response:
    """Submit a form of ``page`` (the first, or the one with ``form_id``) as a browser does."""
    forms = Forms(page.text).forms
    form = next(f for f in forms if form_id is None or f["id"] == form_id)
    data = form["fields"] | values
    action = urljoin(page.url, form["action"])
    if form["method"].lower() == "post":
        return browser.post(action, data=data, timeout=10)
    return browser.get(action, params=data, timeout=10)


def launch(
    browser: requests.Session, sandbox: Sandbox, launch_path: str, tool_url: str
) -> requests.Response:
    """Open a sandbox launch page, check its tool frame, and follow the new-window login
    (first-party cookies) through the platform's auto-submitting form to the tool."""
    page = browser.get(sandbox.url + launch_path, timeout=10)
    assert page.status_code == 200, page.text
    forms = Forms(page.text)
    frame = urlsplit(forms.iframes[0])
    assert f"{frame.scheme}://{frame.netloc}{frame.path}" == f"{tool_url}/lti/login"
    frame_params = parse_qs(frame.query)
    assert frame_params["lti_storage_target"] == ["_parent"]
    assert frame_params["iss"] == [sandbox.url]
    login = browser.get(forms.link("Open in a new window")["href"], timeout=10)
    # The tool sent us to the sandbox's auth endpoint, which answers with the id_token form.
    assert login.url.startswith(f"{sandbox.url}/auth?")
    assert Forms(login.text).forms[0]["action"] == f"{tool_url}/lti/launch"
    landed = submit(browser, login)
    assert landed.status_code == 200, landed.text
    return landed


def page_token(html: str) -> str:
    """The launch token an activity page carries (for its own scripts and forms)."""
    found = re.search(r'data-launch-token="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def reflect(
    live_app: LiveServer, session: Session, page: requests.Response | str, text: str
) -> None:
    """The learner of ``page`` (a launched activity page, or its launch token) posts a
    reflection, as the reflection's page will: the operation with the launch's own
    participant and visit (its AGS claim included), committed once. The LMS is not called:
    the score is only queued."""
    app: Flask = live_app.app  # type: ignore[attr-defined]
    token = page if isinstance(page, str) else page_token(page.text)
    with app.test_request_context():
        launch = read_token(token)
        key = str(launch.custom["peerloop_placement"])
    session.expire_all()
    placement = session.scalars(
        select(Placement).where(
            Placement.context_id == launch.context_id,
            Placement.resource_link_id == launch.resource_link_id,
        )
    ).one()
    assert placement.key == key or placement.origin_id is not None
    assert launch.participant is not None
    ops.post(session, launch.participant, placement, launch.visit(app.config["PEERLOOP"]), text)
    session.commit()


def send_scores(live_app: LiveServer) -> int:
    """What the grade worker (a thread in development, `peerloop grades worker` in
    production) does: send every queued score that is due."""
    app: Flask = live_app.app  # type: ignore[attr-defined]
    return GradeWorker(app.extensions["peerloop.sessions"], app.config["PEERLOOP"]).drain()


def test_login_launch_deep_linking_score_and_roster(
    live_app: LiveServer, sandbox: Sandbox, tool_session: Session
) -> None:
    tool = live_app.url
    instructor = requests.Session()

    # Deep linking as the instructor: picker → placement → signed response → course link.
    home = Forms(instructor.get(sandbox.url + "/", timeout=10).text)
    dl_path = home.link(f"Launch as {people.INSTRUCTOR.name}")["href"]
    picker = launch(instructor, sandbox, dl_path, tool)
    assert "Add a Peerloop activity" in Forms(picker.text).text
    returned = submit(
        instructor, picker, "picker", title=TITLE, prompt=PROMPT, grading="on", score_maximum="10"
    )
    assert Forms(returned.text).forms[0]["action"] == f"{sandbox.url}/deep-linking/return"
    done = submit(instructor, returned)
    assert done.status_code == 200, done.text
    assert TITLE in Forms(done.text).text
    [link] = sandbox.store.links()
    placement = tool_session.scalars(select(Placement)).one()
    # The key twice: in custom, and in the URL's path for LMSs that drop custom (no query).
    assert link["url"] == f"{tool}/lti/launch/p/{placement.key}"
    assert link["custom"] == {"peerloop_placement": placement.key}
    assert (placement.title, placement.prompt, placement.created_by_sub) == (
        TITLE,
        PROMPT,
        people.INSTRUCTOR.user_id,
    )
    assert placement.resource_link_id is None  # not launched yet

    # A learner launches the placed link and sees its title and prompt, no staff controls.
    learner = requests.Session()
    course = Forms(learner.get(f"{sandbox.url}/course/{LEARNER.user_id}", timeout=10).text)
    page = launch(learner, sandbox, course.link(f"Open {TITLE}")["href"], tool)
    text = Forms(page.text).text
    assert TITLE in text
    assert PROMPT in text
    assert "Course roster" not in text
    assert "Grades in the LMS" not in text
    tool_session.expire_all()
    assert tool_session.get(Placement, placement.id).resource_link_id == f"sbx-link-{link['id']}"

    # The instructor opens it: the roster comes from NRPS, a score goes through AGS.
    staff_page = staff_tab(
        instructor,
        launch(instructor, sandbox, f"/launch/{people.INSTRUCTOR.user_id}/link/{link['id']}", tool),
        "participation",
    )
    staff_text = Forms(staff_page.text).text
    for person in people.LEARNERS:
        assert person.name in staff_text
    assert "No scores yet" in staff_text

    # The learner reflects: one reflection is full marks under the default rule. The score
    # was queued in the learner's transaction; the worker sends it to the gradebook.
    reflect(live_app, tool_session, page, "I would ask what they already tried, then listen.")
    assert sandbox.store.scores() == []
    assert send_scores(live_app) == 1
    [score] = sandbox.store.scores()
    assert (score["user_id"], score["score_given"], score["score_maximum"]) == (
        LEARNER.user_id,
        10.0,
        10.0,
    )
    assert (score["activity_progress"], score["grading_progress"]) == ("Completed", "FullyGraded")
    gradebook = Forms(instructor.get(sandbox.url + "/gradebook", timeout=10).text).text
    assert TITLE in gradebook
    assert "10" in gradebook
    tool_session.expire_all()
    row = tool_session.scalars(select(QueuedScore)).one()
    assert (row.status, row.score_given, row.last_message) == (SENT, 10.0, None)

    # The instructor's page shows it: the learner's name, the score, sent.
    again = instructor.get(staff_page.url, timeout=10)
    grades = Forms(again.text).text
    assert f"{LEARNER.name} 10 / 10 Sent" in grades
    resent = submit(instructor, again, "resend-grades")
    assert "will be sent to the LMS again" in Forms(resent.text).text
    # The redirect after re-sending names the page by its id, never by the launch token.
    assert "page=" in resent.url
    assert "lt=" not in resent.url
    assert send_scores(live_app) == 1
    first, second = (row["timestamp"] for row in sandbox.store.scores())
    assert second > first
