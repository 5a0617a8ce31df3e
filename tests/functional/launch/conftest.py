"""Fixtures of the launch tests: a hand-signed platform registered in the tool's database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.lti.context import LaunchContext
from tests.support.platform_signer import JwksHost, PlatformSigner, SigningKey


@pytest.fixture(scope="session")
def platform_keys() -> list[SigningKey]:
    """The platform's key and the one it rotates to (generated once: RSA is slow)."""
    return [SigningKey.generate("platform-key-1"), SigningKey.generate("platform-key-2")]


@pytest.fixture(scope="session")
def jwks_host() -> Iterator[JwksHost]:
    """The loopback server publishing the test platforms' key sets."""
    with JwksHost().serving() as host:
        yield host


@pytest.fixture
def lms(
    platform_keys: list[SigningKey], db_session: Session, jwks_host: JwksHost
) -> Iterator[PlatformSigner]:
    """A platform publishing its JWKS on loopback, registered with one deployment."""
    signer = PlatformSigner(keys=[platform_keys[0]])
    with signer.serving(jwks_host):
        signer.register(db_session)
        yield signer


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            self.events.append(fields)


@pytest.fixture
def events(app: Flask) -> Iterator[list[dict[str, Any]]]:
    """The structured log lines (their fields) the app writes during the test."""
    handler = _Collect()
    logger = logging.getLogger("peerloop")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler.events
    logger.removeHandler(handler)
    logger.setLevel(previous)


@dataclass
class Landing:
    """What the launch view handed to the launch target: the context and its token."""

    contexts: list[LaunchContext] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


@pytest.fixture
def landing(monkeypatch: pytest.MonkeyPatch) -> Landing:
    """Stand in for ``landing_page`` (another feature's page: placements, picker) so
    these tests check what the launch gives it, whatever that page does with it. The real
    page is exercised by test_deep_linking_launch_opens_the_real_picker and its own tests."""
    seen = Landing()

    def fake(context: LaunchContext, token: str) -> str:
        seen.contexts.append(context)
        seen.tokens.append(token)
        return f"<p>landed {context.launch_id}</p>"

    monkeypatch.setattr("lti_tool.views.launch.landing_page", fake)
    return seen
