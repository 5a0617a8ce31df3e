"""The whole LTI round trip against the sandbox LMS (lti1p3platform) over loopback, driven
like a browser with cookies blocked nowhere: login → launch → deep linking → AGS score →
NRPS roster. The sandbox and the tool are separate servers on separate ports (origins)."""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.placements import Placement
from lti_tool.models import GradeSync
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox
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
    assert "Send test score" not in text
    tool_session.expire_all()
    assert tool_session.get(Placement, placement.id).resource_link_id == f"sbx-link-{link['id']}"

    # The instructor opens it: the roster comes from NRPS, a score goes through AGS.
    staff_page = launch(
        instructor, sandbox, f"/launch/{people.INSTRUCTOR.user_id}/link/{link['id']}", tool
    )
    staff_text = Forms(staff_page.text).text
    for person in people.PEOPLE:
        assert person.name in staff_text
    assert "Ada Lovelace — Instructor" in staff_text
    scored = submit(instructor, staff_page, "test-score", user_id=LEARNER.user_id, score="7.5")
    assert scored.status_code == 200, scored.text
    assert "Score sent to the LMS." in Forms(scored.text).text
    # The redirect after the score names the page by its id, never by the launch token.
    assert "page=" in scored.url
    assert "lt=" not in scored.url
    [score] = sandbox.store.scores()
    assert (score["user_id"], score["score_given"], score["score_maximum"]) == (
        LEARNER.user_id,
        7.5,
        10.0,
    )
    assert (score["activity_progress"], score["grading_progress"]) == ("Completed", "FullyGraded")
    gradebook = Forms(instructor.get(sandbox.url + "/gradebook", timeout=10).text).text
    assert TITLE in gradebook
    assert "7.5" in gradebook

    # A second score right away is accepted: its timestamp is strictly later.
    again = submit(instructor, scored, "test-score", user_id=LEARNER.user_id, score="9")
    assert "Score sent to the LMS." in Forms(again.text).text
    assert [row["score_given"] for row in sandbox.store.scores()] == [7.5, 9]
    tool_session.expire_all()
    sync = tool_session.scalars(select(GradeSync)).one()
    assert (sync.status, sync.score_given, sync.message) == ("sent", 9.0, None)
    first, second = (row["timestamp"] for row in sandbox.store.scores())
    assert second > first


def test_a_refused_score_is_recorded_and_shown(
    live_app: LiveServer, sandbox: Sandbox, tool_session: Session
) -> None:
    tool = live_app.url
    instructor = requests.Session()
    picker = launch(instructor, sandbox, f"/launch/{people.INSTRUCTOR.user_id}/deep-linking", tool)
    submit(
        instructor, submit(instructor, picker, "picker", title=TITLE, prompt=PROMPT, grading="on")
    )
    [link] = sandbox.store.links()
    page = launch(
        instructor, sandbox, f"/launch/{people.INSTRUCTOR.user_id}/link/{link['id']}", tool
    )
    refused = submit(instructor, page, "test-score", user_id="not-in-this-course", score="5")
    text = Forms(refused.text).text
    assert "The LMS did not take the score" in text
    assert "userId 'not-in-this-course' is not a member of this course" in text
    sync = tool_session.scalars(select(GradeSync)).one()
    assert (sync.status, sync.user_sub) == ("failed", "not-in-this-course")
    assert sandbox.store.scores() == []
