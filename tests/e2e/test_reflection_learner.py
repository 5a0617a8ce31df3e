"""The learner's reflection page in Chromium: before and after posting, on a desktop and a
phone, in English and Spanish; axe-core finds nothing serious, nothing scrolls sideways, the
write box is within a 600 px frame's first screen, and the preview renders in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect
from sqlalchemy.orm import Session

from activities.placements import Placement
from activities.reflection.models import Reflection
from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import make_store, put_page
from lti_tool.lti.registrations import add_platform
from tests.e2e import a11y
from tests.e2e.conftest import one_database
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, one_database]

KEY = "e2e-reflection"
#: What each language calls the page's parts.
WORDS = {
    "en": {"box": "Your reflection", "preview": "Preview", "post": "Post", "peers": "Bea Ortiz"},
    "es": {
        "box": "Tu reflexión",
        "preview": "Vista previa",
        "post": "Publicar",
        "peers": "Bea Ortiz",
    },
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 600}, "phone": {"width": 390, "height": 600}}


def _seed(app: Flask) -> dict[tuple[str, str], str]:
    """A reflection placement with one peer's reflection; a page id for a learner per
    language and viewport (each posts once)."""
    session: Session = app.extensions["peerloop.sessions"]()
    platform = add_platform(
        session,
        issuer="https://lms.e2e.test",
        client_id="c-1",
        auth_login_url="https://lms.e2e.test/auth",
        auth_token_url="http://127.0.0.1:9/token",
        key_set_url="https://lms.e2e.test/jwks",
        deployment_ids=("d-1",),
    )
    session.flush()
    placement = Placement(
        key=KEY,
        platform_id=platform.id,
        deployment_id="d-1",
        context_id="course-1",
        resource_link_id="link-1",
        title="After the negotiation video",
        prompt="How would you use **one** idea from the video in your next negotiation?",
        settings={
            "purpose": "Negotiations are most of your week.",
            "anonymity_allowed": True,
            "min_words": 5,
        },
    )
    session.add(placement)
    session.flush()
    session.add(
        Reflection(
            placement_id=placement.id,
            author_platform_id=platform.id,
            author_sub="bea",
            author_name="Bea Ortiz",
            body="I will *pause* before answering the first offer, and ask why.",
            word_count=11,
        )
    )
    settings = app.config["PEERLOOP"]
    store = make_store(settings, session)
    pages = {}
    with app.test_request_context():
        for language in WORDS:
            for viewport in VIEWPORTS:
                context = LaunchContext(
                    platform_id=platform.id,
                    issuer=platform.issuer,
                    client_id="c-1",
                    deployment_id="d-1",
                    message_type="LtiResourceLinkRequest",
                    sub=f"learner-{language}-{viewport}",
                    name=f"Learner {language} {viewport}",
                    roles=("Learner",),
                    locale=language,
                    context_id="course-1",
                    resource_link_id="link-1",
                    custom={"peerloop_placement": KEY},
                    launch_id=f"launch-{language}-{viewport}",
                )
                token = issue_token(context)
                pages[(language, viewport)] = put_page(
                    store, token, settings.launch_token_ttl_seconds
                )
    session.commit()
    session.close()
    return pages


def test_the_learner_page_before_and_after_posting(
    allowed_context: BrowserContext, live_app: LiveServer, tmp_path: Path
) -> None:
    app: Flask = live_app.app  # type: ignore[attr-defined]
    pages = _seed(app)
    for (language, viewport), page_id in pages.items():
        words = WORDS[language]
        page = allowed_context.new_page()
        page.set_viewport_size(VIEWPORTS[viewport])  # type: ignore[arg-type]
        page.goto(f"{live_app.url}/a/{KEY}?page={page_id}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        box = page.get_by_role("textbox", name=words["box"], exact=True)
        expect(box).to_be_visible()
        # The main action within the first 600 px (an LMS iframe's usual height).
        top = box.bounding_box()
        assert top is not None
        assert top["y"] < 600, (language, viewport, top)
        expect(page.get_by_text(words["peers"])).to_have_count(0)  # hidden until posting
        a11y.assert_accessible(page)
        a11y.assert_fits_width(page)
        a11y.assert_touch_friendly(page)
        a11y.screenshot(page, tmp_path, f"reflection-before-{language}-{viewport}")

        box.fill("I will **listen** first and ask one open question before any offer.")
        expect(page.locator("#word-count")).to_contain_text("12")
        page.get_by_role("button", name=words["preview"], exact=True).click()
        expect(page.locator("#preview strong")).to_have_text("listen")
        expect(box).to_be_visible()  # in place: still the same page, text kept
        page.get_by_role("button", name=words["post"], exact=True).click()

        expect(page.get_by_role("status")).to_be_visible()
        expect(page.get_by_text(words["peers"])).to_be_visible()
        expect(page.locator("#mine strong")).to_have_text("listen")
        a11y.assert_accessible(page)
        a11y.assert_fits_width(page)
        a11y.assert_touch_friendly(page)
        a11y.screenshot(page, tmp_path, f"reflection-after-{language}-{viewport}")
        if (language, viewport) == ("en", "desktop"):
            page.emulate_media(color_scheme="dark")
            a11y.assert_accessible(page)  # dark colours keep AA contrast too
            a11y.screenshot(page, tmp_path, "reflection-after-dark")
        page.close()
