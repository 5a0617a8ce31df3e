"""A deployment of the tool on a platform (LTI ``deployment_id``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from activities.db import Base, UtcDateTime, utcnow

if TYPE_CHECKING:
    from lti_tool.models.platform import Platform


class Deployment(Base):
    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    #: The platform's ``https://purl.imsglobal.org/spec/lti/claim/deployment_id``.
    deployment_id: Mapped[str] = mapped_column(String(255))
    #: How we learnt of it: ``registration``, ``cli`` or ``launch`` (recorded on first launch).
    source: Mapped[str] = mapped_column(String(32), default="cli")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")
