"""Statement objects and context activities: course, placement, posts, prompts, cohorts."""

from __future__ import annotations

import re

from tincan import Activity, ActivityDefinition, LanguageMap

from xapi import vocabulary as v
from xapi.ids import activity_iri, scoped_key
from xapi.inputs import Cohort, Post, PostKind, Prompt, Where, XapiOptions

POST_TYPES: dict[PostKind, v.ActivityType] = {
    "thread": v.THREAD,
    "post": v.MESSAGE,
    "reflection": v.MESSAGE,
    "reply": v.REPLY,
    "question": v.QUESTION,
}

# RFC 5646 shape, loose enough for real LMS locales; LTI platforms send "en", "en-GB", "fr_CA".
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def language_tag(locale: str | None) -> str | None:
    """The launch locale as an xAPI language tag, or None when it is not a usable one.

    A bad locale from an LMS must not stop the interaction being recorded, so it is dropped.
    """
    if not locale:
        return None
    tag = locale.replace("_", "-")
    return tag if _LANGUAGE_TAG.match(tag) else None


def _names(text: str | None, where: Where) -> LanguageMap | None:
    if not text:
        return None
    return LanguageMap({language_tag(where.language) or "und": text})


def _activity(
    iri: str, kind: v.ActivityType, where: Where, name: str | None = None, **extra: object
) -> Activity:
    return Activity(
        id=iri,
        definition=ActivityDefinition(type=kind.iri, name=_names(name, where), **extra),
    )


def _lms_key(issuer: str, where: Where, lti_id: str) -> str:
    # LTI 1.3 context and resource-link ids are unique only within a deployment of an issuer.
    return scoped_key(issuer, where.deployment_id, lti_id)


def course(issuer: str, where: Where) -> Activity:
    iri = activity_iri(where.tool_url, "course", _lms_key(issuer, where, where.course_id))
    return _activity(iri, v.COURSE, where, where.course_title)


def placement_key(issuer: str, where: Where) -> str:
    return _lms_key(issuer, where, where.placement_id)


def placement(issuer: str, where: Where) -> Activity:
    iri = activity_iri(where.tool_url, "placement", placement_key(issuer, where))
    kind = v.PLACEMENT_TYPES[where.activity_kind]
    return _activity(iri, kind, where, where.placement_title)


def post_iri(where: Where, post: Post) -> str:
    return activity_iri(where.tool_url, "post", post.id)


def post(where: Where, item: Post, options: XapiOptions) -> Activity:
    """A post as an activity. Titles are text people wrote: they follow the text switch."""
    title = item.title if options.include_text else None
    return _activity(post_iri(where, item), POST_TYPES[item.kind], where, title)


def prompt(where: Where, item: Prompt) -> Activity:
    """A reflection prompt as a long-fill-in cmi.interaction (the instructor's own text)."""
    return _activity(
        activity_iri(where.tool_url, "prompt", item.id),
        v.INTERACTION,
        where,
        item.title or item.text,
        description=_names(item.text, where),
        interaction_type="long-fill-in",
    )


def cohort(where: Where, item: Cohort) -> Activity:
    return _activity(activity_iri(where.tool_url, "cohort", item.id), v.COHORT, where, item.name)


def profile() -> Activity:
    """The profile version, sent as contextActivities.category."""
    return Activity(
        id=v.PROFILE_VERSION_IRI, definition=ActivityDefinition(type=v.PROFILE_ACTIVITY_TYPE)
    )
