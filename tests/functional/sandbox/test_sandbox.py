"""The sandbox LMS on its own: pages, its key, and the requests it refuses (as an LMS does)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lti_tool.lti.keys import signing_key
from sandbox import create_sandbox_app, people
from tests.functional.sandbox.harness import Forms, Sandbox
from tests.support.live import LiveServer

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


TOOL = "http://127.0.0.1:5000"


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[FlaskClient]:
    """The sandbox alone (no tool behind it), through Flask's test client: for the requests
    it answers without asking the tool anything."""
    app = create_sandbox_app(
        base_url="http://127.0.0.1:5001",
        tool_url=TOOL,
        database_url=f"sqlite:///{tmp_path}/bare.sqlite",
    )
    yield app.test_client()
    app.extensions["sandbox.store"].dispose()


@pytest.fixture
def tool_key(live_app: LiveServer) -> tuple[str, str]:
    session: Session = live_app.app.extensions["peerloop.sessions"]()  # type: ignore[attr-defined]
    try:
        kid, pem = signing_key(session)
        session.commit()
    finally:
        session.close()
    return kid, pem


def auth_params(**overrides: str) -> dict[str, str]:
    return {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": "peerloop-sandbox",
        "redirect_uri": f"{TOOL}/lti/launch",
        "login_hint": people.LEARNERS[0].user_id,
        "lti_message_hint": "deep-linking",
        "state": "s-1",
        "nonce": "n-1",
    } | overrides


def test_home_offers_a_launch_for_everyone(bare: FlaskClient) -> None:
    page = Forms(bare.get("/").text)
    assert "Sandbox 101" in page.text
    assert page.link("Launch as Ada Lovelace")["href"].endswith("/deep-linking")
    learners = [link for link in page.links if link.get("text", "").startswith("Launch as")]
    assert len(learners) == 1 + len(people.LEARNERS)
    assert len(people.LEARNERS) >= 4
    gradebook = Forms(bare.get("/gradebook").text)
    assert "No line items yet" in gradebook.text


def test_the_key_is_generated_once_and_kept(bare: FlaskClient, tmp_path: Path) -> None:
    first = bare.get("/jwks").get_json()["keys"]
    again = create_sandbox_app(
        base_url="http://127.0.0.1:5001",
        tool_url=TOOL,
        database_url=f"sqlite:///{tmp_path}/bare.sqlite",
    )
    assert again.test_client().get("/jwks").get_json()["keys"] == first
    assert [key["kid"] for key in first]
    assert "d" not in first[0]
    again.extensions["sandbox.store"].dispose()


def test_it_refuses_to_exist_in_production(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="never runs in production"):
        create_sandbox_app(
            base_url="http://127.0.0.1:1",
            tool_url="http://127.0.0.1:2",
            database_url=f"sqlite:///{tmp_path}/s.sqlite",
            production=True,
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"redirect_uri": "http://127.0.0.1:9/steal"}, "registered launch URL"),
        ({"nonce": ""}, "lacks nonce"),
        ({"client_id": "other"}, "names another client_id"),
        ({"login_hint": "nobody"}, "login_hint names nobody"),
        ({}, "only the instructor can add activities"),  # a learner asking for deep linking
        (
            {"login_hint": people.INSTRUCTOR.user_id, "lti_message_hint": "link:99"},
            "does not exist",
        ),
    ],
)
def test_auth_requests_it_refuses(
    bare: FlaskClient, overrides: dict[str, str], message: str
) -> None:
    response = bare.get("/auth", query_string=auth_params(**overrides))
    assert response.status_code == 400
    alert = Forms(response.text).text
    assert message in alert
    assert "Traceback" not in alert


def test_a_learner_cannot_open_deep_linking(bare: FlaskClient) -> None:
    response = bare.get(f"/launch/{people.LEARNERS[0].user_id}/deep-linking")
    assert response.status_code == 400
    assert "Only the instructor" in response.text
    assert bare.get("/course/nobody").status_code == 400
    assert bare.get("/no/such/page").status_code == 404


def test_an_instructor_launch_id_token_is_signed_and_complete(bare: FlaskClient) -> None:
    response = bare.get("/auth", query_string=auth_params(login_hint=people.INSTRUCTOR.user_id))
    form = Forms(response.text).forms[0]
    assert form["action"] == f"{TOOL}/lti/launch"
    assert form["fields"]["state"] == "s-1"
    [key] = bare.get("/jwks").get_json()["keys"]
    token = form["fields"]["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["RS256"], audience="peerloop-sandbox"
    )
    assert claims["nonce"] == "n-1"
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert claims[DL + "deep_linking_settings"]["deep_link_return_url"].endswith(
        "/deep-linking/return"
    )
    assert claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"][
        "context_memberships_url"
    ].endswith("/api/courses/Sandbox-101/memberships")


def _dl_response(
    sandbox: Sandbox, key: tuple[str, str], items: list[dict[str, object]], **claims: object
) -> str:
    kid, pem = key
    now = int(time.time())
    body = {
        "iss": "peerloop-sandbox",
        "aud": sandbox.url,
        "iat": now,
        "exp": now + 60,
        "nonce": "x",
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": "sandbox-deployment-1",
        DL + "content_items": items,
    } | claims
    return jwt.encode(body, pem, algorithm="RS256", headers={"kid": kid})


ITEM = {"type": "ltiResourceLink", "url": "http://127.0.0.1:5000/lti/launch", "title": "T"}


@pytest.mark.parametrize(
    ("item", "claims", "message"),
    [
        (ITEM | {"custom": {}}, {}, "empty custom object"),
        (ITEM | {"url": ITEM["url"] + "?a=1"}, {}, "has a query string"),
        (ITEM, {"aud": "https://other.example"}, "addressed to another platform"),
        (ITEM, {LTI + "deployment_id": "other"}, "names another deployment"),
        (ITEM, {LTI + "message_type": "LtiResourceLinkRequest"}, "isn't a Deep Linking"),
    ],
)
def test_deep_linking_responses_it_refuses(
    sandbox: Sandbox,
    tool_key: tuple[str, str],
    item: dict[str, object],
    claims: dict[str, object],
    message: str,
) -> None:
    token = _dl_response(sandbox, tool_key, [item], **claims)
    response = requests.post(sandbox.url + "/deep-linking/return", data={"JWT": token}, timeout=5)
    assert response.status_code == 400
    assert message in Forms(response.text).text
    assert sandbox.store.links() == []


def test_a_deep_linking_response_signed_by_another_key_is_refused(
    sandbox: Sandbox, tool_key: tuple[str, str]
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    token = _dl_response(sandbox, (tool_key[0], other), [ITEM])
    response = requests.post(sandbox.url + "/deep-linking/return", data={"JWT": token}, timeout=5)
    assert response.status_code == 400
    assert "refused" in response.text
    assert sandbox.store.links() == []
    missing = requests.post(sandbox.url + "/deep-linking/return", data={}, timeout=5)
    assert missing.status_code == 400
    assert "has no JWT" in missing.text


def test_token_and_service_endpoints_answer_errors_as_json(bare: FlaskClient) -> None:
    no_grant = bare.post("/token", data={"grant_type": "password"})
    assert no_grant.status_code == 400
    assert no_grant.get_json()["error"] == "invalid_request"
    memberships = f"/api/courses/{people.COURSE_ID}/memberships"
    anonymous = bare.get(memberships)
    assert anonymous.status_code == 401
    assert anonymous.get_json() == {"error": "Missing LTI 1.3 authentication token"}
    forged = bare.get(memberships, headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    assert "Invalid access token" in forged.get_json()["error"]
    bad_page = bare.get(memberships, query_string={"page": "two"})
    assert bad_page.status_code == 400
    assert bad_page.get_json()["error"] == "page must be a whole number"
