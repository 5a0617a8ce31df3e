"""An activity an instructor placed in a course through Deep Linking: the table, how a
launch finds it, and the operations every kind of activity shares (placing, launching)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from activities.db import Base, UtcDateTime, utcnow
from activities.errors import NotAllowed, NotFound
from activities.people import Participant
from activities.recording import Visit, record_launch, record_placement_created
from xapi.inputs import ActivityKind

#: The kinds of activity that can be placed today; each has its package under ``activities``.
KINDS: tuple[ActivityKind, ...] = ("reflection",)


class Placement(Base):
    __tablename__ = "placement"
    __table_args__ = (UniqueConstraint("key"),)

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
    #: AGS line item URL the placement's grades go to, once known or created.
    lineitem_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    #: ``sub`` of the instructor who placed it.
    created_by_sub: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Placement {self.key} {self.title!r}>"


def link_resource(placement: Placement, resource_link_id: str | None) -> bool:
    """Remember the platform's resource link id on the first launch of a new link (flushes
    nothing: the caller's flush or commit does). True when it changed."""
    if placement.resource_link_id is None and resource_link_id:
        placement.resource_link_id = resource_link_id
        return True
    return False


def find(
    session: Session,
    platform_id: int,
    *,
    key: str | None = None,
    resource_link_id: str | None = None,
) -> Placement:
    """The placement a launch of ``platform_id`` points at: by our key (the deep-link item's
    custom value) when it carries one, else by the platform's resource link id."""
    query = select(Placement).where(Placement.platform_id == platform_id)
    placement = None
    if key:
        placement = session.scalars(query.where(Placement.key == key)).first()
    elif resource_link_id:
        placement = session.scalars(
            query.where(Placement.resource_link_id == resource_link_id)
        ).first()
    if placement is None:
        raise NotFound(
            "This link does not lead to a Peerloop activity. An instructor can add one with "
            "the LMS's “add external tool” (Deep Linking) option.",
            code="placement_not_found",
        )
    return placement


def create(
    session: Session,
    person: Participant,
    visit: Visit,
    *,
    deployment_id: str,
    title: str,
    prompt: str,
    kind: ActivityKind = "reflection",
    resource_link_id: str | None = None,
) -> Placement:
    """An instructor placed an activity in the visit's course (flushed, ``shared`` recorded).
    ``resource_link_id`` ties it to an existing link of the course set up in place (a link
    added without Deep Linking), which launches find it by."""
    if not person.is_staff:
        raise NotAllowed("Only instructors of this course can add activities.", code="not_staff")
    placement = Placement(
        key=uuid.uuid4().hex,
        kind=kind,
        platform_id=person.platform_id,
        deployment_id=deployment_id,
        context_id=visit.course_id,
        resource_link_id=resource_link_id,
        title=title,
        prompt=prompt,
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
    """A resource-link launch opened ``placement``: remember the link on its first launch and
    record ``launched`` (nothing for an anonymous launch). Flushes; the caller commits."""
    link_resource(placement, visit.resource_link_id)
    if person is not None:
        record_launch(session, person, placement, visit)
    session.flush()
