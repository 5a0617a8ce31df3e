"""Our JWKS over HTTP and ``peerloop keys rotate | list``: rotation keeps the old key published
for the grace period, and no private key material ever leaves the database."""

from __future__ import annotations

import json

import jwt
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.cli import main
from lti_tool.lti.keys import signing_key
from lti_tool.models import ToolKey

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def _kids(client: FlaskClient) -> list[str]:
    response = client.get("/lti/jwks")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    for key in body["keys"]:
        assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
        assert not PRIVATE_MEMBERS & set(key)
    return [key["kid"] for key in body["keys"]]


def _private_material(session: Session) -> list[str]:
    session.expire_all()
    rows = session.scalars(select(ToolKey)).all()
    return [line for row in rows for line in row.private_pem.splitlines() if "-----" not in line]


def test_jwks_creates_the_first_key_and_serves_the_same_one_after(client: FlaskClient) -> None:
    first = _kids(client)
    assert len(first) == 1
    assert _kids(client) == first


def test_rotate_keeps_the_old_key_published_during_grace(
    client: FlaskClient, runner: FlaskCliRunner, db_session: Session
) -> None:
    (old,) = _kids(client)
    result = runner.invoke(main, args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "stay published for 7 day(s)" in result.output
    published = _kids(client)
    assert len(published) == 2
    assert old in published
    (new,) = set(published) - {old}
    assert new in result.output

    listed = runner.invoke(main, args=["keys", "list"])
    assert listed.exit_code == 0
    lines = {line.split()[0]: line.split() for line in listed.output.splitlines()[1:]}
    assert lines[new][1] == "current"
    assert lines[old][1] == "retiring"
    assert lines[new][2].count("-") == 2  # the created date

    for output in (result.output, listed.output):
        assert "PRIVATE KEY" not in output
        for line in _private_material(db_session):
            assert line not in output


def test_rotate_without_grace_drops_the_old_key_at_once(
    client: FlaskClient, runner: FlaskCliRunner
) -> None:
    (old,) = _kids(client)
    assert runner.invoke(main, args=["keys", "rotate", "--grace-days", "0"]).exit_code == 0
    published = _kids(client)
    assert len(published) == 1
    assert old not in published
    assert "retired" in runner.invoke(main, args=["keys", "list"]).output


def test_rotate_rejects_a_negative_grace(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, args=["keys", "rotate", "--grace-days", "-1"])
    assert result.exit_code == 2
    assert "-1 is not in the range x>=0" in result.output


def test_jwks_page_never_contains_private_key_material(
    client: FlaskClient, runner: FlaskCliRunner, db_session: Session
) -> None:
    runner.invoke(main, args=["keys", "rotate"])
    text = client.get("/lti/jwks").get_data(as_text=True)
    assert len(json.loads(text)["keys"]) == 1
    for line in _private_material(db_session):
        assert line not in text


def test_list_pem_prints_each_public_key_that_verifies_our_signatures(
    client: FlaskClient, runner: FlaskCliRunner, db_session: Session
) -> None:
    """For an LMS that takes a pasted key instead of /lti/jwks (Chamilo)."""
    (kid,) = _kids(client)
    listed = runner.invoke(main, args=["keys", "list", "--pem"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("-----BEGIN PUBLIC KEY-----") == 1
    assert "PRIVATE KEY" not in listed.output
    for line in _private_material(db_session):
        assert line not in listed.output
    pem = listed.output[listed.output.index("-----BEGIN") :].strip()
    signed_kid, private = signing_key(db_session)
    assert signed_kid == kid
    token = jwt.encode({"iss": "peerloop"}, private, algorithm="RS256")
    assert jwt.decode(token, pem, algorithms=["RS256"]) == {"iss": "peerloop"}
