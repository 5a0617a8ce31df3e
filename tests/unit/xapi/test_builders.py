"""Every builder's statement is valid for a strict validator (Ralph's pydantic model), matches
its golden file, and carries the context learning-ops staff query by."""

from __future__ import annotations

from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from tests.unit.xapi.golden import check_golden
from tests.unit.xapi.samples import SAMPLES
from xapi import vocabulary as v
from xapi.inputs import XapiOptions
from xapi.interactions import INTERACTIONS
from xapi.serialize import to_json

SPECS = {spec.name: spec for spec in INTERACTIONS}
NAMES = sorted(SAMPLES)


def _empties(value: Any, path: str = "$") -> list[str]:
    """Paths of nulls, empty objects and empty arrays: strict LRSs reject them."""
    if value is None or value == {} or value == []:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _empties(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in _empties(item, f"{path}[{n}]")]
    return []


def test_there_is_a_sample_for_every_interaction() -> None:
    assert set(SAMPLES) == set(SPECS)


@pytest.mark.parametrize("name", NAMES)
def test_statement_passes_strict_validation(name: str) -> None:
    body = to_json(SAMPLES[name](XapiOptions()))
    BaseXapiStatement(**body)
    assert _empties(body) == []


@pytest.mark.parametrize("name", NAMES)
def test_statement_matches_golden_file(name: str) -> None:
    check_golden(name, to_json(SAMPLES[name](XapiOptions())))


@pytest.mark.parametrize("name", NAMES)
def test_statement_follows_its_spec(name: str) -> None:
    spec = SPECS[name]
    body = to_json(SAMPLES[name](XapiOptions()))
    assert body["verb"] == {"id": spec.verb.iri, "display": {"en": spec.verb.display}}
    assert body["object"]["definition"]["type"] in {t.iri for t in spec.object_types}
    context = body["context"]
    assert [a["id"] for a in context["contextActivities"]["category"]] == [v.PROFILE_VERSION_IRI]
    grouping_types = [a["definition"]["type"] for a in context["contextActivities"]["grouping"]]
    assert grouping_types[0] == v.COURSE.iri
    assert grouping_types[1] in {t.iri for t in v.PLACEMENT_TYPES.values()}
    for ext in (v.LTI_DEPLOYMENT_ID, v.LTI_CONTEXT_ID, v.PLACEMENT_KEY):
        assert context["extensions"][ext.iri]
    assert context["registration"]
    assert context["platform"] == "Example Moodle"
    assert body["timestamp"] == "2026-11-23T09:30:00+00:00"
    if spec.staff:
        assert context["instructor"] == body["actor"]
    if spec.response:
        assert body["result"]["response"]
        assert body["result"]["extensions"][v.WORD_COUNT.iri] == len(
            body["result"]["response"].split()
        )


@pytest.mark.parametrize("name", NAMES)
def test_xapi_2_serialisation_differs_only_in_version(name: str) -> None:
    statement = SAMPLES[name](XapiOptions())
    legacy, current = to_json(statement), to_json(statement, version="2.0.0")
    assert current.pop("version") == "2.0.0"
    assert legacy.pop("version") == "1.0.3"
    assert current == legacy


def test_replies_and_answers_point_at_what_they_answer() -> None:
    reply = to_json(SAMPLES["replied"](XapiOptions()))
    assert reply["context"]["contextActivities"]["parent"][0]["id"].endswith("/post/11")
    # the author of the post answered, not the replier
    author = reply["context"]["extensions"][v.POST_AUTHOR.iri]
    assert author["account"]["name"] == "peer-sub-19c2"
    answer = to_json(SAMPLES["answered"](XapiOptions()))
    assert answer["object"]["id"].endswith("/post/20")
    assert answer["context"]["extensions"][v.POST.iri].endswith("/post/21")
    accepted = to_json(SAMPLES["accepted_answer"](XapiOptions()))
    assert accepted["object"]["id"] == answer["context"]["extensions"][v.POST.iri]


def test_cohort_is_an_identified_group_and_round_an_extension() -> None:
    body = to_json(SAMPLES["joined_cohort"](XapiOptions()))
    team = body["context"]["team"]
    assert team == {
        "objectType": "Group",
        "name": "Cohort 3",
        "account": {"homePage": "https://peerloop.example.edu", "name": "cohort-3"},
    }
    assert body["context"]["extensions"][v.COHORT_ROUND.iri] == 2
    assert body["object"]["definition"]["type"] == v.COHORT.iri


def test_locale_is_normalised_to_a_language_tag() -> None:
    body = to_json(SAMPLES["posted"](XapiOptions()))
    assert body["context"]["language"] == "en-GB"  # the LMS sent "en_GB"


def test_mention_names_the_person_mentioned() -> None:
    body = to_json(SAMPLES["mentioned"](XapiOptions()))
    person = body["context"]["extensions"][v.MENTIONED_PERSON.iri]
    assert person["account"] == {"homePage": "https://lms.example.edu", "name": "peer-sub-19c2"}


def test_resource_link_id_is_the_platforms_and_the_placement_key_is_ours() -> None:
    body = to_json(SAMPLES["posted"](XapiOptions()))
    extensions = body["context"]["extensions"]
    assert extensions[v.LTI_RESOURCE_LINK_ID.iri] == "lms-resource-link-9"
    assert extensions[v.PLACEMENT_KEY.iri] == "placement-key-42"
    # unknown (e.g. a Deep Linking launch): left out, never filled with our key
    unknown = to_json(SAMPLES["released"](XapiOptions()))["context"]["extensions"]
    assert v.LTI_RESOURCE_LINK_ID.iri not in unknown
    assert unknown[v.PLACEMENT_KEY.iri] == "placement-key-43"
