"""The sandbox LMS served on its own loopback port next to the live tool, and registered
with the tool's database: the independent platform the LTI tests run against."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.models import Platform
from sandbox import create_sandbox_app
from sandbox.flavour import MOODLE, SandboxFlavour
from sandbox.storage import Store
from sandbox.tool_registration import register_with_tool
from tests.support.live import LiveServer
from tests.support.ports import free_port


@dataclass
class Sandbox:
    server: LiveServer
    app: Flask
    #: None when the sandbox was not registered with the tool (dynamic registration tests).
    platform_id: int | None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> Store:
        store: Store = self.app.extensions["sandbox.store"]
        return store


@contextmanager
def running_sandbox(
    tool_app: Flask,
    tool_url: str,
    tmp_path: Path,
    flavour: SandboxFlavour = MOODLE,
    *,
    register: bool = True,
) -> Iterator[Sandbox]:
    """The sandbox, behaving as ``flavour``; registered with the tool as an admin would by
    hand unless ``register`` is False (then dynamic registration does it)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_sandbox_app(
        base_url=base_url,
        tool_url=tool_url,
        database_url=f"sqlite:///{tmp_path}/sandbox.sqlite",
        flavour=flavour,
    )
    platform_id = None
    session: Session = tool_app.extensions["peerloop.sessions"]()
    try:
        if register:
            platform, _ = register_with_tool(session, base_url, flavour)
            session.commit()
            platform_id = platform.id
    finally:
        session.close()
    server = LiveServer(app, port).start()
    try:
        yield Sandbox(server, app, platform_id)
    finally:
        server.stop()
        app.extensions["sandbox.store"].dispose()


def platform_row(session: Session, sandbox: Sandbox) -> Platform:
    assert sandbox.platform_id is not None, "the sandbox was not registered with the tool"
    platform = session.get(Platform, sandbox.platform_id)
    assert platform is not None
    return platform


class Forms(HTMLParser):
    """Forms (action, method, fields), links (href, text) and iframes of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.links: list[dict[str, str]] = []
        self.iframes: list[str] = []
        self._link: dict[str, str] | None = None
        self._text: list[str] = []
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": values.get("action", ""),
                    "method": values.get("method", "get"),
                    "id": values.get("id", ""),
                    "fields": {},
                }
            )
        elif tag in ("input", "textarea", "select") and self.forms and values.get("name"):
            if values.get("type") in ("checkbox", "radio") and "checked" not in values:
                return
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")
        elif tag == "a":
            self._link = dict(values)
            self._text = []
        elif tag == "iframe":
            self.iframes.append(values.get("src", ""))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._link is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self._link["text"] = " ".join("".join(self._text).split())
            self.links.append(self._link)
            self._link = None

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def link(self, text_contains: str) -> dict[str, str]:
        for link in self.links:
            if text_contains in link.get("text", ""):
                return link
        raise AssertionError(f"no link containing {text_contains!r} in {self.links}")


def staff_tab(browser: requests.Session, page: requests.Response, tab: str) -> requests.Response:
    """The instructor view's ``tab``, opened by its link on ``page`` as a click would."""
    href = next(
        link["href"] for link in Forms(page.text).links if f"tab={tab}" in link.get("href", "")
    )
    return browser.get(urljoin(page.url, href), timeout=10)
