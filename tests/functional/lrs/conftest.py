from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from lti_tool import create_app
from tests.support.settings import make_settings


@pytest.fixture
def make_lrs_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database with LRS settings (PEERLOOP_LRS_* overrides)."""
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        overrides.setdefault("lrs_username", "peerloop")
        overrides.setdefault("lrs_password", "lrs-test-password")
        app = create_app(make_settings(database_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["peerloop.engine"].dispose()
