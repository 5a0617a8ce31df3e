"""Fixtures for tests that run the sandbox LMS beside the live tool."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from lti_tool.lti.keys import signing_key
from sandbox.flavour import CHAMILO
from tests.functional.sandbox.harness import Sandbox, running_sandbox
from tests.support.live import LiveServer


@pytest.fixture
def sandbox(live_app: LiveServer, tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox LMS, registered with the live tool and served on its own port."""
    with running_sandbox(live_app.app, live_app.url, tmp_path) as running:  # type: ignore[attr-defined]
        yield running


@pytest.fixture
def chamilo(live_app: LiveServer, tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox behaving like Chamilo 1.11 (``sandbox.flavour.CHAMILO``)."""
    with running_sandbox(live_app.app, live_app.url, tmp_path, CHAMILO) as running:  # type: ignore[attr-defined]
        yield running


@pytest.fixture
def tool_session(live_app: LiveServer) -> Iterator[Session]:
    """A session on the live tool's database."""
    session: Session = live_app.app.extensions["peerloop.sessions"]()  # type: ignore[attr-defined]
    yield session
    session.close()


@pytest.fixture
def session(tool_session: Session) -> Session:
    """The tool's session with its signing key published: the platform checks our client
    assertions against /lti/jwks, so the key must exist before any service call."""
    signing_key(tool_session)
    tool_session.commit()
    return tool_session
