"""A registered LTI 1.3 platform (an LMS installation and the client id it gave us)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from activities.db import Base, UtcDateTime, utcnow

if TYPE_CHECKING:
    from lti_tool.models.deployment import Deployment


class Platform(Base):
    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The platform's ``iss`` (e.g. ``https://moodle.example.edu``).
    issuer: Mapped[str] = mapped_column(String(255))
    #: The client id the platform assigned to this tool.
    client_id: Mapped[str] = mapped_column(String(255))
    #: OIDC authorisation endpoint the login step redirects to.
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    #: OAuth2 token endpoint for AGS/NRPS access tokens.
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    #: ``aud`` of our client assertion when the platform wants something other than the token URL.
    auth_token_audience: Mapped[str | None] = mapped_column(String(1024), default=None)
    #: The platform's public JWKS URL (launch signatures are checked against it).
    key_set_url: Mapped[str] = mapped_column(String(1024))
    #: Further origins allowed to frame the tool (space-separated), beyond the issuer's and
    #: the login URL's: Canvas frames tools from the school's own domain while its issuer is
    #: shared by every school. Filled by dynamic registration or ``--frame-origin``.
    frame_origins: Mapped[str | None] = mapped_column(Text(), default=None)
    #: Human name shown to admins (``Moodle``, ``Canvas``…); optional.
    name: Mapped[str | None] = mapped_column(String(255), default=None)
    #: How it was registered: ``dynamic``, ``cli`` or ``sandbox``.
    source: Mapped[str] = mapped_column(String(32), default="cli")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: Set by ``platform remove`` on a registration that holds course data: its launches are
    #: refused, its placements kept, and ``platform add`` of the same issuer reactivates it.
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @property
    def frame_origin_list(self) -> list[str]:
        return (self.frame_origins or "").split()

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    def __repr__(self) -> str:
        return f"<Platform {self.issuer} client_id={self.client_id}>"
