"""Short-lived LTI records every web worker shares: OIDC login state, used nonces, launch data
and cached platform key sets. Used when no Redis is configured (see lti_tool.lti.launch_state).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from activities.db import Base, UtcDateTime, utcnow


class LaunchState(Base):
    __tablename__ = "lti_launch_state"

    #: ``<kind>:<id>``, e.g. ``state:…``, ``nonce:…``, ``launch:…``, ``jwks:…``; unique, so
    #: inserting a key that exists fails, which is how a nonce is consumed exactly once.
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: The record (JSON): the login's nonce and hints, a launch's claims, a key set…
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: After this the record is dead: readers ignore it and writers purge it.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
