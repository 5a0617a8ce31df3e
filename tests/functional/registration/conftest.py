"""The stub platform, served over loopback HTTP; each test gets a fresh one.

One server serves the whole session and hands each request to the current test's stub:
stopping a werkzeug server per test costs half a second of its shutdown poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from tests.functional.registration.stub_platform import StubPlatform
from tests.support.live import LiveServer, serve


class _Current:
    """A WSGI app that forwards to the stub of the running test."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None, "a request reached the stub platform outside a test"
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@pytest.fixture(scope="session")
def _platform_server() -> Iterator[tuple[LiveServer, _Current]]:
    current = _Current()
    with serve(current) as server:
        yield server, current


@pytest.fixture
def platform(_platform_server: tuple[LiveServer, _Current]) -> Iterator[StubPlatform]:
    server, current = _platform_server
    stub = StubPlatform(url=server.url)
    current.app = stub.app()
    yield stub
    current.app = None
