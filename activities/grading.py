"""Participation grading: the instructor's rule turned into a learner's score, and the durable
queue the score waits in for the LMS.

The rule (reflection settings ``grade_reflections`` and ``grade_replies``, out of the
placement's ``score_maximum``): full marks for that many reflections and that many replies to
peers' reflections; partial work earns its proportional share, every required item weighing
the same (1 of 1 reflection and 1 of 2 replies = 2 of 3 = two thirds of the marks). Work
beyond a requirement does not make up for another (three replies and no reflection, with a
1 + 2 rule, is still two thirds). Removed reflections do not count; replies count while they
stand (nothing removes one), even when the reflection they answer was removed later. A rule
of 0 + 0 asks for nothing but taking part: full marks for every learner who opens the
activity (``evaluate`` runs at launch too). A learner with nothing done and no score queued
yet gets no row: the gradebook's empty cell already says so.

The queue is the outbox's pattern for grades: ``evaluate`` (called by each operation that
changes what counts, in the learner's transaction) upserts one row per placement and learner
when the score changed — the latest score wins — and never calls the LMS; the worker
(``lti_tool.grades``) sends it. The row keeps what the send needs from the learner's latest
launch (the AGS endpoint claim, the resource link), so the worker needs no request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from activities.db import Base, UtcDateTime, utcnow
from activities.errors import N_, NotAllowed
from activities.people import Participant
from activities.recording import Visit
from activities.settings import read

if TYPE_CHECKING:
    from activities.placements import Placement

# Queue row states: waiting to go (or to be retried), in a worker's hands, accepted by the
# LMS, refused or failing (with the platform's message; a refusal waits for a new score or
# "re-send all", a failure retries with backoff).
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
STATUSES = (PENDING, SENDING, SENT, FAILED)

#: Out of this when a grading placement sets no maximum (older placements).
DEFAULT_MAXIMUM = 10.0

NO_AGS = N_(
    "The LMS offers no grade service (AGS) for this activity's link, so the score cannot be "
    "sent. Check the tool's settings in the LMS."
)


class QueuedScore(Base):
    """A learner's latest participation score for a placement, and how sending it went."""

    __tablename__ = "grade_queue"
    __table_args__ = (
        UniqueConstraint("placement_id", "platform_id", "user_sub"),
        # The worker's claim: due rows by state and time.
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    #: The learner: platform and LTI ``sub`` (the AGS ``userId``).
    platform_id: Mapped[int] = mapped_column(Integer)
    user_sub: Mapped[str] = mapped_column(String(255))
    #: Their name as a launch gave it, for the instructor's list (None: "a learner").
    user_name: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The score to send (the latest evaluation), and what it is out of.
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    #: One of STATUSES.
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    #: Tries since the score last changed (or was re-sent), for the backoff.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When a worker may take it next; None: not before a new score or "re-send all".
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: A worker's lease: the row comes back when it ends (a worker that died mid-send).
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    #: The platform's message of the last failure (kept until a send succeeds).
    last_message: Mapped[str | None] = mapped_column(Text, default=None)
    #: When the LMS last accepted a score, and the timestamp that score carried: the next
    #: one must be strictly later, in whole seconds (Moodle answers 409 otherwise).
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    score_timestamp: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: From the learner's latest launch: the AGS endpoint claim (``scope``, ``lineitems``,
    #: ``lineitem``) and the resource link id. Always this course's, never another's.
    endpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    resource_link_id: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The line item found or created for the placement in that course (when the launch
    #: names none), so the next send does not look it up again.
    line_item_url: Mapped[str | None] = mapped_column(Text, default=None)
    #: When the score last changed (queued).
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class Rule:
    """Full marks (``maximum``) for ``reflections`` reflections and ``replies`` replies."""

    reflections: int
    replies: int
    maximum: float


@dataclass(frozen=True)
class Progress:
    """What a learner has done that the rule counts."""

    reflections: int
    replies: int


def rule_for(placement: Placement) -> Rule | None:
    """The placement's participation rule; None when it does not grade (the instructor did
    not ask for it) or its kind has no rule yet."""
    if not placement.grading:
        return None
    values = read(placement)
    if "grade_reflections" not in values:
        return None
    maximum = placement.score_maximum or DEFAULT_MAXIMUM
    return Rule(int(values["grade_reflections"]), int(values["grade_replies"]), maximum)


def score(rule: Rule, progress: Progress) -> float:
    """The score ``progress`` earns under ``rule`` (see the module's docstring)."""
    needed = rule.reflections + rule.replies
    if needed == 0:
        return rule.maximum
    done = min(progress.reflections, rule.reflections) + min(progress.replies, rule.replies)
    return round(rule.maximum * done / needed, 2)


def progress(session: Session, person: Participant, placement: Placement) -> Progress:
    """The learner's standing reflections, and their replies to others' reflections."""
    # Imported here: the reflection's operations call this module, and a module-level import
    # would make the shared grading module load the reflection package first.
    from activities.reflection.models import Reflection, Reply

    reflections = session.scalar(
        select(func.count())
        .select_from(Reflection)
        .where(
            Reflection.placement_id == placement.id,
            Reflection.author_platform_id == person.platform_id,
            Reflection.author_sub == person.sub,
            Reflection.deleted_at.is_(None),
        )
    )
    answered = aliased(Reflection)
    replies = session.scalar(
        select(func.count())
        .select_from(Reply)
        .join(answered, answered.id == Reply.reflection_id)
        .where(
            Reply.placement_id == placement.id,
            Reply.author_platform_id == person.platform_id,
            Reply.author_sub == person.sub,
            # A reply to one's own reflection is not a reply to a peer.
            ~(
                (answered.author_platform_id == person.platform_id)
                & (answered.author_sub == person.sub)
            ),
        )
    )
    return Progress(int(reflections or 0), int(replies or 0))


def _row(session: Session, placement: Placement, platform_id: int, sub: str) -> QueuedScore | None:
    return session.scalars(
        select(QueuedScore)
        .where(
            QueuedScore.placement_id == placement.id,
            QueuedScore.platform_id == platform_id,
            QueuedScore.user_sub == sub,
        )
        # Two requests of one learner at once (two tabs): the second waits here and then
        # counts what the first committed, so the queued score is never the older one.
        .with_for_update()
    ).first()


def _queue(row: QueuedScore, given: float, maximum: float, endpoint: Mapping[str, Any] | None,
           visit: Visit, now: datetime) -> None:  # fmt: skip
    row.score_given, row.score_maximum = given, maximum
    row.queued_at = row.updated_at = now
    # A score being sent right now is not this one: taking the claim away makes the worker's
    # settle a no-op, and the row goes again with the new score.
    row.claim_token, row.claimed_until = None, None
    row.attempts = 0
    if endpoint:
        row.endpoint = dict(endpoint)
        row.resource_link_id = visit.resource_link_id or row.resource_link_id
    if row.endpoint:
        row.status, row.next_attempt_at, row.last_message = PENDING, now, None
    else:
        row.status, row.next_attempt_at, row.last_message = FAILED, None, NO_AGS


def evaluate(
    session: Session,
    person: Participant,
    placement: Placement,
    visit: Visit,
    *,
    now: datetime | None = None,
) -> QueuedScore | None:
    """Score ``person`` under the placement's rule and queue the score when it changed
    (flushed; the caller commits with the interaction). The AGS endpoint comes from
    ``visit`` (the launch of whoever acted: the learner, or staff removing their
    reflection), else stays the one queued before. Returns the row when it was queued,
    None when nothing changed or the placement does not grade (staff are not graded)."""
    rule = rule_for(placement)
    if rule is None or person.is_staff:
        return None
    now = now or utcnow()
    row = _row(session, placement, person.platform_id, person.sub)
    given = score(rule, progress(session, person, placement))
    if row is not None and (row.score_given, row.score_maximum) == (given, rule.maximum):
        return None
    if row is None:
        if given == 0:
            return None
        row = QueuedScore(
            placement_id=placement.id, platform_id=person.platform_id, user_sub=person.sub
        )
        _queue(row, given, rule.maximum, visit.ags_endpoint, visit, now)
        row.user_name = person.name
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # The learner's other request queued first: update that row instead.
            found = _row(session, placement, person.platform_id, person.sub)
            if found is None:
                raise
            row = found
        else:
            return row
    _queue(row, given, rule.maximum, visit.ags_endpoint, visit, now)
    row.user_name = person.name or row.user_name
    session.flush()
    return row


def queued(session: Session, placement: Placement) -> list[QueuedScore]:
    """The placement's queue, for the instructor: every learner with a score, by name."""
    return list(
        session.scalars(
            select(QueuedScore)
            .where(QueuedScore.placement_id == placement.id)
            .order_by(QueuedScore.user_name, QueuedScore.user_sub)
        )
    )


def resend_all(
    session: Session, person: Participant, placement: Placement, *, now: datetime | None = None
) -> int:
    """Staff send every learner's score again (after the LMS lost grades, or a refusal was
    fixed there): each row is due now with its attempts reset. Flushes; returns how many."""
    if not person.is_staff or person.platform_id != placement.platform_id:
        raise NotAllowed(N_("Only instructors of this course can re-send scores."))
    now = now or utcnow()
    result = session.execute(
        update(QueuedScore)
        .where(QueuedScore.placement_id == placement.id, QueuedScore.endpoint.is_not(None))
        .values(
            status=PENDING,
            next_attempt_at=now,
            attempts=0,
            claim_token=None,
            claimed_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)
