"""Reads for the instructor's pages: the course's learners joined with what each did here
(one SQL query a page, whatever the roster's size), the overview's counts, a reflection's
replies and history marks, and the words learners gave with their content ratings.

Staff only; every row is of the placement (and its platform), and a learner of the roster
is matched by (platform, sub): the same sub on another platform is someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session

from activities.errors import NotAllowed, NotFound
from activities.people import Participant
from activities.placements import Placement
from activities.reflection.models import (
    ContentRating,
    Nudge,
    PeerReveal,
    Reaction,
    Reflection,
    Reply,
)
from activities.reflection.queries import check_placement
from activities.roster import CourseMember, sort_key


def _staff(person: Participant, placement: Placement) -> None:
    check_placement(person, placement)
    if not person.is_staff:
        raise NotAllowed("Only instructors of this course can see this.", code="not_staff")


@dataclass(frozen=True)
class LearnerRow:
    """One roster learner and what they did in this placement."""

    sub: str
    name: str | None
    email: str | None
    reflections: int
    replies: int
    reactions: int
    last_activity: datetime | None
    last_nudged: datetime | None
    sort_name: str

    @property
    def started(self) -> bool:
        return self.reflections > 0


@dataclass(frozen=True)
class LearnerPage:
    rows: tuple[LearnerRow, ...]
    #: (sort name, sub) of the last row when there are more, for the next page.
    next_after: tuple[str, str] | None


@dataclass(frozen=True)
class Counts:
    """The overview's numbers. ``learners`` and ``not_started`` are None without a roster."""

    posted: int
    featured: int
    reflections: int
    learners: int | None
    not_started: int | None


def _activity(placement: Placement) -> dict[str, Any]:
    """Per-sub aggregates of the placement's reflections, replies, reactions and nudges."""
    pid, platform = placement.id, placement.platform_id
    reflections = (
        select(
            Reflection.author_sub.label("sub"),
            func.count().label("n"),
            func.max(Reflection.updated_at).label("last"),
        )
        .where(
            Reflection.placement_id == pid,
            Reflection.author_platform_id == platform,
            Reflection.deleted_at.is_(None),
        )
        .group_by(Reflection.author_sub)
        .subquery()
    )
    replies = (
        select(
            Reply.author_sub.label("sub"),
            func.count().label("n"),
            func.max(Reply.created_at).label("last"),
        )
        .where(Reply.placement_id == pid, Reply.author_platform_id == platform)
        .group_by(Reply.author_sub)
        .subquery()
    )
    reactions = (
        select(
            Reaction.sub.label("sub"),
            func.count().label("n"),
            func.max(Reaction.created_at).label("last"),
        )
        .where(Reaction.placement_id == pid, Reaction.platform_id == platform)
        .group_by(Reaction.sub)
        .subquery()
    )
    nudges = (
        select(Nudge.learner_sub.label("sub"), func.max(Nudge.created_at).label("last"))
        .where(Nudge.placement_id == pid, Nudge.learner_platform_id == platform)
        .group_by(Nudge.learner_sub)
        .subquery()
    )
    return {
        "reflections": reflections,
        "replies": replies,
        "reactions": reactions,
        "nudges": nudges,
    }


def _roster(placement: Placement) -> Any:
    return and_(
        CourseMember.platform_id == placement.platform_id,
        CourseMember.context_id == (placement.context_id or ""),
        CourseMember.is_learner.is_(True),
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def learners(
    session: Session,
    person: Participant,
    placement: Placement,
    *,
    search: str = "",
    not_started_only: bool = False,
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> LearnerPage:
    """The course's learners by name, ``limit`` a page after ``after`` (keyset), each with
    their reflections, replies, reactions given, last activity and last nudge here."""
    _staff(person, placement)
    a = _activity(placement)
    refl, rep, rea, nud = a["reflections"], a["replies"], a["reactions"], a["nudges"]
    query = (
        select(
            CourseMember.user_sub,
            CourseMember.name,
            CourseMember.email,
            CourseMember.sort_name,
            func.coalesce(refl.c.n, 0),
            func.coalesce(rep.c.n, 0),
            func.coalesce(rea.c.n, 0),
            refl.c.last,
            rep.c.last,
            rea.c.last,
            nud.c.last,
        )
        .outerjoin(refl, refl.c.sub == CourseMember.user_sub)
        .outerjoin(rep, rep.c.sub == CourseMember.user_sub)
        .outerjoin(rea, rea.c.sub == CourseMember.user_sub)
        .outerjoin(nud, nud.c.sub == CourseMember.user_sub)
        .where(_roster(placement))
    )
    if search.strip():
        query = query.where(CourseMember.sort_name.like(_like(sort_key(search, "")), escape="\\"))
    if not_started_only:
        query = query.where(refl.c.n.is_(None))
    if after is not None:
        query = query.where(tuple_(CourseMember.sort_name, CourseMember.user_sub) > tuple_(*after))
    found = session.execute(
        query.order_by(CourseMember.sort_name, CourseMember.user_sub).limit(limit + 1)
    ).all()
    rows = []
    for sub, name, email, sort_name, n_refl, n_rep, n_rea, l1, l2, l3, nudged in found[:limit]:
        moments = [m for m in (l1, l2, l3) if m is not None]
        rows.append(
            LearnerRow(
                sub=sub,
                name=name,
                email=email,
                reflections=int(n_refl),
                replies=int(n_rep),
                reactions=int(n_rea),
                last_activity=max(moments) if moments else None,
                last_nudged=nudged,
                sort_name=sort_name,
            )
        )
    more = len(found) > limit and rows
    return LearnerPage(tuple(rows), (rows[-1].sort_name, rows[-1].sub) if more else None)


def not_started_subs(session: Session, person: Participant, placement: Placement) -> list[str]:
    """The roster's learners with no reflection here (for "nudge all who have not started")."""
    _staff(person, placement)
    posted = select(Reflection.author_sub).where(
        Reflection.placement_id == placement.id,
        Reflection.author_platform_id == placement.platform_id,
        Reflection.deleted_at.is_(None),
    )
    return list(
        session.scalars(
            select(CourseMember.user_sub)
            .where(_roster(placement), CourseMember.user_sub.not_in(posted))
            .order_by(CourseMember.sort_name, CourseMember.user_sub)
        )
    )


def waiting_nudges(session: Session, placement: Placement, subs: list[str]) -> set[str]:
    """Which of ``subs`` have a note not yet shown (a second would only repeat it)."""
    waiting = session.scalars(
        select(Nudge.learner_sub)
        .where(
            Nudge.placement_id == placement.id,
            Nudge.learner_platform_id == placement.platform_id,
            Nudge.shown_at.is_(None),
        )
        .distinct()
    )
    return set(waiting) & set(subs)


def is_roster_learner(session: Session, placement: Placement, sub: str) -> bool:
    return (
        session.scalar(
            select(CourseMember.id).where(_roster(placement), CourseMember.user_sub == sub)
        )
        is not None
    )


def counts(session: Session, person: Participant, placement: Placement, *, roster: bool) -> Counts:
    """Learners who posted, featured reflections, and (with a roster) who has not started."""
    _staff(person, placement)
    standing = and_(Reflection.placement_id == placement.id, Reflection.deleted_at.is_(None))
    authors = (
        select(Reflection.author_platform_id, Reflection.author_sub)
        .where(standing)
        .distinct()
        .subquery()
    )
    posted = session.scalar(select(func.count()).select_from(authors)) or 0
    total = session.scalar(select(func.count()).where(standing)) or 0
    featured = (
        session.scalar(select(func.count()).where(standing, Reflection.featured_at.is_not(None)))
        or 0
    )
    if not roster:
        return Counts(posted, featured, total, None, None)
    a = _activity(placement)
    learners_total = (
        session.scalar(select(func.count()).select_from(CourseMember).where(_roster(placement)))
        or 0
    )
    not_started = (
        session.scalar(
            select(func.count())
            .select_from(CourseMember)
            .outerjoin(a["reflections"], a["reflections"].c.sub == CourseMember.user_sub)
            .where(_roster(placement), a["reflections"].c.n.is_(None))
        )
        or 0
    )
    return Counts(posted, featured, total, learners_total, not_started)


def find_reflection(session: Session, placement: Placement, reflection_id: int) -> Reflection:
    reflection = session.scalars(
        select(Reflection).where(
            Reflection.id == reflection_id, Reflection.placement_id == placement.id
        )
    ).first()
    if reflection is None:
        raise NotFound("This reflection is not part of this activity.", code="no_reflection")
    return reflection


@dataclass(frozen=True)
class StaffReply:
    author: str
    anonymous: bool
    body: str
    created_at: datetime


def replies_of(
    session: Session, person: Participant, placement: Placement, ids: list[int]
) -> dict[int, list[StaffReply]]:
    """The replies to each of ``ids`` (one query), oldest first, with real names."""
    _staff(person, placement)
    out: dict[int, list[StaffReply]] = {i: [] for i in ids}
    if not ids:
        return out
    for reply in session.scalars(
        select(Reply)
        .where(Reply.placement_id == placement.id, Reply.reflection_id.in_(ids))
        .order_by(Reply.created_at, Reply.id)
    ):
        out[reply.reflection_id].append(
            StaffReply(
                reply.author_name or reply.author_sub, reply.anonymous, reply.body, reply.created_at
            )
        )
    return out


def revealed_revision(
    session: Session, person: Participant, placement: Placement, reflection: Reflection
) -> int | None:
    """The author's own revision at the moment they first saw peers (None if they have not,
    or had none then)."""
    _staff(person, placement)
    return session.scalar(
        select(PeerReveal.revision_id).where(
            PeerReveal.placement_id == placement.id,
            PeerReveal.platform_id == reflection.author_platform_id,
            PeerReveal.sub == reflection.author_sub,
        )
    )


def rating_words(
    session: Session, person: Participant, placement: Placement, *, limit: int = 50
) -> list[tuple[int, str]]:
    """The "why" words learners gave with their ratings, newest first (stars, words)."""
    _staff(person, placement)
    return [
        (stars, why)
        for stars, why in session.execute(
            select(ContentRating.stars, ContentRating.why)
            .where(ContentRating.placement_id == placement.id, ContentRating.why.is_not(None))
            .order_by(ContentRating.updated_at.desc(), ContentRating.id.desc())
            .limit(limit)
        )
        if why
    ]


__all__ = [
    "Counts",
    "LearnerPage",
    "LearnerRow",
    "StaffReply",
    "counts",
    "find_reflection",
    "is_roster_learner",
    "learners",
    "not_started_subs",
    "rating_words",
    "replies_of",
    "revealed_revision",
    "waiting_nudges",
]
