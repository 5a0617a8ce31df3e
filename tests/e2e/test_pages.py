"""The tool's pages checked as a person would: with the keyboard, with a screen reader's view
of errors, and on a phone 375 px wide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e import a11y
from tests.e2e.conftest import PHONE, one_database
from tests.e2e.journeys import PROMPT, Sandbox, open_picker, tool_frame
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@one_database
def test_picker_mistake_is_announced_and_tied_to_its_field(
    allowed_context: BrowserContext, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A blank title (spaces pass the browser's own `required` check) comes back as an
    alert, the field marked invalid and described by the message; what was typed stays."""
    page = allowed_context.new_page()
    frame = open_picker(page, sandbox)
    frame.get_by_label("Title").fill("   ")
    frame.get_by_label("Prompt").fill(PROMPT)
    frame.get_by_role("button", name="Add to the course").click()

    expect(frame.get_by_role("alert")).to_contain_text("Give the activity a title.")
    title = frame.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Give the activity a title.")
    expect(frame.get_by_label("Prompt")).to_have_value(PROMPT)
    a11y.assert_accessible(tool_frame(page, sandbox))
    a11y.screenshot(page, tmp_path, "picker-error")

    # Seen as well as heard: the message and the field's border in the error red.
    error_red = "rgb(179, 38, 30)"
    expect(frame.locator("#title-error")).to_have_css("color", error_red)
    expect(title).to_have_css("border-top-color", error_red)
    # The summary's entry is a link to the field: following it puts the cursor there.
    frame.get_by_role("alert").get_by_role("link", name="Give the activity a title.").click()
    expect(title).to_be_focused()
    # The prompt, fine, keeps its hint as its description and is not marked invalid.
    prompt = frame.get_by_label("Prompt")
    expect(prompt).not_to_have_attribute("aria-invalid", "true")
    expect(prompt).to_have_accessible_description(re.compile("An open question works best"))


@one_database
def test_picker_with_both_fields_blank_lists_both_in_order(
    allowed_context: BrowserContext, sandbox: Sandbox
) -> None:
    """Both mistakes in the summary, in the form's order, each field described by its own."""
    page = allowed_context.new_page()
    frame = open_picker(page, sandbox)
    frame.get_by_role("button", name="Add to the course").click()

    summary = frame.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text(
        ["Give the activity a title.", "Write the question learners will answer."]
    )
    prompt = frame.get_by_label("Prompt")
    expect(prompt).to_have_attribute("aria-invalid", "true")
    expect(prompt).to_have_accessible_description(
        re.compile("^Write the question learners will answer. An open question")
    )
    summary.get_by_role("link", name="Write the question learners will answer.").click()
    expect(prompt).to_be_focused()


@one_database
def test_picker_on_a_phone(allowed_context: BrowserContext, sandbox: Sandbox) -> None:
    page = allowed_context.new_page()
    page.set_viewport_size(PHONE)
    frame = open_picker(page, sandbox)
    expect(frame.get_by_role("button", name="Add to the course")).to_be_visible()
    a11y.assert_fits_width(tool_frame(page, sandbox))
    a11y.assert_fits_width(page)
    a11y.assert_touch_friendly(tool_frame(page, sandbox))


@one_database
def test_error_page_on_a_phone(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path
) -> None:
    """A login the LMS started wrongly: a readable 400 page, the message in an alert."""
    page = allowed_context.new_page()
    page.set_viewport_size(PHONE)
    response = page.goto(f"{live_app.url}/lti/login")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("no 'iss' parameter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Traceback")
    a11y.assert_accessible(page)
    a11y.assert_fits_width(page)
    a11y.screenshot(page, tmp_path, "error-phone")


@one_database
def test_keyboard_user_skips_to_content(
    allowed_context: BrowserContext, live_app: LiveServer
) -> None:
    """The first Tab stop is the skip link, shown when focused; Enter moves focus to main."""
    page = allowed_context.new_page()
    page.goto(f"{live_app.url}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
