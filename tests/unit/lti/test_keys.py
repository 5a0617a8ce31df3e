"""The tool's signing keys: created on demand, rotated with a grace period, published safely."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.db import utcnow
from lti_tool.lti import keys
from lti_tool.models import ToolKey

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def _kids(jwks: dict[str, list[dict[str, str]]]) -> list[str]:
    return [key["kid"] for key in jwks["keys"]]


def test_first_signing_key_is_created_on_demand_and_then_reused(db_session: Session) -> None:
    assert keys.published_jwks(db_session) == {"keys": []}
    kid, pem = keys.signing_key(db_session)
    private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert private_key.key_size >= 2048
    assert keys.signing_key(db_session) == (kid, pem)
    assert db_session.scalar(select(func.count()).select_from(ToolKey)) == 1
    assert _kids(keys.published_jwks(db_session)) == [kid]


def test_a_token_signed_with_the_signing_key_verifies_against_the_published_jwks(
    db_session: Session,
) -> None:
    kid, pem = keys.signing_key(db_session)
    token = jwt.encode({"iss": "peerloop"}, pem, algorithm="RS256", headers={"kid": kid})
    (published,) = keys.published_jwks(db_session)["keys"]
    assert (published["kid"], published["alg"], published["use"]) == (kid, "RS256", "sig")
    assert jwt.decode(token, jwt.PyJWK(published).key, algorithms=["RS256"]) == {"iss": "peerloop"}


def test_rotation_publishes_old_and_new_key_during_grace_then_only_the_new(
    db_session: Session,
) -> None:
    old_kid, _ = keys.signing_key(db_session)
    now = utcnow()
    new = keys.rotate(db_session, timedelta(days=7), now=now)

    assert new.kid != old_kid
    assert keys.signing_key(db_session)[0] == new.kid
    assert set(_kids(keys.published_jwks(db_session, now + timedelta(days=6)))) == {
        old_kid,
        new.kid,
    }
    assert _kids(keys.published_jwks(db_session, now + timedelta(days=7, seconds=1))) == [new.kid]


def test_jwks_never_contains_private_key_material(db_session: Session) -> None:
    keys.signing_key(db_session)
    keys.rotate(db_session, timedelta(days=1))
    jwks = keys.published_jwks(db_session)
    assert len(jwks["keys"]) == 2
    text = json.dumps(jwks)
    for row in db_session.scalars(select(ToolKey)):
        assert row.private_pem not in text
    for key in jwks["keys"]:
        assert not PRIVATE_MEMBERS & set(key), key


def test_prune_deletes_only_keys_whose_grace_has_ended(db_session: Session) -> None:
    first, _ = keys.signing_key(db_session)
    now = utcnow()
    second = keys.rotate(db_session, timedelta(0), now=now - timedelta(seconds=1)).kid
    third = keys.rotate(db_session, timedelta(days=7), now=now).kid

    statuses = {row.kid: keys.status_at(row, now) for row in keys.all_keys(db_session)}
    assert statuses == {first: "retired", second: "retiring", third: "current"}
    assert keys.prune(db_session, now) == 1
    assert {row.kid for row in keys.all_keys(db_session)} == {second, third}
