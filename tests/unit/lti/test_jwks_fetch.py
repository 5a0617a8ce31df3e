"""Fetching a platform's key set over real loopback HTTP: size cap, JSON, error words."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from lti_tool.lti.errors import PlatformUnreachableError
from lti_tool.lti.jwks_cache import MAX_JWKS_BYTES, fetch_jwks
from tests.support.live import LiveServer, serve

Body = tuple[str, bytes]


@pytest.fixture
def answer() -> dict[str, Body]:
    return {"body": ("200 OK", b'{"keys": []}')}


@pytest.fixture
def jwks_server(answer: dict[str, Body]) -> Iterator[LiveServer]:
    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        status, body = answer["body"]
        start(status, [("Content-Type", "application/json")])
        return [body]

    with serve(app) as server:
        yield server


def test_a_key_set_is_read(jwks_server: LiveServer) -> None:
    assert fetch_jwks(f"{jwks_server.url}/jwks", timeout=5) == {"keys": []}


def test_an_endless_key_set_is_refused_without_reading_it_all(
    jwks_server: LiveServer, answer: dict[str, Body]
) -> None:
    answer["body"] = ("200 OK", b'{"keys": [' + b" " * (MAX_JWKS_BYTES + 10) + b"]}")
    with pytest.raises(PlatformUnreachableError) as refused:
        fetch_jwks(f"{jwks_server.url}/jwks", timeout=5)
    assert refused.value.code == "jwks_unreachable"
    assert "larger than 256 KB" in refused.value.message


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (("200 OK", b"<html>not json</html>"), "jwks_unreachable", "public keys at"),
        (("200 OK", b'["keys"]'), "jwks_invalid", "did not return a JSON Web Key Set"),
        (("500 Oops", b"{}"), "jwks_unreachable", "500"),
    ],
    ids=["not-json", "not-a-jwks", "server-error"],
)
def test_a_bad_answer_names_the_url(
    jwks_server: LiveServer, answer: dict[str, Body], body: Body, code: str, words: str
) -> None:
    answer["body"] = body
    with pytest.raises(PlatformUnreachableError) as refused:
        fetch_jwks(f"{jwks_server.url}/jwks", timeout=5)
    assert refused.value.code == code
    assert words in refused.value.message
    assert jwks_server.url in refused.value.message
