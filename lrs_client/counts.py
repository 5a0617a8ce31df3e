"""Counts the dispatcher's callers show (`lrs flush` counts down the first)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs_client.tables import PENDING, Destination, OutboxRow


def pending_count(session: Session) -> int:
    """Rows still to deliver to enabled destinations."""
    query = (
        select(func.count())
        .select_from(OutboxRow)
        .join(Destination, Destination.id == OutboxRow.destination_id)
        .where(OutboxRow.status == PENDING, Destination.enabled.is_(True))
    )
    return int(session.scalar(query) or 0)
