"""Counters that every process reads to notice a change made by another one (a CLI command,
another web worker) at once, without polling the rows themselves."""

from __future__ import annotations

import itertools

from sqlalchemy import Integer, String, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from activities.db import Base
from lti_tool.models.platform import Platform

#: Bumped whenever a platform row is added, changed or removed (CSP ``frame-ancestors``).
PLATFORMS = "platforms"


class ChangeCounter(Base):
    __tablename__ = "change_counter"

    #: What changed (``platforms``).
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Incremented by every transaction that changes it.
    value: Mapped[int] = mapped_column(Integer, default=0)


def _platforms_changed(session: Session) -> bool:
    for row in (*session.new, *session.deleted):
        if isinstance(row, Platform):
            return True
    return any(isinstance(row, Platform) and session.is_modified(row) for row in session.dirty)


@event.listens_for(Session, "before_flush")
def _bump_on_platform_change(session: Session, _context: object, _instances: object) -> None:
    """Every change of a platform row, by any process or path (CLI, dynamic registration, the
    sandbox, a test), bumps the counter in the same transaction: the others see it on their
    next response, not after a cache expires."""
    if _platforms_changed(session):
        session.info["peerloop.platforms_changed"] = True


@event.listens_for(Session, "after_flush")
def _write_bump(session: Session, _context: object) -> None:
    if session.info.pop("peerloop.platforms_changed", False):
        session.connection().execute(
            update(ChangeCounter)
            .where(ChangeCounter.name == PLATFORMS)
            .values(value=ChangeCounter.value + 1)
        )
        session.info["peerloop.platforms_bumped"] = True


_local_commits = itertools.count(1)
#: Commits in this process that bumped the platforms counter: a cache of this process (the
#: CSP's) sees its own process's changes at once, without reading the counter.
local_platform_changes = 0


@event.listens_for(Session, "after_commit")
def _count_local_change(session: Session) -> None:
    global local_platform_changes  # one number per process, by design
    if session.info.pop("peerloop.platforms_bumped", False):
        local_platform_changes = next(_local_commits)


@event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop("peerloop.platforms_bumped", None)
