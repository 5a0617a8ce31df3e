"""The last grade we sent (or failed to send) to the platform for one learner and placement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activities.db import Base, UtcDateTime, utcnow


class GradeSync(Base):
    __tablename__ = "grade_sync"
    __table_args__ = (UniqueConstraint("placement_id", "user_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    #: The learner's LTI ``sub`` (AGS ``userId``).
    user_sub: Mapped[str] = mapped_column(String(255))
    #: Score given and maximum of the last attempt.
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    #: ``sent`` or ``failed``: failures are kept and shown, never swallowed.
    status: Mapped[str] = mapped_column(String(16))
    #: The platform's message when it refused or could not be reached.
    message: Mapped[str | None] = mapped_column(Text, default=None)
    #: Timestamp of the last score sent: the next one must be strictly later (AGS rule).
    score_timestamp: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
