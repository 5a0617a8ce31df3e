"""What operators ask of the outbox: the journal's figures, counts per destination, and
reviving dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from lrs_client.tables import DEAD, PENDING, SENT, Destination, JournalEntry, OutboxRow, utcnow
from lrs_client.transport import redact_url


@dataclass(frozen=True)
class DestinationStatus:
    name: str
    endpoint: str
    xapi_version: str
    enabled: bool
    pending: int
    sent: int
    dead: int
    oldest_pending: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None
    retry_at: datetime | None
    leased: int = 0  # pending rows a worker holds right now (a batch in flight)
    lease_expires: datetime | None = None  # the last of those leases to run out

    @property
    def oldest_pending_age_seconds(self) -> float | None:
        if self.oldest_pending is None:
            return None
        return max(0.0, (utcnow() - self.oldest_pending).total_seconds())


@dataclass(frozen=True)
class JournalStatus:
    recorded: int  # every statement ever recorded
    unrouted: int  # recorded, not yet given to the destinations (the worker does it)
    undelivered: int  # routed when no destination was enabled: kept, waiting for a backfill


def journal_status(session: Session) -> JournalStatus:
    """The journal's figures. ``undelivered`` counts entries with no delivery row at all:
    statements recorded while no destination was enabled (a backfill gives them one)."""
    recorded = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    unrouted = (
        session.scalar(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.routed_at.is_(None))
        )
        or 0
    )
    undelivered = (
        session.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(
                JournalEntry.routed_at.is_not(None),
                ~exists().where(OutboxRow.journal_id == JournalEntry.id),
            )
        )
        or 0
    )
    return JournalStatus(int(recorded), int(unrouted), int(undelivered))


def status(session: Session) -> list[DestinationStatus]:
    """One line per destination: pending / sent / dead counts, oldest pending, last error."""
    counts = session.execute(
        select(
            OutboxRow.destination_id,
            OutboxRow.status,
            func.count(),
            func.min(OutboxRow.created_at),
        ).group_by(OutboxRow.destination_id, OutboxRow.status)
    ).all()
    now = utcnow()
    leases = {
        destination_id: (int(count), _aware(until))
        for destination_id, count, until in session.execute(
            select(OutboxRow.destination_id, func.count(), func.max(OutboxRow.claimed_until))
            .where(OutboxRow.status == PENDING, OutboxRow.claimed_until > now)
            .group_by(OutboxRow.destination_id)
        ).all()
    }
    by_destination: dict[int, dict[str, tuple[int, datetime | str | None]]] = {}
    for destination_id, state, count, first in counts:
        by_destination.setdefault(destination_id, {})[state] = (int(count), first)
    out = []
    for destination in session.scalars(select(Destination).order_by(Destination.name)):
        figures = by_destination.get(destination.id, {})
        oldest = _aware(figures.get(PENDING, (0, None))[1])
        leased, lease_expires = leases.get(destination.id, (0, None))
        out.append(
            DestinationStatus(
                name=destination.name,
                endpoint=redact_url(destination.endpoint),  # status is shown: no password
                xapi_version=destination.xapi_version,
                enabled=destination.enabled,
                pending=figures.get(PENDING, (0, None))[0],
                sent=figures.get(SENT, (0, None))[0],
                dead=figures.get(DEAD, (0, None))[0],
                oldest_pending=oldest,
                last_error=destination.last_error,
                last_error_at=destination.last_error_at,
                last_success_at=destination.last_success_at,
                retry_at=destination.retry_at,
                leased=leased,
                lease_expires=lease_expires,
            )
        )
    return out


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate of a timestamp column as an aware datetime (SQLite's come back as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class DeadLetter:
    """A statement the LRS refused, and why."""

    outbox_id: int
    statement_id: str
    destination: str
    created_at: datetime  # when the statement was queued
    attempts: int
    message: str  # the LRS's own words


def dead_letters(
    session: Session, destination: str | None = None, limit: int | None = None
) -> list[DeadLetter]:
    """The dead rows (with the LRS's message), newest first, at most ``limit`` of them."""
    query = (
        select(OutboxRow, Destination.name)
        .join(Destination, Destination.id == OutboxRow.destination_id)
        .where(OutboxRow.status == DEAD)
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    )
    if destination is not None:
        query = query.where(Destination.name == destination)
    return [
        DeadLetter(
            outbox_id=row.id,
            statement_id=row.statement_id,
            destination=name,
            created_at=row.created_at,
            attempts=row.attempts,
            message=row.last_error or "",
        )
        for row, name in session.execute(query).all()
    ]


def retry_dead(session: Session, destination: str | None = None) -> int:
    """Put dead rows back in the queue (after the statement or the LRS was fixed).
    Flushes without committing; returns how many rows were revived."""
    query = update(OutboxRow).where(OutboxRow.status == DEAD)
    if destination is not None:
        ids = select(Destination.id).where(Destination.name == destination).scalar_subquery()
        query = query.where(OutboxRow.destination_id == ids)
    result = session.execute(
        query.values(
            status=PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None
        ).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
