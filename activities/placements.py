"""An activity an instructor placed in a course through Deep Linking: the table, how a
launch finds it, and the operations every kind of activity shares (placing, launching)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    false,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from activities import settings as placement_settings
from activities.db import Base, UtcDateTime, utcnow
from activities.errors import N_, Invalid, NotAllowed, NotFound
from activities.people import Participant
from activities.recording import Visit, record_launch, record_placement_created
from xapi.inputs import ActivityKind

#: The kinds of activity that can be placed today; each has its package under ``activities``.
KINDS: tuple[ActivityKind, ...] = ("reflection",)


class Placement(Base):
    __tablename__ = "placement"
    __table_args__ = (
        UniqueConstraint("key"),
        # One placement per link of a course: two first launches of a copy make one copy.
        Index("ux_placement_link", "platform_id", "context_id", "resource_link_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Opaque id we put in the deep-link item's ``custom`` (``peerloop_placement``); the
    #: resource link id is unknown until the platform's first launch of the new link.
    key: Mapped[str] = mapped_column(String(64))
    #: Which activity this is (one of ``KINDS``).
    kind: Mapped[ActivityKind] = mapped_column(
        String(32), default="reflection", server_default="reflection"
    )
    #: The platform the instructor placed it from.
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    #: The platform's ``deployment_id`` of the deep-linking launch.
    deployment_id: Mapped[str] = mapped_column(String(255))
    #: The course (LTI context id) it was placed in.
    context_id: Mapped[str | None] = mapped_column(String(255), default=None)
    #: LTI resource link id, recorded on the first resource-link launch that carries our key.
    resource_link_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    #: Title shown in the course and on the activity page.
    title: Mapped[str] = mapped_column(String(255))
    #: The question learners answer.
    prompt: Mapped[str] = mapped_column(Text)
    #: The instructor's choices for this placement (activities.settings: defaults fill what
    #: is absent; change them with ``change_settings`` so each change is kept).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    #: Whether the instructor asked for participation to be graded in the LMS gradebook: only
    #: then does the deep-link item carry a ``lineItem`` and may a line item be created. Which
    #: line item a score goes to always comes from the launch (its AGS claim), never from
    #: here: a course copy has its own gradebook.
    grading: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The most a score can be, when grading.
    score_maximum: Mapped[float | None] = mapped_column(Float, default=None)
    #: The placement this one was copied from (an LMS course copy or duplicated link that
    #: carried its key into another course or resource link); settings only, no learner data.
    #: (An id without a foreign key: see migration 0005.)
    origin_id: Mapped[int | None] = mapped_column(default=None, index=True)
    #: ``sub`` of the instructor who placed it.
    created_by_sub: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: The first launch of its link; until then the placement is *pending* (the instructor may
    #: have cancelled the LMS's form after the picker, leaving it an orphan).
    first_launched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    @property
    def is_pending(self) -> bool:
        return self.first_launched_at is None

    def __repr__(self) -> str:
        return f"<Placement {self.key} {self.title!r}>"


NOT_FOUND = N_(
    "This link does not lead to a Peerloop activity. An instructor can add one with "
    "the LMS's “add external tool” (Deep Linking) option."
)


def _not_found() -> NotFound:
    return NotFound(NOT_FOUND, code="placement_not_found")


#: Every launch and page reads its placement by key: the statement is built once (its
#: compiled form is cached), not on each call.
_KEYED = select(Placement).where(
    Placement.platform_id == bindparam("platform_id"), Placement.key == bindparam("key")
)


def _is_own(placement: Placement, context_id: str | None, resource_link_id: str | None) -> bool:
    """Whether a launch from this course and link is the placement's own: its link, or its
    first launch (not linked yet) from the course it was placed in."""
    if placement.resource_link_id is None:
        return placement.context_id in (None, context_id)
    return (placement.context_id, placement.resource_link_id) == (context_id, resource_link_id)


def _copy_of(
    session: Session,
    origin: Placement,
    context_id: str | None,
    resource_link_id: str | None,
) -> Placement | None:
    return session.scalars(
        select(Placement).where(
            Placement.origin_id == origin.id,
            Placement.platform_id == origin.platform_id,
            Placement.context_id == context_id,
            Placement.resource_link_id == resource_link_id,
        )
    ).first()


def _keyed(session: Session, platform_id: int, key: str) -> Placement | None:
    return session.scalars(_KEYED, {"platform_id": platform_id, "key": key}).first()


def find(
    session: Session,
    platform_id: int,
    *,
    key: str | None = None,
    context_id: str | None = None,
    resource_link_id: str | None = None,
) -> Placement:
    """The placement a launch of ``platform_id`` from course ``context_id`` and link
    ``resource_link_id`` opens (reads only; NotFound when there is none).

    By our key (the deep-link item's custom value) when the launch carries one: the keyed
    placement if the course and link are its own, else its copy there (an LMS course copy
    or duplicated link carries the key along; see ``for_launch``). Without a key, by the
    platform's resource link id in that course.
    """
    if key:
        origin = _keyed(session, platform_id, key)
        if origin is not None and _is_own(origin, context_id, resource_link_id):
            return origin
        copy = _copy_of(session, origin, context_id, resource_link_id) if origin else None
        if copy is None:
            raise _not_found()
        return copy
    placement = None
    if resource_link_id:
        placement = session.scalars(
            select(Placement).where(
                Placement.platform_id == platform_id,
                Placement.context_id == context_id,
                Placement.resource_link_id == resource_link_id,
            )
        ).first()
    if placement is None:
        raise _not_found()
    return placement


def for_launch(
    session: Session,
    platform_id: int,
    *,
    key: str | None,
    context_id: str | None,
    resource_link_id: str | None,
    deployment_id: str,
) -> Placement:
    """Like ``find``, and a key seen from a course or link that is not its placement's own
    becomes a copy there (flushed): the placement's settings, none of its learner data, its
    origin remembered. Grades of the copy then go to the copy's own course."""
    try:
        return find(
            session,
            platform_id,
            key=key,
            context_id=context_id,
            resource_link_id=resource_link_id,
        )
    except NotFound:
        origin = _keyed(session, platform_id, key) if key else None
        if origin is None or not resource_link_id:
            raise
    copy = Placement(
        key=uuid.uuid4().hex,
        kind=origin.kind,
        platform_id=platform_id,
        deployment_id=deployment_id,
        context_id=context_id,
        resource_link_id=resource_link_id,
        title=origin.title,
        prompt=origin.prompt,
        settings=dict(origin.settings),
        grading=origin.grading,
        score_maximum=origin.score_maximum,
        origin_id=origin.id,
        created_by_sub=origin.created_by_sub,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(copy)
    except IntegrityError:
        # The course's first learners arrived together: the first one's copy wins.
        found = _copy_of(session, origin, context_id, resource_link_id)
        if found is None:
            raise
        return found
    return copy


def create(
    session: Session,
    person: Participant,
    visit: Visit,
    *,
    deployment_id: str,
    title: str,
    prompt: str,
    kind: ActivityKind = "reflection",
    score_maximum: float | None = None,
    resource_link_id: str | None = None,
    settings: Mapping[str, object] | None = None,
) -> Placement:
    """An instructor placed an activity in the visit's course (flushed, ``shared`` recorded);
    graded out of ``score_maximum`` when one is given. Pending until its first launch.
    ``resource_link_id`` ties it to an existing link of the course set up in place (a link
    added without Deep Linking), which launches find it by. ``settings`` are the instructor's
    choices (``activities.settings``), validated there: InvalidSettings names each bad one."""
    if not person.is_staff:
        raise NotAllowed(
            N_("Only instructors of this course can add activities."), code="not_staff"
        )
    if kind not in KINDS:
        raise Invalid(N_("Choose a kind of activity."), code="no_such_kind")
    stored = placement_settings.validate_new(kind, settings or {})
    placement = Placement(
        key=uuid.uuid4().hex,
        kind=kind,
        platform_id=person.platform_id,
        deployment_id=deployment_id,
        context_id=visit.course_id,
        resource_link_id=resource_link_id,
        title=title,
        prompt=prompt,
        settings=stored,
        grading=score_maximum is not None,
        score_maximum=score_maximum,
        created_by_sub=person.sub,
        created_at=utcnow(),
    )
    session.add(placement)
    session.flush()
    record_placement_created(session, person, placement, visit)
    return placement


def launched(
    session: Session, person: Participant | None, placement: Placement, visit: Visit
) -> None:
    """A resource-link launch opened ``placement``: on its first launch remember the link and
    that it is no longer pending; record ``launched`` (nothing for an anonymous launch).
    Flushes; the caller commits."""
    if placement.resource_link_id is None and visit.resource_link_id:
        placement.resource_link_id = visit.resource_link_id
        placement.context_id = placement.context_id or visit.course_id
    if placement.first_launched_at is None:
        placement.first_launched_at = utcnow()
    if person is not None:
        record_launch(session, person, placement, visit)
    session.flush()


def pending(session: Session, platform_id: int, context_id: str | None) -> list[Placement]:
    """The course's placements nobody has launched yet, newest first."""
    return list(
        session.scalars(
            select(Placement)
            .where(
                Placement.platform_id == platform_id,
                Placement.context_id == context_id,
                Placement.first_launched_at.is_(None),
            )
            .order_by(Placement.created_at.desc(), Placement.id.desc())
        )
    )


def stale_pending(session: Session, older_than: timedelta) -> list[Placement]:
    """Pending placements created more than ``older_than`` ago: orphans of a cancelled LMS
    form, or links nobody opened. One with copies is kept (its key still lives in other
    courses)."""
    copied = select(Placement.origin_id).where(Placement.origin_id.is_not(None))
    return list(
        session.scalars(
            select(Placement)
            .where(
                Placement.first_launched_at.is_(None),
                Placement.created_at < utcnow() - older_than,
                Placement.id.not_in(copied),
            )
            .order_by(Placement.created_at, Placement.id)
        )
    )


def remove_pending(session: Session, rows: list[Placement]) -> int:
    """Delete pending placements (flushed); a launched one is never deleted here."""
    removed = 0
    for row in rows:
        if row.is_pending:
            session.delete(row)
            removed += 1
    session.flush()
    return removed
