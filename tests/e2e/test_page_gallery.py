"""Every tool page as a person meets it, at a phone's width (375 px) and a laptop's (1000 px):
axe-core and the phone checks of ``a11y`` on each, and a full-page screenshot of each in the test's
tmp_path for a person to look at (``pytest --basetemp=DIR`` keeps them in one place)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, render_template
from playwright.sync_api import BrowserContext, Frame, Page, Route, expect

from tests.e2e import a11y
from tests.e2e.conftest import PHONE, one_database
from tests.e2e.journeys import (
    INSTRUCTOR,
    PROMPT,
    Sandbox,
    open_as_learner,
    open_picker,
    open_placement,
    place_activity,
    tool_frame,
)
from tests.e2e.test_lti_flow import _without_storage_target
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, one_database]

LAPTOP = {"width": 1000, "height": 800}

# Tap targets: WCAG 2.2 AAA / platform guidelines ask 44 CSS px for what a thumb presses.
# Links inside running text are exempt (WCAG's inline exception).
_SMALL_TARGETS_JS = """
() => [...document.querySelectorAll('button, a.button, select, input:not([type=hidden])')]
  .filter((el) => el.offsetWidth || el.offsetHeight)
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, box]) => box.height < 44)
  .map(([el, box]) => `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> is `
       + `${Math.round(box.height)}px high`)
"""

# What the keyboard focus looks like on the focused element: its outline, if any.
_FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {what: `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}>`,
          outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth)};
}
"""


def _assert_focus_visible(page: Page, target: Page | Frame) -> None:
    """Tabbing from the heading, each control shows a clear (2px or more) focus outline."""
    target.locator("h1").click()
    seen: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = target.evaluate(_FOCUS_JS)
        if focused is None or focused["what"] in seen:
            break  # focus left the page (or the frame), or came round again
        seen.append(focused["what"])
        assert focused["outline"] >= 2, f"{focused['what']} on {target.url}: no focus outline"


def _look(page: Page, target: Page | Frame, directory: Path, name: str) -> None:
    """At both widths: no serious axe-core violation (contrast included), no sideways
    scrolling, thumb-sized controls, a visible keyboard focus; a screenshot of each."""
    for label, size in (("phone", PHONE), ("laptop", LAPTOP)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        a11y.assert_accessible(target)
        a11y.assert_fits_width(target)
        a11y.assert_touch_friendly(target)
        small: list[str] = target.evaluate(_SMALL_TARGETS_JS)
        assert not small, f"tap targets under 44px on {target.url}: {small}"
        _assert_focus_visible(page, target)
        a11y.screenshot(page, directory, f"{name}-{label}")


def test_home_and_error_pages(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    page.goto(f"{live_app.url}/")
    expect(page).to_have_title("Peerloop")
    _look(page, page, tmp_path, "home")

    response = page.goto(f"{live_app.url}/lti/login")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_be_visible()
    _look(page, page, tmp_path, "error")


def test_registration_pages(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    response = page.goto(f"{live_app.url}/lti/register")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nothing was saved")
    _look(page, page, tmp_path, "registration-failed")

    # A completed registration needs a whole LMS; the page itself is what is checked here,
    # rendered by the live app's own templates and served at one of its addresses.
    app: Flask = live_app.app  # type: ignore[attr-defined]
    outcome = SimpleNamespace(
        platform=SimpleNamespace(
            name="Moodle at Example University",
            issuer="https://moodle.example.edu",
            client_id="a-long-client-id-0123456789abcdef",
        ),
        deployment_id=None,
        grades=True,
        roster=False,
    )
    with app.test_request_context("/lti/register", base_url=live_app.url):
        html = render_template("registration/done.html", outcome=outcome)

    def done(route: Route) -> None:
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(f"{live_app.url}/lti/register?done", done)
    page.goto(f"{live_app.url}/lti/register?done")
    expect(page.get_by_role("status")).to_contain_text("Peerloop is registered")
    _look(page, page, tmp_path, "registration-done")


def test_picker_pages_in_the_lms(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    frame = open_picker(page, sandbox)
    _look(page, tool_frame(page, sandbox), tmp_path, "picker")

    frame.get_by_label("Title").fill("   ")
    frame.get_by_label("Prompt").fill(PROMPT)
    frame.get_by_role("button", name="Add to the course").click()
    expect(frame.get_by_role("alert")).to_be_visible()
    _look(page, tool_frame(page, sandbox), tmp_path, "picker-errors")


def test_placement_pages_in_the_lms(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    place_activity(page, sandbox, tmp_path)
    open_as_learner(page, sandbox)
    _look(page, tool_frame(page, sandbox), tmp_path, "placement-learner")
    open_placement(page, sandbox, INSTRUCTOR.user_id)
    page.frame_locator("#tool-frame").get_by_role("link", name="Participation").click()
    expect(
        page.frame_locator("#tool-frame").get_by_role("heading", name="Grades in the LMS")
    ).to_be_visible()
    _look(page, tool_frame(page, sandbox), tmp_path, "placement-instructor")


def test_launch_fallback_page_in_the_lms(
    blocked_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Cookies blocked and no platform storage offered: the "open in a new window" page."""
    page = blocked_context.new_page()
    page.route(f"{sandbox.tool_url}/lti/login?*", _without_storage_target)
    page.goto(f"{sandbox.url}/")
    page.get_by_role("link", name=f"Launch as {INSTRUCTOR.name}: add an activity").click()
    alert = page.frame_locator("#tool-frame").get_by_role("alert")
    expect(alert).to_contain_text("Open the activity in a new window")
    _look(page, tool_frame(page, sandbox), tmp_path, "launch-new-window")
