"""Peers on the reflection page in Chromium, the tool framed by the sandbox LMS on another
site, with third-party cookies allowed and blocked: learner B posts anonymously; learner A
sees nothing of B's before posting (not even in the frame's HTML), then sees B's reflection
as "A classmate", with B's name nowhere in what A's browser received. axe-core checks every
page visited."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect

from sandbox.people import INSTRUCTOR, LEARNERS
from tests.e2e import a11y
from tests.e2e.conftest import one_database
from tests.e2e.journeys import (
    PROMPT,
    TITLE,
    Sandbox,
    open_picker,
    open_placement,
    tool_frame,
)

pytestmark = [pytest.mark.browser, one_database]

A, B = LEARNERS[0], LEARNERS[1]
# Over the default 15 words, so posting unlocks the peers.
A_TEXT = "I would open the meeting by asking what they already tried, and what worked for them."
B_TEXT = (
    "I would listen longer before suggesting anything, and note their own words to reuse later."
)


def place_with_anonymity(page: Page, sandbox: Sandbox) -> None:
    """As the instructor: place a reflection that lets learners post anonymously."""
    frame = open_picker(page, sandbox)
    a11y.assert_accessible(tool_frame(page, sandbox))
    frame.get_by_label("Title").fill(TITLE)
    frame.get_by_label("Prompt").fill(PROMPT)
    frame.get_by_text("More options: why it matters").click()  # a <details>, closed at first
    frame.get_by_label("Let learners post anonymously to their peers").check()
    frame.get_by_role("button", name="Add to the course").click()
    expect(page.get_by_role("status")).to_have_text("Activity added to the course.")
    expect(page.get_by_role("link", name=f"Open {TITLE}")).to_be_visible()


def post(page: Page, frame: FrameLocator, text: str, *, anonymous: bool = False) -> None:
    frame.get_by_role("textbox", name="Your reflection", exact=True).fill(text)
    if anonymous:
        frame.get_by_label("Hidden from classmates; your instructor can see your name").check()
    frame.get_by_role("button", name="Post", exact=True).click()
    expect(frame.locator("#mine")).to_contain_text(text)


def test_peers_hidden_until_posting_and_anonymous_to_peers(
    browser_context: BrowserContext, cookies_blocked: bool, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    place_with_anonymity(page, sandbox)

    # B posts first, anonymously, told before posting who will see the name.
    frame = open_placement(page, sandbox, B.user_id)
    a11y.assert_accessible(tool_frame(page, sandbox))
    post(page, frame, B_TEXT, anonymous=True)
    expect(frame.get_by_text("Shown to classmates as “A classmate”")).to_be_visible()
    a11y.assert_accessible(tool_frame(page, sandbox))

    # A, before posting: B's reflection is not in the page at all, not only hidden.
    frame = open_placement(page, sandbox, A.user_id)
    expect(frame.get_by_role("article", name="A classmate")).to_have_count(0)
    before = tool_frame(page, sandbox)
    html = before.content()
    assert B_TEXT not in html
    assert B.name not in html
    assert B.given_name not in html
    a11y.assert_accessible(before)
    a11y.screenshot(page, tmp_path, "peers-before-posting")

    # A posts: B's reflection appears, by "A classmate", and B's name is nowhere.
    post(page, frame, A_TEXT)
    expect(frame.get_by_role("article", name="A classmate")).to_contain_text(B_TEXT)
    after = tool_frame(page, sandbox)
    html = after.content()
    assert B_TEXT in html
    assert B.name not in html
    assert B.given_name not in html
    assert B.user_id not in html
    a11y.assert_accessible(after)
    a11y.screenshot(page, tmp_path, "peers-after-posting")

    # Staff always see the name.
    page.goto(f"{sandbox.url}/course/{INSTRUCTOR.user_id}")
    page.get_by_role("link", name=f"Open {TITLE}").click()
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_text(B_TEXT)).to_be_visible()
    expect(frame.get_by_text(B.name).first).to_be_visible()
    a11y.assert_accessible(tool_frame(page, sandbox))
    if cookies_blocked:  # every launch went through the sandbox page's platform storage
        assert browser_context.cookies(sandbox.tool_url) == []
