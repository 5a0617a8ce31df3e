"""GET /xapi/profile serves the xAPI Profile as cacheable JSON-LD."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from xapi.interactions import INTERACTIONS
from xapi.vocabulary import PROFILE_IRI, VERBS


def test_profile_is_served_as_json_ld(client: FlaskClient) -> None:
    response = client.get("/xapi/profile")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    doc = json.loads(response.data)
    assert doc["@context"] == "https://w3id.org/xapi/profiles/context"
    assert doc["id"] == PROFILE_IRI
    assert doc["type"] == "Profile"
    # our own verbs are concepts; borrowed ones (ADL, TinCan…) stay in their own profiles
    ours = {c["id"] for c in doc["concepts"] if c["type"] == "Verb"}
    assert ours == {verb.iri for verb in VERBS if verb.ours}
    assert {t["verb"] for t in doc["templates"]} == {verb.iri for verb in VERBS}
    assert len(doc["templates"]) == sum(len(spec.object_types) for spec in INTERACTIONS)


def test_profile_is_cacheable_and_revalidates(client: FlaskClient) -> None:
    first = client.get("/xapi/profile")
    assert first.cache_control.public
    assert first.cache_control.max_age == 86_400
    etag = first.headers["ETag"]
    again = client.get("/xapi/profile", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    stale = client.get("/xapi/profile", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200
