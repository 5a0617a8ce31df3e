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
VERSION_DATE = "2026-11-23T00:00:00Z"  # when v1 was published; a new version gets a new date
MEDIA_TYPE = "application/ld+json"

ANY_INTERACTION_IRI = f"{v.PROFILE_VERSION_IRI}/patterns/any-interaction"
REGISTRATION_PATTERN_IRI = f"{v.PROFILE_VERSION_IRI}/patterns/learner-in-placement"


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
    verbs = [_concept(verb.iri, "Verb", verb.display, verb.definition) for verb in v.VERBS]
    types = [_concept(t.iri, "ActivityType", t.label, t.definition) for t in v.ACTIVITY_TYPES]
    return verbs + types + [_extension_concept(ext) for ext in v.EXTENSIONS]


def _extension_rule(ext: v.Extension) -> dict[str, Any]:
    where = "context" if ext.kind == "context" else "result"
    presence = "recommended" if ext in OPTIONAL_EXTENSIONS else "included"
    return {"location": f"$.{where}.extensions['{ext.iri}']", "presence": presence}


def _rules(spec: Interaction) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "location": "$.context.contextActivities.category[*].id",
            "presence": "included",
            "any": [v.PROFILE_VERSION_IRI],
        },
        {"location": "$.context.registration", "presence": "included"},
        {"location": "$.actor.objectType", "presence": "included", "any": ["Agent"]},
        {"location": "$.timestamp", "presence": "included"},
    ]
    if len(spec.object_types) > 1:
        rules.append(
            {
                "location": "$.object.definition.type",
                "presence": "included",
                "any": [kind.iri for kind in spec.object_types],
            }
        )
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
    if spec.staff:
        rules.append({"location": "$.context.instructor", "presence": "included"})
    extensions = COMMON_CONTEXT_EXTENSIONS + spec.context_extensions + spec.result_extensions
    rules.extend(_extension_rule(ext) for ext in extensions)
    return rules


def template(spec: Interaction) -> dict[str, Any]:
    doc = _concept(spec.template_iri, "StatementTemplate", spec.label, spec.definition)
    doc["verb"] = spec.verb.iri
    if len(spec.object_types) == 1:
        doc["objectActivityType"] = spec.object_types[0].iri
    doc["contextGroupingActivityType"] = [v.COURSE.iri]
    doc["contextCategoryActivityType"] = [v.PROFILE_ACTIVITY_TYPE]
    doc["rules"] = _rules(spec)
    return doc


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
            "alternates": [spec.template_iri for spec in INTERACTIONS],
        },
    ]


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
        "versions": [{"id": v.PROFILE_VERSION_IRI, "generatedAtTime": VERSION_DATE}],
        "author": {"type": "Organization", "name": "Peerloop", "url": v.BASE},
        "concepts": concepts(),
        "templates": [template(spec) for spec in INTERACTIONS],
        "patterns": patterns(),
    }


@cache
def profile_json() -> str:
    """The profile serialised once, byte-for-byte stable (the view's ETag depends on it)."""
    return json.dumps(profile_document(), ensure_ascii=False, indent=2)
