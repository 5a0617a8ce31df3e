"""A strict LRS (Learning Locker's statements service) accepts every builder's statement and
gives it back by id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.support.lrs import PASSWORD, USERNAME, LearningLockerProcess
from tests.unit.xapi.samples import SAMPLES
from xapi.inputs import XapiOptions
from xapi.serialize import to_json

pytestmark = pytest.mark.lrs

HEADERS = {"X-Experience-API-Version": "1.0.3"}
VARIANTS = {
    "default": XapiOptions(),
    "pseudonymous-no-text": XapiOptions(pseudonymize_secret="secret", include_text=False),
    "names-and-email": XapiOptions(include_names=True, include_email=True),
}


def _fresh(body: dict[str, Any]) -> dict[str, Any]:
    # The session LRS is shared with other tests that may send statements built from the same
    # (row kind, row id, verb): a fresh id keeps this test independent of them.
    return {**body, "id": str(uuid.uuid4())}


def _post(lrs: LearningLockerProcess, payload: object) -> requests.Response:
    return requests.post(
        lrs.endpoint + "statements",
        json=payload,
        auth=(USERNAME, PASSWORD),
        headers=HEADERS,
        timeout=10,
    )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_lrs_accepts_statement_and_reads_it_back(
    lrs: LearningLockerProcess, name: str, variant: str
) -> None:
    body = _fresh(to_json(SAMPLES[name](VARIANTS[variant])))
    response = _post(lrs, body)
    assert response.status_code == 200, response.text
    assert response.json() == [body["id"]]
    stored = lrs.get(statementId=body["id"])
    assert stored.status_code == 200, stored.text
    got = stored.json()
    assert got["id"] == body["id"]
    assert got["verb"]["id"] == body["verb"]["id"]
    assert got["actor"] == body["actor"]
    assert got["object"]["id"] == body["object"]["id"]
    assert got["context"]["registration"] == body["context"]["registration"]
    assert got.get("result") == body.get("result")


def test_resending_the_same_statement_is_not_a_conflict(lrs: LearningLockerProcess) -> None:
    body = _fresh(to_json(SAMPLES["posted"](XapiOptions())))
    assert _post(lrs, body).status_code == 200
    again = _post(lrs, body)
    assert again.status_code in (200, 204), again.text


def test_lrs_accepts_a_batch_of_every_interaction(lrs: LearningLockerProcess) -> None:
    batch = [_fresh(to_json(sample(XapiOptions()))) for sample in SAMPLES.values()]
    response = _post(lrs, batch)
    assert response.status_code == 200, response.text
    assert response.json() == [body["id"] for body in batch]


def test_this_lrs_is_strict_enough_for_acceptance_to_mean_something(
    lrs: LearningLockerProcess,
) -> None:
    body = _fresh(to_json(SAMPLES["launched"](XapiOptions())))
    body["timestamp"] = "2026-11-23T09:30:00"  # no offset: what a naive datetime would give
    assert _post(lrs, body).status_code == 400
