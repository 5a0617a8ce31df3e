"""OAuth2 access tokens the platforms gave us for AGS/NRPS, shared by every worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activities.db import Base, UtcDateTime, utcnow


class ServiceToken(Base):
    __tablename__ = "service_token"
    __table_args__ = (UniqueConstraint("platform_id", "scopes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    #: The scopes asked for, sorted and space-separated: the cache key with the platform.
    scopes: Mapped[str] = mapped_column(String(1024))
    #: The bearer token. Short-lived (typically an hour); never logged.
    access_token: Mapped[str] = mapped_column(Text)
    #: When the platform said it expires; reused only until shortly before.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
