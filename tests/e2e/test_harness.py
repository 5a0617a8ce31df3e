"""The browser harness itself: the two cookie settings really differ, and the tool renders
inside an iframe of a page on another site (only for a registered platform's origin)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.orm import Session

from lti_tool.lti.registrations import add_platform
from lti_tool.security import forget_frame_ancestors
from tests.e2e import a11y
from tests.e2e.conftest import PHONE, one_database
from tests.e2e.sites import cookie_probe_app, embedding_app, on_localhost
from tests.support.live import LiveServer, serve

pytestmark = pytest.mark.browser


@pytest.fixture
def embedding_site() -> Iterator[LiveServer]:
    with serve(embedding_app()) as server:
        yield server


def register_origin(live_app: LiveServer, origin: str) -> None:
    """Register a platform at ``origin``, so the tool lets that origin frame it."""
    app = live_app.app  # type: ignore[attr-defined]
    session: Session = app.extensions["peerloop.sessions"]()
    try:
        add_platform(
            session,
            issuer=origin,
            client_id="e2e-client",
            auth_login_url=f"{origin}/auth",
            auth_token_url=f"{origin}/token",
            key_set_url=f"{origin}/jwks",
            deployment_ids=["1"],
        )
        session.commit()
    finally:
        session.close()
    forget_frame_ancestors(app)


def test_third_party_cookie_setting_is_real(
    browser_context: BrowserContext, cookies_blocked: bool, embedding_site: LiveServer
) -> None:
    """A cookie set by 127.0.0.1 reaches it top-level in both browsers, but inside an iframe
    of a localhost page only where third-party cookies are allowed."""
    with serve(cookie_probe_app()) as probe:
        page = browser_context.new_page()
        page.goto(f"{probe.url}/set")
        page.goto(f"{probe.url}/echo")
        expect(page.locator("#result")).to_have_text("present")

        page.goto(f"{on_localhost(embedding_site.url)}/?src={probe.url}/echo")
        in_frame = page.frame_locator("#tool").locator("#result")
        expect(in_frame).to_have_text("absent" if cookies_blocked else "present")


@one_database
def test_tool_home_renders_in_cross_site_iframe(
    page: Page, live_app: LiveServer, embedding_site: LiveServer, tmp_path: Path
) -> None:
    lms = on_localhost(embedding_site.url)
    register_origin(live_app, lms)
    page.goto(f"{lms}/?src={live_app.url}/")
    frame = page.frame_locator("#tool")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Peerloop")
    expect(frame.get_by_text(f"{live_app.url}/lti/login")).to_be_visible()
    tool_frame = page.frame(url=f"{live_app.url}/")
    assert tool_frame is not None
    a11y.assert_accessible(tool_frame)
    a11y.screenshot(page, tmp_path, "home-in-iframe")


@one_database
def test_tool_refuses_framing_by_unregistered_site(
    page: Page, live_app: LiveServer, embedding_site: LiveServer
) -> None:
    """frame-ancestors: a site that is not a registered platform cannot frame the tool."""
    page.goto(f"{on_localhost(embedding_site.url)}/?src={live_app.url}/")
    # What a person sees in the frame: Chromium's error page, not the tool.
    expect(page.frame_locator("#tool").locator("body")).to_contain_text("refused to connect")
    assert f"{live_app.url}/" not in [frame.url for frame in page.frames]
    # The same page top-level renders: the block is the framing, not the page.
    page.goto(f"{live_app.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Peerloop")


@one_database
def test_home_page_on_a_phone(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_app.url}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    a11y.assert_accessible(page)
    a11y.assert_fits_width(page)
    a11y.screenshot(page, tmp_path, "home-phone")
