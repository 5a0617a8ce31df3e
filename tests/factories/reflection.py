"""Rows of the reflection activity and the course roster, for staff-page tests. Bind a
session first (``tests.factories.bind``), as for the other factories."""

from __future__ import annotations

import factory

from activities import rich_text
from activities.db import utcnow
from activities.reflection.models import (
    ContentRating,
    PeerReveal,
    Reaction,
    Reflection,
    ReflectionRevision,
    Reply,
)
from activities.roster import CourseMember, sort_key
from tests.factories import _Factory


class ReflectionFactory(_Factory):
    """A learner's reflection on ``placement`` (give it), with its first revision."""

    class Meta:
        model = Reflection

    class Params:
        placement = None

    placement_id = factory.SelfAttribute("placement.id")
    author_platform_id = factory.SelfAttribute("placement.platform_id")
    author_sub = factory.Sequence(lambda n: f"learner-{n}")
    author_name = factory.Sequence(lambda n: f"Learner {n}")
    body = "I would ask the client what they already tried before proposing anything new."
    word_count = factory.LazyAttribute(lambda o: rich_text.word_count(o.body))
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.SelfAttribute("created_at")

    @factory.post_generation
    def revision(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        session = ReflectionFactory._meta.sqlalchemy_session_factory()
        session.add(
            ReflectionRevision(
                reflection_id=self.id,
                number=1,
                action="posted",
                body=self.body,
                word_count=self.word_count,
                by_platform_id=self.author_platform_id,
                by_sub=self.author_sub,
                created_at=self.created_at,
            )
        )
        session.flush()


class RevisionFactory(_Factory):
    class Meta:
        model = ReflectionRevision

    class Params:
        reflection = None

    reflection_id = factory.SelfAttribute("reflection.id")
    number = 2
    action = "edited"
    body = "An edited version."
    word_count = factory.LazyAttribute(lambda o: rich_text.word_count(o.body))
    by_platform_id = factory.SelfAttribute("reflection.author_platform_id")
    by_sub = factory.SelfAttribute("reflection.author_sub")
    created_at = factory.LazyFunction(utcnow)


class ReplyFactory(_Factory):
    class Meta:
        model = Reply

    class Params:
        reflection = None

    reflection_id = factory.SelfAttribute("reflection.id")
    placement_id = factory.SelfAttribute("reflection.placement_id")
    author_platform_id = factory.SelfAttribute("reflection.author_platform_id")
    author_sub = factory.Sequence(lambda n: f"replier-{n}")
    author_name = factory.Sequence(lambda n: f"Replier {n}")
    body = "Good point about listening first."
    created_at = factory.LazyFunction(utcnow)


class ReactionFactory(_Factory):
    class Meta:
        model = Reaction

    class Params:
        reflection = None

    reflection_id = factory.SelfAttribute("reflection.id")
    placement_id = factory.SelfAttribute("reflection.placement_id")
    platform_id = factory.SelfAttribute("reflection.author_platform_id")
    sub = factory.Sequence(lambda n: f"reactor-{n}")
    kind = "helpful"
    created_at = factory.LazyFunction(utcnow)


class ContentRatingFactory(_Factory):
    class Meta:
        model = ContentRating

    class Params:
        placement = None

    placement_id = factory.SelfAttribute("placement.id")
    platform_id = factory.SelfAttribute("placement.platform_id")
    sub = factory.Sequence(lambda n: f"rater-{n}")
    stars = 4
    why = None


class PeerRevealFactory(_Factory):
    class Meta:
        model = PeerReveal

    placement_id = 0
    platform_id = 0
    sub = ""


class CourseMemberFactory(_Factory):
    """A member of a course's stored roster (a learner unless ``roles`` says otherwise)."""

    class Meta:
        model = CourseMember

    platform_id = 0
    context_id = "course-1"
    user_sub = factory.Sequence(lambda n: f"learner-{n}")
    name = factory.Sequence(lambda n: f"Learner {n}")
    email = None
    roles = "Learner"
    is_learner = factory.LazyAttribute(lambda o: "Learner" in o.roles.split())
    sort_name = factory.LazyAttribute(lambda o: sort_key(o.name, o.user_sub))
