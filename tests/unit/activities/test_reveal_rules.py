"""The four reveal rules and their edges: what hides peers, why, and what unlocks them."""

from __future__ import annotations

from activities.reflection import operations as ops
from activities.reflection.queries import can_see_peers, peers_page
from activities.settings import change_settings
from tests.unit.activities.conftest import LONG, T0, World, later


def _post(world: World, n: int, body: str = LONG, minutes: float = 0) -> int:
    reflection = ops.post(
        world.session, world.learner(n), world.placement, world.visit, body, now=later(minutes)
    )
    return reflection.id


def _set(world: World, **changes: object) -> None:
    change_settings(world.session, world.staff(), world.placement, **changes)


def test_after_post_hides_until_the_learner_posts(world: World) -> None:
    _post(world, 2)
    me = world.learner(1)
    access = can_see_peers(world.session, me, world.placement, later(1))
    assert (access.visible, access.reason) == (False, "not_posted")
    _post(world, 1, minutes=1)
    assert can_see_peers(world.session, me, world.placement, later(2)).reason == "posted"


def test_a_placeholder_below_the_minimum_does_not_unlock(world: World) -> None:
    _post(world, 2)
    me = world.learner(1)
    _post(world, 1, "ok fine", minutes=1)
    access = can_see_peers(world.session, me, world.placement, later(2))
    assert (access.visible, access.reason, access.words_needed) == (False, "too_short", 13)


def test_exactly_the_minimum_unlocks(world: World) -> None:
    _set(world, min_words=5)
    _post(world, 1, "one two three four five")
    assert can_see_peers(world.session, world.learner(1), world.placement, later(1)).visible
    _post(world, 2, "one two three four")
    assert not can_see_peers(world.session, world.learner(2), world.placement, later(1)).visible


def test_after_n_peers_edge(world: World) -> None:
    _set(world, reveal_rule="after_peers", reveal_after_peers=2)
    _post(world, 1)
    me = world.learner(1)
    assert can_see_peers(world.session, me, world.placement, later(1)).peers_needed == 2
    _post(world, 2)
    access = can_see_peers(world.session, me, world.placement, later(1))
    assert (access.visible, access.reason, access.peers_needed) == (
        False, "waiting_for_peers", 1,
    )  # fmt: skip
    _post(world, 3)  # exactly N peers
    assert can_see_peers(world.session, me, world.placement, later(1)).reason == "enough_peers"


def test_after_n_peers_still_needs_ones_own_post(world: World) -> None:
    _set(world, reveal_rule="after_peers", reveal_after_peers=1)
    _post(world, 2)
    _post(world, 3)
    assert can_see_peers(world.session, world.learner(1), world.placement).reason == "not_posted"


def test_after_date_edge(world: World) -> None:
    _set(world, reveal_rule="after_date", reveal_at=later(60))
    me = world.learner(1)
    before = can_see_peers(world.session, me, world.placement, later(59, 59))
    assert (before.visible, before.reason, before.unlocks_at) == (False, "before_date", later(60))
    assert can_see_peers(world.session, me, world.placement, later(60)).reason == "date_passed"


def test_release_then_unrelease(world: World) -> None:
    _set(world, reveal_rule="on_release")
    _post(world, 1)
    me, staff = world.learner(1), world.staff()
    assert can_see_peers(world.session, me, world.placement).reason == "not_released"
    assert ops.release(world.session, staff, world.placement, world.visit)
    assert can_see_peers(world.session, me, world.placement).reason == "released"
    assert not ops.release(world.session, staff, world.placement, world.visit)  # already
    assert ops.unrelease(world.session, staff, world.placement, world.visit)
    assert can_see_peers(world.session, me, world.placement).reason == "not_released"


def test_changing_the_rule_takes_effect_at_once(world: World) -> None:
    _post(world, 1)
    me = world.learner(1)
    assert can_see_peers(world.session, me, world.placement, later(1)).visible
    _set(world, reveal_rule="on_release")
    assert not can_see_peers(world.session, me, world.placement, later(1)).visible


def test_edit_window_edge(world: World) -> None:
    _set(world, edit_window_minutes=10)
    _post(world, 1)
    me = world.learner(1)
    inside = can_see_peers(world.session, me, world.placement, later(9, 59))
    assert (inside.visible, inside.reason, inside.unlocks_at) == (False, "edit_window", later(10))
    assert can_see_peers(world.session, me, world.placement, later(10)).visible


def test_deleting_ones_reflection_hides_peers_again(world: World) -> None:
    _post(world, 2)
    mine = _post(world, 1)
    me = world.learner(1)
    assert peers_page(world.session, me, world.placement, now=later(1)).cards
    ops.delete(world.session, me, world.placement, world.visit, mine, now=later(2))
    page = peers_page(world.session, me, world.placement, now=later(3))
    assert (page.access.reason, page.cards) == ("not_posted", ())


def test_staff_always_see(world: World) -> None:
    _set(world, reveal_rule="on_release")
    assert can_see_peers(world.session, world.staff(), world.placement, T0).reason == "staff"


def test_hidden_page_returns_no_rows_and_no_counts(world: World) -> None:
    for n in (2, 3, 4):
        _post(world, n)
    page = peers_page(world.session, world.learner(1), world.placement, now=later(1))
    assert page.cards == ()
    assert page.next_cursor is None
    assert page.access.reason == "not_posted"
