"""Reloading the tool's page works (item 13): the launch redirected to a page URL, so the
browser's reload of the frame, or of the new-window page, fetches that page again instead of
re-posting a spent id_token. With third-party cookies allowed and blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.journeys import (
    LEARNER,
    PROMPT,
    TITLE,
    Sandbox,
    open_as_learner,
    place_activity,
    tool_frame,
)

pytestmark = pytest.mark.browser


def test_reloading_the_framed_page_keeps_it(
    browser_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    place_activity(page, sandbox, tmp_path)
    frame_locator = open_as_learner(page, sandbox)
    frame = tool_frame(page, sandbox)
    assert "/lti/launched?page=" in frame.url
    assert "lt=" not in frame.url
    for _ in range(2):  # the browser's "reload frame", twice
        with page.expect_event("framenavigated"):
            frame.evaluate("location.reload()")
        expect(frame_locator.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(frame_locator.locator(".prompt")).to_have_text(PROMPT)
    expect(frame_locator.get_by_role("alert")).to_have_count(0)


def test_reloading_the_new_window_page_keeps_it(
    browser_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    place_activity(page, sandbox, tmp_path)
    page.goto(f"{sandbox.url}/course/{LEARNER.user_id}")
    page.get_by_role("link", name=f"Open {TITLE}").click()
    with page.expect_popup() as popup_info:
        page.locator("#new-window").click()
    popup = popup_info.value
    expect(popup.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert "/lti/launched?page=" in popup.url
    popup.reload()
    expect(popup.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(popup.locator(".prompt")).to_have_text(PROMPT)
    second_tab = browser_context.new_page()  # the same address in a second tab
    second_tab.goto(popup.url)
    expect(second_tab.get_by_role("heading", level=1)).to_have_text(TITLE)
