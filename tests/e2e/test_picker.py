"""The picker in Chromium, inside the sandbox LMS's frame: accessible at a desktop's and a
phone's width, the coach speaking up while the instructor types, templates and rewrites
filling the prompt, and a second activity added without a reload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from activities.prompt_templates import BY_KIND
from sandbox.people import INSTRUCTOR
from tests.e2e import a11y
from tests.e2e.conftest import DESKTOP, one_database
from tests.e2e.journeys import PROMPT, TITLE, Sandbox, open_picker, tool_frame

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
CLOSED = "Did you find the video useful for your work?"


@one_database
@pytest.mark.parametrize("size", [DESKTOP, PHONE_390], ids=["1280px", "390px"])
def test_the_picker_is_accessible_and_fits(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path, size: dict[str, int]
) -> None:
    page = allowed_context.new_page()
    page.set_viewport_size(size)
    frame = open_picker(page, sandbox)
    tool = tool_frame(page, sandbox)
    expect(frame.get_by_role("radio", name="Reflection")).to_be_checked()
    expect(frame.get_by_role("radio", name="Discussion")).to_be_disabled()
    expect(frame.get_by_role("checkbox", name="Grade participation")).not_to_be_checked()
    expect(frame.get_by_label("Fewest words in a reflection")).to_have_value("15")
    # The script read the browser's time zone (the page says which).
    expect(frame.locator("#due_at-zone")).to_contain_text("Times are in your time zone")
    frame.get_by_text("Start from a template").click()
    expect(frame.get_by_role("button", name="Use this question").first).to_be_visible()
    frame.get_by_text("More options").click()
    expect(frame.get_by_label("Why this matters")).to_be_visible()
    a11y.assert_accessible(tool)
    a11y.assert_fits_width(tool)
    a11y.assert_fits_width(page)
    if size == PHONE_390:
        a11y.assert_touch_friendly(tool)
    a11y.screenshot(page, tmp_path, f"picker-{size['width']}")
    frame.locator("main").screenshot(path=str(tmp_path / f"picker-frame-{size['width']}.png"))


@one_database
def test_the_coach_speaks_while_typing_and_a_rewrite_replaces_the_prompt(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = allowed_context.new_page()
    frame = open_picker(page, sandbox)
    prompt = frame.get_by_label("Prompt")
    prompt.press_sequentially(CLOSED, delay=5)
    coach = frame.locator("#coach")
    expect(coach).to_have_attribute("aria-live", "polite")
    expect(coach).to_contain_text("This can be answered with a yes or a no")
    a11y.assert_accessible(tool_frame(page, sandbox))
    a11y.screenshot(page, tmp_path, "picker-coach")
    frame.locator("#item").screenshot(path=str(tmp_path / "picker-coach-frame.png"))
    rewrite = "To what extent did you find the video useful for your work, and why?"
    coach.get_by_role("button", name="Use this").first.click()
    expect(prompt).to_have_value(rewrite)
    expect(prompt).to_be_focused()
    expect(coach).to_be_empty()  # the open rewrite has nothing to warn about

    # A template fills the prompt without a reload.
    frame.get_by_text("Start from a template").click()
    frame.locator("#item").get_by_role("button", name="Use this question").first.click()
    expect(prompt).to_have_value(BY_KIND["socialising"].prompts["en"][0])

    # The preview shows the Markdown as learners will see it.
    prompt.fill("How would you **apply** this in your next client meeting?")
    frame.get_by_role("button", name="Preview the prompt").click()
    expect(frame.locator("#preview strong")).to_have_text("apply")


@one_database
def test_two_activities_are_added_in_one_go(
    allowed_context: BrowserContext, sandbox: Sandbox
) -> None:
    page = allowed_context.new_page()
    frame = open_picker(page, sandbox)
    frame.locator("#title").fill(TITLE)
    frame.locator("#prompt").fill(PROMPT)
    frame.get_by_role("button", name="Add another activity").click()
    second = frame.get_by_role("heading", name="Activity 2")
    expect(second).to_be_focused()  # added in place: the first block's text is still there
    expect(frame.locator("#title")).to_have_value(TITLE)
    frame.locator("#title-2").fill("Looking back")
    frame.locator("#prompt-2").fill("What would you do differently next time, and why?")
    frame.get_by_role("button", name="Add to the course").click()
    expect(page.get_by_role("status")).to_have_text("Activity added to the course.")
    assert page.url.startswith(f"{sandbox.url}/course/{INSTRUCTOR.user_id}?")
    expect(page.get_by_role("link", name=f"Open {TITLE}")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Open Looking back"))).to_be_visible()
