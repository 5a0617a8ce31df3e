"""Pseudonymisation, the text switch, names, timestamps and deterministic ids."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.unit.xapi.samples import (
    AT,
    LEARNER,
    PEER,
    PEER_POST,
    SAMPLES,
    TEACHER,
    WHERE,
    row,
)
from xapi import builders as b
from xapi import vocabulary as v
from xapi.actors import account_name
from xapi.ids import registration_id, statement_id
from xapi.inputs import Post, Row, Where, Who, XapiOptions
from xapi.serialize import to_json

NAMES = sorted(SAMPLES)
PSEUDONYMOUS = XapiOptions(pseudonymize_secret="installation-secret-1")


@pytest.mark.parametrize("name", NAMES)
def test_pseudonymised_statement_holds_no_lti_sub_name_or_email(name: str) -> None:
    text = json.dumps(to_json(SAMPLES[name](PSEUDONYMOUS)))
    for person in (LEARNER, PEER, TEACHER):
        assert person.sub not in text
        assert person.email not in text
        assert person.name not in text


def test_pseudonym_is_stable_per_sub_and_changes_with_the_secret() -> None:
    first = to_json(SAMPLES["posted"](PSEUDONYMOUS))["actor"]["account"]
    again = to_json(SAMPLES["edited"](PSEUDONYMOUS))["actor"]["account"]  # same author
    other = to_json(SAMPLES["posted"](XapiOptions(pseudonymize_secret="another-secret")))
    assert first == again
    assert first["homePage"] == LEARNER.issuer
    assert other["actor"]["account"]["name"] != first["name"]
    assert account_name(LEARNER, PSEUDONYMOUS) != account_name(PEER, PSEUDONYMOUS)


def test_pseudonym_fits_an_lrs_column_of_50_and_is_the_full_hmacs_prefix() -> None:
    name = account_name(PEER, PSEUDONYMOUS)
    assert len(name) == 32 <= 50  # 128 bits in hex
    assert set(name) <= set("0123456789abcdef")
    full = hmac.new(b"installation-secret-1", PEER.sub.encode(), hashlib.sha256).hexdigest()
    # what was sent before this change (all 64 digits) maps to today's name by truncation
    assert name == full[:32]


def test_pseudonyms_of_many_people_do_not_collide() -> None:
    names = {account_name(Who(LEARNER.issuer, f"sub-{n}"), PSEUDONYMOUS) for n in range(5000)}
    assert len(names) == 5000


def test_people_in_extensions_are_pseudonymised_like_the_actor() -> None:
    body = to_json(SAMPLES["mentioned"](PSEUDONYMOUS))
    mentioned = body["context"]["extensions"][v.MENTIONED_PERSON.iri]["account"]["name"]
    assert mentioned == account_name(PEER, PSEUDONYMOUS)


def test_pseudonymising_never_sends_names_even_if_turned_on() -> None:
    options = XapiOptions(pseudonymize_secret="s", include_names=True, include_email=True)
    actor = to_json(SAMPLES["launched"](options))["actor"]
    assert set(actor) == {"objectType", "account"}


def test_names_and_email_only_when_turned_on() -> None:
    plain = to_json(SAMPLES["launched"](XapiOptions()))["actor"]
    assert "name" not in plain
    assert "mbox" not in plain
    named = to_json(SAMPLES["launched"](XapiOptions(include_names=True)))["actor"]
    assert named["name"] == "Ada Learner"
    assert named["account"]["name"] == LEARNER.sub
    mailed = to_json(SAMPLES["launched"](XapiOptions(include_email=True)))["actor"]
    # one identifier only: the e-mail replaces the account
    assert mailed == {"objectType": "Agent", "mbox": "mailto:ada@example.edu"}


@pytest.mark.parametrize("email", [None, "", "   ", "ada", "ada@@example.edu", "a b@example.edu"])
def test_no_usable_e_mail_keeps_the_account(email: str | None) -> None:
    who = Who(LEARNER.issuer, LEARNER.sub, email=email)
    body = to_json(
        b.launched(who, WHERE, row("launch", 1), options=XapiOptions(include_email=True))
    )
    assert body["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": LEARNER.issuer, "name": LEARNER.sub},
    }


def test_people_in_context_follow_the_e_mail_switch_too() -> None:
    body = to_json(SAMPLES["mentioned"](XapiOptions(include_email=True)))
    assert body["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.edu"}
    mentioned = body["context"]["extensions"][v.MENTIONED_PERSON.iri]
    assert mentioned == {"objectType": "Agent", "mbox": "mailto:bo@example.edu"}


@pytest.mark.parametrize("name", NAMES)
def test_text_switched_off_sends_no_response_nor_titles(name: str) -> None:
    body = to_json(SAMPLES[name](XapiOptions(include_text=False)))
    assert "response" not in body.get("result", {})
    text = json.dumps(body)
    for written in ("I always start by listening", "Same here", "Name the difficulty",
                    "open questions early", "Preparing for a first meeting",
                    "Listening matters", "Opening difficult meetings"):  # fmt: skip
        assert written not in text


def test_word_count_is_still_sent_with_text_off() -> None:
    body = to_json(SAMPLES["posted"](XapiOptions(include_text=False)))
    assert body["result"] == {"extensions": {v.WORD_COUNT.iri: 5}}


def test_naive_datetime_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        b.launched(LEARNER, WHERE, Row("launch", 1, datetime(2026, 11, 23, 9, 30)))  # noqa: DTZ001  (naive on purpose)


def test_other_time_zones_are_converted_to_utc() -> None:
    paris = AT.astimezone(timezone(timedelta(hours=1)))
    body = to_json(b.launched(LEARNER, WHERE, Row("launch", 1, paris)))
    assert body["timestamp"] == "2026-11-23T09:30:00+00:00"


def test_statement_ids_are_deterministic() -> None:
    first = SAMPLES["posted"](XapiOptions()).id
    assert SAMPLES["posted"](XapiOptions()).id == first
    # the options change the content, never the id: a retry after a config change dedups
    assert SAMPLES["posted"](PSEUDONYMOUS).id == first
    assert first == statement_id("post", 11, v.POSTED.iri)
    assert statement_id("post", 12, v.POSTED.iri) != first
    assert statement_id("reaction", 11, v.POSTED.iri) != first
    assert statement_id("post", 11, v.DELETED.iri) != first
    assert first.version == 5


def test_separate_edits_are_separate_statements() -> None:
    one = b.edited(PEER, WHERE, row("revision", 1), post=PEER_POST)
    two = b.edited(PEER, WHERE, row("revision", 2), post=PEER_POST)
    assert one.id != two.id


def test_registration_is_per_person_per_placement() -> None:
    def registration(who_sub: str, placement: str) -> str:
        where = Where(WHERE.tool_url, WHERE.course_id, placement, WHERE.deployment_id)
        return str(b.launched(Who(LEARNER.issuer, who_sub), where,
                              row("launch", 1)).context.registration)  # fmt: skip

    assert registration("a", "link-1") == registration("a", "link-1")
    assert registration("a", "link-1") != registration("b", "link-1")
    assert registration("a", "link-1") != registration("a", "link-2")
    assert registration_id("iss", "a", "p").version == 5


def test_bad_inputs_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="parent post"):
        b.replied(LEARNER, WHERE, row("post", 1), reply=Post(1, kind="reply", text="x"))
    no_cohort = Where(WHERE.tool_url, WHERE.course_id, WHERE.placement_id, WHERE.deployment_id)
    with pytest.raises(ValueError, match="cohort"):
        b.joined_cohort(LEARNER, no_cohort, row("membership", 1))
    with pytest.raises(ValueError, match="not allowed"):
        b.locked(TEACHER, WHERE, row("moderation", 1), thread=Post(3, kind="reply"))
    with pytest.raises(ValueError, match="non-empty secret"):
        XapiOptions(pseudonymize_secret="")
    with pytest.raises(ValueError, match="issuer and sub"):
        b.launched(Who(LEARNER.issuer, ""), WHERE, row("launch", 1))
    with pytest.raises(ValueError, match="row id"):
        statement_id("post", "", v.POSTED.iri)


def test_unusable_locale_is_dropped_not_fatal() -> None:
    where = Where(WHERE.tool_url, WHERE.course_id, WHERE.placement_id, WHERE.deployment_id,
                  language="not a locale!")  # fmt: skip
    assert "language" not in to_json(b.launched(LEARNER, where, row("launch", 1)))["context"]
