"""Counters that every process reads to notice a change made by another one (a CLI command,
another web worker) at once, without polling the rows themselves."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from activities.db import Base

#: Bumped whenever a platform row is added, changed or removed (CSP ``frame-ancestors``).
PLATFORMS = "platforms"


class ChangeCounter(Base):
    __tablename__ = "change_counter"

    #: What changed (``platforms``).
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Incremented by every transaction that changes it.
    value: Mapped[int] = mapped_column(Integer, default=0)
