"""Reads for the reflection pages: whether a learner may see peers (and why not), the peers
page, a learner's recognition, staff participation and the content-rating distribution.

The reveal rule is applied here, in what a query returns: a learner the rule keeps out gets
no peer rows and no counts at all, and an anonymous author reaches a peer as "A classmate"
with nothing (id, sub, name, initials, token) that would link two of their posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.errors import N_, NotAllowed
from activities.people import Participant
from activities.placements import Placement
from activities.reflection.models import (
    REACTION_KINDS,
    ContentRating,
    PrivateReply,
    Reaction,
    Reflection,
    ReflectionRevision,
    Reply,
)
from activities.settings import read

#: What a peer reads instead of an anonymous author's name (the page translates it).
CLASSMATE = N_("A classmate")

Reason = Literal[
    "staff", "posted", "enough_peers", "date_passed", "released",
    "not_posted", "too_short", "edit_window", "waiting_for_peers", "before_date", "not_released",
]  # fmt: skip


@dataclass(frozen=True)
class PeerAccess:
    """Whether ``person`` sees peers' reflections now; if not, why and what unlocks them
    (the page says both)."""

    visible: bool
    reason: Reason
    #: When it unlocks by itself (a reveal date, the end of the edit window).
    unlocks_at: datetime | None = None
    #: More words the learner's reflection needs (too short).
    words_needed: int | None = None
    #: More peers who must post (after N peers).
    peers_needed: int | None = None


def check_placement(person: Participant, placement: Placement) -> None:
    """A person only ever acts on placements of their own platform."""
    if person.platform_id != placement.platform_id:
        raise NotAllowed(N_("This activity belongs to another course."), code="other_platform")


def own_reflections(
    session: Session, person: Participant, placement: Placement
) -> list[Reflection]:
    """``person``'s reflections here that stand (not deleted), oldest first."""
    return list(
        session.scalars(
            select(Reflection)
            .where(
                Reflection.placement_id == placement.id,
                Reflection.author_platform_id == person.platform_id,
                Reflection.author_sub == person.sub,
                Reflection.deleted_at.is_(None),
            )
            .order_by(Reflection.created_at, Reflection.id)
        )
    )


def _peer_authors(session: Session, person: Participant, placement: Placement) -> int:
    authors = (
        select(Reflection.author_platform_id, Reflection.author_sub)
        .where(
            Reflection.placement_id == placement.id,
            Reflection.deleted_at.is_(None),
            or_(
                Reflection.author_platform_id != person.platform_id,
                Reflection.author_sub != person.sub,
            ),
        )
        .distinct()
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(authors)) or 0


def can_see_peers(
    session: Session, person: Participant, placement: Placement, now: datetime | None = None
) -> PeerAccess:
    """The placement's reveal rule for ``person`` at ``now``.

    ``after_date`` and ``on_release`` reveal to every learner (they are about timing);
    ``after_post`` and ``after_peers`` need the learner's own reflection, of at least the
    minimum words, past the edit window if one is set — and ``after_peers`` also N other
    learners' standing reflections. Deleting one's reflection hides peers again.
    """
    check_placement(person, placement)
    if person.is_staff:
        return PeerAccess(True, "staff")
    now = now or utcnow()
    settings = read(placement)
    rule = settings["reveal_rule"]
    if rule == "on_release":
        if settings["released"]:
            return PeerAccess(True, "released")
        return PeerAccess(False, "not_released")
    if rule == "after_date":
        reveal_at: datetime = settings["reveal_at"]
        if now >= reveal_at:
            return PeerAccess(True, "date_passed")
        return PeerAccess(False, "before_date", unlocks_at=reveal_at)
    mine = own_reflections(session, person, placement)
    if not mine:
        return PeerAccess(False, "not_posted")
    min_words: int = settings["min_words"]
    long_enough = [r for r in mine if r.word_count >= min_words]
    if not long_enough:
        best = max(r.word_count for r in mine)
        return PeerAccess(False, "too_short", words_needed=min_words - best)
    window = settings["edit_window_minutes"]
    if window:
        unlocks_at = long_enough[0].created_at + timedelta(minutes=window)
        if now < unlocks_at:
            return PeerAccess(False, "edit_window", unlocks_at=unlocks_at)
    if rule == "after_peers":
        needed: int = settings["reveal_after_peers"]
        peers = _peer_authors(session, person, placement)
        if peers < needed:
            return PeerAccess(False, "waiting_for_peers", peers_needed=needed - peers)
        return PeerAccess(True, "enough_peers")
    return PeerAccess(True, "posted")


# --- the peers page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last card's time and id (keyset, not OFFSET)."""

    created_at: datetime
    id: int


@dataclass(frozen=True)
class Card:
    """One reflection as ``person`` may see it. For a peer, an anonymous author is
    ``CLASSMATE`` with ``author_sub`` None; staff always get the name and sub."""

    id: int
    author_label: str
    author_sub: str | None
    anonymous: bool
    body: str
    removed: bool
    featured: bool
    created_at: datetime
    reactions: dict[str, int]
    reply_count: int


@dataclass(frozen=True)
class PeersPage:
    access: PeerAccess
    cards: tuple[Card, ...] = ()
    next_cursor: Cursor | None = None


def _label(reflection: Reflection, person: Participant) -> tuple[str, str | None]:
    if person.is_staff:
        return reflection.author_name or reflection.author_sub, reflection.author_sub
    if reflection.anonymous or reflection.deleted_at is not None:
        return CLASSMATE, None
    return reflection.author_name or CLASSMATE, None


def _counts(session: Session, ids: list[int]) -> tuple[dict[int, dict[str, int]], dict[int, int]]:
    reactions: dict[int, dict[str, int]] = {i: dict.fromkeys(REACTION_KINDS, 0) for i in ids}
    replies: dict[int, int] = dict.fromkeys(ids, 0)
    if not ids:
        return reactions, replies
    for reflection_id, kind, count in session.execute(
        select(Reaction.reflection_id, Reaction.kind, func.count())
        .where(Reaction.reflection_id.in_(ids))
        .group_by(Reaction.reflection_id, Reaction.kind)
    ):
        reactions[reflection_id][kind] = count
    for reflection_id, count in session.execute(
        select(Reply.reflection_id, func.count())
        .where(Reply.reflection_id.in_(ids))
        .group_by(Reply.reflection_id)
    ):
        replies[reflection_id] = count
    return reactions, replies


def peers_page(
    session: Session,
    person: Participant,
    placement: Placement,
    *,
    now: datetime | None = None,
    after: Cursor | None = None,
    limit: int = 20,
) -> PeersPage:
    """Peers' reflections: featured first (all of them, on the first page), then newest,
    ``limit`` a page. Nothing at all when the reveal rule keeps ``person`` out. A removed
    reflection stays as a stub (no text, no author) so its replies keep their context."""
    access = can_see_peers(session, person, placement, now)
    if not access.visible:
        return PeersPage(access)
    others = and_(
        Reflection.placement_id == placement.id,
        or_(
            Reflection.author_platform_id != person.platform_id,
            Reflection.author_sub != person.sub,
        ),
    )
    featured: list[Reflection] = []
    if after is None:
        featured = list(
            session.scalars(
                select(Reflection)
                .where(others, Reflection.featured_at.is_not(None), Reflection.deleted_at.is_(None))
                .order_by(Reflection.featured_at.desc(), Reflection.id.desc())
            )
        )
    query = select(Reflection).where(others, Reflection.featured_at.is_(None))
    if after is not None:
        query = query.where(
            tuple_(Reflection.created_at, Reflection.id) < tuple_(after.created_at, after.id)
        )
    rows = list(
        session.scalars(
            query.order_by(Reflection.created_at.desc(), Reflection.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    reflections = featured + rows
    reactions, replies = _counts(session, [r.id for r in reflections])
    cards = []
    for r in reflections:
        label, sub = _label(r, person)
        cards.append(
            Card(
                id=r.id,
                author_label=label,
                author_sub=sub,
                anonymous=r.anonymous,
                body="" if r.deleted_at is not None else r.body,
                removed=r.deleted_at is not None,
                featured=r.featured_at is not None,
                created_at=r.created_at,
                reactions=reactions[r.id],
                reply_count=replies[r.id],
            )
        )
    cursor = Cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return PeersPage(access, tuple(cards), cursor)


@dataclass(frozen=True)
class ReplyView:
    id: int
    author_label: str
    author_sub: str | None
    body: str
    created_at: datetime


def can_see(
    session: Session, person: Participant, placement: Placement, reflection: Reflection,
    now: datetime | None = None,
) -> bool:  # fmt: skip
    """Whether ``person`` may see ``reflection``: its author, staff, or a peer the reveal
    rule lets in."""
    if reflection.placement_id != placement.id:
        return False
    own = (reflection.author_platform_id, reflection.author_sub) == (person.platform_id, person.sub)
    return own or can_see_peers(session, person, placement, now).visible


def replies(
    session: Session, person: Participant, placement: Placement, reflection: Reflection,
    now: datetime | None = None,
) -> list[ReplyView]:  # fmt: skip
    """A reflection's replies, oldest first, anonymity applied; none when hidden."""
    check_placement(person, placement)
    if not can_see(session, person, placement, reflection, now):
        return []
    found = session.scalars(
        select(Reply)
        .where(Reply.reflection_id == reflection.id, Reply.placement_id == placement.id)
        .order_by(Reply.created_at, Reply.id)
    )
    views = []
    for reply in found:
        if person.is_staff:
            label, sub = reply.author_name or reply.author_sub, reply.author_sub
        else:
            label, sub = (CLASSMATE if reply.anonymous else reply.author_name or CLASSMATE), None
        views.append(ReplyView(reply.id, label, sub, reply.body, reply.created_at))
    return views


# --- recognition, participation, ratings -------------------------------------------------------


@dataclass(frozen=True)
class PrivateNote:
    body: str
    staff_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class Recognition:
    """What a learner received for their reflections here (never a rank)."""

    reactions: dict[str, int]
    featured: bool
    reply_count: int
    private_replies: tuple[PrivateNote, ...] = field(default=())


def my_recognition(session: Session, person: Participant, placement: Placement) -> Recognition:
    check_placement(person, placement)
    mine = own_reflections(session, person, placement)
    ids = [r.id for r in mine]
    reactions, replies_by = _counts(session, ids)
    totals = dict.fromkeys(REACTION_KINDS, 0)
    for counts in reactions.values():
        for kind, count in counts.items():
            totals[kind] += count
    notes = session.scalars(
        select(PrivateReply)
        .where(PrivateReply.reflection_id.in_(ids), PrivateReply.placement_id == placement.id)
        .order_by(PrivateReply.created_at)
    )
    return Recognition(
        reactions=totals,
        featured=any(r.featured_at is not None for r in mine),
        reply_count=sum(replies_by.values()),
        private_replies=tuple(PrivateNote(n.body, n.staff_name, n.created_at) for n in notes),
    )


def private_replies(
    session: Session, person: Participant, placement: Placement, reflection: Reflection
) -> list[PrivateNote]:
    """The staff notes on ``reflection``: for its author and staff only, else none."""
    check_placement(person, placement)
    own = (reflection.author_platform_id, reflection.author_sub) == (person.platform_id, person.sub)
    if reflection.placement_id != placement.id or not (own or person.is_staff):
        return []
    notes = session.scalars(
        select(PrivateReply)
        .where(PrivateReply.reflection_id == reflection.id)
        .order_by(PrivateReply.created_at)
    )
    return [PrivateNote(n.body, n.staff_name, n.created_at) for n in notes]


@dataclass
class Participation:
    """What one learner did here, for the staff roster."""

    name: str | None = None
    posted: bool = False
    words: int = 0
    replies_given: int = 0
    reactions_given: int = 0


def _staff(person: Participant, placement: Placement) -> None:
    check_placement(person, placement)
    if not person.is_staff:
        raise NotAllowed(N_("Only instructors of this course can see this."), code="not_staff")


def participation(
    session: Session, person: Participant, placement: Placement
) -> dict[tuple[int, str], Participation]:
    """Per learner (platform id, sub) who has done anything here. The roster (NRPS) adds
    who has not started. Three grouped queries, whatever the number of learners."""
    _staff(person, placement)
    people: dict[tuple[int, str], Participation] = {}
    for platform_id, sub, name, words in session.execute(
        select(
            Reflection.author_platform_id,
            Reflection.author_sub,
            func.max(Reflection.author_name),
            func.sum(Reflection.word_count),
        )
        .where(Reflection.placement_id == placement.id, Reflection.deleted_at.is_(None))
        .group_by(Reflection.author_platform_id, Reflection.author_sub)
    ):
        people[(platform_id, sub)] = Participation(name, True, int(words or 0))
    for platform_id, sub, name, count in session.execute(
        select(
            Reply.author_platform_id, Reply.author_sub, func.max(Reply.author_name), func.count()
        )
        .where(Reply.placement_id == placement.id)
        .group_by(Reply.author_platform_id, Reply.author_sub)
    ):
        entry = people.setdefault((platform_id, sub), Participation(name))
        entry.replies_given = count
    for platform_id, sub, count in session.execute(
        select(Reaction.platform_id, Reaction.sub, func.count())
        .where(Reaction.placement_id == placement.id)
        .group_by(Reaction.platform_id, Reaction.sub)
    ):
        people.setdefault((platform_id, sub), Participation()).reactions_given = count
    return people


def rating_distribution(
    session: Session, person: Participant, placement: Placement
) -> dict[int, int]:
    """How many learners rated the content 1, 2, 3, 4 and 5 (staff only)."""
    _staff(person, placement)
    counts = dict.fromkeys(range(1, 6), 0)
    for stars, count in session.execute(
        select(ContentRating.stars, func.count())
        .where(ContentRating.placement_id == placement.id)
        .group_by(ContentRating.stars)
    ):
        counts[stars] = count
    return counts


def history(
    session: Session, person: Participant, placement: Placement, reflection: Reflection
) -> list[ReflectionRevision]:
    """Every version of ``reflection`` (staff only), oldest first."""
    _staff(person, placement)
    if reflection.placement_id != placement.id:
        return []
    return list(
        session.scalars(
            select(ReflectionRevision)
            .where(ReflectionRevision.reflection_id == reflection.id)
            .order_by(ReflectionRevision.number)
        )
    )


def my_rating(session: Session, person: Participant, placement: Placement) -> ContentRating | None:
    """``person``'s own rating of the content before this activity, if they gave one."""
    check_placement(person, placement)
    return session.scalars(
        select(ContentRating).where(
            ContentRating.placement_id == placement.id,
            ContentRating.platform_id == person.platform_id,
            ContentRating.sub == person.sub,
        )
    ).first()


def my_reactions(
    session: Session, person: Participant, placement: Placement, reflection_ids: list[int]
) -> dict[int, frozenset[str]]:
    """Which reactions ``person`` gave each of ``reflection_ids`` (for ``aria-pressed``)."""
    check_placement(person, placement)
    given: dict[int, set[str]] = {i: set() for i in reflection_ids}
    if reflection_ids:
        for reflection_id, kind in session.execute(
            select(Reaction.reflection_id, Reaction.kind).where(
                Reaction.placement_id == placement.id,
                Reaction.reflection_id.in_(reflection_ids),
                Reaction.platform_id == person.platform_id,
                Reaction.sub == person.sub,
            )
        ):
            given[reflection_id].add(kind)
    return {i: frozenset(kinds) for i, kinds in given.items()}
