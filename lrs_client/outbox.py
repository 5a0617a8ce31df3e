"""The transactional outbox: statements are queued in the caller's transaction, so an
interaction and its statement commit together or not at all."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lrs_client.tables import PENDING, Destination, OutboxRow, utcnow
from lrs_client.versions import DEFAULT_VERSION, VERSIONS


def enqueue(
    session: Session,
    statement: Mapping[str, Any],
    destinations: Iterable[str] | None = None,
) -> int:
    """Queue ``statement`` (a JSON-ready dict with its ``id``) for every enabled destination,
    or only the named ones. Adds rows to ``session`` without committing: the caller's commit
    sends them. Queuing the same statement id twice for a destination is a no-op.
    Returns the number of destinations it was queued for."""
    statement_id = statement.get("id")
    if not isinstance(statement_id, str) or not statement_id:
        raise ValueError("a statement needs its id before it is queued")
    query = select(Destination.id).where(Destination.enabled.is_(True))
    if destinations is not None:
        query = query.where(Destination.name.in_(list(destinations)))
    ids = session.scalars(query).all()
    if not ids:
        return 0
    payload = json.dumps(statement, separators=(",", ":"), ensure_ascii=False)
    now = utcnow()
    rows = [
        {
            "destination_id": destination_id,
            "statement_id": statement_id,
            "payload": payload,
            "status": PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for destination_id in ids
    ]
    # ON CONFLICT DO NOTHING (both dialects have it) keeps a replay from failing the caller's
    # transaction; a plain INSERT would raise and roll back the interaction with it.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(OutboxRow).on_conflict_do_nothing(), rows)
    return len(ids)


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
    """Stop queuing for ``name``; its pending rows wait. False if there is no such one."""
    destination = session.scalars(select(Destination).where(Destination.name == name)).first()
    if destination is None:
        return False
    destination.enabled = False
    session.flush()
    return True


def is_queued(session: Session, statement_id: str) -> bool:
    """Whether the statement ``statement_id`` was already queued (for any destination).
    Asked per destination so the unique (destination, statement id) index answers, not a scan
    of every statement ever sent."""
    found = session.scalar(
        select(OutboxRow.id)
        .where(
            OutboxRow.destination_id.in_(select(Destination.id)),
            OutboxRow.statement_id == statement_id,
        )
        .limit(1)
    )
    return found is not None
