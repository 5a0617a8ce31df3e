"""A course's roster as the platform last gave it (LTI NRPS), kept in our database.

Staff pages join it with what learners did (participation, who has not started) in SQL, so
it is a table rather than a cached blob: 3,000 learners are paged and searched by the
database, never loaded into a page. One ``RosterFetch`` row per course says when the roster
was last fetched and how the last attempt went; a failed fetch keeps the members it had.
The web layer fetches (it holds the LTI client); the domain stores and reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, delete, insert
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Mapped, Session, mapped_column

from activities.db import Base, UtcDateTime, utcnow


class CourseMember(Base):
    """One member of one course of one platform (course ids and subs repeat across them)."""

    __tablename__ = "course_member"
    __table_args__ = (
        UniqueConstraint("platform_id", "context_id", "user_sub"),
        # The participation page: a course's learners by name, keyset-paged.
        Index("ix_course_member_page", "platform_id", "context_id", "sort_name", "user_sub"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(Integer)
    #: The LTI context (course) id.
    context_id: Mapped[str] = mapped_column(String(255))
    #: The member's LTI ``sub`` (NRPS ``user_id``).
    user_sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    #: Short role names, space-separated ("Learner", "Instructor"…).
    roles: Mapped[str] = mapped_column(Text, default="")
    is_learner: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The name case-folded (or the sub when there is none): ordering and search by name
    #: behave alike on SQLite, whose lower() folds ASCII only, and PostgreSQL.
    sort_name: Mapped[str] = mapped_column(String(255))


class RosterFetch(Base):
    """The last roster fetch of a course: when it worked, and the last attempt's error."""

    __tablename__ = "roster_fetch"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(Integer)
    context_id: Mapped[str] = mapped_column(String(255))
    #: The last fetch that worked (the members are of that moment); None if none did.
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: The last attempt, successful or not (staleness is counted from it).
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: The platform's message when the last attempt failed; None when it worked.
    error: Mapped[str | None] = mapped_column(Text, default=None)
    member_count: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class RosterEntry:
    """A member as the platform described it (the web layer converts NRPS members)."""

    user_sub: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]
    active: bool = True


def sort_key(name: str | None, sub: str) -> str:
    return (name or sub).strip().casefold()[:255]


def last_fetch(session: Session, platform_id: int, context_id: str) -> RosterFetch | None:
    return session.scalars(
        sa_select(RosterFetch).where(
            RosterFetch.platform_id == platform_id, RosterFetch.context_id == context_id
        )
    ).first()


def is_fresh(fetch: RosterFetch | None, max_age: timedelta, now: datetime | None = None) -> bool:
    """Whether the last attempt is recent enough not to ask the platform again."""
    return fetch is not None and (now or utcnow()) - fetch.attempted_at < max_age


def _record(session: Session, platform_id: int, context_id: str) -> RosterFetch:
    fetch = last_fetch(session, platform_id, context_id)
    if fetch is None:
        fetch = RosterFetch(platform_id=platform_id, context_id=context_id)
        session.add(fetch)
    return fetch


def store(
    session: Session,
    platform_id: int,
    context_id: str,
    entries: Iterable[RosterEntry],
    *,
    now: datetime | None = None,
) -> RosterFetch:
    """Replace the course's members with ``entries`` (active ones; flushed)."""
    now = now or utcnow()
    rows: dict[str, dict[str, object]] = {}
    for entry in entries:
        if not entry.active:
            continue  # an inactive enrolment (dropped, suspended) is not in the course now
        rows[entry.user_sub] = {
            "platform_id": platform_id,
            "context_id": context_id,
            "user_sub": entry.user_sub[:255],
            "name": entry.name[:255] if entry.name else None,
            "email": entry.email[:255] if entry.email else None,
            "roles": " ".join(entry.roles),
            "is_learner": "Learner" in entry.roles,
            "sort_name": sort_key(entry.name, entry.user_sub),
        }
    session.execute(
        delete(CourseMember).where(
            CourseMember.platform_id == platform_id, CourseMember.context_id == context_id
        )
    )
    if rows:
        session.execute(insert(CourseMember), list(rows.values()))
    fetch = _record(session, platform_id, context_id)
    fetch.fetched_at = fetch.attempted_at = now
    fetch.error = None
    fetch.member_count = len(rows)
    session.flush()
    return fetch


def record_failure(
    session: Session, platform_id: int, context_id: str, error: str, *, now: datetime | None = None
) -> RosterFetch:
    """The platform refused or failed: keep the members, note the attempt and why (flushed)."""
    fetch = _record(session, platform_id, context_id)
    fetch.attempted_at = now or utcnow()
    fetch.error = error[:2_000]
    session.flush()
    return fetch
