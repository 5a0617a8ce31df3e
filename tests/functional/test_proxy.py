"""Behind a TLS-terminating proxy (PEERLOOP_PROXY_FIX_HOPS=1) the tool sees https and the public
host, so its cookies are ``Secure; SameSite=None`` and the URLs it builds are https; with no
proxy configured (hops 0) forwarded headers are ignored, so a client cannot spoof them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request, url_for
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lti_tool import create_app
from lti_tool.models import Platform
from tests.support.settings import make_settings

# A plain-http public URL that is not loopback: only the proxy's headers can make it secure.
BASE = "http://tool.example.test"
LMS = "https://lms.example.test"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tool.example.test"}
SPOOFED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.test"}


def _app(database_url: str, hops: int) -> Flask:
    app = create_app(make_settings(database_url, base_url=BASE, proxy_fix_hops=hops))

    # A probe of what Flask makes of the request, for url_for(_external=True) users.
    @app.get("/test-probe")
    def probe() -> dict[str, object]:
        return {"external": url_for("home.index", _external=True), "secure": request.is_secure}

    return app


@pytest.fixture(params=[1, 0], ids=["hops1", "hops0"])
def proxied(request: pytest.FixtureRequest, database_url: str) -> Iterator[Flask]:
    app = _app(database_url, request.param)
    app.config["TEST_HOPS"] = request.param
    session: Session = app.extensions["peerloop.sessions"]()
    session.add(
        Platform(
            issuer=LMS,
            client_id="client-1",
            auth_login_url=f"{LMS}/auth",
            auth_token_url=f"{LMS}/token",
            key_set_url=f"{LMS}/jwks",
        )
    )
    session.commit()
    session.close()
    yield app
    app.extensions["peerloop.engine"].dispose()


def _login(client: FlaskClient, headers: dict[str, str]) -> tuple[str, list[str]]:
    response = client.get(
        "/lti/login",
        query_string={
            "iss": LMS,
            "login_hint": "user-1",
            "client_id": "client-1",
            "target_link_uri": f"{BASE}/lti/launch",
        },
        headers=headers,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"], response.headers.getlist("Set-Cookie")


def test_login_cookies_are_secure_and_cross_site_behind_the_proxy(proxied: Flask) -> None:
    _, cookies = _login(proxied.test_client(), FORWARDED)
    state_cookie = next(c for c in cookies if c.startswith("lti_state_") and "legacy" not in c)
    if proxied.config["TEST_HOPS"]:
        assert "; Secure" in state_cookie
        assert "SameSite=None" in state_cookie
        assert all("; Secure" in cookie for cookie in cookies)
    else:
        # No proxy configured: the headers are a client's claim, not TLS.
        assert "; Secure" not in state_cookie
        assert "SameSite=Lax" in state_cookie


def test_urls_built_behind_the_proxy_are_https(proxied: Flask) -> None:
    client = proxied.test_client()
    probe = client.get("/test-probe", headers=FORWARDED).get_json()
    if proxied.config["TEST_HOPS"]:
        assert probe == {"external": "https://tool.example.test/", "secure": True}
    else:
        assert probe == {"external": "http://localhost/", "secure": False}


def test_a_spoofed_forwarded_host_changes_nothing_without_a_proxy(proxied: Flask) -> None:
    client = proxied.test_client()
    plain = client.get("/test-probe").get_json()
    spoofed = client.get("/test-probe", headers=SPOOFED).get_json()
    location, _ = _login(client, SPOOFED)
    if proxied.config["TEST_HOPS"]:
        assert spoofed["external"] == "https://evil.example.test/"  # the proxy is trusted
    else:
        assert spoofed == plain
    # Either way, what goes to the LMS is built from base_url, never from request headers.
    assert "evil.example.test" not in location
    assert "redirect_uri=http%3A%2F%2Ftool.example.test%2Flti%2Flaunch" in location


def test_frame_ancestors_names_only_registered_platforms(proxied: Flask) -> None:
    client = proxied.test_client()
    for path in ("/", "/healthz", "/xapi/profile", "/placements/nope"):
        csp = client.get(path, headers=SPOOFED).headers["Content-Security-Policy"]
        assert csp == f"frame-ancestors 'self' {LMS}", path
