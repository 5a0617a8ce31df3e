"""Fixtures of the launch tests: a hand-signed platform registered in the tool's database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.support.platform_signer import PlatformSigner, SigningKey


@pytest.fixture(scope="session")
def platform_keys() -> list[SigningKey]:
    """The platform's key and the one it rotates to (generated once: RSA is slow)."""
    return [SigningKey.generate("platform-key-1"), SigningKey.generate("platform-key-2")]


@pytest.fixture
def lms(platform_keys: list[SigningKey], db_session: Session) -> Iterator[PlatformSigner]:
    """A platform publishing its JWKS on loopback, registered with one deployment."""
    signer = PlatformSigner(keys=[platform_keys[0]])
    with signer.serving():
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
