"""activity-events.js in a real browser (Debian's Chromium): showing the placement page sends
``initialized``, leaving it sends ``terminated`` by ``navigator.sendBeacon``, both reaching the
outbox of the tool served on loopback."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import sync_playwright

from activities.placements import Placement
from tests.functional.recording.conftest import launch_placement, verbs
from tests.support.live import LiveServer
from tests.support.platform_signer import PlatformSigner
from tests.support.ports import free_port

CHROMIUM = "/usr/bin/chromium"
TOKEN = re.compile(r'data-launch-token="([^"]+)"')

pytestmark = pytest.mark.browser


@pytest.fixture
def live(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, LiveServer]]:
    port = free_port()
    app = make_app(base_url=f"http://127.0.0.1:{port}")
    server = LiveServer(app, port).start()
    yield app, server
    server.stop()


def wait_for(check: Callable[[], bool], what: str, deadline: float = 15.0) -> None:
    """Poll until ``check`` holds: the beacon is asynchronous by design."""
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_page_shown_then_left_sends_initialized_then_terminated(
    live: tuple[Flask, LiveServer],
    lms: PlatformSigner,
    placement: Placement,
    tmp_path: Path,
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)")
    app, server = live
    lms.base_url = server.url  # the launch's target_link_uri must be this tool
    page_html = launch_placement(app.test_client(), lms, placement).get_data(as_text=True)
    found = TOKEN.search(page_html)
    assert found, page_html
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/placements/{placement.key}?lt={found.group(1)}")
            wait_for(lambda: "initialized" in verbs(app), "initialized")
            # A form of the page that stays in the tool (same launch) does not end the session.
            with page.expect_navigation():
                page.evaluate(
                    """token => {
                        const form = document.createElement("form");
                        form.method = "get";
                        form.action = location.pathname;
                        const field = document.createElement("input");
                        field.type = "hidden"; field.name = "lt"; field.value = token;
                        form.append(field); document.body.append(form); form.requestSubmit();
                    }""",
                    found.group(1),
                )
            page.wait_for_load_state("load")
            # A request answered after the new page loaded: a beacon sent when the first page
            # was hidden would have been handled by now.
            page.evaluate(
                """async token => {
                    const body = new URLSearchParams({lt: token, event: "initialized"});
                    await fetch("/events", {method: "POST", body});
                }""",
                found.group(1),
            )
            assert "terminated" not in verbs(app)
            page.goto("about:blank")  # pagehide: the beacon goes as the page is left
            wait_for(lambda: "terminated" in verbs(app), "terminated")
        finally:
            browser.close()
    assert verbs(app) == ["launched", "initialized", "terminated"]
