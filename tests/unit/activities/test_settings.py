"""Placement settings: defaults, validation, staff only, every change kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from activities.errors import Invalid, NotAllowed
from activities.settings import SettingChange, change_settings, read
from tests import factories
from tests.factories import PlatformFactory
from tests.unit.activities.conftest import World


def test_defaults_of_a_reflection(world: World) -> None:
    values = read(world.placement)
    assert values["reveal_rule"] == "after_post"
    assert values["min_words"] == 15
    assert values["edit_window_minutes"] is None
    assert values["several_per_learner"] is False
    assert values["anonymity_allowed"] is False
    assert values["released"] is False
    assert values["purpose"] == ""
    assert values["due_at"] is None


def test_each_change_is_kept_with_who_when_old_and_new(world: World) -> None:
    staff = world.staff()
    due = datetime(2026, 4, 1, 17, 0, tzinfo=UTC)
    changes = change_settings(
        world.session, staff, world.placement, min_words=30, due_at=due, purpose="Why it matters"
    )
    assert {c.name for c in changes} == {"min_words", "due_at", "purpose"}
    world.session.commit()
    world.session.expire_all()
    values = read(world.placement)
    assert values["min_words"] == 30
    assert values["due_at"] == due
    rows = {r.name: r for r in world.session.scalars(select(SettingChange))}
    assert (rows["min_words"].old_value, rows["min_words"].new_value) == (15, 30)
    assert rows["min_words"].changed_by_sub == "teacher-1"
    assert rows["min_words"].changed_by_platform_id == world.platform.id
    assert rows["due_at"].new_value == due.isoformat()


def test_an_unchanged_value_is_not_history(world: World) -> None:
    assert change_settings(world.session, world.staff(), world.placement, min_words=15) == []
    assert world.session.scalars(select(SettingChange)).all() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"min_words": -1},
        {"min_words": "15"},
        {"min_words": True},
        {"reveal_rule": "whenever"},
        {"reveal_rule": "after_date"},  # without a date
        {"reveal_at": datetime(2026, 4, 1)},  # noqa: DTZ001  (naive on purpose)
        {"reveal_after_peers": 0},
        {"edit_window_minutes": 0},
        {"anonymity_allowed": "yes"},
        {"purpose": "x" * 2_001},
        {"colour": "blue"},
    ],
)
def test_bad_values_are_refused_and_nothing_changes(
    world: World, changes: dict[str, object]
) -> None:
    with pytest.raises(Invalid):
        change_settings(world.session, world.staff(), world.placement, **changes)
    assert read(world.placement)["min_words"] == 15
    assert world.session.scalars(select(SettingChange)).all() == []


def test_learners_and_other_platforms_cannot_change_settings(world: World) -> None:
    with pytest.raises(NotAllowed):
        change_settings(world.session, world.learner(1), world.placement, min_words=1)
    # Staff of another platform (which may reuse our course ids and subs) cannot either.
    with factories.bind(world.session):
        elsewhere = PlatformFactory()
    with pytest.raises(NotAllowed):
        change_settings(
            world.session, world.staff(platform=elsewhere), world.placement, min_words=1
        )
