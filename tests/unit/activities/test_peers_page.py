"""The peers page and the staff views: order, keyset paging, counts, and the anonymity rule
applied in what a peer's query returns."""

from __future__ import annotations

import dataclasses
import json

from activities.reflection import operations as ops
from activities.reflection import queries
from activities.reflection.models import Reflection
from activities.reflection.queries import CLASSMATE, Cursor
from activities.settings import change_settings
from tests.unit.activities.conftest import LONG, World, later


def _post(world: World, n: int, minutes: float = 0, **kw: object) -> int:
    return ops.post(
        world.session, world.learner(n), world.placement, world.visit,
        f"{LONG} (number {n})", now=later(minutes), **kw,  # type: ignore[arg-type]
    ).id  # fmt: skip


def _everything(value: object) -> str:
    """All a peer's page could send to the browser, as one string."""
    return json.dumps(dataclasses.asdict(value), default=str)  # type: ignore[call-overload]


def test_an_anonymous_author_leaves_no_trace_in_a_peers_result(world: World) -> None:
    change_settings(world.session, world.staff(), world.placement, anonymity_allowed=True)
    secret = _post(world, 2, anonymous=True)
    _post(world, 3)
    _post(world, 1, minutes=1)
    peer = world.learner(1)
    ops.react(world.session, peer, world.placement, world.visit, secret, "helpful")
    ops.reply(world.session, world.learner(3), world.placement, world.visit, secret, "Thanks!")
    ops.reply(
        world.session, world.learner(2), world.placement, world.visit, secret, "Replying myself",
        anonymous=True,
    )  # fmt: skip
    page = queries.peers_page(world.session, peer, world.placement, now=later(2))
    card = next(c for c in page.cards if c.id == secret)
    assert (card.author_label, card.author_sub) == (CLASSMATE, None)
    replies = queries.replies(world.session, peer, world.placement, _find(world, secret))
    seen = _everything(page) + json.dumps([dataclasses.asdict(r) for r in replies], default=str)
    for trace in ("learner-2", "Learner 2", "L2"):
        assert trace not in seen, trace
    assert [r.author_label for r in replies] == ["Learner 3", CLASSMATE]
    # Staff always see who wrote it.
    staff_page = queries.peers_page(world.session, world.staff(), world.placement)
    staff_card = next(c for c in staff_page.cards if c.id == secret)
    assert (staff_card.author_label, staff_card.author_sub) == ("Learner 2", "learner-2")
    staff_replies = queries.replies(
        world.session, world.staff(), world.placement, _find(world, secret)
    )
    assert staff_replies[1].author_sub == "learner-2"


def _find(world: World, reflection_id: int) -> Reflection:
    found = world.session.get(Reflection, reflection_id)
    assert found is not None
    return found


def test_named_authors_show_their_name_but_no_sub(world: World) -> None:
    _post(world, 2)
    _post(world, 1, minutes=1)
    (card,) = queries.peers_page(world.session, world.learner(1), world.placement).cards
    assert (card.author_label, card.author_sub) == ("Learner 2", None)


def test_newest_first_keyset_paging_without_gaps_or_repeats(world: World) -> None:
    for n in range(2, 9):  # seven peers
        _post(world, n, minutes=n)
    _post(world, 1, minutes=10)
    me = world.learner(1)
    seen: list[int] = []
    cursor: Cursor | None = None
    pages = 0
    while True:
        page = queries.peers_page(world.session, me, world.placement, after=cursor, limit=3)
        seen += [c.id for c in page.cards]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    created = {
        c.id: c.created_at
        for c in queries.peers_page(world.session, me, world.placement, limit=50).cards
    }
    assert len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, key=lambda i: created[i], reverse=True)


def test_same_time_posts_page_by_id(world: World) -> None:
    for n in range(2, 6):
        _post(world, n, minutes=0)
    _post(world, 1, minutes=1)
    me = world.learner(1)
    first = queries.peers_page(world.session, me, world.placement, limit=2)
    second = queries.peers_page(
        world.session, me, world.placement, after=first.next_cursor, limit=2
    )
    ids = [c.id for c in first.cards + second.cards]
    assert len(set(ids)) == 4
    assert second.next_cursor is None


def test_counts_per_reflection(world: World) -> None:
    theirs = _post(world, 2)
    for n in (1, 3):
        _post(world, n, minutes=1)
        ops.react(world.session, world.learner(n), world.placement, world.visit, theirs, "helpful")
    ops.react(
        world.session, world.learner(1), world.placement, world.visit, theirs, "made_me_think"
    )
    ops.reply(world.session, world.learner(3), world.placement, world.visit, theirs, "Yes!")
    page = queries.peers_page(world.session, world.learner(1), world.placement)
    card = next(c for c in page.cards if c.id == theirs)
    assert card.reactions == {"helpful": 2, "made_me_think": 1, "will_try": 0}
    assert card.reply_count == 1


def test_removed_reflection_is_a_stub_without_text_or_author(world: World) -> None:
    theirs = _post(world, 2)
    _post(world, 1, minutes=1)
    ops.reply(world.session, world.learner(1), world.placement, world.visit, theirs, "Good")
    ops.delete(world.session, world.learner(2), world.placement, world.visit, theirs)
    (card,) = queries.peers_page(world.session, world.learner(1), world.placement).cards
    assert (card.removed, card.body, card.author_label, card.reply_count) == (
        True,
        "",
        CLASSMATE,
        1,
    )


def test_my_recognition(world: World) -> None:
    mine = _post(world, 1)
    _post(world, 2, minutes=1)
    ops.react(world.session, world.learner(2), world.placement, world.visit, mine, "will_try")
    ops.reply(world.session, world.learner(2), world.placement, world.visit, mine, "Nice")
    ops.feature(world.session, world.staff(), world.placement, world.visit, mine)
    recognition = queries.my_recognition(world.session, world.learner(1), world.placement)
    assert recognition.reactions["will_try"] == 1
    assert (recognition.featured, recognition.reply_count) == (True, 1)


def test_staff_participation_per_learner(world: World) -> None:
    a = _post(world, 1)
    _post(world, 2, minutes=1)
    ops.reply(world.session, world.learner(2), world.placement, world.visit, a, "Hi")
    ops.reply(world.session, world.learner(2), world.placement, world.visit, a, "Again")
    ops.react(world.session, world.learner(2), world.placement, world.visit, a, "helpful")
    rows = queries.participation(world.session, world.staff(), world.placement)
    one, two = rows[(world.platform.id, "learner-1")], rows[(world.platform.id, "learner-2")]
    assert (one.posted, one.words, one.replies_given, one.reactions_given) == (True, 26, 0, 0)
    assert (two.posted, two.replies_given, two.reactions_given) == (True, 2, 1)
    assert two.name == "Learner 2"
