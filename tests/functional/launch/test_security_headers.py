"""Response headers: CSP frame-ancestors from the registered platforms, nosniff, referrer."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lti_tool.models import Platform
from lti_tool.security import forget_frame_ancestors


def _platform(issuer: str, auth_login_url: str) -> Platform:
    return Platform(
        issuer=issuer,
        client_id="c",
        auth_login_url=auth_login_url,
        auth_token_url=f"{issuer}/token",
        key_set_url=f"{issuer}/jwks",
    )


def test_frame_ancestors_lists_issuer_and_login_origins_once(
    client: FlaskClient, db_session: Session
) -> None:
    """Canvas-like: the issuer and the OIDC login URL are on different origins."""
    db_session.add_all(
        [
            _platform("https://canvas.example.test", "https://sso.example.test:8443/auth?x=1"),
            _platform("https://moodle.example.test", "https://moodle.example.test/auth.php"),
        ]
    )
    db_session.commit()
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert csp == (
        "frame-ancestors 'self' https://canvas.example.test https://sso.example.test:8443 "
        "https://moodle.example.test"
    )


def test_urls_that_are_not_origins_are_left_out(client: FlaskClient, db_session: Session) -> None:
    """A registered value that could smuggle another CSP source or directive is dropped."""
    db_session.add(_platform("https://lms.example.test; script-src *", "javascript:alert(1)"))
    db_session.commit()
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert csp == "frame-ancestors 'self'"


def test_new_platform_is_allowed_after_forget(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """The list is cached briefly; a registration calls forget_frame_ancestors(app)."""
    assert client.get("/healthz").headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    db_session.add(_platform("https://new.example.test", "https://new.example.test/auth"))
    db_session.commit()
    assert client.get("/healthz").headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    forget_frame_ancestors(app)
    assert client.get("/healthz").headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://new.example.test"
    )


def test_error_pages_carry_the_headers_too(client: FlaskClient) -> None:
    response = client.post("/lti/launch", data={})
    assert response.status_code == 401
    assert response.headers["Content-Security-Policy"].startswith("frame-ancestors 'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
