"""A course copied in the LMS (backup/restore each term) carries the deep-linked item and its
``peerloop_placement`` key into a new course with new resource link ids: the copy's launches
get a placement of their own, and its grades land in the copy's gradebook, never the
original's."""

from __future__ import annotations

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.grading import QueuedScore
from activities.placements import Placement
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox, staff_tab
from tests.functional.sandbox.test_full_flow import (
    PROMPT,
    TITLE,
    launch,
    reflect,
    send_scores,
    submit,
)
from tests.support.live import LiveServer

LEARNER = people.LEARNERS[0]
INSTRUCTOR = people.INSTRUCTOR.user_id


def test_a_copied_course_grades_into_its_own_gradebook(
    live_app: LiveServer, sandbox: Sandbox, tool_session: Session
) -> None:
    tool = live_app.url
    browser = requests.Session()
    picker = launch(browser, sandbox, f"/launch/{INSTRUCTOR}/deep-linking", tool)
    returned = submit(browser, picker, "picker", title=TITLE, prompt=PROMPT, grading="on")
    submit(browser, returned)
    [link] = sandbox.store.links()
    learner = requests.Session()
    page = launch(learner, sandbox, f"/launch/{LEARNER.user_id}/link/{link['id']}", tool)
    reflect(live_app, tool_session, page, "In the original course.")
    send_scores(live_app)
    [original_item] = sandbox.store.lineitems(course_id=people.COURSE_ID)

    # The LMS copies the course: same custom key, new context id and resource link id.
    copied = browser.post(f"{sandbox.url}/courses/{people.COURSE_ID}/copy", timeout=10)
    assert copied.status_code == 200
    [course] = [c for c in sandbox.store.courses() if c["copied_from"] == people.COURSE_ID]
    [copy_link] = sandbox.store.links(course["id"])
    assert copy_link["custom"] == link["custom"]
    copy_page = staff_tab(
        browser,
        launch(browser, sandbox, f"/launch/{INSTRUCTOR}/link/{copy_link['id']}", tool),
        "participation",
    )
    # The copy starts with no grades of the original's learners.
    assert "No scores yet" in Forms(copy_page.text).text
    learner_copy = launch(
        learner, sandbox, f"/launch/{LEARNER.user_id}/link/{copy_link['id']}", tool
    )
    tool_session.expire_all()
    copy_row = tool_session.scalars(select(Placement).where(Placement.origin_id.is_not(None))).one()
    copy_row.settings = {**copy_row.settings, "grade_reflections": 2}  # out of 2 there
    tool_session.commit()
    reflect(live_app, tool_session, learner_copy, "In the copied course.")
    send_scores(live_app)

    [copy_item] = sandbox.store.lineitems(course_id=course["id"])
    assert [s["score_given"] for s in sandbox.store.scores(copy_item["id"])] == [5]
    assert [s["score_given"] for s in sandbox.store.scores(original_item["id"])] == [10]

    tool_session.expire_all()
    original, copy = tool_session.scalars(select(Placement).order_by(Placement.id)).all()
    assert copy.origin_id == original.id
    assert copy.key != original.key
    assert (copy.context_id, copy.resource_link_id) == (course["id"], f"sbx-link-{copy_link['id']}")
    assert (copy.title, copy.prompt, copy.grading) == (TITLE, PROMPT, True)
    assert original.context_id == people.COURSE_ID
    rows = tool_session.scalars(select(QueuedScore).order_by(QueuedScore.id)).all()
    assert [(r.placement_id, r.score_given) for r in rows] == [(original.id, 10), (copy.id, 5)]

    # The original course's launches still open and grade the original: re-sent from there.
    again = staff_tab(
        browser,
        launch(browser, sandbox, f"/launch/{INSTRUCTOR}/link/{link['id']}", tool),
        "participation",
    )
    submit(browser, again, "resend-grades")
    send_scores(live_app)
    assert [s["score_given"] for s in sandbox.store.scores(original_item["id"])] == [10, 10]
    assert [s["score_given"] for s in sandbox.store.scores(copy_item["id"])] == [5]
    assert len(tool_session.scalars(select(Placement)).all()) == 2


def test_the_sandbox_gradebooks_are_per_course(sandbox: Sandbox) -> None:
    sandbox.store.add_link("A", None, "http://127.0.0.1:9/lti/launch", {"k": "v"})
    browser = requests.Session()
    browser.post(f"{sandbox.url}/courses/{people.COURSE_ID}/copy", timeout=10)
    home = Forms(browser.get(sandbox.url + "/", timeout=10).text).text
    assert "Sandbox 101 (copy 1)" in home
    course_id = f"{people.COURSE_ID}-copy-1"
    members = browser.get(f"{sandbox.url}/api/courses/{course_id}/memberships", timeout=10)
    assert members.status_code == 401  # a real course endpoint: it wants a token
    missing = browser.get(f"{sandbox.url}/api/courses/nope/memberships", timeout=10)
    assert missing.status_code == 400
    assert "no course" in missing.text
