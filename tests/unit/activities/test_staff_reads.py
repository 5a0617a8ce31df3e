"""The domain behind the instructor's pages: the stored roster (replace, failure keeps the
members, freshness), the roster joined with activity per learner, and rewording a placement
(kept in the settings' history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from activities.errors import Invalid, NotAllowed
from activities.reflection import operations
from activities.reflection import staff as reads
from activities.roster import CourseMember, RosterEntry, is_fresh, record_failure, store
from activities.settings import SettingChange, change_wording, history
from tests.factories import PlatformFactory, bind
from tests.unit.activities.conftest import LONG, World, later


def _entries(*subs: str) -> list[RosterEntry]:
    return [RosterEntry(sub, f"Name {sub}", None, ("Learner",)) for sub in subs]


def test_store_replaces_the_course_members_and_a_failure_keeps_them(world: World) -> None:
    pid = world.platform.id
    store(world.session, pid, "course-7", _entries("a", "b", "c"), now=later())
    fetch = store(world.session, pid, "course-7", _entries("b", "c", "d"), now=later(1))
    subs = world.session.scalars(select(CourseMember.user_sub).order_by(CourseMember.user_sub))
    assert list(subs) == ["b", "c", "d"]
    assert fetch.member_count == 3
    failed = record_failure(world.session, pid, "course-7", "The platform answered 503: down")
    assert failed is fetch
    assert failed.error == "The platform answered 503: down"
    assert failed.fetched_at == later(1)
    assert world.session.scalar(select(CourseMember.id).where(CourseMember.user_sub == "d"))
    assert is_fresh(failed, timedelta(minutes=5))
    assert not is_fresh(failed, timedelta(minutes=5), failed.attempted_at + timedelta(minutes=6))
    assert not is_fresh(None, timedelta(minutes=5))


def test_inactive_members_are_not_stored(world: World) -> None:
    gone = RosterEntry("gone", "Gone Learner", None, ("Learner",), active=False)
    store(world.session, world.platform.id, "course-7", [*_entries("here"), gone])
    assert list(world.session.scalars(select(CourseMember.user_sub))) == ["here"]


def test_learners_join_the_roster_with_activity_of_this_platform_only(world: World) -> None:
    with bind(world.session):
        other = PlatformFactory()
    store(world.session, world.platform.id, "course-7", _entries("learner-1", "learner-2"))
    store(world.session, other.id, "course-7", _entries("learner-1"))
    operations.post(world.session, world.learner(1), world.placement, world.visit, LONG)
    # The same sub on another platform posting in its own placement counts for nothing here.
    elsewhere = world.placement_on(other)
    operations.post(world.session, world.learner(2, platform=other), elsewhere, world.visit, LONG)
    page = reads.learners(world.session, world.staff(), world.placement)
    assert [(r.sub, r.reflections, r.started) for r in page.rows] == [
        ("learner-1", 1, True),
        ("learner-2", 0, False),
    ]
    assert reads.not_started_subs(world.session, world.staff(), world.placement) == ["learner-2"]
    counts = reads.counts(world.session, world.staff(), world.placement, roster=True)
    assert (counts.posted, counts.learners, counts.not_started) == (1, 2, 1)
    with pytest.raises(NotAllowed):
        reads.learners(world.session, world.learner(1), world.placement)


def test_rewording_is_checked_and_kept_in_the_history(world: World) -> None:
    staff = world.staff()
    rows = change_wording(world.session, staff, world.placement, title="  Week 2  ")
    assert [(r.name, r.old_value, r.new_value) for r in rows] == [
        ("title", "Week 1 reflection", "Week 2")
    ]
    assert change_wording(world.session, staff, world.placement, title="Week 2") == []
    with pytest.raises(Invalid) as refused:
        change_wording(world.session, staff, world.placement, prompt="x" * 4_001)
    assert refused.value.message == "Keep the prompt under %(limit)s characters."
    assert refused.value.params == {"limit": 4000}
    with pytest.raises(NotAllowed):
        change_wording(world.session, world.learner(1), world.placement, title="Mine")
    assert [c.name for c in history(world.session, world.placement)] == ["title"]
    assert world.session.scalars(select(SettingChange)).one().changed_by_name == "Grace Teacher"
