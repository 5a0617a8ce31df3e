"""Response headers: CSP frame-ancestors from the registered platforms, nosniff, referrer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from activities.db import utcnow
from lti_tool import create_app
from lti_tool.cli import main
from lti_tool.db import make_engine
from lti_tool.models import ChangeCounter, Platform
from lti_tool.models.change_counter import PLATFORMS
from lti_tool.security import REVALIDATE_SECONDS, FrameAncestors, forget_frame_ancestors
from tests.conftest import make_settings
from tests.support.platform_signer import PlatformSigner
from tests.support.ports import free_port


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


def test_registration_changes_reach_the_csp_at_once(
    client: FlaskClient, db_session: Session, runner: FlaskCliRunner
) -> None:
    """A platform added or removed in this process (another session, and the CLI) changes
    the next response's CSP: no cache to wait out, no forget call needed."""
    assert client.get("/healthz").headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    db_session.add(_platform("https://new.example.test", "https://new.example.test/auth"))
    db_session.commit()
    assert client.get("/healthz").headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://new.example.test"
    )
    removed = runner.invoke(
        main,
        args=["platform", "remove", "--issuer", "https://new.example.test", "--client-id", "c"],
    )
    assert removed.exit_code == 0, removed.output
    assert client.get("/healthz").headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_an_unchanged_registry_is_served_from_the_cache(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """Only the counter says when to reread: a row changed behind the ORM's back (no bump)
    is not seen until the counter moves."""
    db_session.add(_platform("https://a.example.test", "https://a.example.test/auth"))
    db_session.commit()
    assert "https://a.example.test" in client.get("/healthz").headers["Content-Security-Policy"]
    db_session.execute(update(Platform).values(issuer="https://b.example.test"))
    db_session.commit()
    assert "https://a.example.test" in client.get("/healthz").headers["Content-Security-Policy"]
    forget_frame_ancestors(app)
    assert "https://b.example.test" in client.get("/healthz").headers["Content-Security-Policy"]


def test_a_launch_error_page_may_be_framed_by_the_launching_lms(client: FlaskClient) -> None:
    """An LMS that is not (or no longer) registered launches: the learner must read the error
    inside the course page, so that LMS's origin may frame it — and only that page."""
    login = client.get(
        "/lti/login",
        query_string={
            "iss": "https://unknown.example.test",
            "login_hint": "u",
            "target_link_uri": "http://127.0.0.1:5000/lti/launch",
        },
        headers={"Referer": "https://courses.example.test/mod/lti/view.php?id=3"},
    )
    assert login.status_code >= 400
    assert login.headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://courses.example.test https://unknown.example.test"
    )
    launch = client.post(
        "/lti/launch",
        data={"state": "x" * 20, "id_token": "not-a-jwt"},
        headers={"Origin": "https://lms.example.test"},
    )
    assert launch.status_code >= 400
    assert launch.headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://lms.example.test"
    )
    # Anything else keeps the registered list only, and nothing becomes a wildcard.
    other = client.get("/nowhere", headers={"Origin": "https://lms.example.test"})
    assert other.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    odd = client.post("/lti/launch", data={"state": "s"}, headers={"Origin": "*"})
    assert odd.headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_error_pages_carry_the_headers_too(client: FlaskClient) -> None:
    response = client.post("/lti/launch", data={})
    assert response.status_code == 401
    assert response.headers["Content-Security-Policy"].startswith("frame-ancestors 'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@contextmanager
def platforms_unreadable(app: Flask) -> Iterator[None]:
    """The platform table gone for a while (as a broken migration or a revoked grant would
    leave it): every read of it fails, on SQLite and PostgreSQL alike."""
    engine = app.extensions["peerloop.engine"]
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE platform RENAME TO platform_away"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE platform_away RENAME TO platform"))


def test_frame_ancestors_fails_closed_when_the_platforms_cannot_be_read(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """No list of platforms: only 'self' may frame the tool (never '*', never a stale list);
    the failed read is not cached, so the platforms are allowed again once it reads."""
    db_session.add(_platform("https://lms.example.test", "https://lms.example.test/auth"))
    db_session.commit()
    db_session.close()
    with platforms_unreadable(app):
        csp = client.get("/").headers.get("Content-Security-Policy")
    assert csp == "frame-ancestors 'self'"
    assert client.get("/").headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://lms.example.test"
    )


def test_frame_ancestors_fails_closed_when_the_database_is_down() -> None:
    """The database server does not answer at all (nothing listens on its port)."""
    url = f"postgresql+psycopg://peerloop@127.0.0.1:{free_port()}/peerloop?connect_timeout=2"
    app = create_app(make_settings(url))
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 500  # the health check says so; the header holds
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    finally:
        app.extensions["peerloop.engine"].dispose()


def test_origins_lose_their_user_info_and_need_a_host(
    client: FlaskClient, db_session: Session
) -> None:
    """user@ parts (even with an @ in the password) are no part of an origin; a URL without
    a host gives none."""
    db_session.add_all(
        [
            _platform("https://user:p@ss@lms.example.test", "https:///auth"),
            _platform("https://other.example.test", "ftp://files.example.test/auth"),
        ]
    )
    db_session.commit()
    assert client.get("/healthz").headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://lms.example.test https://other.example.test"
    )


def test_another_process_changes_reach_the_csp_within_the_bound_and_launches_at_once(
    app: Flask, client: FlaskClient, lms: PlatformSigner
) -> None:
    """Another process (here: its own engine, with plain SQL, so nothing in this process
    hears of it) deactivates the platform and bumps the counter. The very next launch is
    refused; the CSP, read per process, drops the platform when it revalidates, at most
    REVALIDATE_SECONDS later (a clock of the test's own stands for the seconds passing)."""
    now = [1000.0]
    app.extensions["peerloop.frame_ancestors"] = FrameAncestors(clock=lambda: now[0])
    listed = f"frame-ancestors 'self' {lms.issuer}"
    assert client.get("/healthz").headers["Content-Security-Policy"] == listed
    _, state, nonce = lms.login(client)  # a login before, its launch after the change
    other_process = make_engine(app.config["PEERLOOP"].database_url)
    try:
        with other_process.begin() as conn:
            conn.execute(update(Platform).values(deactivated_at=utcnow()))
            conn.execute(
                update(ChangeCounter)
                .where(ChangeCounter.name == PLATFORMS)
                .values(value=ChangeCounter.value + 1)
            )
    finally:
        other_process.dispose()
    token = lms.sign(lms.claims(nonce))
    refused = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert refused.status_code == 403
    assert "is not registered with Peerloop" in refused.get_data(as_text=True)
    login, _, _ = lms.login(client)
    assert login.status_code == 403
    now[0] += REVALIDATE_SECONDS - 0.5
    assert client.get("/healthz").headers["Content-Security-Policy"] == listed
    now[0] += 1.0
    assert client.get("/healthz").headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_this_process_changes_reach_the_csp_without_waiting(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """A commit of this process that changes a platform is seen by the next response, even
    with the clock standing still (no revalidation due)."""
    now = [1000.0]
    app.extensions["peerloop.frame_ancestors"] = FrameAncestors(clock=lambda: now[0])
    assert client.get("/healthz").headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    db_session.add(_platform("https://here.example.test", "https://here.example.test/auth"))
    db_session.commit()
    assert client.get("/healthz").headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://here.example.test"
    )
