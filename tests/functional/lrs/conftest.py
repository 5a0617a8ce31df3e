from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from lti_tool import create_app
from lti_tool.db import session_scope
from lti_tool.delivery import sync_default_destination
from tests.support.settings import make_settings


@pytest.fixture
def make_lrs_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database with LRS settings (PEERLOOP_LRS_* overrides), and
    apply them to the ``default`` destination as `peerloop lrs sync-settings` would (building
    an app changes no destination)."""
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        overrides.setdefault("lrs_username", "peerloop")
        overrides.setdefault("lrs_password", "lrs-test-password")
        app = create_app(make_settings(database_url, **overrides))
        apps.append(app)
        with session_scope(app.extensions["peerloop.sessions"]) as session:
            sync_default_destination(session, app.config["PEERLOOP"])
        return app

    yield make
    for app in apps:
        app.extensions["peerloop.engine"].dispose()
