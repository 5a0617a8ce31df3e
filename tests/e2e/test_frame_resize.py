"""The tool tells the LMS how tall its page is (``lti.frameResize``), so the LMS can fit the
iframe to the content and the learner scrolls the page, never a frame inside it.

The messages are heard by a listener of the test's own, added to the embedding page before
its scripts run; the sandbox LMS's own handling (it sets the frame's height) is checked too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, expect

from tests.e2e.conftest import PHONE, one_database
from tests.e2e.journeys import (
    INSTRUCTOR,
    Sandbox,
    open_picker,
    open_placement,
    place_activity,
    tool_frame,
)

pytestmark = [pytest.mark.browser, one_database]

_RECORD_RESIZES_JS = """
window.__frameResizes = [];
window.addEventListener("message", (event) => {
  if (event.data && event.data.subject === "lti.frameResize")
    window.__frameResizes.push({origin: event.origin, height: event.data.height});
});
"""


def _resizes(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.__frameResizes")
    return found


def _content_height(frame: Frame) -> int:
    height: int = frame.evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    return height


def _wait_for_height(page: Page, height: int) -> None:
    page.wait_for_function("(h) => window.__frameResizes.some((m) => m.height === h)", arg=height)


def _settled_height(page: Page, frame: Frame) -> int:
    """The tool page's height once the last message posted says the same: measured too early
    (say before its stylesheet applied) the page is not yet the height it will post."""
    for _ in range(150):  # polled, bounded: 15 s, as Playwright's own waits here
        height = _content_height(frame)
        messages = _resizes(page)
        if messages and messages[-1]["height"] == height:
            return height
        page.wait_for_timeout(100)
    raise AssertionError(f"the tool's page is {height}px, it posted {messages}")


def test_tool_posts_its_height_and_the_frame_fits_it(
    allowed_context: BrowserContext, sandbox: Sandbox
) -> None:
    page = allowed_context.new_page()
    page.add_init_script(_RECORD_RESIZES_JS)
    page.set_viewport_size(PHONE)
    open_picker(page, sandbox)
    frame = tool_frame(page, sandbox)
    height = _settled_height(page, frame)

    messages = _resizes(page)
    assert {m["origin"] for m in messages} == {sandbox.tool_url}
    assert all(isinstance(m["height"], int) and m["height"] > 0 for m in messages)
    # A sensible height: the picker's heading, two fields and a button, on a phone.
    assert 300 < messages[-1]["height"] < 2000, messages
    # The sandbox LMS honours it (never below its own minimum of 70% of the window): the
    # frame holds the whole page, nothing scrolls inside it.
    box = page.locator("#tool-frame").bounding_box()
    assert box is not None
    assert box["height"] >= height, (box, height)
    assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight")


def test_a_change_of_content_height_is_posted_again(
    allowed_context: BrowserContext, sandbox: Sandbox
) -> None:
    page = allowed_context.new_page()
    page.add_init_script(_RECORD_RESIZES_JS)
    open_picker(page, sandbox)
    frame = tool_frame(page, sandbox)
    before = _settled_height(page, frame)

    frame.evaluate(
        "document.querySelector('main').insertAdjacentHTML("
        "'beforeend', '<div style=\"height: 900px\"></div>')"
    )
    after = _content_height(frame)
    assert after >= before + 900
    _wait_for_height(page, after)
    page.wait_for_function(
        "(h) => document.getElementById('tool-frame').getBoundingClientRect().height >= h",
        arg=after,
    )


def test_instructor_placement_is_all_in_view_without_scrolling_the_frame(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The page the e2e review found below the fold: on a phone, the grades section at the
    bottom is reached by scrolling the LMS page, since the frame is as tall as the content."""
    page = allowed_context.new_page()
    page.add_init_script(_RECORD_RESIZES_JS)
    place_activity(page, sandbox, tmp_path)
    page.set_viewport_size(PHONE)
    open_placement(page, sandbox, INSTRUCTOR.user_id)
    # The instructor view's longest tab: participation, with the grades at its bottom.
    tool = page.frame_locator("#tool-frame")
    tool.get_by_role("link", name="Participation").click()
    expect(tool.get_by_role("heading", name="Grades in the LMS")).to_be_visible()
    frame = tool_frame(page, sandbox)
    height = _settled_height(page, frame)
    # Taller than the 70%-of-the-window frame the sandbox starts with: the case that hid it.
    assert height > PHONE["height"] * 0.7
    page.wait_for_function(
        "(h) => document.getElementById('tool-frame').getBoundingClientRect().height >= h",
        arg=height,
    )
    last = page.frame_locator("#tool-frame").locator("#grades .empty-state")
    last.scroll_into_view_if_needed()
    assert frame.evaluate("document.documentElement.scrollTop") == 0  # the frame never scrolled
    assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
