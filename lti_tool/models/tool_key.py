"""The tool's own RSA signing keys. Private keys live only here, never in files or logs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from activities.db import Base, UtcDateTime, utcnow


class ToolKey(Base):
    __tablename__ = "tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Key id published in the JWKS and put in the header of everything we sign.
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: PEM of the private key (PKCS#8). Never logged, never shown.
    private_pem: Mapped[str] = mapped_column(Text)
    #: The public half as a JWK (dict), as published at /lti/jwks.
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    #: ``current`` (signs) or ``retiring`` (still published until ``retire_after``).
    status: Mapped[str] = mapped_column(String(16), default="current")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: When a retiring key drops out of the JWKS.
    retire_after: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    def __repr__(self) -> str:
        return f"<ToolKey {self.kid} {self.status}>"
