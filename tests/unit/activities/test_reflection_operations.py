"""The reflection's operations: posting once, history, removal, reactions, replies,
featuring, private replies, ratings, nudges, and the statement each records."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from activities.errors import Closed, Invalid, NotAllowed, NotFound
from activities.reflection import operations as ops
from activities.reflection import queries
from activities.reflection.models import PeerReveal, Reaction, Reflection
from activities.settings import change_settings
from tests import factories
from tests.factories import PlatformFactory
from tests.unit.activities.conftest import LONG, World, later, statements, verbs


def _post(world: World, n: int, body: str = LONG, minutes: float = 0, **kw: object) -> Reflection:
    return ops.post(
        world.session, world.learner(n), world.placement, world.visit, body, now=later(minutes),
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_post_records_posted_as_the_real_account(world: World) -> None:
    reflection = _post(world, 1)
    assert reflection.word_count == 24
    (statement,) = statements(world.session)
    assert verbs(world.session) == ["posted"]
    assert statement["actor"]["account"]["name"] == "learner-1"  # type: ignore[index]
    assert statement["result"]["response"] == LONG  # type: ignore[index]


def test_one_reflection_per_learner_unless_several_allowed(world: World) -> None:
    _post(world, 1)
    with pytest.raises(Invalid) as refused:
        _post(world, 1, "Another, different reflection text entirely here.", minutes=5)
    assert refused.value.code == "already_posted"
    change_settings(world.session, world.staff(), world.placement, several_per_learner=True)
    _post(world, 1, "Another, different reflection text entirely here.", minutes=5)
    assert len(queries.own_reflections(world.session, world.learner(1), world.placement)) == 2


def test_double_submit_posts_once(world: World) -> None:
    change_settings(world.session, world.staff(), world.placement, several_per_learner=True)
    first = _post(world, 1, client_token="form-1")
    again = _post(world, 1, "edited in the meantime?", minutes=3, client_token="form-1")
    same_text = _post(world, 1, LONG, minutes=0.2)
    assert again.id == first.id == same_text.id
    assert verbs(world.session) == ["posted"]


def test_empty_or_too_long_is_refused(world: World) -> None:
    with pytest.raises(Invalid):
        _post(world, 1, "   ")
    with pytest.raises(Invalid):
        _post(world, 1, "x " * 20_001)
    assert statements(world.session) == []


def test_anonymity_only_where_allowed(world: World) -> None:
    with pytest.raises(Invalid) as refused:
        _post(world, 1, anonymous=True)
    assert refused.value.code == "anonymity_not_allowed"


def test_edit_keeps_history_and_marks_edits_after_the_reveal(world: World) -> None:
    _post(world, 2)
    mine = _post(world, 1, "placeholder " * 15)
    me, staff = world.learner(1), world.staff()
    ops.edit(world.session, me, world.placement, world.visit, mine.id, LONG, now=later(1))
    reveal = ops.peers_viewed(world.session, me, world.placement, world.visit, now=later(2))
    assert reveal is not None
    ops.edit(
        world.session, me, world.placement, world.visit, mine.id, LONG + " More.", now=later(3)
    )
    history = queries.history(world.session, staff, world.placement, mine)
    assert [(r.action, r.after_reveal) for r in history] == [
        ("posted", False), ("edited", False), ("edited", True),
    ]  # fmt: skip
    assert reveal.revision_id == history[1].id  # the version peers were revealed with
    assert history[0].body.startswith("placeholder")
    assert verbs(world.session) == ["posted", "posted", "edited", "viewed", "edited"]


def test_only_the_author_edits(world: World) -> None:
    mine = _post(world, 1)
    with pytest.raises(NotAllowed):
        ops.edit(world.session, world.learner(2), world.placement, world.visit, mine.id, "mine")
    with pytest.raises(NotAllowed):
        ops.edit(world.session, world.staff(), world.placement, world.visit, mine.id, "staff")


def test_delete_leaves_a_stub_and_the_history(world: World) -> None:
    mine = _post(world, 1)
    ops.delete(world.session, world.learner(1), world.placement, world.visit, mine.id)
    assert mine.removed
    assert mine.body == ""
    history = queries.history(world.session, world.staff(), world.placement, mine)
    assert [r.action for r in history] == ["posted", "deleted"]
    assert history[-1].body == LONG
    assert verbs(world.session) == ["posted", "delete"]  # activitystrea.ms/delete
    with pytest.raises(Closed):
        ops.edit(world.session, world.learner(1), world.placement, world.visit, mine.id, "back")


def test_reactions_one_of_each_and_taken_back(world: World) -> None:
    theirs = _post(world, 2)
    _post(world, 1)
    me = world.learner(1)
    for _ in range(2):
        ops.react(world.session, me, world.placement, world.visit, theirs.id, "helpful")
    ops.react(world.session, me, world.placement, world.visit, theirs.id, "will_try")
    kinds = world.session.scalars(select(Reaction.kind).order_by(Reaction.kind)).all()
    assert kinds == ["helpful", "will_try"]
    assert ops.unreact(world.session, me, world.placement, world.visit, theirs.id, "helpful")
    assert not ops.unreact(world.session, me, world.placement, world.visit, theirs.id, "helpful")
    assert world.session.scalars(select(Reaction.kind)).all() == ["will_try"]
    assert verbs(world.session) == ["posted", "posted", "reacted", "reacted", "unreacted"]
    with pytest.raises(Invalid):
        ops.react(world.session, me, world.placement, world.visit, theirs.id, "angry")


def test_cannot_react_or_reply_to_what_one_cannot_see(world: World) -> None:
    theirs = _post(world, 2)
    me = world.learner(1)  # has not posted: peers are hidden
    with pytest.raises(NotFound):
        ops.react(world.session, me, world.placement, world.visit, theirs.id, "helpful")
    with pytest.raises(NotFound):
        ops.reply(world.session, me, world.placement, world.visit, theirs.id, "Nice one")


def test_reply_records_replied_with_the_reflection_as_parent(world: World) -> None:
    theirs = _post(world, 2)
    _post(world, 1)
    ops.reply(world.session, world.learner(1), world.placement, world.visit, theirs.id, "Agreed")
    replied = statements(world.session)[-1]
    assert replied["verb"]["id"].endswith("/replied")  # type: ignore[index]
    parent = replied["context"]["contextActivities"]["parent"][0]["id"]  # type: ignore[index]
    assert parent.endswith(f"{world.placement.key}.reflection.{theirs.id}")


def test_a_double_submitted_reply_replies_once(world: World) -> None:
    theirs = _post(world, 2)
    _post(world, 1)
    learner = world.learner(1)
    args = (world.session, learner, world.placement, world.visit, theirs.id)
    first = ops.reply(*args, "Agreed", now=later(1))
    again = ops.reply(*args, "Agreed", now=later(1.2))
    later_one = ops.reply(*args, "Agreed", now=later(5))  # minutes on: said again on purpose
    assert first.id == again.id != later_one.id
    assert verbs(world.session).count("replied") == 2


def test_feature_is_staff_only_shown_first_and_recorded(world: World) -> None:
    older = _post(world, 2)
    _post(world, 3, minutes=1)
    _post(world, 1, minutes=2)
    with pytest.raises(NotAllowed):
        ops.feature(world.session, world.learner(1), world.placement, world.visit, older.id)
    ops.feature(world.session, world.staff(), world.placement, world.visit, older.id)
    page = queries.peers_page(world.session, world.learner(1), world.placement, now=later(3))
    assert page.cards[0].id == older.id
    assert page.cards[0].featured
    assert len(page.cards) == 2  # featured is not listed twice
    assert verbs(world.session)[-1] == "recognised"
    ops.unfeature(world.session, world.staff(), world.placement, world.visit, older.id)
    assert (
        not queries.peers_page(world.session, world.learner(1), world.placement).cards[1].featured
    )


def test_private_reply_reaches_only_the_author_and_staff(world: World) -> None:
    theirs = _post(world, 2)
    _post(world, 1)
    ops.private_reply(
        world.session, world.staff(), world.placement, world.visit, theirs.id, "Lovely point."
    )
    author, peer = world.learner(2), world.learner(1)
    assert [
        n.body for n in queries.private_replies(world.session, author, world.placement, theirs)
    ] == ["Lovely point."]
    assert queries.private_replies(world.session, world.staff(), world.placement, theirs)
    assert queries.private_replies(world.session, peer, world.placement, theirs) == []
    assert queries.my_recognition(world.session, peer, world.placement).private_replies == ()
    recognition = queries.my_recognition(world.session, author, world.placement)
    assert recognition.private_replies[0].staff_name == "Grace Teacher"
    with pytest.raises(NotAllowed):
        ops.private_reply(world.session, peer, world.placement, world.visit, theirs.id, "psst")
    assert verbs(world.session)[-1] == "replied-privately"


def test_content_rating_once_per_learner_and_changeable(world: World) -> None:
    me = world.learner(1)
    ops.rate_content(world.session, me, world.placement, world.visit, 4, "practical")
    rating = ops.rate_content(world.session, me, world.placement, world.visit, 2)
    assert (rating.stars, rating.why, rating.version) == (2, None, 2)
    ops.rate_content(world.session, world.learner(2), world.placement, world.visit, 5)
    ops.rate_content(world.session, me, world.placement, world.visit, 2)  # unchanged
    assert verbs(world.session) == ["rated", "rated", "rated"]
    distribution = queries.rating_distribution(world.session, world.staff(), world.placement)
    assert distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    for bad in (0, 6, True, "5"):
        with pytest.raises(Invalid):
            ops.rate_content(world.session, me, world.placement, world.visit, bad)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        queries.rating_distribution(world.session, me, world.placement)


def test_nudge_shows_once_to_that_learner(world: World) -> None:
    ops.nudge(world.session, world.staff(), world.placement, world.visit, "learner-1")
    (nudged,) = statements(world.session)
    assert nudged["verb"]["id"].endswith("/nudged")  # type: ignore[index]
    learner = nudged["context"]["extensions"]["https://peerloop.org/xapi/extensions/learner"]  # type: ignore[index]
    assert learner["account"]["name"] == "learner-1"
    assert ops.take_nudges(world.session, world.learner(2), world.placement) == []
    (note,) = ops.take_nudges(world.session, world.learner(1), world.placement)
    assert note.message == ops.DEFAULT_NUDGE
    assert ops.take_nudges(world.session, world.learner(1), world.placement) == []
    with pytest.raises(NotAllowed):
        ops.nudge(world.session, world.learner(2), world.placement, world.visit, "learner-1")


def test_peers_viewed_is_recorded_once(world: World) -> None:
    _post(world, 2)
    me = world.learner(1)
    assert ops.peers_viewed(world.session, me, world.placement, world.visit) is None  # hidden
    _post(world, 1)
    assert ops.peers_viewed(world.session, me, world.placement, world.visit) is not None
    assert ops.peers_viewed(world.session, me, world.placement, world.visit) is None
    assert len(world.session.scalars(select(PeerReveal)).all()) == 1
    assert verbs(world.session) == ["posted", "posted", "viewed"]


def test_release_records_released(world: World) -> None:
    change_settings(world.session, world.staff(), world.placement, reveal_rule="on_release")
    ops.release(world.session, world.staff(), world.placement, world.visit)
    assert verbs(world.session) == ["released"]
    with pytest.raises(NotAllowed):
        ops.release(world.session, world.learner(1), world.placement, world.visit)


def test_ids_of_another_placement_or_platform_are_not_found(world: World) -> None:
    """Two platforms reuse the course id and the subs; a learner of one never reaches the
    other's rows by changing an id."""
    with factories.bind(world.session):
        elsewhere = PlatformFactory()
    other_placement = world.placement_on(elsewhere, context_id=world.placement.context_id)
    theirs = ops.post(
        world.session, world.learner(2, platform=elsewhere), other_placement, world.visit, LONG
    )
    _post(world, 1)
    me = world.learner(1)  # same sub "learner-1" exists on the other platform too
    for act in (
        lambda: ops.react(world.session, me, world.placement, world.visit, theirs.id, "helpful"),
        lambda: ops.reply(world.session, me, world.placement, world.visit, theirs.id, "hi"),
        lambda: ops.edit(world.session, me, world.placement, world.visit, theirs.id, "mine"),
        lambda: ops.delete(world.session, me, world.placement, world.visit, theirs.id),
        lambda: ops.feature(world.session, world.staff(), world.placement, world.visit, theirs.id),
    ):
        with pytest.raises(NotFound):
            act()
    # Acting on the other platform's placement directly is refused outright.
    with pytest.raises(NotAllowed):
        ops.post(world.session, me, other_placement, world.visit, LONG)
    with pytest.raises(NotAllowed):
        queries.peers_page(world.session, me, other_placement)
    # The same sub on the other platform is another person: it has not posted here.
    twin = world.learner(1, platform=elsewhere)
    assert queries.own_reflections(world.session, twin, other_placement) == []


def test_ids_of_another_placement_in_the_same_course_are_not_found(world: World) -> None:
    other = world.placement_on(None, context_id=world.placement.context_id)
    theirs = ops.post(world.session, world.learner(2), other, world.visit, LONG)
    _post(world, 1)
    me = world.learner(1)
    with pytest.raises(NotFound):
        ops.react(world.session, me, world.placement, world.visit, theirs.id, "helpful")
    with pytest.raises(NotFound):
        ops.private_reply(
            world.session, world.staff(), world.placement, world.visit, theirs.id, "x"
        )
    assert queries.private_replies(world.session, world.learner(2), world.placement, theirs) == []
    assert queries.history(world.session, world.staff(), world.placement, theirs) == []
    # Peers of this placement never include the other placement's reflections.
    page = queries.peers_page(world.session, world.staff(), world.placement)
    assert theirs.id not in [c.id for c in page.cards]
