"""The reflection activity's tables. Every row names its placement, and every person is
(platform id, ``sub``): two platforms may reuse course ids and subs, so a ``sub`` alone
never identifies anyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from activities.db import Base, UtcDateTime, utcnow

REACTION_KINDS = ("helpful", "made_me_think", "will_try")


class Reflection(Base):
    """A learner's answer to the placement's prompt."""

    __tablename__ = "reflection"
    __table_args__ = (
        # A learner's own reflections; one per learner unless the placement allows several.
        Index(None, "placement_id", "author_platform_id", "author_sub"),
        # The peers page: newest first, keyset-paged by (created_at, id).
        Index("ix_reflection_peers_page", "placement_id", "created_at", "id"),
        # A double submit carrying the same client token finds the first post.
        UniqueConstraint("placement_id", "author_platform_id", "author_sub", "client_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The placement it answers.
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    #: The author's platform (with ``author_sub``, who wrote it).
    author_platform_id: Mapped[int] = mapped_column(Integer)
    #: The author's LTI ``sub`` on that platform.
    author_sub: Mapped[str] = mapped_column(String(255))
    #: The author's name as the last launch gave it (staff see it; peers maybe not).
    author_name: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The current text, as Markdown source ("" once deleted; the history keeps the text).
    body: Mapped[str] = mapped_column(Text)
    #: Words in ``body`` (for the minimum that unlocks peers, and participation).
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The author chose to be "A classmate" to peers (only where the placement allows it).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The form's one-time token, so a double submit posts once.
    client_token: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: Set when deleted: the row stays as a "removed" stub so replies keep their context.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: When and by whom (a staff ``sub``) it was featured as an exemplar; None if not.
    featured_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    featured_by_sub: Mapped[str | None] = mapped_column(String(255), default=None)

    revisions: Mapped[list[ReflectionRevision]] = relationship(
        back_populates="reflection", order_by="ReflectionRevision.number"
    )

    @property
    def removed(self) -> bool:
        return self.deleted_at is not None


class ReflectionRevision(Base):
    """One version of a reflection: the post, each edit, the delete (staff read them all)."""

    __tablename__ = "reflection_revision"
    __table_args__ = (UniqueConstraint("reflection_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflection.id", ondelete="CASCADE"))
    #: 1 for the post, then 2, 3… per edit or delete.
    number: Mapped[int] = mapped_column(Integer)
    #: "posted", "edited" or "deleted".
    action: Mapped[str] = mapped_column(String(16))
    #: The text of this version (for a delete: the text that was removed).
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Who made it (the author, or staff), by platform id and ``sub``.
    by_platform_id: Mapped[int] = mapped_column(Integer)
    by_sub: Mapped[str] = mapped_column(String(255))
    #: The author had already seen peers' reflections when this version was made: staff can
    #: tell a placeholder rewritten after reading the others.
    after_reveal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    reflection: Mapped[Reflection] = relationship(back_populates="revisions")


class Reaction(Base):
    """A peer's reaction to a reflection; one of each kind per person, can be taken back
    (the row is deleted: counts are of reactions that stand)."""

    __tablename__ = "reflection_reaction"
    __table_args__ = (
        UniqueConstraint("reflection_id", "platform_id", "sub", "kind"),
        Index(None, "placement_id", "platform_id", "sub"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflection.id", ondelete="CASCADE"))
    #: Denormalised from the reflection, so participation is counted without a join.
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    #: Who reacted.
    platform_id: Mapped[int] = mapped_column(Integer)
    sub: Mapped[str] = mapped_column(String(255))
    #: One of REACTION_KINDS.
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Reply(Base):
    """A reply to a reflection (one level: replies are not answered)."""

    __tablename__ = "reflection_reply"
    __table_args__ = (
        Index(None, "reflection_id", "created_at"),
        Index(None, "placement_id", "author_platform_id", "author_sub"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflection.id", ondelete="CASCADE"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    author_platform_id: Mapped[int] = mapped_column(Integer)
    author_sub: Mapped[str] = mapped_column(String(255))
    author_name: Mapped[str | None] = mapped_column(String(255), default=None)
    #: Markdown source.
    body: Mapped[str] = mapped_column(Text)
    #: Shown to peers as "A classmate" (where the placement allows anonymity).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PrivateReply(Base):
    """A note from staff to a reflection's author, which only the author and staff see."""

    __tablename__ = "reflection_private_reply"
    __table_args__ = (Index(None, "reflection_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflection.id", ondelete="CASCADE"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    #: The staff member who wrote it.
    staff_platform_id: Mapped[int] = mapped_column(Integer)
    staff_sub: Mapped[str] = mapped_column(String(255))
    staff_name: Mapped[str | None] = mapped_column(String(255), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ContentRating(Base):
    """How useful the content before the activity was for a learner's work (1–5), one per
    learner per placement, changeable; staff see the distribution."""

    __tablename__ = "content_rating"
    __table_args__ = (UniqueConstraint("placement_id", "platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(Integer)
    sub: Mapped[str] = mapped_column(String(255))
    #: 1 (not useful) to 5 (very useful).
    stars: Mapped[int] = mapped_column(SmallInteger)
    #: An optional word why.
    why: Mapped[str | None] = mapped_column(String(80), default=None)
    #: How many times it was given or changed (each change is its own statement).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PeerReveal(Base):
    """The first time a learner was shown peers' reflections (the ``viewed`` statement)."""

    __tablename__ = "reflection_peer_reveal"
    __table_args__ = (UniqueConstraint("placement_id", "platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(Integer)
    sub: Mapped[str] = mapped_column(String(255))
    #: The learner's own version of their reflection at that moment (None if none: staff, or
    #: a date or release rule): the version "peers had seen" for the history.
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflection_revision.id", ondelete="SET NULL"), default=None
    )
    revealed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Nudge(Base):
    """A friendly note from staff to a learner, shown on the learner's next launch, once."""

    __tablename__ = "reflection_nudge"
    __table_args__ = (Index(None, "placement_id", "learner_platform_id", "learner_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    learner_platform_id: Mapped[int] = mapped_column(Integer)
    learner_sub: Mapped[str] = mapped_column(String(255))
    staff_sub: Mapped[str] = mapped_column(String(255))
    staff_name: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The note (plain text; a default friendly sentence when staff wrote none).
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: When the learner's launch showed it; shown once.
    shown_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
