"""lrs_client's own tables (statement journal, destinations, per-destination outbox). Kept on
their own MetaData so this package stays a leaf; the app's Alembic environment migrates both
metadatas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from lrs_client.versions import DEFAULT_VERSION

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Outbox row states.
PENDING = "pending"
SENT = "sent"
DEAD = "dead"


class LrsBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


metadata = LrsBase.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on SQLite too (it hands back naive ones). Defined here because
    lrs_client imports none of our other packages; the domain and web layer use this one
    (``activities.db``)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Destination(LrsBase):
    """One LRS statements are delivered to, with its own credentials and delivery state."""

    __tablename__ = "lrs_destinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Operator's name for it; ``default`` is seeded from the PEERLOOP_LRS_* settings by
    # `peerloop db upgrade` and follows them again only through `peerloop lrs sync-settings`.
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # xAPI base URL, ending with a slash (statements live at endpoint + "statements").
    endpoint: Mapped[str] = mapped_column(String(2048))
    # Basic-auth credentials (the LRS's key and secret); empty means no Authorization header.
    username: Mapped[str] = mapped_column(String(255), default="")
    password: Mapped[str] = mapped_column(String(255), default="")
    # X-Experience-API-Version sent: one of lrs_client.versions.VERSIONS.
    xapi_version: Mapped[str] = mapped_column(String(8), default=DEFAULT_VERSION)
    # Disabled destinations get no new statements and their pending rows wait.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Consecutive failed deliveries; drives the destination's exponential backoff.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # No delivery to this destination before this time (backoff, Retry-After).
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The last delivery error (operator message) and when it happened, shown by `lrs status`.
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # When a batch was last accepted.
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class JournalEntry(LrsBase):
    """One recorded statement, kept whatever the destinations: append-only, written in the
    interaction's transaction. Delivery state lives beside it, in ``lrs_outbox``."""

    __tablename__ = "lrs_journal"
    __table_args__ = (
        # What routing looks for; partial, so it holds only the few rows not yet routed.
        Index(
            "ix_lrs_journal_unrouted",
            "id",
            postgresql_where=text("routed_at IS NULL"),
            sqlite_where=text("routed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The statement's own id (a UUID): recorded once, so a replay is a no-op.
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    # The statement as JSON text, exactly as it will be posted.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When routing gave it a delivery row per destination enabled then; NULL until then.
    routed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutboxRow(LrsBase):
    """The delivery of one journal statement to one destination."""

    __tablename__ = "lrs_outbox"
    __table_args__ = (
        # The same statement is queued once per destination, so a replay never doubles it.
        UniqueConstraint("destination_id", "statement_id"),
        # The dispatcher's claim: due pending rows of a destination, oldest first.
        Index("ix_lrs_outbox_due", "status", "destination_id", "next_attempt_at", "id"),
        # Status's "recorded with no enabled destination" looks delivery rows up by entry.
        Index("ix_lrs_outbox_journal_id", "journal_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("lrs_destinations.id", ondelete="CASCADE")
    )
    # The journal entry delivered (its payload is read from there, never copied).
    journal_id: Mapped[int] = mapped_column(BigId, ForeignKey("lrs_journal.id", ondelete="CASCADE"))
    # The statement's own id (a UUID), also the LRS's idempotency key; kept here too so the
    # unique (destination, statement id) pair makes routing and backfill exactly-once.
    statement_id: Mapped[str] = mapped_column(String(36))
    # pending → sent, or pending → dead (the LRS rejected it; `lrs retry-dead` revives it).
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    # Delivery attempts so far (incremented on each claim).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Not claimed again before this time (per-row backoff after a failed attempt).
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The lease: a worker owns the row until then; a killed worker's rows come back after it.
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Random token of the claim that owns the row, so a late worker cannot settle another's.
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Why the last attempt failed; for dead rows, the LRS's own message.
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
