"""Real-browser fixtures: Debian's Chromium driven by Playwright.

Two browsers for the e2e package (each started once), differing only in the third-party
cookie setting:

* ``cookies-allowed``: third-party cookies allowed, as most LMS users still have it;
* ``third-party-cookies-blocked``: what Safari, Firefox's strict mode and Chrome with the
  phase-out do; launches must then go through LTI Platform Storage or a new window.

Why persistent contexts, one per setting: Playwright's ``browser.new_context()`` is an
off-the-record profile, where this Chromium (156) always blocks third-party cookies
("UserPreferences" in DevTools) and neither ``--disable-features`` nor CDP
``Network.setCookieControls`` lifts it. A regular profile honours the ``cookie_controls_mode``
preference (0 = allow, 1 = block third-party), which we seed in a fresh user-data dir.
``--test-third-party-cookie-phaseout`` does not block anything on its own in this build
(measured: with preference 0 the cross-site iframe still got its cookie), so it is not used.
``test_harness.py`` proves each setting by whether a cross-site iframe really gets a cookie.

Pages and sites: the tool is served on ``127.0.0.1:<port>`` and the embedding page (sandbox
LMS) on ``localhost:<port>``: different sites, so the tool's cookies really are third-party.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.journeys import Sandbox, running_sandbox
from tests.support.live import LiveServer
from tests.support.settings import DATABASES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ALLOWED = "cookies-allowed"
BLOCKED = "third-party-cookies-blocked"
#: Chromium's CookieControlsMode preference values.
COOKIE_CONTROLS_MODE = {ALLOWED: 0, BLOCKED: 1}
#: A phone: 375 CSS pixels wide (iPhone SE/mini class).
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
#: For browser tests whose subject is the page, not the database: run on the first of the
#: selected databases only (the LTI journeys still run on every database).
one_database = pytest.mark.parametrize("database_url", DATABASES[:1], indirect=True)
#: Playwright's own waits: generous for 2 loaded cores, still bounded.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


# Package scope, not session: Playwright's sync driver is one per thread, so ours must be
# closed when tests/e2e is done, or another test's ``sync_playwright()`` fails to start.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)")
    with sync_playwright() as driver:
        yield driver


def _launch(driver: Playwright, user_data_dir: Path, setting: str) -> BrowserContext:
    profile = user_data_dir / "Default"
    profile.mkdir(parents=True)
    preferences = {"profile": {"cookie_controls_mode": COOKIE_CONTROLS_MODE[setting]}}
    (profile / "Preferences").write_text(json.dumps(preferences))
    context = driver.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport=DESKTOP,  # type: ignore[arg-type]
        locale="en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="package")
def browsers(
    playwright_driver: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, BrowserContext]]:
    """One Chromium per cookie setting, started lazily and kept for the session."""
    started: dict[str, BrowserContext] = {}

    class Lazy(dict[str, BrowserContext]):
        def __missing__(self, setting: str) -> BrowserContext:
            context = _launch(playwright_driver, tmp_path_factory.mktemp(setting), setting)
            started[setting] = context
            self[setting] = context
            return context

    yield Lazy()
    for context in started.values():
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _report_failure(context: BrowserContext, directory: Path) -> None:
    """What a person would have seen when the test failed: a screenshot of every open page
    in the test's tmp_path, and each frame's address and first lines, on stdout."""
    for number, page in enumerate(context.pages):
        try:
            page.screenshot(path=str(directory / f"failure-{number}.png"), full_page=True)
            for frame in page.frames:
                text = frame.locator("body").inner_text(timeout=1000)[:300]
                print(f"failure page {number} frame {frame.url}: {text!r}")
        except PlaywrightError as exc:  # a closed or crashed page: report, go on
            print(f"failure page {number}: could not be captured ({exc})")
    print(f"failure screenshots in {directory}")


def _fresh(
    context: BrowserContext, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[BrowserContext]:
    """Hand out the session's context clean, and leave it clean: no test sees another's
    cookies or pages (storage is per origin, and every test serves on its own ports)."""
    context.clear_cookies()
    yield context
    if request.node.stash.get(_CALL_FAILED, False):
        _report_failure(context, tmp_path)
    for page in list(context.pages):
        page.close()
    context.clear_cookies()


@pytest.fixture(params=[ALLOWED, BLOCKED])
def browser_context(
    request: pytest.FixtureRequest, browsers: dict[str, BrowserContext], tmp_path: Path
) -> Iterator[BrowserContext]:
    """The test runs twice: third-party cookies allowed, and blocked."""
    yield from _fresh(browsers[request.param], request, tmp_path)


@pytest.fixture
def cookies_blocked(request: pytest.FixtureRequest) -> bool:
    """For tests on ``browser_context``: whether this run blocks third-party cookies."""
    return bool(request.node.callspec.params["browser_context"] == BLOCKED)


@pytest.fixture
def allowed_context(
    request: pytest.FixtureRequest, browsers: dict[str, BrowserContext], tmp_path: Path
) -> Iterator[BrowserContext]:
    yield from _fresh(browsers[ALLOWED], request, tmp_path)


@pytest.fixture
def blocked_context(
    request: pytest.FixtureRequest, browsers: dict[str, BrowserContext], tmp_path: Path
) -> Iterator[BrowserContext]:
    yield from _fresh(browsers[BLOCKED], request, tmp_path)


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


@pytest.fixture
def sandbox(live_app: LiveServer, tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox LMS (``http://localhost:<port>``) framing the live tool (127.0.0.1)."""
    with running_sandbox(live_app, tmp_path) as running:
        yield running
