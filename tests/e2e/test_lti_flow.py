"""The whole LTI journey in a real browser: the sandbox LMS (its own Flask app, reached as
``localhost``) frames the tool (``127.0.0.1``), so every tool cookie is third-party.

Instructor: "Launch as …" → deep-linking picker in the iframe → places an activity.
Learner: opens it from the course page → sees the placement page in the iframe.
Run with third-party cookies allowed and blocked; blocked, the launch must go through LTI
Platform Storage (postMessage to the sandbox page) — or, when the LMS offers no platform
storage, show the "open in a new window" fallback, whose button must work.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Route, expect
from sqlalchemy.orm import Session

from tests.e2e import a11y
from tests.e2e.conftest import PHONE, one_database
from tests.e2e.journeys import (
    INSTRUCTOR,
    LEARNER,
    LEARNERS,
    Sandbox,
    open_as_learner,
    open_placement,
    place_activity,
    tool_frame,
    watch_tool,
)
from tests.functional.sandbox.test_full_flow import reflect, send_scores
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def test_instructor_places_activity_and_learner_opens_it(
    browser_context: BrowserContext, cookies_blocked: bool, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Both launches succeed. With third-party cookies allowed the tool's state cookie
    confirms each launch; blocked, the sandbox page's platform storage does
    (/lti/launch/verify), and the tool never gets a cookie stored."""
    page = browser_context.new_page()
    traffic = watch_tool(page, sandbox.tool_url)
    place_activity(page, sandbox, tmp_path)
    open_as_learner(page, sandbox)

    placement = tool_frame(page, sandbox)
    a11y.assert_accessible(placement)
    a11y.screenshot(page, tmp_path, "placement-as-learner")
    assert traffic.paths.count("/lti/login") == 2
    assert traffic.paths.count("/lti/launch") == 2
    if cookies_blocked:
        assert traffic.paths.count("/lti/launch/verify") == 2
        assert browser_context.cookies(sandbox.tool_url) == []
    else:
        assert "/lti/launch/verify" not in traffic.paths


def _without_storage_target(route: Route) -> None:
    """Play an LMS that does not offer platform storage: drop lti_storage_target."""
    parts = urlsplit(route.request.url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lti_storage_target"]
    route.continue_(url=urlunsplit(parts._replace(query=urlencode(query))))


def test_blocked_cookies_without_platform_storage_offers_a_new_window(
    blocked_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = blocked_context.new_page()
    page.route(f"{sandbox.tool_url}/lti/login?*", _without_storage_target)
    page.goto(f"{sandbox.url}/")
    page.get_by_role("link", name=f"Launch as {INSTRUCTOR.name}: add an activity").click()

    frame = page.frame_locator("#tool-frame")
    alert = frame.get_by_role("alert")
    expect(alert).to_contain_text("Open the activity in a new window")
    fallback = tool_frame(page, sandbox)
    a11y.assert_accessible(fallback)
    a11y.screenshot(page, tmp_path, "new-window-fallback")

    with page.expect_popup() as popup_info:
        alert.get_by_role("link", name="Open in a new window").click()
    popup = popup_info.value
    # Top-level, the tool's cookie is first-party: the launch completes there.
    expect(popup.get_by_role("heading", level=1)).to_have_text("Add a Peerloop activity")
    a11y.screenshot(popup, tmp_path, "new-window-picker")


# Play an LMS that sends lti_storage_target but whose page never answers the messages: the
# sandbox's own page, with its message listener refused before its scripts run. (Rewriting
# the page's HTML through route.fulfill is no good: Chromium then treats the page as public
# and its Local Network Access check refuses the loopback tool frame.)
_DEAF_TO_MESSAGES_JS = """
(origin) => {
  if (window.location.origin !== origin) return;
  const listen = window.addEventListener;
  window.addEventListener = function (type, ...rest) {
    if (type !== "message") return listen.call(this, type, ...rest);
  };
}
"""


@one_database
def test_blocked_cookies_and_silent_platform_storage_offer_a_new_window(
    blocked_context: BrowserContext, sandbox: Sandbox
) -> None:
    """The tool waits for the LMS's storage a few seconds, then says so in an alert with the
    new-window link (in place of hanging on "Opening the activity…")."""
    page = blocked_context.new_page()
    page.add_init_script(f"({_DEAF_TO_MESSAGES_JS})({json.dumps(sandbox.url)})")
    page.goto(f"{sandbox.url}/")
    page.get_by_role("link", name=f"Launch as {INSTRUCTOR.name}: add an activity").click()

    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("status")).to_contain_text("storage did not answer")
    alert = frame.get_by_role("alert")
    expect(alert).to_be_visible()
    a11y.assert_accessible(tool_frame(page, sandbox))
    with page.expect_popup() as popup_info:
        alert.get_by_role("link", name="Open in a new window").click()
    popup = popup_info.value
    expect(popup.get_by_role("heading", level=1)).to_have_text("Add a Peerloop activity")


@one_database
def test_learner_placement_on_a_phone(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    place_activity(page, sandbox, tmp_path)
    page.set_viewport_size(PHONE)
    open_as_learner(page, sandbox)
    placement = tool_frame(page, sandbox)
    a11y.assert_fits_width(placement)
    a11y.assert_fits_width(page)
    a11y.screenshot(page, tmp_path, "placement-phone")


def test_instructor_sees_the_learners_score_sent_without_cookies(
    blocked_context: BrowserContext, sandbox: Sandbox, live_app: LiveServer, tmp_path: Path
) -> None:
    """The staff placement page inside the iframe: the roster comes from the LMS (NRPS); a
    learner's reflection (through the operation the reflection page calls, with the learner's
    own launch) queues a score, the grade worker sends it (AGS), and the instructor sees it
    sent and can re-send everything from the frame (identity in the form's launch token,
    cookies blocked)."""
    page = blocked_context.new_page()
    place_activity(page, sandbox, tmp_path)
    learner = open_as_learner(page, sandbox)
    token = learner.locator("script[data-launch-token]").get_attribute("data-launch-token")
    assert token
    session = _tool_session(live_app)
    try:
        reflect(live_app, session, token, "I would ask what they already tried.")
    finally:
        session.close()
    assert send_scores(live_app) == 1

    frame = open_placement(page, sandbox, INSTRUCTOR.user_id)
    frame.get_by_role("link", name="Participation").click()
    roster = frame.get_by_role("region", name="Learners and what each has done here")
    for person in LEARNERS:
        expect(roster.get_by_role("rowheader", name=person.name)).to_be_visible()
    row = frame.get_by_role("region", name="Each learner's latest score").get_by_role(
        "row", name=LEARNER.name
    )
    expect(row).to_contain_text("10 / 10")
    expect(row).to_contain_text("Sent")
    a11y.assert_accessible(tool_frame(page, sandbox))
    a11y.assert_touch_friendly(tool_frame(page, sandbox))
    a11y.screenshot(page, tmp_path, "placement-as-instructor")

    frame.get_by_role("button", name="Re-send all").click()
    expect(frame.get_by_role("status")).to_contain_text("will be sent to the LMS again")
    assert send_scores(live_app) == 1
    page.goto(f"{sandbox.url}/gradebook")
    cell = page.locator(f'td[data-user="{LEARNER.user_id}"]')
    expect(cell).to_contain_text("10")


def _tool_session(live_app: LiveServer) -> Session:
    app: Flask = live_app.app  # type: ignore[attr-defined]
    session: Session = app.extensions["peerloop.sessions"]()
    return session
