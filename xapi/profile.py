"""Peerloop's xAPI Profile (JSON-LD, xAPI Profiles 1.0), generated from the vocabulary and the
interaction specs the builders follow, so the published document cannot drift from the code."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from xapi import vocabulary as v
from xapi.interactions import (
    COMMON_CONTEXT_EXTENSIONS,
    INTERACTIONS,
    OPTIONAL_EXTENSIONS,
    Interaction,
)

PROFILES_CONTEXT = "https://w3id.org/xapi/profiles/context"
PROFILES_SPEC = "https://w3id.org/xapi/profiles#1.0"
MEDIA_TYPE = "application/ld+json"
# Newest first; each version after the first names the one it revises (wasRevisionOf).
VERSIONS: tuple[tuple[str, str, str | None], ...] = (
    (v.PROFILE_VERSION_IRI, "2026-12-01T00:00:00Z", v.PREVIOUS_VERSION_IRI),
    (v.PREVIOUS_VERSION_IRI, "2026-11-23T00:00:00Z", None),
)

ANY_INTERACTION_IRI = f"{v.PROFILE_VERSION_IRI}/patterns/any-interaction"
REGISTRATION_PATTERN_IRI = f"{v.PROFILE_VERSION_IRI}/patterns/learner-in-placement"

POST_TYPES = (v.THREAD, v.MESSAGE, v.REPLY, v.QUESTION)
PLACEMENT_TYPES = tuple(v.PLACEMENT_TYPES.values())


def _text(value: str) -> dict[str, str]:
    return {"en": value}


def _concept(iri: str, kind: str, label: str, definition: str) -> dict[str, Any]:
    return {
        "id": iri,
        "type": kind,
        "inScheme": v.PROFILE_VERSION_IRI,
        "prefLabel": _text(label),
        "definition": _text(definition),
    }


def _extension_concept(ext: v.Extension) -> dict[str, Any]:
    kind = "ContextExtension" if ext.kind == "context" else "ResultExtension"
    concept = _concept(ext.iri, kind, ext.label, ext.definition)
    uses = [
        spec.verb.iri
        for spec in INTERACTIONS
        if ext in spec.result_extensions or ext in spec.context_extensions
    ]
    if uses and ext not in COMMON_CONTEXT_EXTENSIONS:
        concept["recommendedVerbs"] = sorted(set(uses))
    concept["inlineSchema"] = json.dumps({"type": ext.json_type})
    return concept


def concepts() -> list[dict[str, Any]]:
    """Only the concepts this profile defines. Borrowed ones (ADL, SCORM, TinCan, Activity
    Streams, AcrossX, DoD ISD) stay in their own profiles: a profile MUST NOT define a concept
    another profile defines (xAPI Profiles 1.0, Part Two §7), so templates just use their IRIs."""
    verbs = [
        _concept(verb.iri, "Verb", verb.display, verb.definition) for verb in v.VERBS if verb.ours
    ]
    types = [
        _concept(t.iri, "ActivityType", t.label, t.definition) for t in v.ACTIVITY_TYPES if t.ours
    ]
    extensions = [_extension_concept(ext) for ext in v.EXTENSIONS if ext.ours]
    return verbs + types + extensions


def _extension_rule(ext: v.Extension) -> dict[str, Any]:
    where = "context" if ext.kind == "context" else "result"
    presence = "recommended" if ext in OPTIONAL_EXTENSIONS else "included"
    return {"location": f"$.{where}.extensions['{ext.iri}']", "presence": presence}


def _parent_rule(spec: Interaction, object_type: v.ActivityType) -> dict[str, Any]:
    location = "$.context.contextActivities.parent[*].definition.type"
    if object_type not in POST_TYPES:
        return {"location": location, "presence": "excluded"}
    presence = "included" if spec.needs_parent else "recommended"
    return {
        "location": location,
        "presence": presence,
        "all": [kind.iri for kind in POST_TYPES],
        "scopeNote": _text("The thread a post is in, or the post it answers."),
    }


def _rules(spec: Interaction, object_type: v.ActivityType) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {"location": "$.id", "presence": "included"},
        {"location": "$.timestamp", "presence": "included"},
        {"location": "$.actor.objectType", "presence": "included", "all": ["Agent"]},
        {
            "location": "$.actor.account | $.actor.mbox",
            "presence": "included",
            "scopeNote": _text(
                "The LTI account (homePage = the platform's issuer, name = the LTI sub or its "
                "pseudonym), or mbox instead when the installation identifies people by e-mail."
            ),
        },
        {"location": "$.context.registration", "presence": "included"},
        {
            "location": "$.context.contextActivities.category[*].id",
            "presence": "included",
            "any": [v.PROFILE_VERSION_IRI],
        },
        {
            "location": "$.context.contextActivities.grouping[*].definition.type",
            "presence": "included",
            "any": [kind.iri for kind in PLACEMENT_TYPES],
            "all": [v.COURSE.iri, *(kind.iri for kind in PLACEMENT_TYPES)],
            "scopeNote": _text("The LMS course and the activity placement it happened in."),
        },
        _parent_rule(spec, object_type),
    ]
    if spec.response:
        rules.append(
            {
                "location": "$.result.response",
                "presence": "recommended",
                "scopeNote": _text(
                    "The text written; left out when the installation switches text off."
                ),
            }
        )
    else:
        rules.append({"location": "$.result.response", "presence": "excluded"})
    if spec.staff:
        rules.append({"location": "$.context.instructor", "presence": "included"})
    if object_type == v.COHORT:
        rules.append({"location": "$.context.team", "presence": "included"})
    if object_type == v.INTERACTION:
        rules.append(
            {
                "location": "$.object.definition.interactionType",
                "presence": "included",
                "all": ["long-fill-in"],
            }
        )
    if spec.verb == v.TERMINATED:
        rules.append({"location": "$.result.duration", "presence": "recommended"})
    if spec.scored:
        rules.append(
            {
                "location": "$.result.score.raw",
                "presence": "included",
                "scopeNote": _text("The score given; $.result.score.max is what it is out of."),
            }
        )
        rules.append({"location": "$.result.score.max", "presence": "included"})
        rules.append({"location": "$.result.score.scaled", "presence": "included"})
        rules.append({"location": "$.result.completion", "presence": "included"})
    if spec.verb == v.COMPLETED:
        rules.append({"location": "$.result.completion", "presence": "included", "all": [True]})
    extensions = COMMON_CONTEXT_EXTENSIONS + spec.context_extensions + spec.result_extensions
    # dict.fromkeys: each extension once, in order, however many lists declare it.
    rules.extend(_extension_rule(ext) for ext in dict.fromkeys(extensions))
    return rules


def template(spec: Interaction, object_type: v.ActivityType) -> dict[str, Any]:
    label = spec.label if len(spec.object_types) == 1 else f"{spec.label} ({object_type.label})"
    doc = _concept(spec.template_iri(object_type), "StatementTemplate", label, spec.definition)
    doc["verb"] = spec.verb.iri
    doc["objectActivityType"] = object_type.iri
    doc["contextGroupingActivityType"] = [v.COURSE.iri]
    doc["contextCategoryActivityType"] = [v.PROFILE_ACTIVITY_TYPE]
    doc["rules"] = _rules(spec, object_type)
    return doc


def templates() -> list[dict[str, Any]]:
    return [template(spec, kind) for spec in INTERACTIONS for kind in spec.object_types]


def patterns() -> list[dict[str, Any]]:
    """Statements of one registration (a learner in a placement) come in any order."""
    common = {"inScheme": v.PROFILE_VERSION_IRI}
    return [
        {
            "id": REGISTRATION_PATTERN_IRI,
            "type": "Pattern",
            "primary": True,
            **common,
            "prefLabel": _text("A person in an activity placement"),
            "definition": _text(
                "All statements with one registration (one person in one LTI placement): any "
                "of the interactions, in any order, any number of times."
            ),
            "zeroOrMore": ANY_INTERACTION_IRI,
        },
        {
            "id": ANY_INTERACTION_IRI,
            "type": "Pattern",
            **common,
            "prefLabel": _text("Any interaction"),
            "definition": _text("One statement following any of this profile's templates."),
            "alternates": [doc["id"] for doc in templates()],
        },
    ]


def _versions() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for iri, generated, revises in VERSIONS:
        version: dict[str, Any] = {"id": iri, "generatedAtTime": generated}
        if revises is not None:
            version["wasRevisionOf"] = [revises]
        out.append(version)
    return out


@cache
def profile_document() -> dict[str, Any]:
    """The whole profile as a JSON-ready dict (built once; treat it as read-only)."""
    return {
        "@context": PROFILES_CONTEXT,
        "id": v.PROFILE_IRI,
        "type": "Profile",
        "conformsTo": PROFILES_SPEC,
        "prefLabel": _text("Peerloop social learning"),
        "definition": _text(
            "Statements Peerloop, an LTI 1.3 tool for social learning, sends for every "
            "interaction: launches, views, reflections, posts, replies, reactions, Q&A, "
            "moderation, recognition and cohorts. Actors are LTI accounts (homePage = LTI "
            "issuer), optionally pseudonymised; registration = one person in one placement."
        ),
        "versions": _versions(),
        "author": {"type": "Organization", "name": "Peerloop", "url": v.BASE},
        "concepts": concepts(),
        "templates": templates(),
        "patterns": patterns(),
    }


@cache
def profile_json() -> str:
    """The profile serialised once, byte-for-byte stable (the view's ETag depends on it)."""
    return json.dumps(profile_document(), ensure_ascii=False, indent=2)
