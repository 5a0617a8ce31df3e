"""The outbox's lease SQL: claim due rows, renew, release and settle what a claim owns.

Claims are leases (``claimed_until`` + a random ``claim_token``): a worker that dies mid-batch
leaves rows that become due again when the lease ends, and statement ids make the re-send
harmless. On PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED`` so any number of workers on
any number of machines share the outbox; SQLite serialises writers, so the same single
UPDATE … WHERE id IN (SELECT … LIMIT n) is atomic there. Every statement that touches a
claimed row is here, so the journal's join lands in one place.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.tables import DEAD, PENDING, SENT, JournalEntry, OutboxRow, utcnow


@dataclass(frozen=True)
class Claimed:
    id: int
    statement_id: str
    payload: str
    attempts: int  # tries that may have reached the LRS, this one included
    token: str  # the claim's token: settling touches only rows this claim still owns


def claim(
    sessions: sessionmaker[Session], destination_id: int, limit: int, lease_seconds: float
) -> list[Claimed]:
    """Lease up to ``limit`` due rows of a destination, oldest first; counts the attempt."""
    now = utcnow()
    token = secrets.token_hex(16)
    due = (
        select(OutboxRow.id)
        .where(
            OutboxRow.destination_id == destination_id,
            OutboxRow.status == PENDING,
            OutboxRow.next_attempt_at <= now,
            or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
        )
        .order_by(OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL; SQLite ignores it
    )
    query = (
        update(OutboxRow)
        .where(OutboxRow.id.in_(due.scalar_subquery()))
        .values(
            claimed_until=now + timedelta(seconds=lease_seconds),
            claim_token=token,
            attempts=OutboxRow.attempts + 1,
        )
        .returning(OutboxRow.id, OutboxRow.statement_id, OutboxRow.journal_id, OutboxRow.attempts)
        .execution_options(synchronize_session=False)
    )
    with sessions.begin() as session:
        claimed = session.execute(query).all()
        # The payload lives once, in the journal; read it for the claimed rows only.
        payloads: dict[int, str] = {
            entry_id: payload
            for entry_id, payload in session.execute(
                select(JournalEntry.id, JournalEntry.payload).where(
                    JournalEntry.id.in_([journal_id for _, _, journal_id, _ in claimed])
                )
            )
        }
        rows = [
            Claimed(row_id, statement_id, payloads[journal_id], attempts, token=token)
            for row_id, statement_id, journal_id, attempts in claimed
        ]
    rows.sort(key=lambda row: row.id)
    return rows


def renew(sessions: sessionmaker[Session], rows: Sequence[Claimed], lease_seconds: float) -> None:
    _update(sessions, rows, claimed_until=utcnow() + timedelta(seconds=lease_seconds))


@contextmanager
def kept(
    sessions: sessionmaker[Session], rows: Sequence[Claimed], lease_seconds: float
) -> Iterator[None]:
    """Renew the lease every third of it while the block runs (the batch is in flight), so
    the lease can be short — a killed worker's rows come back soon — yet a slow LRS or a
    long split never lets a second worker claim and re-send a batch still being delivered."""
    done = threading.Event()

    def keep() -> None:
        while not done.wait(lease_seconds / 3):
            renew(sessions, rows, lease_seconds)

    keeper = threading.Thread(target=keep, name="lrs-lease", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join()


def release(
    sessions: sessionmaker[Session], rows: Sequence[Claimed], counted: bool = False
) -> None:
    """Hand rows back unsent and due now. ``counted`` False: nothing reached the LRS, so the
    claim was not an attempt."""
    values: dict[str, Any] = {"claimed_until": None, "claim_token": None}
    if not counted:
        values["attempts"] = OutboxRow.attempts - 1
    _update(sessions, rows, **values)


def retry_later(
    sessions: sessionmaker[Session],
    rows: Sequence[Claimed],
    when: datetime,
    error: str,
    counted: bool = True,
) -> None:
    """Hand rows back, not due before ``when`` (the batch's own backoff)."""
    values: dict[str, Any] = {
        "claimed_until": None,
        "claim_token": None,
        "next_attempt_at": when,
        "last_error": error,
    }
    if not counted:
        values["attempts"] = OutboxRow.attempts - 1
    _update(sessions, rows, **values)


def settle(
    session: Session, sent: Sequence[Claimed], dead: Sequence[tuple[Claimed, str]] = ()
) -> None:
    """Mark rows sent, or dead with the LRS's message (in the caller's transaction)."""
    if sent:
        session.execute(
            update(OutboxRow)
            .where(owned(sent))
            .values(
                status=SENT, sent_at=utcnow(), claimed_until=None, claim_token=None, last_error=None
            )
            .execution_options(synchronize_session=False)
        )
    for row, message in dead:
        session.execute(
            update(OutboxRow)
            .where(owned([row]))
            .values(status=DEAD, claimed_until=None, claim_token=None, last_error=message)
            .execution_options(synchronize_session=False)
        )


def owned(rows: Sequence[Claimed]) -> ColumnElement[bool]:
    """The given rows, as long as the claim that produced them still owns them: a worker whose
    lease ran out (and whose rows another worker claimed) settles nothing."""
    tokens = {row.token for row in rows}
    return and_(OutboxRow.id.in_([row.id for row in rows]), OutboxRow.claim_token.in_(tokens))


def _update(sessions: sessionmaker[Session], rows: Sequence[Claimed], **values: Any) -> None:
    if not rows:
        return
    with sessions.begin() as session:
        session.execute(
            update(OutboxRow)
            .where(owned(rows))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
