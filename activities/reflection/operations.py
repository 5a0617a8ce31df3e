"""The reflection's rules. Each operation checks who may do it, changes rows, flushes and
records its xAPI statement in the same transaction (activities.recording); the caller
commits once. Every row is looked up by its id *and* the placement, and the placement must
be of the person's platform: an id from another course or platform is simply not found.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities import grading, recording, rich_text
from activities.db import utcnow
from activities.errors import N_, Closed, Invalid, NotAllowed, NotFound
from activities.people import Participant
from activities.placements import Placement
from activities.recording import Visit
from activities.reflection.models import (
    REACTION_KINDS,
    ContentRating,
    Nudge,
    PeerReveal,
    PrivateReply,
    Reaction,
    Reflection,
    ReflectionRevision,
    Reply,
)
from activities.reflection.queries import can_see, can_see_peers, check_placement, own_reflections
from activities.settings import change_settings, read

#: The same text posted again this soon is the same submit (a double click, a resent form).
DOUBLE_SUBMIT = timedelta(seconds=30)
MAX_REPLY_CHARS = 5_000
MAX_WHY_CHARS = 80
DEFAULT_NUDGE = "Your instructor would love to read your reflection on this activity."


def _staff(person: Participant, placement: Placement) -> None:
    check_placement(person, placement)
    if not person.is_staff:
        raise NotAllowed(N_("Only instructors of this course can do this."), code="not_staff")


def _find(session: Session, placement: Placement, reflection_id: int) -> Reflection:
    reflection = session.scalars(
        select(Reflection).where(
            Reflection.id == reflection_id, Reflection.placement_id == placement.id
        )
    ).first()
    if reflection is None:
        raise NotFound(N_("This reflection is not part of this activity."), code="no_reflection")
    return reflection


def _is_author(person: Participant, reflection: Reflection) -> bool:
    return (reflection.author_platform_id, reflection.author_sub) == (
        person.platform_id,
        person.sub,
    )


def _has_seen_peers(session: Session, person: Participant, placement: Placement) -> bool:
    return (
        session.scalar(
            select(PeerReveal.id).where(
                PeerReveal.placement_id == placement.id,
                PeerReveal.platform_id == person.platform_id,
                PeerReveal.sub == person.sub,
            )
        )
        is not None
    )


def _revise(
    session: Session, reflection: Reflection, action: str, person: Participant, body: str,
    *, after_reveal: bool, now: datetime,
) -> ReflectionRevision:  # fmt: skip
    number = (
        session.scalar(
            select(func.max(ReflectionRevision.number)).where(
                ReflectionRevision.reflection_id == reflection.id
            )
        )
        or 0
    ) + 1
    revision = ReflectionRevision(
        reflection_id=reflection.id,
        number=number,
        action=action,
        body=body,
        word_count=rich_text.word_count(body),
        by_platform_id=person.platform_id,
        by_sub=person.sub,
        after_reveal=after_reveal,
        created_at=now,
    )
    session.add(revision)
    session.flush()
    return revision


def _anonymity(placement: Placement, anonymous: bool) -> None:
    if anonymous and not read(placement)["anonymity_allowed"]:
        raise Invalid(
            N_("This activity does not allow posting anonymously."), code="anonymity_not_allowed"
        )


def post(
    session: Session,
    person: Participant,
    placement: Placement,
    visit: Visit,
    body: str,
    *,
    anonymous: bool = False,
    client_token: str | None = None,
    now: datetime | None = None,
) -> Reflection:
    """Post ``person``'s reflection. Idempotent: the same form token, or the same text within
    ``DOUBLE_SUBMIT``, returns the reflection already posted. One per learner unless the
    placement allows several. Posting needs no minimum length (unlocking peers does)."""
    check_placement(person, placement)
    now = now or utcnow()
    source = rich_text.clean(body, field="reflection")
    _anonymity(placement, anonymous)
    mine = own_reflections(session, person, placement)
    if client_token:
        same = session.scalars(
            select(Reflection).where(
                Reflection.placement_id == placement.id,
                Reflection.author_platform_id == person.platform_id,
                Reflection.author_sub == person.sub,
                Reflection.client_token == client_token,
            )
        ).first()
        if same is not None:
            return same
    for earlier in mine:
        if earlier.body == source and now - earlier.created_at < DOUBLE_SUBMIT:
            return earlier
    if mine and not read(placement)["several_per_learner"]:
        raise Invalid(
            N_("You have already posted a reflection here: edit it instead."), code="already_posted"
        )
    reflection = Reflection(
        placement_id=placement.id,
        author_platform_id=person.platform_id,
        author_sub=person.sub,
        author_name=person.name,
        body=source,
        word_count=rich_text.word_count(source),
        anonymous=anonymous,
        client_token=client_token,
        created_at=now,
        updated_at=now,
    )
    session.add(reflection)
    session.flush()
    _revise(session, reflection, "posted", person, source, after_reveal=False, now=now)
    recording.record_reflection_posted(session, person, placement, visit, reflection)
    grading.evaluate(session, person, placement, visit)
    return reflection


def edit(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, body: str, *, now: datetime | None = None,
) -> ReflectionRevision:  # fmt: skip
    """The author changes their reflection; the old text stays in the history, and an edit
    made after the author saw peers is marked so (the revealed version is kept)."""
    check_placement(person, placement)
    reflection = _find(session, placement, reflection_id)
    if not _is_author(person, reflection):
        raise NotAllowed(N_("Only its author can edit a reflection."), code="not_author")
    if reflection.removed:
        raise Closed(N_("This reflection was removed."), code="removed")
    now = now or utcnow()
    source = rich_text.clean(body, field="reflection")
    if source == reflection.body:
        return reflection.revisions[-1]
    reflection.body = source
    reflection.word_count = rich_text.word_count(source)
    reflection.updated_at = now
    after_reveal = _has_seen_peers(session, person, placement)
    revision = _revise(
        session, reflection, "edited", person, source, after_reveal=after_reveal, now=now
    )
    recording.record_reflection_edited(session, person, placement, visit, reflection, revision)
    return revision


def delete(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, *, now: datetime | None = None,
) -> Reflection:  # fmt: skip
    """The author (or staff) removes a reflection: a "removed" stub stays for its replies, the
    text stays in the history, and the author's peers are hidden again (queries)."""
    check_placement(person, placement)
    reflection = _find(session, placement, reflection_id)
    if not (_is_author(person, reflection) or person.is_staff):
        raise NotAllowed(N_("Only its author or staff can remove a reflection."), code="not_author")
    if reflection.removed:
        return reflection
    now = now or utcnow()
    author = Participant(reflection.author_platform_id, person.issuer, reflection.author_sub)
    after_reveal = _has_seen_peers(session, author, placement)
    revision = _revise(
        session, reflection, "deleted", person, reflection.body, after_reveal=after_reveal, now=now
    )
    reflection.body = ""
    reflection.word_count = 0
    reflection.deleted_at = now
    reflection.updated_at = now
    reflection.featured_at = None
    reflection.featured_by_sub = None
    session.flush()
    recording.record_reflection_deleted(session, person, placement, visit, reflection, revision)
    grading.evaluate(session, author, placement, visit)
    return reflection


def _visible(
    session: Session, person: Participant, placement: Placement, reflection_id: int,
    now: datetime | None,
) -> Reflection:  # fmt: skip
    reflection = _find(session, placement, reflection_id)
    if not can_see(session, person, placement, reflection, now):
        # The same answer as a missing id: a hidden reflection must not be probed.
        raise NotFound(N_("This reflection is not part of this activity."), code="no_reflection")
    if reflection.removed:
        raise Closed(N_("This reflection was removed."), code="removed")
    return reflection


def react(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, kind: str, *, now: datetime | None = None,
) -> Reaction:  # fmt: skip
    """A peer reacts (one of each kind per person; reacting again changes nothing)."""
    check_placement(person, placement)
    if kind not in REACTION_KINDS:
        raise Invalid(N_("That is not one of the reactions."), code="no_such_reaction")
    reflection = _visible(session, person, placement, reflection_id, now)
    if _is_author(person, reflection):
        raise NotAllowed(N_("Reactions are for peers' reflections."), code="own_reflection")
    existing = session.scalars(
        select(Reaction).where(
            Reaction.reflection_id == reflection.id,
            Reaction.platform_id == person.platform_id,
            Reaction.sub == person.sub,
            Reaction.kind == kind,
        )
    ).first()
    if existing is not None:
        return existing
    reaction = Reaction(
        reflection_id=reflection.id,
        placement_id=placement.id,
        platform_id=person.platform_id,
        sub=person.sub,
        kind=kind,
        created_at=now or utcnow(),
    )
    session.add(reaction)
    session.flush()
    recording.record_reflection_reacted(session, person, placement, visit, reflection, reaction)
    return reaction


def unreact(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, kind: str,
) -> bool:  # fmt: skip
    """Take a reaction back (recorded as ``unreacted``); False when there was none."""
    check_placement(person, placement)
    reflection = _find(session, placement, reflection_id)
    reaction = session.scalars(
        select(Reaction).where(
            Reaction.reflection_id == reflection.id,
            Reaction.platform_id == person.platform_id,
            Reaction.sub == person.sub,
            Reaction.kind == kind,
        )
    ).first()
    if reaction is None:
        return False
    recording.record_reflection_unreacted(session, person, placement, visit, reflection, reaction)
    session.delete(reaction)
    session.flush()
    return True


def reply(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, body: str, *, anonymous: bool = False, now: datetime | None = None,
) -> Reply:  # fmt: skip
    """Reply to a reflection ``person`` can see (one level: replies take no replies). The
    same text again within ``DOUBLE_SUBMIT`` is the same submit: the reply already made."""
    check_placement(person, placement)
    reflection = _visible(session, person, placement, reflection_id, now)
    source = rich_text.clean(body, field="reply", max_chars=MAX_REPLY_CHARS)
    _anonymity(placement, anonymous)
    now = now or utcnow()
    same = session.scalars(
        select(Reply).where(
            Reply.reflection_id == reflection.id,
            Reply.author_platform_id == person.platform_id,
            Reply.author_sub == person.sub,
            Reply.body == source,
            Reply.created_at > now - DOUBLE_SUBMIT,
        )
    ).first()
    if same is not None:
        return same
    row = Reply(
        reflection_id=reflection.id,
        placement_id=placement.id,
        author_platform_id=person.platform_id,
        author_sub=person.sub,
        author_name=person.name,
        body=source,
        anonymous=anonymous,
        created_at=now,
    )
    session.add(row)
    session.flush()
    recording.record_reflection_replied(session, person, placement, visit, reflection, row)
    grading.evaluate(session, person, placement, visit)
    return row


def feature(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, *, now: datetime | None = None,
) -> Reflection:  # fmt: skip
    """Staff feature a reflection as an exemplar (shown first, labelled, recorded)."""
    _staff(person, placement)
    reflection = _find(session, placement, reflection_id)
    if reflection.removed:
        raise Closed(N_("This reflection was removed."), code="removed")
    if reflection.featured_at is not None:
        return reflection
    reflection.featured_at = now or utcnow()
    reflection.featured_by_sub = person.sub
    session.flush()
    recording.record_reflection_featured(session, person, placement, visit, reflection)
    return reflection


def unfeature(
    session: Session, person: Participant, placement: Placement, visit: Visit, reflection_id: int
) -> Reflection:
    _staff(person, placement)
    reflection = _find(session, placement, reflection_id)
    reflection.featured_at = None
    reflection.featured_by_sub = None
    session.flush()
    return reflection


def private_reply(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection_id: int, body: str, *, now: datetime | None = None,
) -> PrivateReply:  # fmt: skip
    """Staff write to a reflection's author only."""
    _staff(person, placement)
    reflection = _find(session, placement, reflection_id)
    row = PrivateReply(
        reflection_id=reflection.id,
        placement_id=placement.id,
        staff_platform_id=person.platform_id,
        staff_sub=person.sub,
        staff_name=person.name,
        body=rich_text.clean(body, field="reply", max_chars=MAX_REPLY_CHARS),
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    recording.record_private_reply(session, person, placement, visit, reflection, row)
    return row


def rate_content(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    stars: int, why: str | None = None, *, now: datetime | None = None,
) -> ContentRating:  # fmt: skip
    """How useful the content was for the learner's work (1–5, a word why); one per learner,
    changeable."""
    check_placement(person, placement)
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise Invalid(N_("Choose from 1 to 5 stars."), code="out_of_range")
    why = (why or "").strip() or None
    if why is not None and len(why) > MAX_WHY_CHARS:
        raise Invalid(
            N_("Say why in at most %(limit)s characters."),
            code="too_long",
            params={"limit": MAX_WHY_CHARS},
        )
    now = now or utcnow()
    rating = session.scalars(
        select(ContentRating).where(
            ContentRating.placement_id == placement.id,
            ContentRating.platform_id == person.platform_id,
            ContentRating.sub == person.sub,
        )
    ).first()
    if rating is None:
        rating = ContentRating(
            placement_id=placement.id, platform_id=person.platform_id, sub=person.sub,
            stars=stars, why=why, version=1, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(rating)
    elif (rating.stars, rating.why) != (stars, why):
        rating.stars, rating.why = stars, why
        rating.version += 1
        rating.updated_at = now
    else:
        return rating  # the same rating again: nothing changed, nothing to record
    session.flush()
    recording.record_content_rated(session, person, placement, visit, rating)
    return rating


def release(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    *, now: datetime | None = None,
) -> bool:  # fmt: skip
    """Staff release peers' reflections (the ``on_release`` rule); True when it changed."""
    _staff(person, placement)
    if not change_settings(session, person, placement, released=True):
        return False
    recording.record_peers_released(session, person, placement, visit, now or utcnow())
    return True


def unrelease(session: Session, person: Participant, placement: Placement, visit: Visit) -> bool:
    """Staff hide peers' reflections again; True when it changed."""
    _staff(person, placement)
    return bool(change_settings(session, person, placement, released=False))


def nudge(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    learner_sub: str, message: str | None = None, *, now: datetime | None = None,
) -> Nudge:  # fmt: skip
    """Staff leave a friendly note a learner of this placement's platform sees on their next
    launch, once."""
    _staff(person, placement)
    if not learner_sub:
        raise Invalid(N_("Choose a learner."), code="no_learner")
    text = (message or "").strip() or DEFAULT_NUDGE
    row = Nudge(
        placement_id=placement.id,
        learner_platform_id=placement.platform_id,
        learner_sub=learner_sub,
        staff_sub=person.sub,
        staff_name=person.name,
        message=rich_text.clean(text, field="note", max_chars=1_000),
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    recording.record_nudged(session, person, placement, visit, row)
    return row


def take_nudges(
    session: Session, person: Participant, placement: Placement, *, now: datetime | None = None
) -> list[Nudge]:
    """The notes to show on this launch, marked shown so they appear once."""
    check_placement(person, placement)
    notes = list(
        session.scalars(
            select(Nudge)
            .where(
                Nudge.placement_id == placement.id,
                Nudge.learner_platform_id == person.platform_id,
                Nudge.learner_sub == person.sub,
                Nudge.shown_at.is_(None),
            )
            .order_by(Nudge.created_at)
        )
    )
    for note in notes:
        note.shown_at = now or utcnow()
    session.flush()
    return notes


def peers_viewed(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    *, now: datetime | None = None,
) -> PeerReveal | None:  # fmt: skip
    """The page showed ``person`` their peers: the first time, keep it (with the learner's
    own version at that moment) and record ``viewed``. None when already kept or hidden."""
    check_placement(person, placement)
    if person.is_staff or not can_see_peers(session, person, placement, now).visible:
        return None
    if _has_seen_peers(session, person, placement):
        return None
    mine = own_reflections(session, person, placement)
    revision_id = None
    if mine:
        revision_id = session.scalar(
            select(ReflectionRevision.id)
            .where(ReflectionRevision.reflection_id == mine[-1].id)
            .order_by(ReflectionRevision.number.desc())
            .limit(1)
        )
    reveal = PeerReveal(
        placement_id=placement.id,
        platform_id=person.platform_id,
        sub=person.sub,
        revision_id=revision_id,
        revealed_at=now or utcnow(),
    )
    session.add(reveal)
    session.flush()
    recording.record_peers_viewed(session, person, placement, visit, reveal)
    return reveal
