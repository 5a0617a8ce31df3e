"""The tool's RSA signing keys: created on demand, rotated with a grace period, published as JWKS.

Private keys live only in the ``tool_key`` table; nothing here logs or returns them except
``signing_key``, whose caller signs with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jwcrypto import jwk
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.db import utcnow
from lti_tool.logs import log_event
from lti_tool.models import ToolKey

KEY_SIZE = 2048
ALG = "RS256"

CURRENT = "current"
RETIRING = "retiring"

# An allow-list, so a private member (d, p, q…) can never reach the JWKS even if a row held one.
PUBLIC_FIELDS = frozenset({"kty", "n", "e"})


def _new_key(session: Session) -> ToolKey:
    key = jwk.JWK.generate(kty="RSA", size=KEY_SIZE)
    # The RFC 7638 thumbprint is stable, unique per key and reveals nothing private.
    kid = key.thumbprint()
    public = key.export_public(as_dict=True)
    public.update(kid=kid, alg=ALG, use="sig")
    row = ToolKey(
        kid=kid,
        private_pem=key.export_to_pem(private_key=True, password=None).decode("ascii"),
        public_jwk=public,
        status=CURRENT,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    log_event("tool_key_created", kid=kid)
    return row


def current_key(session: Session) -> ToolKey | None:
    """The newest current key, if any."""
    return session.scalars(
        select(ToolKey)
        .where(ToolKey.status == CURRENT)
        .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
        .limit(1)
    ).first()


def signing_key(session: Session) -> tuple[str, str]:
    """(kid, private PEM) of the current key; the first key is created here (flushed)."""
    row = current_key(session) or _new_key(session)
    return row.kid, row.private_pem


def rotate(session: Session, grace: timedelta, now: datetime | None = None) -> ToolKey:
    """Make a new current key; earlier current keys stay published for ``grace`` (flushed).

    Platforms cache our JWKS, so a token signed just before rotation must still verify.
    """
    now = now or utcnow()
    for old in session.scalars(select(ToolKey).where(ToolKey.status == CURRENT)):
        old.status = RETIRING
        old.retire_after = now + grace
    row = _new_key(session)
    log_event("tool_key_rotated", kid=row.kid, grace_seconds=int(grace.total_seconds()))
    return row


def published_keys(session: Session, now: datetime | None = None) -> list[ToolKey]:
    """Current keys and retiring keys whose grace period has not ended, newest first."""
    now = now or utcnow()
    rows = session.scalars(
        select(ToolKey).order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
    ).all()
    return [
        row
        for row in rows
        if row.status == CURRENT
        or (row.status == RETIRING and row.retire_after is not None and row.retire_after > now)
    ]


def published_jwks(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """The JWKS document served at /lti/jwks: public halves only, each with kid/alg/use."""
    keys = []
    for row in published_keys(session, now):
        public = {k: v for k, v in row.public_jwk.items() if k in PUBLIC_FIELDS}
        public.update(kid=row.kid, alg=ALG, use="sig")
        keys.append(public)
    return {"keys": keys}


def public_pem(row: ToolKey) -> str:
    """The public half of ``row`` as PEM (SubjectPublicKeyInfo), for platforms that take a
    pasted key instead of a key set URL (Chamilo)."""
    public = {k: v for k, v in row.public_jwk.items() if k in PUBLIC_FIELDS}
    pem: bytes = jwk.JWK(**public).export_to_pem()
    return pem.decode("ascii")


def all_keys(session: Session) -> list[ToolKey]:
    """Every stored key, newest first (for ``peerloop keys list``)."""
    return list(
        session.scalars(select(ToolKey).order_by(ToolKey.created_at.desc(), ToolKey.id.desc()))
    )


def status_at(row: ToolKey, now: datetime | None = None) -> str:
    """``current``, ``retiring`` (still published) or ``retired`` (no longer published)."""
    now = now or utcnow()
    if row.status == RETIRING and (row.retire_after is None or row.retire_after <= now):
        return "retired"
    return row.status


def prune(session: Session, now: datetime | None = None) -> int:
    """Delete retired keys (grace over): nothing can verify against them any more."""
    now = now or utcnow()
    gone = [row for row in all_keys(session) if status_at(row, now) == "retired"]
    for row in gone:
        session.delete(row)
    session.flush()
    return len(gone)
