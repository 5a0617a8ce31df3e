"""The whole LTI journey in a real browser: the sandbox LMS (its own Flask app, reached as
``localhost``) frames the tool (``127.0.0.1``), so every tool cookie is third-party.

Instructor: "Launch as …" → deep-linking picker in the iframe → places an activity.
Learner: opens it from the course page → sees the placement page in the iframe.
Run with third-party cookies allowed and blocked; blocked, the launch must go through LTI
Platform Storage (postMessage to the sandbox page) — or, when the LMS offers no platform
storage, show the "open in a new window" fallback, whose button must work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Request, Route, expect
from sqlalchemy.orm import Session

from lti_tool.sandbox import create_sandbox_app
from lti_tool.sandbox.people import INSTRUCTOR, LEARNERS
from lti_tool.sandbox.tool_registration import register_with_tool
from lti_tool.security import forget_frame_ancestors
from tests.e2e import a11y
from tests.e2e.conftest import PHONE
from tests.support.live import LiveServer
from tests.support.ports import free_port

pytestmark = pytest.mark.browser

LEARNER = LEARNERS[0]
TITLE = "After the case study"
PROMPT = "How would you apply this in your next client meeting?"


@dataclass
class Sandbox:
    url: str  # http://localhost:<port>: another site than the tool's 127.0.0.1
    tool_url: str


@pytest.fixture
def sandbox(live_app: LiveServer, tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox LMS on its own port, registered with the live tool."""
    tool: Flask = live_app.app  # type: ignore[attr-defined]
    port = free_port()
    base_url = f"http://localhost:{port}"
    app = create_sandbox_app(
        base_url=base_url,
        tool_url=live_app.url,
        database_url=f"sqlite:///{tmp_path}/sandbox.sqlite",
    )
    session: Session = tool.extensions["peerloop.sessions"]()
    try:
        register_with_tool(session, base_url)
        session.commit()
    finally:
        session.close()
    forget_frame_ancestors(tool)  # the sandbox may frame the tool from now on
    server = LiveServer(app, port).start()
    try:
        yield Sandbox(base_url, live_app.url)
    finally:
        server.stop()
        app.extensions["sandbox.store"].dispose()


@dataclass
class ToolTraffic:
    """Paths the browser requested from the tool, to tell which launch path was taken."""

    tool_url: str
    paths: list[str] = field(default_factory=list)

    def __call__(self, request: Request) -> None:
        if request.url.startswith(self.tool_url):
            self.paths.append(urlsplit(request.url).path)


def watch_tool(page: Page, tool_url: str) -> ToolTraffic:
    traffic = ToolTraffic(tool_url)
    page.on("request", traffic)
    return traffic


def place_activity(page: Page, sandbox: Sandbox, tmp_path: Path) -> None:
    """As the instructor: open the picker from the sandbox and add an activity."""
    page.goto(f"{sandbox.url}/")
    page.get_by_role("link", name=f"Launch as {INSTRUCTOR.name}: add an activity").click()
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Add a Peerloop activity")
    picker = page.frame(url=lambda url: url.startswith(sandbox.tool_url))
    assert picker is not None
    a11y.assert_accessible(picker)
    a11y.screenshot(page, tmp_path, "picker-in-sandbox")

    frame.get_by_label("Title").fill(TITLE)
    frame.get_by_label("Prompt").fill(PROMPT)
    frame.get_by_role("button", name="Add to the course").click()
    # The tool posts the deep-linking response back to the LMS, inside the frame.
    expect(frame.get_by_role("status")).to_contain_text(TITLE)
    frame.get_by_role("link", name="Back to the course").click()
    expect(page.get_by_role("status")).to_have_text("Activity added to the course.")
    expect(page.get_by_role("link", name=f"Open {TITLE}")).to_be_visible()


def open_as_learner(page: Page, sandbox: Sandbox) -> None:
    page.goto(f"{sandbox.url}/course/{LEARNER.user_id}")
    page.get_by_role("link", name=f"Open {TITLE}").click()
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(frame.locator(".prompt")).to_have_text(PROMPT)


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

    placement = page.frame(url=lambda url: url.startswith(sandbox.tool_url))
    assert placement is not None
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
    fallback = page.frame(url=lambda url: url.startswith(sandbox.tool_url))
    assert fallback is not None
    a11y.assert_accessible(fallback)
    a11y.screenshot(page, tmp_path, "new-window-fallback")

    with page.expect_popup() as popup_info:
        alert.get_by_role("link", name="Open in a new window").click()
    popup = popup_info.value
    # Top-level, the tool's cookie is first-party: the launch completes there.
    expect(popup.get_by_role("heading", level=1)).to_have_text("Add a Peerloop activity")
    a11y.screenshot(popup, tmp_path, "new-window-picker")


def test_learner_placement_on_a_phone(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    place_activity(page, sandbox, tmp_path)
    page.set_viewport_size(PHONE)
    open_as_learner(page, sandbox)
    placement = page.frame(url=lambda url: url.startswith(sandbox.tool_url))
    assert placement is not None
    a11y.assert_fits_width(placement)
    a11y.assert_fits_width(page)
    a11y.screenshot(page, tmp_path, "placement-phone")
