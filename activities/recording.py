"""Interactions as xAPI statements, recorded in the caller's transaction.

The one place that maps the domain's rows (a ``Participant`` acting on a ``Placement``, during
a ``Visit``) onto the inputs of ``xapi.builders``. Every function only adds rows to
``session``: the controller's commit keeps them with the interaction (or its rollback drops
them together), and nobody waits for an LRS. Each returns False when there was nothing to
record (an anonymous person, a first view or a launch's end already recorded), True when the
statement was recorded.

Statement ids are deterministic, so a replay never counts twice: ``launched`` and
``terminated`` come from the launch id (one each per launch), ``initialized`` from the
learner's registration in the placement (the first view only), ``shared`` from the
placement's key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy.orm import Session
from tincan import Statement

from activities.db import utcnow
from activities.people import Participant
from lrs_client.outbox import enqueue, is_queued
from lrs_client.versions import DEFAULT_VERSION
from xapi import builders
from xapi.actors import account_name
from xapi.ids import registration_id
from xapi.inputs import Post, Row, Where, Who, XapiOptions
from xapi.objects import placement_key
from xapi.serialize import to_json

if TYPE_CHECKING:
    from activities.placements import Placement

PageEvent = Literal["initialized", "terminated"]
PAGE_EVENTS: tuple[PageEvent, ...] = ("initialized", "terminated")


@dataclass(frozen=True)
class Visit:
    """How the person came to the activity: what a statement says beyond who and what.

    Built by the web layer once per request from the launch and the installation's settings.
    """

    #: The tool's public URL (activity IRIs are built on it).
    tool_url: str
    #: What statements may reveal (pseudonyms, names, e-mail, text).
    options: XapiOptions
    #: The xAPI version statements are written in (each LRS destination may ask another).
    version: str = DEFAULT_VERSION
    #: The launch this request belongs to ("" when unknown).
    launch_id: str = ""
    #: When that launch began (the ``terminated`` duration is measured from it).
    launched_at: datetime | None = None
    #: The course as the launch named it (a course copy launches with its own id).
    course_id: str | None = None
    course_title: str | None = None
    #: The platform's own resource link id of this launch.
    resource_link_id: str | None = None
    #: The LMS (LTI ``tool_platform`` claim, string values only).
    tool_platform: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    #: The launch's AGS endpoint claim (``scope``, ``lineitems``, ``lineitem``), if the
    #: platform offers grades for this link: where a participation score will go
    #: (activities.grading queues it with the score).
    ags_endpoint: dict[str, Any] | None = None


def _who(person: Participant) -> Who:
    return Who(issuer=person.issuer, sub=person.sub, name=person.name, email=person.email)


def _where(placement: Placement, visit: Visit) -> Where:
    """The placement in its course. The activity is identified by our own key, not the LTI
    resource link id: the key exists from deep linking on, while the resource link id is only
    known from the first launch, and the activity must be the same IRI in both statements
    (the resource link id, when the launch has one, goes in its own extension). Its deployment
    is the placement's, for the same reason (a course copy launches it from another
    deployment)."""
    return Where(
        tool_url=visit.tool_url,
        course_id=visit.course_id or placement.context_id or "",
        course_title=visit.course_title,
        placement_id=placement.key,
        resource_link_id=visit.resource_link_id,
        placement_title=placement.title,
        deployment_id=placement.deployment_id,
        activity_kind=placement.kind,
        tool_platform=visit.tool_platform or None,
        language=visit.language,
    )


def _record(session: Session, statement: Statement, visit: Visit) -> bool:
    enqueue(session, to_json(statement, visit.version))
    return True


def record_launch(
    session: Session,
    person: Participant,
    placement: Placement,
    visit: Visit,
    *,
    at: datetime | None = None,
) -> bool:
    """Record ``launched`` for a resource-link launch of ``placement``."""
    if not visit.launch_id:
        return False
    row = Row(kind="launch", id=visit.launch_id, at=at or visit.launched_at or utcnow())
    statement = builders.launched(
        _who(person), _where(placement, visit), row, options=visit.options
    )
    return _record(session, statement, visit)


def record_page_event(
    session: Session,
    person: Participant,
    placement: Placement,
    visit: Visit,
    verb: PageEvent,
    *,
    at: datetime | None = None,
    duration: timedelta | None = None,
) -> bool:
    """Record ``initialized`` (the learner's first view of the placement, ever) or
    ``terminated`` (the page of this launch was left; once per launch), the latter with the
    time since the launch as its duration unless ``duration`` is given."""
    if verb not in PAGE_EVENTS:
        raise ValueError(f"not a page event: {verb!r}")
    who, where, options = _who(person), _where(placement, visit), visit.options
    at = at or utcnow()
    if verb == "initialized":
        # Keyed by the registration (learner × placement), which holds the pseudonym rather
        # than the LMS sub when pseudonymising.
        registration = registration_id(
            who.issuer, account_name(who, options), placement_key(who.issuer, where)
        )
        row = Row(kind="registration", id=str(registration), at=at)
        statement = builders.initialized(who, where, row, options=options)
    else:
        if not visit.launch_id:
            return False
        if duration is None and visit.launched_at is not None and visit.launched_at <= at:
            # The time from the launch to leaving the page; none for a clock that went back.
            duration = at - visit.launched_at
        row = Row(kind="launch", id=visit.launch_id, at=at)
        statement = builders.terminated(who, where, row, duration=duration, options=options)
    # Once only: a later one would carry another timestamp under the same id, which an LRS
    # rejects (409) — and a destination added since must not get it either.
    if is_queued(session, str(statement.id)):
        return False
    return _record(session, statement, visit)


def record_placement_created(
    session: Session, person: Participant, placement: Placement, visit: Visit
) -> bool:
    """Record ``shared``: the instructor ``person`` placed the activity."""
    # The random key, not the integer id: ids restart with every database, and an LRS shared
    # by two installations (or a rebuilt one) would see one statement id for two placements.
    row = Row(kind="placement", id=placement.key, at=placement.created_at or utcnow())
    statement = builders.placement_shared(
        _who(person), _where(placement, visit), row, options=visit.options
    )
    return _record(session, statement, visit)


# --- reflection --------------------------------------------------------------------------------
# What these functions read of the reflection's rows, as protocols: importing the models would
# make this shared module (and every activity using it) depend on the reflection package.


class Reflection(Protocol):
    id: int
    body: str
    anonymous: bool
    author_sub: str
    author_name: str | None
    created_at: datetime
    featured_at: datetime | None


class Reply(Protocol):
    id: int
    body: str
    anonymous: bool
    created_at: datetime


class ReflectionRevision(Protocol):
    id: int
    created_at: datetime


class Reaction(Protocol):
    id: int
    kind: str
    created_at: datetime


class PeerReveal(Protocol):
    id: int
    revealed_at: datetime


class PrivateReply(Protocol):
    id: int
    body: str
    created_at: datetime


class Nudge(Protocol):
    id: int
    learner_sub: str
    created_at: datetime


class ContentRating(Protocol):
    id: int
    stars: int
    version: int
    updated_at: datetime


# Post ids are the placement's random key and the row id: integer ids restart with every
# database, and an LRS shared by two installations must not see one post IRI for two posts.


def _reflection_post(placement: Placement, reflection: Reflection) -> Post:
    return Post(
        id=f"{placement.key}.reflection.{reflection.id}",
        kind="reflection",
        text=reflection.body or None,
        anonymous_to_peers=reflection.anonymous,
    )


def record_reflection_posted(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection,
) -> bool:  # fmt: skip
    """Record ``posted``: ``person`` wrote ``reflection`` (the actor is the real account even
    when the reflection is anonymous to peers)."""
    row = Row(kind="reflection", id=f"{placement.key}.{reflection.id}", at=reflection.created_at)
    post = _reflection_post(placement, reflection)
    statement = builders.posted(
        _who(person), _where(placement, visit), row, post=post, options=visit.options
    )
    return _record(session, statement, visit)


def record_reflection_edited(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection, revision: ReflectionRevision,
) -> bool:  # fmt: skip
    """Record ``edited``; the revision is the row, so each edit is its own statement."""
    return _record_revision(
        builders.edited, session, person, placement, visit, reflection, revision
    )


def record_reflection_deleted(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection, revision: ReflectionRevision,
) -> bool:  # fmt: skip
    """Record ``deleted``; the deleting revision is the row."""
    return _record_revision(
        builders.deleted, session, person, placement, visit, reflection, revision
    )


def _record_revision(
    build: Callable[..., Statement], session: Session, person: Participant,
    placement: Placement, visit: Visit, reflection: Reflection, revision: ReflectionRevision,
) -> bool:  # fmt: skip
    row = Row(
        kind="reflection_revision", id=f"{placement.key}.{revision.id}", at=revision.created_at
    )
    statement = build(
        _who(person),
        _where(placement, visit),
        row,
        post=_reflection_post(placement, reflection),
        options=visit.options,
    )
    return _record(session, statement, visit)


def _author(reflection: Reflection, issuer: str) -> Who:
    return Who(issuer=issuer, sub=reflection.author_sub, name=reflection.author_name)


def record_reflection_replied(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection, reply: Reply,
) -> bool:  # fmt: skip
    """Record ``replied``: object = the reply, parent = the reflection answered."""
    parent = Post(
        id=f"{placement.key}.reflection.{reflection.id}",
        kind="reflection",
        author=_author(reflection, person.issuer),
        anonymous_to_peers=reflection.anonymous,
    )
    post = Post(
        id=f"{placement.key}.reply.{reply.id}",
        kind="reply",
        text=reply.body,
        parent=parent,
        anonymous_to_peers=reply.anonymous,
    )
    row = Row(kind="reflection_reply", id=f"{placement.key}.{reply.id}", at=reply.created_at)
    statement = builders.replied(
        _who(person), _where(placement, visit), row, reply=post, options=visit.options
    )
    return _record(session, statement, visit)


def record_reflection_reacted(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection, reaction: Reaction,
) -> bool:  # fmt: skip
    post = Post(
        id=f"{placement.key}.reflection.{reflection.id}",
        kind="reflection",
        author=_author(reflection, person.issuer),
    )
    row = Row(
        kind="reflection_reaction", id=f"{placement.key}.{reaction.id}", at=reaction.created_at
    )
    statement = builders.reacted(
        _who(person), _where(placement, visit), row, post=post,
        reaction=reaction.kind.replace("_", "-"), options=visit.options,
    )  # fmt: skip
    return _record(session, statement, visit)


def record_reflection_featured(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection,
) -> bool:  # fmt: skip
    """Record ``recognised`` (kind ``exemplar``): staff featured the reflection. Keyed by the
    time it was featured, so featuring again after unfeaturing is its own statement."""
    at = reflection.featured_at or utcnow()
    post = Post(
        id=f"{placement.key}.reflection.{reflection.id}",
        kind="reflection",
        author=_author(reflection, person.issuer),
    )
    row = Row(
        kind="reflection_featured", id=f"{placement.key}.{reflection.id}.{at.isoformat()}", at=at
    )
    statement = builders.recognised(
        _who(person), _where(placement, visit), row, post=post, kind="exemplar",
        options=visit.options,
    )  # fmt: skip
    return _record(session, statement, visit)


def record_peers_released(
    session: Session, person: Participant, placement: Placement, visit: Visit, at: datetime
) -> bool:
    """Record ``released``: staff released peers' reflections to the learners."""
    row = Row(kind="reflection_release", id=f"{placement.key}.{at.isoformat()}", at=at)
    statement = builders.released(
        _who(person), _where(placement, visit), row, options=visit.options
    )
    return _record(session, statement, visit)


def record_peers_viewed(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reveal: PeerReveal,
) -> bool:  # fmt: skip
    """Record ``viewed`` of the activity's peers, once: the learner's first reveal."""
    row = Row(
        kind="reflection_peer_reveal", id=f"{placement.key}.{reveal.id}", at=reveal.revealed_at
    )
    statement = builders.viewed(_who(person), _where(placement, visit), row, options=visit.options)
    return _record(session, statement, visit)


def record_reflection_unreacted(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection, reaction: Reaction, *, at: datetime | None = None,
) -> bool:  # fmt: skip
    """Record ``unreacted``: the reaction row taken back (its id and this verb make the id)."""
    post = Post(
        id=f"{placement.key}.reflection.{reflection.id}",
        kind="reflection",
        author=_author(reflection, person.issuer),
    )
    row = Row(kind="reflection_reaction", id=f"{placement.key}.{reaction.id}", at=at or utcnow())
    statement = builders.unreacted(
        _who(person), _where(placement, visit), row, post=post,
        reaction=reaction.kind.replace("_", "-"), options=visit.options,
    )  # fmt: skip
    return _record(session, statement, visit)


def record_private_reply(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    reflection: Reflection, reply: PrivateReply,
) -> bool:  # fmt: skip
    """Record ``replied privately``: staff wrote to the reflection's author only."""
    parent = Post(
        id=f"{placement.key}.reflection.{reflection.id}",
        kind="reflection",
        author=_author(reflection, person.issuer),
    )
    post = Post(
        id=f"{placement.key}.private-reply.{reply.id}", kind="reply", text=reply.body,
        parent=parent,
    )  # fmt: skip
    row = Row(
        kind="reflection_private_reply", id=f"{placement.key}.{reply.id}", at=reply.created_at
    )
    statement = builders.replied_privately(
        _who(person), _where(placement, visit), row, reply=post, options=visit.options
    )
    return _record(session, statement, visit)


def record_nudged(
    session: Session, person: Participant, placement: Placement, visit: Visit, nudge: Nudge
) -> bool:
    """Record ``nudged``: staff left the learner a note (its text is not sent)."""
    learner = Who(issuer=person.issuer, sub=nudge.learner_sub)
    row = Row(kind="reflection_nudge", id=f"{placement.key}.{nudge.id}", at=nudge.created_at)
    statement = builders.nudged(
        _who(person), _where(placement, visit), row, learner=learner, options=visit.options
    )
    return _record(session, statement, visit)


def record_content_rated(
    session: Session, person: Participant, placement: Placement, visit: Visit,
    rating: ContentRating,
) -> bool:  # fmt: skip
    """Record ``rated``; each change of the rating is its own statement (its version)."""
    row = Row(
        kind="content_rating", id=f"{placement.key}.{rating.id}.{rating.version}",
        at=rating.updated_at,
    )  # fmt: skip
    statement = builders.rated_content(
        _who(person), _where(placement, visit), row, rating=rating.stars, options=visit.options
    )
    return _record(session, statement, visit)


# --- grading -----------------------------------------------------------------------------------


class SentScore(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def score_given(self) -> float: ...
    @property
    def score_maximum(self) -> float: ...


def record_score_sent(
    session: Session, learner: Participant, placement: Placement, visit: Visit,
    sent: SentScore, at: datetime,
) -> bool:  # fmt: skip
    """Record ``scored``: the LMS accepted ``learner``'s score, sent with timestamp ``at``
    (each accepted score is its own statement)."""
    row = Row(kind="grade_score", id=f"{placement.key}.{sent.id}.{at.isoformat()}", at=at)
    statement = builders.score_sent(
        _who(learner), _where(placement, visit), row, score_given=sent.score_given,
        score_maximum=sent.score_maximum, options=visit.options,
    )  # fmt: skip
    return _record(session, statement, visit)
