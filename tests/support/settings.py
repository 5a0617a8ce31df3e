"""Settings for tests, and which databases the database tests run on.

PEERLOOP_TEST_DATABASES=sqlite (or postgresql) narrows that for a quick local run.
"""

from __future__ import annotations

import os

from lti_tool.config import Settings

DATABASES = os.environ.get("PEERLOOP_TEST_DATABASES", "sqlite,postgresql").split(",")


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "database_url": database_url,
        "secret_key": "test-secret-key-not-for-production",
        "base_url": "http://127.0.0.1:5000",
        "lrs_worker_thread": False,
        "grades_worker_thread": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
