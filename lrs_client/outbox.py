"""The transactional outbox: statements are recorded in the statement journal in the
caller's transaction, so an interaction and its statement commit together or not at all;
and the destinations they are delivered to."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lrs_client.tables import Destination, JournalEntry, utcnow
from lrs_client.versions import DEFAULT_VERSION, VERSIONS


def enqueue(session: Session, statement: Mapping[str, Any]) -> bool:
    """Record ``statement`` (a JSON-ready dict with its ``id``) in the statement journal, in
    the caller's transaction: it is kept if and only if the caller commits, whatever LRS
    destinations exist. Never touches the network. One INSERT and nothing else: the
    dispatcher routes the entry to the destinations enabled by then (``lrs_client.routing``).
    Recording the same statement id again is a no-op. Returns whether it was new."""
    statement_id = statement.get("id")
    if not isinstance(statement_id, str) or not statement_id:
        raise ValueError("a statement needs its id before it is queued")
    payload = json.dumps(statement, separators=(",", ":"), ensure_ascii=False)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # ON CONFLICT DO NOTHING (both dialects have it) keeps a replay from failing the caller's
    # transaction; a plain INSERT would raise and roll back the interaction with it.
    # RETURNING tells a new row from a replay (a row count is not reliable across drivers).
    new_id = session.execute(
        insert(JournalEntry)
        .values(statement_id=statement_id, payload=payload, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["statement_id"])
        .returning(JournalEntry.id)
    ).scalar()
    return new_id is not None


def save_destination(
    session: Session,
    name: str,
    endpoint: str,
    username: str = "",
    password: str = "",
    xapi_version: str = DEFAULT_VERSION,
    enabled: bool = True,
) -> Destination:
    """Create or update the destination called ``name`` (flushes, does not commit).
    A change of endpoint, credentials or version clears its backoff and last error."""
    if xapi_version not in VERSIONS:
        raise ValueError(f"xAPI version must be one of {', '.join(VERSIONS)}")
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"the LRS endpoint must be an http(s) URL, not {endpoint!r}")
    endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
    destination = session.scalars(select(Destination).where(Destination.name == name)).first()
    if destination is None:
        destination = Destination(name=name, failures=0)
        session.add(destination)
    changed = (
        destination.endpoint,
        destination.username,
        destination.password,
        destination.xapi_version,
    ) != (endpoint, username, password, xapi_version)
    destination.endpoint = endpoint
    destination.username = username
    destination.password = password
    destination.xapi_version = xapi_version
    destination.enabled = enabled
    if changed:
        destination.failures = 0
        destination.retry_at = None
        destination.last_error = None
        destination.last_error_at = None
    session.flush()
    return destination


def disable_destination(session: Session, name: str) -> bool:
    """Stop routing new statements to ``name`` (they stay in the journal, for a later
    backfill); its pending rows wait. False if there is no such one."""
    destination = session.scalars(select(Destination).where(Destination.name == name)).first()
    if destination is None:
        return False
    destination.enabled = False
    session.flush()
    return True


def is_queued(session: Session, statement_id: str) -> bool:
    """Whether the statement ``statement_id`` was already recorded (the journal's unique
    statement id answers, whatever its destinations)."""
    found = session.scalar(
        select(JournalEntry.id).where(JournalEntry.statement_id == statement_id).limit(1)
    )
    return found is not None
