"""Journeys through the sandbox LMS that several browser tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Frame, FrameLocator, Page, Request, expect
from sqlalchemy.orm import Session

from lti_tool.security import forget_frame_ancestors
from sandbox import create_sandbox_app
from sandbox.flavour import MOODLE, SandboxFlavour
from sandbox.people import INSTRUCTOR, LEARNERS
from sandbox.tool_registration import register_with_tool
from tests.e2e import a11y
from tests.support.live import LiveServer
from tests.support.ports import free_port

LEARNER = LEARNERS[0]
TITLE = "After the case study"
PROMPT = "How would you apply this in your next client meeting?"


@dataclass
class Sandbox:
    url: str  # http://localhost:<port>: another site than the tool's 127.0.0.1
    tool_url: str


@contextmanager
def running_sandbox(
    live_app: LiveServer, tmp_path: Path, flavour: SandboxFlavour = MOODLE
) -> Iterator[Sandbox]:
    """The sandbox LMS on its own port, reached as localhost, registered with the tool
    (as an admin would by hand), behaving as ``flavour``."""
    tool: Flask = live_app.app  # type: ignore[attr-defined]
    port = free_port()
    base_url = f"http://localhost:{port}"
    app = create_sandbox_app(
        base_url=base_url,
        tool_url=live_app.url,
        database_url=f"sqlite:///{tmp_path}/sandbox.sqlite",
        flavour=flavour,
    )
    session: Session = tool.extensions["peerloop.sessions"]()
    try:
        register_with_tool(session, base_url, flavour)
        session.commit()
    finally:
        session.close()
    forget_frame_ancestors(tool)  # the sandbox may frame the tool from now on
    server = LiveServer(app, port).start()
    try:
        yield Sandbox(base_url, live_app.url)
    finally:
        server.stop()
        app.extensions["sandbox.store"].dispose()


@dataclass
class ToolTraffic:
    """Paths the browser requested from the tool, to tell which launch path was taken."""

    tool_url: str
    paths: list[str] = field(default_factory=list)

    def __call__(self, request: Request) -> None:
        if request.url.startswith(self.tool_url):
            self.paths.append(urlsplit(request.url).path)


def watch_tool(page: Page, tool_url: str) -> ToolTraffic:
    traffic = ToolTraffic(tool_url)
    page.on("request", traffic)
    return traffic


def tool_frame(page: Page, sandbox: Sandbox) -> Frame:
    """The frame showing the tool (for checks that run inside it)."""
    frame = page.frame(url=lambda url: url.startswith(sandbox.tool_url))
    assert frame is not None, f"no frame of {sandbox.tool_url} in {page.url}"
    return frame


def open_picker(page: Page, sandbox: Sandbox) -> FrameLocator:
    """As the instructor: "Launch as …" from the sandbox's home page, up to the picker."""
    page.goto(f"{sandbox.url}/")
    page.get_by_role("link", name=f"Launch as {INSTRUCTOR.name}: add an activity").click()
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Add a Peerloop activity")
    return frame


def place_activity(page: Page, sandbox: Sandbox, tmp_path: Path) -> None:
    """As the instructor: open the picker from the sandbox and add an activity."""
    frame = open_picker(page, sandbox)
    a11y.assert_accessible(tool_frame(page, sandbox))
    a11y.screenshot(page, tmp_path, "picker-in-sandbox")

    frame.get_by_label("Title").fill(TITLE)
    frame.get_by_label("Prompt").fill(PROMPT)
    # Graded, so learners' scores go to the gradebook (off, nothing goes there).
    frame.get_by_label("Grade participation in the LMS gradebook").check()
    frame.get_by_role("button", name="Add to the course").click()
    # The tool posts the deep-linking response back to the LMS, inside the frame; the LMS
    # then takes its whole page (not the frame) back to the course.
    expect(page.get_by_role("status")).to_have_text("Activity added to the course.")
    assert page.url.startswith(f"{sandbox.url}/course/{INSTRUCTOR.user_id}?")
    assert "added=1" in page.url
    expect(page.locator("#tool-frame")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Open {TITLE}")).to_be_visible()


def open_placement(page: Page, sandbox: Sandbox, user_id: str) -> FrameLocator:
    """From ``user_id``'s course page in the sandbox, open the placed activity."""
    page.goto(f"{sandbox.url}/course/{user_id}")
    page.get_by_role("link", name=f"Open {TITLE}").click()
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(frame.locator(".prompt")).to_have_text(PROMPT)
    return frame


def open_as_learner(page: Page, sandbox: Sandbox) -> FrameLocator:
    return open_placement(page, sandbox, LEARNER.user_id)
