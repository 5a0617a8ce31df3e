"""The instructor's overview of a reflection in Chromium, at a desktop's 1280 px and a
phone's 390 px: the Reflections and Participation tabs pass axe-core (no serious or critical
violation), scroll only vertically, keep their main actions on screen and work by keyboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.orm import Session

from activities.roster import RosterEntry, store
from lti_tool.auth import issue_token
from lti_tool.db import make_engine
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import make_store, put_page
from tests import factories
from tests.e2e import a11y
from tests.e2e.conftest import DESKTOP, one_database
from tests.factories import PlacementFactory, PlatformFactory
from tests.factories.reflection import (
    ContentRatingFactory,
    ReactionFactory,
    ReflectionFactory,
    ReplyFactory,
)
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}


def _seed(app: Flask) -> str:
    """A reflection with a few posts, ratings and a roster; the staff overview's URL."""
    session: Session = app.extensions["peerloop.sessions"]()
    try:
        with factories.bind(session):
            platform = PlatformFactory()
            placement = PlacementFactory(
                platform=platform, context_id="course-1", resource_link_id="link-1",
                title="Week 3: listening first",
            )  # fmt: skip
            ada = ReflectionFactory(placement=placement, author_sub="s-1", author_name="Ada Li")
            ReflectionFactory(
                placement=placement, author_sub="s-2", author_name="Bo Chen", anonymous=True
            )
            ReplyFactory(reflection=ada, author_sub="s-2", author_name="Bo Chen")
            ReactionFactory(reflection=ada, sub="s-2")
            ContentRatingFactory(placement=placement, stars=4, why="practical")
            ContentRatingFactory(placement=placement, stars=2)
        names = ["Ada Li", "Bo Chen"] + [f"Learner Number {n}" for n in range(30)]
        store(
            session, platform.id, "course-1",
            [RosterEntry(f"s-{i + 1}", name, None, ("Learner",)) for i, name in enumerate(names)],
        )  # fmt: skip
        session.commit()
        context = LaunchContext(
            platform_id=platform.id, issuer=platform.issuer, client_id=platform.client_id,
            deployment_id="deployment-1", message_type="LtiResourceLinkRequest",
            sub="teacher-1", name="Grace Teacher", roles=("Instructor",),
            context_id="course-1", resource_link_id="link-1",
            custom={"peerloop_placement": placement.key},
            nrps={"context_memberships_url": "http://127.0.0.1:9/members"},
        )  # fmt: skip
        with app.test_request_context():
            token = issue_token(context)
        settings = app.config["PEERLOOP"]
        engine = make_engine(settings.database_url)
        try:
            page_id = put_page(make_store(settings, engine), token, 3600)
        finally:
            engine.dispose()
        return f"/a/{placement.key}/staff?page={page_id}"
    finally:
        session.close()


def _check(page: Page, tmp_path: Path, name: str) -> None:
    a11y.assert_accessible(page)
    a11y.assert_fits_width(page)
    a11y.screenshot(page, tmp_path, name)


@one_database
@pytest.mark.parametrize("size", [DESKTOP, PHONE_390], ids=["1280px", "390px"])
def test_staff_overview_and_participation_are_accessible(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path, size: dict[str, int]
) -> None:
    path = _seed(live_app.app)  # type: ignore[attr-defined]
    page = allowed_context.new_page()
    page.set_viewport_size(size)
    page.goto(live_app.url + path)

    expect(page.get_by_role("heading", level=1)).to_have_text("Week 3: listening first")
    tabs = page.get_by_role("navigation", name="Instructor sections")
    expect(tabs.get_by_role("link", name="Reflections")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Ada Li")).to_be_visible()
    expect(page.get_by_text("anonymous to classmates").first).to_be_visible()
    _check(page, tmp_path, f"staff-reflections-{size['width']}")

    # By keyboard: open the private reply of the first card and focus its note.
    summary = page.get_by_text("Reply privately").first
    summary.focus()
    page.keyboard.press("Enter")
    note = page.get_by_label("Note to", exact=False).first
    expect(note).to_be_visible()
    a11y.assert_accessible(page)

    tabs.get_by_role("link", name="Participation").click()
    expect(page.get_by_role("heading", name="Participation", level=2)).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Learner Number 7")
    nudge_all = page.get_by_role("button", name="Nudge all who have not started (30)")
    expect(nudge_all).to_be_visible()
    expect(
        page.get_by_role("list", name="Ratings, from 5 (very useful) to 1 (not useful)")
    ).to_contain_text("1 (50%)")
    _check(page, tmp_path, f"staff-participation-{size['width']}")
    a11y.assert_touch_friendly(page)

    # Search by name, then nudge that learner: the note is confirmed in a status region.
    page.get_by_label("Find a learner by name").fill("number 7")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Nudge Learner Number 7").click()
    expect(page.get_by_role("status")).to_contain_text("will see your note on their next visit")
    expect(page.get_by_role("table")).to_contain_text("Nudged")
    _check(page, tmp_path, f"staff-nudged-{size['width']}")


@one_database
def test_staff_settings_error_and_reflection_history_are_accessible(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path
) -> None:
    path = _seed(live_app.app)  # type: ignore[attr-defined]
    page = allowed_context.new_page()
    page.set_viewport_size(PHONE_390)
    page.goto(live_app.url + path)
    page.get_by_role("link", name="View history of the reflection by Ada Li").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reflection by Ada Li")
    expect(page.get_by_role("heading", name="Version 1: posted")).to_be_visible()
    _check(page, tmp_path, "staff-history-390")

    page.goto(live_app.url + path)
    page.get_by_role("navigation", name="Instructor sections").get_by_role(
        "link", name="Settings"
    ).click()
    words = page.get_by_label("Minimum words")
    words.fill("5000")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Minimum words: Enter a whole number from 0 to 1000."
    )
    words = page.get_by_label("Minimum words")
    expect(words).to_have_attribute("aria-invalid", "true")
    expect(words).to_have_accessible_description(re.compile("Enter a whole number from 0 to 1000."))
    page.get_by_role("alert").get_by_role("link").click()
    expect(words).to_be_focused()
    _check(page, tmp_path, "staff-settings-error-390")
    a11y.assert_touch_friendly(page)
