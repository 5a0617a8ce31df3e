"""An activity an instructor placed in a course through Deep Linking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import Base
from lti_tool.models._time import UTCDateTime, utcnow


class Placement(Base):
    __tablename__ = "placement"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Opaque id we put in the deep-link item's ``custom`` (``peerloop_placement``); the
    #: resource link id is unknown until the platform's first launch of the new link.
    key: Mapped[str] = mapped_column(String(64))
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Placement {self.key} {self.title!r}>"
