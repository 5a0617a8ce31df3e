"""Post/redirect/get after a launch (item 13): the page a launch lands on can be reloaded,
opened in a second tab or reached by Back for the token's lifetime, while the id_token itself
is still good for one launch only; the URL carries a page id, never the token, and access
logs and Referer headers keep neither."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.placements import Placement
from lrs_client.tables import OutboxRow
from lti_tool.access_log import RedactingFilter, RedactingGunicornLogger, redact
from lti_tool.models import LaunchState, Platform
from tests.support.platform_signer import PlatformSigner

PROMPT = "What surprised you this week?"


def _placement(session: Session, lms: PlatformSigner) -> Placement:
    platform_id = session.scalars(select(Platform.id).where(Platform.issuer == lms.issuer)).one()
    row = Placement(
        key=uuid.uuid4().hex,
        platform_id=platform_id,
        deployment_id=lms.deployment_id,
        context_id="course-7",
        title="Week 2 reflection",
        prompt=PROMPT,
        created_by_sub="teacher-1",
        created_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return row


def _statements(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def test_the_launch_redirects_to_a_page_that_survives_reloads(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    placement = _placement(db_session, lms)
    before = _statements(db_session)
    posted = lms.launch(client, follow=False, lti_custom={"peerloop_placement": placement.key})
    assert posted.status_code == 303
    location = posted.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert set(query) == {"page"}, "only an opaque page id in the URL, never the token"
    assert "lt=" not in location
    assert len(query["page"][0]) < 40
    launched = _statements(db_session)
    for _ in range(3):  # reload, Back, a second tab: the same GET
        page = client.get(location)
        assert page.status_code == 200, page.get_data(as_text=True)
        assert PROMPT in page.get_data(as_text=True)
    assert _statements(db_session) == launched, "a reload records no second launch"
    assert launched >= before  # (no LRS destination configured here: nothing may be queued)


def test_the_page_works_without_any_cookie(
    app: Flask, lms: PlatformSigner, db_session: Session
) -> None:
    """Inside an LMS frame our cookies may be blocked: the URL alone finds the launch."""
    placement = _placement(db_session, lms)
    posted = lms.launch(
        app.test_client(), follow=False, lti_custom={"peerloop_placement": placement.key}
    )
    fresh = app.test_client()  # another tab, no cookie jar shared
    assert PROMPT in fresh.get(posted.headers["Location"]).get_data(as_text=True)


def test_an_unknown_or_expired_page_id_says_to_reopen(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    placement = _placement(db_session, lms)
    posted = lms.launch(client, follow=False, lti_custom={"peerloop_placement": placement.key})
    forged = client.get("/lti/launched?page=not-a-page-id-of-ours-at-all")
    assert forged.status_code == 401
    assert "Open the activity again from your course" in forged.get_data(as_text=True)
    db_session.execute(
        LaunchState.__table__.update()
        .where(LaunchState.key.like("page:%"))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db_session.commit()
    assert client.get(posted.headers["Location"]).status_code == 401


def test_a_replayed_id_token_is_refused_with_its_own_heading(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    placement = _placement(db_session, lms)
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce, lti_custom={"peerloop_placement": placement.key}))
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303
    again = client.post("/lti/launch", data={"id_token": token, "state": state})
    text = again.get_data(as_text=True)
    assert again.status_code == 401
    assert '<h1 id="error-title">This launch was already used</h1>' in text


def test_no_page_sends_its_url_in_a_referer(client: FlaskClient) -> None:
    assert client.get("/healthz").headers["Referrer-Policy"] == "strict-origin"


def test_redact_blanks_tokens_and_page_ids() -> None:
    line = "GET /placements/k?sync=sent&page=abc_DEF-1&lt=eyJ.x.y HTTP/1.1"
    assert redact(line) == ("GET /placements/k?sync=sent&page=[redacted]&lt=[redacted] HTTP/1.1")
    assert redact("/lti/launched?page=abc") == "/lti/launched?page=[redacted]"
    assert redact("/x?alt=1&pages=2") == "/x?alt=1&pages=2"  # other names untouched


def test_the_development_servers_request_line_is_redacted() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s %s',
        ("127.0.0.1", "GET /lti/launched?page=secret-id HTTP/1.1", "200", "-"),
        None,
    )
    assert RedactingFilter().filter(record)
    assert "secret-id" not in record.getMessage()
    assert "page=[redacted]" in record.getMessage()


def test_gunicorns_access_log_is_redacted() -> None:
    from datetime import timedelta as td
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = RedactingGunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/lti/launched?page=secret-id",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/lti/launched",
        "QUERY_STRING": "page=secret-id&lt=tok",
        "HTTP_REFERER": "https://tool.example/placements/k?lt=tok",
    }
    resp = SimpleNamespace(status="200 OK", headers=[], sent=10)
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(resp, req, environ, td(seconds=0))
    logged = " ".join(str(atoms[k]) for k in ("r", "q", "f", "{referer}i"))
    assert "secret-id" not in logged
    assert "tok" not in logged
