"""From the journal to the outbox: routing new entries, and backfilling a destination.

Recording only appends to the journal (one INSERT, cheap and never dependent on the
destinations); routing, run by the dispatcher, gives each entry one delivery row per
destination enabled at that moment. Entries are found by ``routed_at IS NULL`` rather than by
a "highest id seen" cursor: PostgreSQL commits transactions out of id order, so a cursor
would skip an entry whose transaction committed after a later one's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.tables import PENDING, Destination, JournalEntry, OutboxRow, utcnow

ROUTE_BATCH = 500
BACKFILL_BATCH = 1000
INSERT_CHUNK = 1000  # rows × 7 parameters


def _insert_deliveries(session: Session, rows: list[dict[str, object]]) -> int:
    """Insert delivery rows, skipping the (destination, statement) pairs that exist."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = 0
    # Multi-row INSERTs whose RETURNING says how many were new (row counts are not reliable
    # across drivers), in chunks that stay below SQLite's limit of bound parameters.
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        statement = insert(OutboxRow).values(chunk).on_conflict_do_nothing()
        created += len(session.execute(statement.returning(OutboxRow.id)).all())
    return created


def _delivery(
    destination_id: int, journal_id: int, statement_id: str, now: datetime
) -> dict[str, object]:
    return {
        "destination_id": destination_id,
        "journal_id": journal_id,
        "statement_id": statement_id,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def route(session: Session, limit: int = ROUTE_BATCH) -> int:
    """Route up to ``limit`` unrouted entries to the destinations enabled now; flushes,
    does not commit (the caller's commit makes marking and delivery rows one step).
    Returns how many entries were routed (0: nothing was waiting)."""
    now = utcnow()
    # Mark first, in one statement: on PostgreSQL the subquery's SKIP LOCKED lets several
    # workers route side by side; on SQLite the UPDATE takes the write lock at once, so two
    # routers never both read the same entries before writing.
    unrouted = (
        select(JournalEntry.id)
        .where(JournalEntry.routed_at.is_(None))
        .order_by(JournalEntry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    marked = session.execute(
        update(JournalEntry)
        .where(JournalEntry.id.in_(unrouted.scalar_subquery()))
        .values(routed_at=now)
        .returning(JournalEntry.id, JournalEntry.statement_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not marked:
        return 0
    destinations = session.scalars(
        select(Destination.id).where(Destination.enabled.is_(True))
    ).all()
    # No destination enabled: the entry is routed to none and stays in the journal, counted
    # by `lrs status` until a destination is backfilled with it.
    _insert_deliveries(
        session,
        [
            _delivery(destination_id, journal_id, statement_id, now)
            for journal_id, statement_id in marked
            for destination_id in destinations
        ],
    )
    return len(marked)


def route_waiting(sessions: sessionmaker[Session]) -> int:
    """Route every entry waiting, one committed batch at a time (``lrs flush`` does it before
    counting). Returns how many entries were routed."""
    total = 0
    while True:
        with sessions.begin() as session:
            routed = route(session)
        if not routed:
            return total
        total += routed


def backfill_scope(session: Session, since: datetime | None = None) -> int:
    """How many journal entries a backfill ``since`` that time looks at."""
    query = select(func.count()).select_from(JournalEntry)
    if since is not None:
        query = query.where(JournalEntry.created_at >= since)
    return int(session.scalar(query) or 0)


def backfill(
    session: Session,
    destination: str,
    since: datetime | None = None,
    batch_size: int = BACKFILL_BATCH,
) -> Iterator[tuple[int, int]]:
    """Give ``destination`` a delivery row for every journal entry (created at or after
    ``since``) it lacks, ``batch_size`` entries at a time so memory stays flat. Yields
    (entries looked at, delivery rows created) per batch after flushing it; the caller may
    commit between batches: each is complete on its own, and the unique (destination,
    statement id) pair makes a re-run or a concurrent routing add nothing twice.
    Raises LookupError for an unknown destination."""
    destination_id = session.scalar(select(Destination.id).where(Destination.name == destination))
    if destination_id is None:
        raise LookupError(destination)
    after = 0
    while True:
        # Walking by id is safe here, unlike for routing: an entry committed during the walk
        # is not routed yet, and routing gives it to the destination (if enabled).
        query = select(JournalEntry.id, JournalEntry.statement_id).where(JournalEntry.id > after)
        if since is not None:
            query = query.where(JournalEntry.created_at >= since)
        entries = session.execute(query.order_by(JournalEntry.id).limit(batch_size)).all()
        if not entries:
            return
        now = utcnow()
        created = _insert_deliveries(
            session,
            [
                _delivery(destination_id, entry_id, statement_id, now)
                for entry_id, statement_id in entries
            ],
        )
        after = entries[-1][0]
        yield len(entries), created
