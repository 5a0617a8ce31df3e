"""The xAPI Profile describes everything the builders send."""

from __future__ import annotations

from typing import Any

from tests.unit.xapi.samples import SAMPLES
from xapi import vocabulary as v
from xapi.inputs import XapiOptions
from xapi.interactions import INTERACTIONS
from xapi.profile import profile_document
from xapi.serialize import to_json

CONCEPT_TYPES = {"Verb", "ActivityType", "ContextExtension", "ResultExtension"}


def _by_type(kind: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in profile_document()["concepts"] if c["type"] == kind}


def _sent() -> list[dict[str, Any]]:
    return [to_json(sample(XapiOptions())) for sample in SAMPLES.values()]


def _activity_types(body: dict[str, Any]) -> set[str]:
    activities = [body["object"]]
    for group in body["context"]["contextActivities"].values():
        activities.extend(group)
    return {a["definition"]["type"] for a in activities}


def test_every_verb_sent_has_a_verb_concept() -> None:
    verbs = _by_type("Verb")
    assert {body["verb"]["id"] for body in _sent()} <= set(verbs)
    assert {spec.verb.iri for spec in INTERACTIONS} <= set(verbs)


def test_every_vocabulary_verb_is_used_by_some_interaction() -> None:
    assert {verb.iri for verb in v.VERBS} == {spec.verb.iri for spec in INTERACTIONS}


def test_every_activity_type_and_extension_sent_has_a_concept() -> None:
    types = _by_type("ActivityType")
    context_ext, result_ext = _by_type("ContextExtension"), _by_type("ResultExtension")
    for body in _sent():
        assert _activity_types(body) <= set(types)
        assert set(body["context"].get("extensions", {})) <= set(context_ext)
        assert set(body.get("result", {}).get("extensions", {})) <= set(result_ext)


def test_one_template_per_interaction_with_its_verb() -> None:
    templates = profile_document()["templates"]
    assert len(templates) == len(INTERACTIONS)
    assert len({t["id"] for t in templates}) == len(templates)
    for template, spec in zip(templates, INTERACTIONS, strict=True):
        assert template["type"] == "StatementTemplate"
        assert template["verb"] == spec.verb.iri
        assert template["inScheme"] == v.PROFILE_VERSION_IRI
        assert template["rules"]
        if len(spec.object_types) == 1:
            assert template["objectActivityType"] == spec.object_types[0].iri


def test_primary_pattern_covers_every_template() -> None:
    doc = profile_document()
    patterns = {p["id"]: p for p in doc["patterns"]}
    primary = [p for p in doc["patterns"] if p.get("primary")]
    assert len(primary) == 1
    alternates = patterns[primary[0]["zeroOrMore"]]["alternates"]
    assert set(alternates) == {t["id"] for t in doc["templates"]}


def test_document_shape_follows_the_profiles_spec() -> None:
    doc = profile_document()
    assert doc["@context"] == "https://w3id.org/xapi/profiles/context"
    assert doc["id"] == v.PROFILE_IRI and doc["type"] == "Profile"
    assert doc["versions"][0]["id"] == v.PROFILE_VERSION_IRI
    assert doc["author"]["type"] == "Organization"
    for concept in doc["concepts"]:
        assert concept["type"] in CONCEPT_TYPES
        assert concept["inScheme"] == v.PROFILE_VERSION_IRI
        assert concept["prefLabel"]["en"] and concept["definition"]["en"]
    # the spec forbids empty objects, nulls, empty strings and empty arrays anywhere
    assert _empty_values(doc) == []


def _empty_values(value: Any, path: str = "$") -> list[str]:
    if value is None or value in ("", {}, []):
        return [path]
    if isinstance(value, dict):
        return [p for k, item in value.items() for p in _empty_values(item, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in _empty_values(item, f"{path}[{n}]")]
    return []
