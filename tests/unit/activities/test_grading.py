"""Participation grading: the rule's score at each edge, and the queue a changed score goes
to (one row per learner, the latest wins, nothing when unchanged or grading is off)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from activities import grading
from activities.errors import NotAllowed
from activities.grading import PENDING, Progress, QueuedScore, Rule
from activities.reflection import operations as ops
from activities.reflection.models import Reflection
from activities.settings import change_settings
from tests.unit.activities.conftest import LONG, World, later

ENDPOINT = {
    "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
    "lineitems": "https://lms.test/api/courses/course-7/lineitems",
}


@pytest.fixture
def graded(world: World) -> World:
    """The world's placement graded out of 10 for 1 reflection and 2 replies to peers, peers
    visible to all (so replies need no post first), and launches that offer AGS."""
    world.placement.grading, world.placement.score_maximum = True, 10.0
    change_settings(
        world.session, world.staff(), world.placement, grade_reflections=1, grade_replies=2,
        several_per_learner=True, reveal_rule="on_release", released=True,
    )  # fmt: skip
    world.visit = replace(world.visit, ags_endpoint=ENDPOINT, resource_link_id="link-1")
    return world


def _post(world: World, n: int, minutes: float = 0) -> Reflection:
    return ops.post(
        world.session, world.learner(n), world.placement, world.visit, f"{LONG} ({minutes})",
        now=later(minutes),
    )  # fmt: skip


def _reply(world: World, n: int, to: Reflection, minutes: float = 0) -> None:
    ops.reply(
        world.session, world.learner(n), world.placement, world.visit, to.id,
        f"A reply at {minutes}.", now=later(minutes),
    )  # fmt: skip


def _rows(world: World) -> list[QueuedScore]:
    world.session.flush()
    return list(world.session.scalars(select(QueuedScore).order_by(QueuedScore.id)))


def _score(world: World, n: int) -> float | None:
    rows = [row for row in _rows(world) if row.user_sub == f"learner-{n}"]
    return rows[0].score_given if rows else None


# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (Progress(0, 0), 0.0),  # nothing done
        (Progress(1, 0), 3.33),  # 1 of 3 items
        (Progress(0, 1), 3.33),
        (Progress(1, 1), 6.67),  # partial: 2 of 3
        (Progress(1, 2), 10.0),  # exactly full
        (Progress(3, 5), 10.0),  # over: capped at full marks
        (Progress(0, 5), 6.67),  # extra replies do not make up for the missing reflection
    ],
)
def test_the_rule_gives_a_proportional_share_capped_per_requirement(
    done: Progress, expected: float
) -> None:
    assert grading.score(Rule(reflections=1, replies=2, maximum=10), done) == expected


def test_a_rule_asking_for_nothing_gives_full_marks() -> None:
    assert grading.score(Rule(0, 0, 20), Progress(0, 0)) == 20


def test_no_rule_when_grading_is_off(world: World) -> None:
    assert grading.rule_for(world.placement) is None
    world.placement.grading = True
    assert grading.rule_for(world.placement) == Rule(1, 0, grading.DEFAULT_MAXIMUM)


# --- evaluation and the queue ------------------------------------------------------------------


def test_nothing_is_queued_when_grading_is_off(world: World) -> None:
    world.visit = replace(world.visit, ags_endpoint=ENDPOINT)
    _post(world, 1)
    _reply(world, 1, _post(world, 2))
    assert grading.evaluate(world.session, world.learner(1), world.placement, world.visit) is None
    assert _rows(world) == []


def test_a_changed_score_queues_one_row_carrying_the_launch(graded: World) -> None:
    _post(graded, 1)
    [row] = _rows(graded)
    assert (row.user_sub, row.user_name, row.score_given, row.score_maximum) == (
        "learner-1",
        "Learner 1",
        3.33,
        10.0,
    )
    assert (row.status, row.attempts, row.endpoint, row.resource_link_id) == (
        PENDING,
        0,
        ENDPOINT,
        "link-1",
    )
    assert row.next_attempt_at is not None


def test_an_unchanged_score_queues_nothing(graded: World) -> None:
    peer = _post(graded, 2)
    _reply(graded, 1, peer)
    _reply(graded, 1, peer, minutes=1)
    [*_, row] = _rows(graded)
    row.status = grading.SENT  # the worker sent it
    graded.session.flush()
    # A third reply is over the rule's two: the score stays, the sent row is left alone.
    _reply(graded, 1, peer, minutes=2)
    graded.session.expire_all()
    assert (_score(graded, 1), [r.status for r in _rows(graded) if r.user_sub == "learner-1"]) == (
        6.67,
        [grading.SENT],
    )


def test_the_latest_score_wins_in_one_row_per_learner(graded: World) -> None:
    peer = _post(graded, 2)
    _post(graded, 1)
    assert _score(graded, 1) == 3.33
    _reply(graded, 1, peer, minutes=1)
    assert _score(graded, 1) == 6.67
    _reply(graded, 1, peer, minutes=2)
    assert _score(graded, 1) == 10.0
    assert [row.user_sub for row in _rows(graded)] == ["learner-2", "learner-1"]


def test_a_score_being_sent_when_it_changes_goes_again(graded: World) -> None:
    peer = _post(graded, 2)
    _post(graded, 1)
    [_, row] = _rows(graded)
    row.status, row.claim_token, row.attempts = grading.SENDING, "a-worker", 1
    graded.session.flush()
    _reply(graded, 1, peer)
    assert (row.status, row.claim_token, row.attempts, row.score_given) == (
        PENDING,
        None,
        0,
        6.67,
    )


def test_a_removed_reflection_no_longer_counts(graded: World) -> None:
    mine = _post(graded, 1)
    assert _score(graded, 1) == 3.33
    # Removed by staff: the author's score follows (staff are never graded themselves).
    ops.delete(graded.session, graded.staff(), graded.placement, graded.visit, mine.id)
    assert _score(graded, 1) == 0.0
    assert [row.user_sub for row in _rows(graded)] == ["learner-1"]


def test_replies_to_ones_own_reflection_are_not_replies_to_peers(graded: World) -> None:
    mine = _post(graded, 1)
    _reply(graded, 1, mine)
    assert _score(graded, 1) == 3.33


def test_no_row_for_nothing_done_and_none_for_staff(graded: World) -> None:
    assert (
        grading.evaluate(graded.session, graded.learner(1), graded.placement, graded.visit) is None
    )
    ops.post(graded.session, graded.staff(), graded.placement, graded.visit, LONG)
    assert _rows(graded) == []


def test_a_rule_of_nothing_gives_full_marks_on_the_first_evaluation(graded: World) -> None:
    change_settings(
        graded.session, graded.staff(), graded.placement, grade_reflections=0, grade_replies=0
    )
    row = grading.evaluate(graded.session, graded.learner(1), graded.placement, graded.visit)
    assert row is not None
    assert row.score_given == 10.0


def test_without_ags_the_score_waits_as_failed_with_a_reason(graded: World) -> None:
    graded.visit = replace(graded.visit, ags_endpoint=None)
    _post(graded, 1)
    [row] = _rows(graded)
    assert (row.status, row.next_attempt_at, row.last_message) == (
        grading.FAILED,
        None,
        grading.NO_AGS,
    )
    # A later launch that offers AGS brings the endpoint, and the next change goes.
    graded.visit = replace(graded.visit, ags_endpoint=ENDPOINT)
    _reply(graded, 1, _post(graded, 2))
    assert (row.status, row.endpoint, row.last_message) == (PENDING, ENDPOINT, None)


def test_resend_all_makes_every_row_due_again_and_is_for_staff(graded: World) -> None:
    _post(graded, 1)
    _post(graded, 2)
    for row in _rows(graded):
        row.status, row.attempts, row.next_attempt_at = grading.FAILED, 4, None
    graded.session.flush()
    with pytest.raises(NotAllowed):
        grading.resend_all(graded.session, graded.learner(1), graded.placement)
    assert grading.resend_all(graded.session, graded.staff(), graded.placement) == 2
    assert [(row.status, row.attempts) for row in _rows(graded)] == [(PENDING, 0), (PENDING, 0)]
    assert all(row.next_attempt_at is not None for row in _rows(graded))
