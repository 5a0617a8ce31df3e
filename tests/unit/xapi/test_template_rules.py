"""Every builder's statement follows its own statement template, whatever the options: it
matches exactly one template of the profile (the one for its interaction and object type),
breaks none of that template's rules, and passes a strict validator."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from tincan import Statement

from lrs_client.versions import VERSIONS
from tests.unit.xapi.samples import (
    ANSWER,
    LEARNER,
    PEER,
    PROMPT,
    QUESTION,
    REFLECTION_WHERE,
    SAMPLES,
    TEACHER,
    THREAD,
    WHERE,
    row,
)
from tests.unit.xapi.template_rules import (
    determining_mismatches,
    locate,
    rule_errors,
    template_errors,
)
from xapi import builders as b
from xapi import vocabulary as v
from xapi.inputs import Post, XapiOptions
from xapi.interactions import INTERACTIONS
from xapi.profile import profile_document
from xapi.serialize import to_json

SPECS = {spec.name: spec for spec in INTERACTIONS}
TEMPLATES = {t["id"]: t for t in profile_document()["templates"]}
SECRET = "template-test-secret"

# Every combination of what an installation can switch, and each xAPI version.
OPTIONS = [
    XapiOptions(
        pseudonymize_secret=SECRET if pseudonymous else None,
        include_text=text,
        include_names=names,
        include_email=email,
    )
    for pseudonymous, text, names, email in itertools.product((False, True), repeat=4)
]
COMBINATIONS = [(options, version) for options in OPTIONS for version in VERSIONS]

# Other object types than the samples' for interactions that act on several.
VARIANTS: dict[str, tuple[str, Callable[[XapiOptions], Statement]]] = {
    "viewed activity": ("viewed", lambda o: b.viewed(LEARNER, WHERE, row("view", 1), options=o)),
    "viewed thread": (
        "viewed",
        lambda o: b.viewed(LEARNER, WHERE, row("view", 2), target=THREAD, options=o),
    ),
    "viewed question": (
        "viewed",
        lambda o: b.viewed(LEARNER, WHERE, row("view", 3), target=QUESTION, options=o),
    ),
    "launched reflection": (
        "launched",
        lambda o: b.launched(LEARNER, REFLECTION_WHERE, row("launch", 2), options=o),
    ),
    "posted thread": (
        "posted",
        lambda o: b.posted(PEER, WHERE, row("post", 9), post=_with_text(THREAD), options=o),
    ),
    "edited question": (
        "edited",
        lambda o: b.edited(PEER, WHERE, row("revision", 4), post=QUESTION, options=o),
    ),
    "deleted reply": (
        "deleted",
        lambda o: b.deleted(LEARNER, WHERE, row("post", 21), post=ANSWER, options=o),
    ),
    "locked activity": ("locked", lambda o: b.locked(TEACHER, WHERE, row("mod", 1), options=o)),
    "unlocked thread": (
        "unlocked",
        lambda o: b.unlocked(TEACHER, WHERE, row("mod", 2), thread=THREAD, options=o),
    ),
    "pinned question": (
        "pinned",
        lambda o: b.pinned(TEACHER, WHERE, row("mod", 3), post=QUESTION, options=o),
    ),
}


def _with_text(post: Post) -> Post:
    return Post(post.id, kind=post.kind, text="A thread opened with a question.", title=post.title)


def _statements() -> list[tuple[str, str, Callable[[XapiOptions], Statement]]]:
    samples = [(name, name, build) for name, build in SAMPLES.items()]
    return samples + [(label, name, build) for label, (name, build) in VARIANTS.items()]


STATEMENTS = _statements()


def _expected_template(name: str, body: dict[str, Any]) -> str:
    spec = SPECS[name]
    (kind,) = [t for t in spec.object_types if t.iri == body["object"]["definition"]["type"]]
    return spec.template_iri(kind)


@pytest.mark.parametrize(("label", "name", "build"), STATEMENTS, ids=[s[0] for s in STATEMENTS])
def test_statement_follows_its_template_with_every_option(
    label: str, name: str, build: Callable[[XapiOptions], Statement]
) -> None:
    for options, version in COMBINATIONS:
        body = to_json(build(options), version)
        matched = [iri for iri, t in TEMPLATES.items() if not determining_mismatches(body, t)]
        expected = _expected_template(name, body)
        assert matched == [expected], (options, version)
        assert template_errors(body, TEMPLATES[expected]) == [], (options, version)
        if version == "1.0.3":  # Ralph's strict model knows 1.0.x only
            BaseXapiStatement(**body)


def test_every_interaction_and_object_type_is_exercised() -> None:
    exercised = set()
    for _label, name, build in STATEMENTS:
        exercised.add(_expected_template(name, to_json(build(XapiOptions()))))
    # acts on posts are built by one helper for every post type, so one type per act is
    # enough, but every interaction appears
    assert {iri.split("/templates/")[1].split("/")[0] for iri in exercised} == {
        spec.name.replace("_", "-") for spec in INTERACTIONS
    }


# --- the rules the issue found broken would now be caught ------------------------------------


def test_a_written_statement_without_its_word_count_breaks_its_template() -> None:
    body = to_json(SAMPLES["posted"](XapiOptions(include_text=False)))
    del body["result"]["extensions"][v.WORD_COUNT.iri]
    errors = template_errors(body, TEMPLATES[v.PROFILE_VERSION_IRI + "/templates/posted/post"])
    assert errors == [f"$.result.extensions['{v.WORD_COUNT.iri}']: included, but missing"]


# redirected takes its text as a required str argument (the correction): it cannot be missing.
WRITTEN = [spec.name for spec in INTERACTIONS if spec.response and spec.name != "redirected"]


@pytest.mark.parametrize("name", WRITTEN)
def test_builders_of_written_interactions_refuse_to_go_without_the_text(name: str) -> None:
    post = Post(40, kind="post", author=PEER)  # no text: the words cannot be counted
    reply = Post(41, kind="reply", parent=QUESTION, author=PEER)
    at = row("post", 40)
    build: dict[str, Callable[[], Statement]] = {
        "reflection_answered": lambda: b.reflection_answered(
            LEARNER, REFLECTION_WHERE, at, prompt=PROMPT, reflection=post
        ),
        "posted": lambda: b.posted(LEARNER, WHERE, at, post=post),
        "replied": lambda: b.replied(LEARNER, WHERE, at, reply=reply),
        "edited": lambda: b.edited(LEARNER, WHERE, at, post=post),
        "asked": lambda: b.asked(LEARNER, WHERE, at, question=Post(42, kind="question")),
        "answered": lambda: b.answered(LEARNER, WHERE, at, question=QUESTION, answer=reply),
        "replied_privately": lambda: b.replied_privately(LEARNER, WHERE, at, reply=reply),
    }
    with pytest.raises(ValueError, match="needs the text written"):
        build[name]()


# --- the evaluator itself --------------------------------------------------------------------

DOC = {
    "verb": {"id": "v"},
    "object": {"definition": {"type": "t"}},
    "context": {
        "contextActivities": {"grouping": [{"definition": {"type": "g1"}}, {"id": "x"}]},
        "extensions": {"https://e.example/a|b": 1, "https://e.example/c": 0},
    },
    "result": {"success": False},
}


def test_locations_follow_the_specs_jsonpath_subset() -> None:
    assert locate(DOC, "$.verb.id") == ["v"]
    assert locate(DOC, "$.context.contextActivities.grouping[*].definition.type") == ["g1"]
    assert locate(DOC, "$.context.contextActivities.grouping[1].id") == ["x"]
    assert locate(DOC, "$.context.extensions['https://e.example/a|b']") == [1]
    assert locate(DOC, "$.context.extensions['https://e.example/a|b','https://e.example/c']") == [
        1,
        0,
    ]
    assert locate(DOC, "$.verb.id | $.object.definition.type | $.nothing") == ["v", "t"]
    assert locate(DOC, "$.result.*") == [False]
    assert locate(DOC, "$.missing.deeper[*]") == []
    for forbidden in ("verb.id", "$.verb[?(@.id)]", "$..id", "$.verb[-1]"):
        with pytest.raises(ValueError, match=r"JSONPath|starts with"):
            locate(DOC, forbidden)


@pytest.mark.parametrize(
    ("rule", "broken"),
    [
        ({"location": "$.verb.id", "presence": "included"}, False),
        ({"location": "$.verb.nothing", "presence": "included"}, True),
        ({"location": "$.verb.id", "presence": "excluded"}, True),
        ({"location": "$.verb.nothing", "presence": "excluded"}, False),
        ({"location": "$.verb.nothing", "presence": "recommended", "all": ["z"]}, False),
        ({"location": "$.verb.id", "presence": "recommended", "all": ["z"]}, True),
        ({"location": "$.verb.id", "any": ["v", "w"]}, False),
        ({"location": "$.verb.id", "any": ["w"]}, True),
        ({"location": "$.verb.id | $.object.definition.type", "all": ["v"]}, True),
        ({"location": "$.verb.id | $.object.definition.type", "all": ["v", "t"]}, False),
        ({"location": "$.verb.id", "none": ["v"]}, True),
        ({"location": "$.result.success", "presence": "included", "all": [False]}, False),
        (
            {"location": "$.context.extensions['https://e.example/c']", "presence": "included"},
            False,
        ),
    ],
)
def test_rules_are_applied_as_the_spec_says(rule: dict[str, Any], broken: bool) -> None:
    assert bool(rule_errors(DOC, rule)) is broken


def test_determining_properties_decide_the_match() -> None:
    template = {"verb": "v", "objectActivityType": "t", "contextGroupingActivityType": ["g1"]}
    assert determining_mismatches(DOC, template) == []
    assert determining_mismatches(DOC, {**template, "verb": "w"})
    assert determining_mismatches(DOC, {**template, "objectActivityType": "u"})
    assert determining_mismatches(DOC, {**template, "contextGroupingActivityType": ["g2"]})
    assert determining_mismatches(DOC, {"contextCategoryActivityType": ["c"]})
