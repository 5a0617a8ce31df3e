"""Placement settings: defaults, validation, staff only, every change kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from activities.errors import Invalid, NotAllowed
from activities.placements import create
from activities.settings import (
    InvalidSettings,
    SettingChange,
    change_settings,
    read,
    validate_new,
)
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


def test_a_new_placement_s_settings_are_validated_all_at_once() -> None:
    with pytest.raises(InvalidSettings) as refused:
        validate_new(
            "reflection",
            {"min_words": -1, "reveal_rule": "after_date", "anonymity_allowed": "yes", "x": 1},
        )
    assert set(refused.value.by_name) == {"min_words", "reveal_at", "anonymity_allowed", "x"}
    assert refused.value.by_name["min_words"].text == "Enter a whole number from 0 to 1,000."


def test_a_grading_rule_that_asks_for_nothing_is_refused() -> None:
    with pytest.raises(InvalidSettings) as refused:
        validate_new("reflection", {"grade_reflections": 0, "grade_replies": 0})
    assert set(refused.value.by_name) == {"grade_reflections"}


def test_new_settings_are_stored_as_json() -> None:
    due = datetime(2026, 4, 1, 17, 0, tzinfo=UTC)
    assert validate_new("reflection", {"due_at": due, "grade_replies": 2}) == {
        "due_at": due.isoformat(),
        "grade_replies": 2,
    }


def test_a_placement_is_created_with_its_settings(world: World) -> None:
    due = datetime(2026, 4, 1, 17, 0, tzinfo=UTC)
    placement = create(
        world.session,
        world.staff(),
        world.visit,
        deployment_id="d-1",
        title="Week 2",
        prompt="How would you apply this in your next client meeting?",
        settings={"purpose": "For your next meeting", "due_at": due, "grade_replies": 2},
        score_maximum=10,
    )
    values = read(placement)
    assert (values["purpose"], values["due_at"], values["grade_replies"]) == (
        "For your next meeting",
        due,
        2,
    )
    assert values["min_words"] == 15  # the default fills the rest
    assert (placement.grading, placement.score_maximum) == (True, 10)
    assert world.session.scalars(select(SettingChange)).all() == []  # a creation, no change
    with pytest.raises(InvalidSettings):
        create(
            world.session,
            world.staff(),
            world.visit,
            deployment_id="d-1",
            title="Week 3",
            prompt="Why?",
            settings={"reveal_rule": "never"},
        )
