"""Every refused launch: one named test per case (the docstring names it), each asserting the
4xx status and the words the LMS administrator reads. Signed by a hand-rolled platform."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti_tool import create_app
from lti_tool.config import Settings
from lti_tool.lti.errors import LaunchStateError
from lti_tool.lti.launch import validate_launch
from lti_tool.lti.launch_state import DatabaseStore, LaunchStore, RedisStore, begin_login
from lti_tool.models import Deployment, LaunchState, Platform
from tests.functional.launch.conftest import Landing
from tests.support.live import serve
from tests.support.platform_signer import DROP, PlatformSigner, SigningKey
from tests.support.settings import make_settings

REDIS_URL = "redis://127.0.0.1:6379/0"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def refused(response: TestResponse, status: int, *phrases: str) -> None:
    """The error page: the status, every phrase, role=alert, and no stack trace."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in the error page"
    assert 'role="alert"' in text
    assert "Traceback" not in text


def refusal_codes(events: list[dict[str, object]]) -> list[object]:
    """The ``code`` of each refusal the app logged: which rule refused."""
    return [e["code"] for e in events if e["event"] == "request_refused"]


def test_unknown_issuer_at_launch(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Unknown iss: the id_token comes from an LMS nobody registered."""
    refused(
        lms.launch(client, iss="https://rogue.example.test"),
        403,
        "This LMS (issuer https://rogue.example.test) is not registered with Peerloop",
        "Ask your LMS administrator to register it",
    )
    assert refusal_codes(events) == ["unknown_issuer"]


def test_unknown_issuer_at_login(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Unknown iss at the OIDC login step."""
    response, _, _ = lms.login(client, iss="https://rogue.example.test")
    refused(response, 403, "issuer https://rogue.example.test) is not registered")
    assert refusal_codes(events) == ["unknown_issuer"]


def test_unknown_client_id(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Unknown client_id: the issuer is registered, but not with this client id."""
    response, _, _ = lms.login(client, client_id="not-our-client")
    refused(
        response,
        403,
        f"The LMS {lms.issuer} is registered with Peerloop, but not with client id not-our-client",
    )
    assert refusal_codes(events) == ["unknown_client_id"]


def test_unknown_deployment_refused_by_policy(
    database_url: str, lms: PlatformSigner, db_session: Session, events: list[dict[str, object]]
) -> None:
    """Unknown deployment with deployment_policy=reject: refused, nothing recorded."""
    app = create_app(make_settings(database_url, deployment_policy="reject"))
    try:
        response = lms.launch(app.test_client(), lti_deployment_id="deployment-unknown")
        refused(
            response,
            403,
            f"The deployment &#39;deployment-unknown&#39; of {lms.issuer} is not registered",
        )
        assert not db_session.scalars(
            select(Deployment).where(Deployment.deployment_id == "deployment-unknown")
        ).all()
    finally:
        app.extensions["peerloop.engine"].dispose()
    assert refusal_codes(events) == ["unknown_deployment"]


def test_bad_signature(
    client: FlaskClient,
    lms: PlatformSigner,
    platform_keys: list[SigningKey],
    events: list[dict[str, object]],
) -> None:
    """Bad signature: signed by another key under the platform's kid."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce), key=platform_keys[1], kid=lms.signing.kid)
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signature does not match the LMS&#39;s published key",
    )
    assert refusal_codes(events) == ["bad_signature"]


def test_unknown_kid(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Unknown kid: not in the JWKS even after the one refetch it triggers."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce), kid="no-such-kid")
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signed with a key (kid &#39;no-such-kid&#39;) that the LMS does not publish",
    )
    assert lms.jwks_requests == 2, "fetched, then refetched once for the unknown kid"
    assert refusal_codes(events) == ["unknown_kid"]


def test_alg_none(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """alg none: an unsigned id_token."""
    _, state, nonce = lms.login(client)
    token = lms.sign_unsigned(lms.claims(nonce))
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signed with algorithm &#39;none&#39;",
        "Unsigned (&#39;none&#39;) or shared-secret (HS256) launches are refused",
    )
    assert refusal_codes(events) == ["algorithm_refused"]


def test_hs256_with_public_key_as_secret(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """HS256 with the public key as secret: the algorithm-confusion forgery."""
    _, state, nonce = lms.login(client)
    token = lms.sign_hs256_with_public_key(lms.claims(nonce))
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signed with algorithm &#39;HS256&#39;",
    )
    assert lms.jwks_requests == 0, "refused before any key is fetched"
    assert refusal_codes(events) == ["algorithm_refused"]


def test_expired(client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]) -> None:
    """Expired: exp a minute ago, beyond the 5 s leeway."""
    now = int(time.time())
    refused(
        lms.launch(client, exp=now - 60, iat=now - 120),
        401,
        "The launch message expired at",
        "seconds before Peerloop received it (clock leeway 5 s)",
    )
    assert refusal_codes(events) == ["expired"]


def test_missing_exp(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Missing exp: LTI 1.3 requires it (pylti1p3 does not)."""
    refused(
        lms.launch(client, exp=DROP),
        401,
        "The launch message has no &#39;exp&#39; claim, which LTI 1.3 requires.",
    )
    assert refusal_codes(events) == ["missing_exp"]


def test_iat_in_future_beyond_leeway(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """iat in the future beyond leeway: the clocks differ by a minute."""
    now = int(time.time())
    refused(
        lms.launch(client, iat=now + 60, exp=now + 360),
        401,
        "in Peerloop&#39;s future (clock leeway 5 s)",
        "synchronise the LMS server&#39;s clock",
    )
    assert refusal_codes(events) == ["clock_skew"]


def test_nonce_replayed(
    client: FlaskClient, lms: PlatformSigner, landing: Landing, events: list[dict[str, object]]
) -> None:
    """Nonce replayed: the same id_token posted a second time."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce))
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303
    client.set_cookie(f"lti_state_{state}", state, path="/lti/")  # even with the cookie back
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        '<h1 id="error-title">This launch was already used</h1>',
        "This launch message was already used (its nonce was seen before)",
    )
    assert refusal_codes(events) == ["nonce_replayed"]


def test_nonce_replayed_with_a_fresh_login(
    client: FlaskClient, lms: PlatformSigner, landing: Landing, events: list[dict[str, object]]
) -> None:
    """Nonce replayed under another login's state: the nonce is not that login's."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce))
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303
    _, other_state, _ = lms.login(client)
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": other_state}),
        401,
        "nonce does not belong to the login started in this browser",
    )
    assert refusal_codes(events) == ["state_mismatch"]


def test_nonce_replay_racing_past_the_early_check(
    client: FlaskClient,
    lms: PlatformSigner,
    landing: Landing,
    events: list[dict[str, object]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nonce replayed by two posts of one id_token at the same moment: both pass the view's
    early look-up (neither has consumed the nonce yet), so consuming it is what refuses one."""
    monkeypatch.setattr("lti_tool.views.launch.nonce_used", lambda store, nonce: False)
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce))
    assert (
        client.post(
            "/lti/launch", data={"id_token": token, "state": state}, follow_redirects=True
        ).status_code
        == 200
    )
    client.set_cookie(f"lti_state_{state}", state, path="/lti/")
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "This launch message was already used (its nonce was seen before)",
    )
    assert refusal_codes(events) == ["nonce_replayed"]
    assert len(landing.contexts) == 1, "only the first launch reached the page"


@pytest.fixture(params=["database", "redis"])
def launch_store(request: pytest.FixtureRequest, app: Flask) -> Iterator[LaunchStore]:
    """The app's database store, or Redis under a prefix of this test's own."""
    if request.param == "database":
        yield DatabaseStore(app.extensions["peerloop.engine"])
        return
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    prefix = f"peerloop-test:{uuid.uuid4().hex}:"
    yield RedisStore(client, prefix)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_validate_launch_consumes_the_nonce_exactly_once(
    app: Flask, lms: PlatformSigner, db_session: Session, launch_store: LaunchStore
) -> None:
    """Nonce replayed to the validator itself (what two workers racing with one id_token
    do, both past the view's early check): the second validation is refused, on each store."""
    settings: Settings = app.config["PEERLOOP"]
    login = begin_login(launch_store, 600, issuer=lms.issuer, client_id=lms.client_id)
    token = lms.sign(lms.claims(login.nonce))
    validate_launch(db_session, launch_store, settings, token, login)
    with pytest.raises(LaunchStateError) as refused_again:
        validate_launch(db_session, launch_store, settings, token, login)
    assert refused_again.value.code == "nonce_replayed"


def test_state_missing(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """State missing: the launch POST has no state parameter."""
    _, _, nonce = lms.login(client)
    refused(
        client.post("/lti/launch", data={"id_token": lms.sign(lms.claims(nonce))}),
        401,
        "has no &#39;state&#39; parameter",
    )
    assert refusal_codes(events) == ["state_missing"]


def test_state_mismatch(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """State mismatch: a state Peerloop never issued."""
    _, _, nonce = lms.login(client)
    refused(
        client.post(
            "/lti/launch",
            data={"id_token": lms.sign(lms.claims(nonce)), "state": "x" * 43},
        ),
        401,
        "The launch&#39;s state was not issued by Peerloop",
    )
    assert refusal_codes(events) == ["state_mismatch"]


def test_cookies_blocked_without_platform_storage(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Cookies blocked and no platform storage: the "open in a new window" fallback."""
    _, state, nonce = lms.login(client)
    lms.drop_state_cookies(client, state)
    response = client.post(
        "/lti/launch", data={"id_token": lms.sign(lms.claims(nonce)), "state": state}
    )
    refused(
        response,
        401,
        "Your browser blocked the cookie Peerloop needs, and the LMS does not offer platform "
        "storage. Open the activity in a new window.",
        'target="_blank"',
        "/lti/login?iss=https%3A%2F%2Flms.example.test",
    )
    assert refusal_codes(events) == ["cookies_blocked"]


def test_wrong_aud(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Wrong aud: addressed to another tool's client id."""
    refused(
        lms.launch(client, aud="another-tool"),
        401,
        "addressed to client id(s) another-tool, but this LMS&#39;s registration with "
        f"Peerloop has client id {lms.client_id}",
    )
    assert refusal_codes(events) == ["wrong_audience"]


def test_several_aud_with_wrong_azp(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Several aud with wrong azp."""
    refused(
        lms.launch(client, aud=[lms.client_id, "another-tool"], azp="another-tool"),
        401,
        "its authorized party (azp) is &#39;another-tool&#39;",
    )
    assert refusal_codes(events) == ["wrong_azp"]


def test_single_aud_with_foreign_azp(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """One aud (ours) with a foreign azp: an azp that is present must be our client id."""
    refused(
        lms.launch(client, aud=lms.client_id, azp="another-tool"),
        401,
        f"addressed to {lms.client_id}, and its authorized party (azp) is &#39;another-tool&#39;",
    )
    assert refusal_codes(events) == ["wrong_azp"]


def test_several_aud_with_missing_azp(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Several aud with missing azp."""
    refused(
        lms.launch(client, aud=[lms.client_id, "another-tool"]),
        401,
        "its authorized party (azp) is None",
    )
    assert refusal_codes(events) == ["wrong_azp"]


def test_wrong_message_type(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Wrong message_type."""
    refused(
        lms.launch(client, lti_message_type="LtiSubmissionReviewRequest"),
        401,
        "a launch of type &#39;LtiSubmissionReviewRequest&#39;; Peerloop handles",
    )
    assert refusal_codes(events) == ["wrong_message_type"]


def test_wrong_lti_version(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Wrong LTI version."""
    refused(
        lms.launch(client, lti_version="1.1.0"),
        401,
        "LTI version &#39;1.1.0&#39;; Peerloop speaks LTI 1.3.0",
    )
    assert refusal_codes(events) == ["wrong_lti_version"]


def test_missing_sub_on_resource_link_launch(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Missing sub on a resource-link launch."""
    refused(
        lms.launch(client, sub=DROP),
        401,
        "does not say who the user is (no &#39;sub&#39; claim)",
    )
    assert refusal_codes(events) == ["missing_sub"]


def test_missing_resource_link_id(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Missing resource_link id."""
    refused(
        lms.launch(client, lti_resource_link={"title": "no id"}),
        401,
        "has no resource link id",
    )
    assert refusal_codes(events) == ["missing_resource_link"]


def test_missing_roles_claim(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Missing roles claim."""
    refused(lms.launch(client, lti_roles=DROP), 401, "has no roles claim")
    assert refusal_codes(events) == ["missing_roles"]


def test_target_link_uri_to_another_host(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """target_link_uri to another host, in the id_token."""
    refused(
        lms.launch(client, lti_target_link_uri="https://evil.example.test/lti/launch"),
        401,
        "The launch is for &#39;https://evil.example.test/lti/launch&#39;, which is not Peerloop",
    )
    assert refusal_codes(events) == ["target_link_uri_foreign"]


def test_target_link_uri_to_another_host_at_login(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """target_link_uri to another host, at the login step (no redirect is made)."""
    response, _, _ = lms.login(client, target_link_uri="https://evil.example.test/")
    refused(response, 401, "which is not Peerloop at http://127.0.0.1:5000")
    assert "Location" not in response.headers
    assert refusal_codes(events) == ["target_link_uri_foreign"]


def test_id_token_not_a_jwt(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """id_token not a JWT."""
    refused(
        lms.launch(client, token="this-is-not-a-jwt"),
        401,
        "not a valid signed JSON Web Token",
    )
    assert refusal_codes(events) == ["id_token_not_jwt"]


def test_id_token_over_64_kb(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """id_token over 64 KB (refused unread, before any key is fetched)."""
    refused(
        lms.launch(client, lti_custom={"padding": "x" * 70_000}),
        413,
        "larger than 64 KB",
    )
    assert lms.jwks_requests == 0
    assert refusal_codes(events) == ["id_token_too_large"]


def test_platform_returns_oidc_error(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """The platform answers the auth request with an OIDC error instead of an id_token."""
    refused(
        client.post(
            "/lti/launch", data={"error": "login_required", "error_description": "signed out"}
        ),
        400,
        "The LMS refused to launch Peerloop: login_required (signed out)",
    )
    assert refusal_codes(events) == ["platform_refused_login"]


@pytest.fixture
def unreachable_lms(lms: PlatformSigner, db_session: Session) -> Iterator[PlatformSigner]:
    from tests.support.ports import free_port

    platform = db_session.scalars(select(Platform)).one()
    platform.key_set_url = f"http://127.0.0.1:{free_port()}/jwks"  # nothing listens there
    db_session.commit()
    return lms


def test_platform_jwks_unreachable(
    client: FlaskClient, unreachable_lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """The platform's keyset URL does not answer: a 4xx naming the URL, not a 500."""
    refused(
        unreachable_lms.launch(client),
        424,
        "Peerloop could not read the LMS&#39;s public keys at http://127.0.0.1:",
    )
    assert refusal_codes(events) == ["jwks_unreachable"]


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({}, 401, "state_missing"),
        ({"state": "\x00" * 20, "id_token": "a.b.c"}, 400, "nul_character"),
        ({"state": "s" * 5000, "id_token": "x"}, 401, "state_mismatch"),
        ({"id_token": "a.b.c"}, 401, "state_missing"),
    ],
)
def test_garbage_launch_posts_get_4xx(
    client: FlaskClient,
    form: dict[str, str],
    status: int,
    code: str,
    events: list[dict[str, object]],
) -> None:
    """No input makes a 500 or a stack trace; each is refused by the rule named by ``code``."""
    response = client.post("/lti/launch", data=form)
    assert response.status_code == status, response.get_data(as_text=True)
    assert b"Traceback" not in response.data
    assert refusal_codes(events) == [code]


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"iss": "a\x00b"}, 403, "unknown_issuer"),
        ({"iss": ["https://lms.example.test"]}, 401, "missing_iss"),
        ({"aud": [1, 2]}, 401, "wrong_audience"),
        ({"exp": "soon"}, 401, "id_token_invalid"),
        ({"iat": DROP}, 401, "missing_iat"),
        ({"exp": -(10**20)}, 401, "expired"),
        ({"lti_deployment_id": "bad\x00id"}, 400, "registration_bad_value"),
        ({"lti_deployment_id": 7}, 401, "missing_deployment_id"),
        ({"lti_resource_link": "link"}, 401, "missing_resource_link"),
        ({"lti_roles": "Learner"}, 401, "missing_roles"),
    ],
)
def test_garbage_claims_get_4xx(
    client: FlaskClient,
    lms: PlatformSigner,
    overrides: dict[str, object],
    status: int,
    code: str,
    events: list[dict[str, object]],
) -> None:
    """Signed id_tokens with claims of the wrong type or value: 4xx, never a 500, each
    refused by the rule named by ``code``."""
    response = lms.launch(client, **overrides)
    assert response.status_code == status, response.get_data(as_text=True)
    assert b"Traceback" not in response.data
    assert refusal_codes(events) == [code]


def test_context_claim_that_is_not_an_object_is_ignored(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """The context claim is optional in LTI 1.3: one of the wrong type counts as absent
    (the launch is accepted without a course), it is not a refusal."""
    response = lms.launch(client, lti_context="course")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert landing.contexts[0].context_id is None


def test_refusal_logs_one_structured_line(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]], app: Flask
) -> None:
    """Each refused launch logs one structured line with the case's code."""
    lms.launch(client, aud="another-tool")
    lines = [e for e in events if e["event"] == "request_refused"]
    assert len(lines) == 1
    assert lines[0]["code"] == "wrong_audience"
    assert lines[0]["status"] == 401


def test_unknown_kid_refetch_is_rate_limited(client: FlaskClient, lms: PlatformSigner) -> None:
    """A flood of unknown kids makes one refetch per interval, not one per launch."""
    for _ in range(3):
        _, state, nonce = lms.login(client)
        token = lms.sign(lms.claims(nonce), kid="forged-kid")
        response = client.post("/lti/launch", data={"id_token": token, "state": state})
        assert response.status_code == 401
    assert lms.jwks_requests == 2, "one fetch, one refetch, then the cache until the interval"


def test_platform_jwks_url_answers_404(
    client: FlaskClient, lms: PlatformSigner, db_session: Session, events: list[dict[str, object]]
) -> None:
    """The keyset URL answers, but with an error: the admin is told which URL failed."""
    platform = db_session.scalars(select(Platform)).one()
    platform.key_set_url = lms.key_set_url + "-gone"
    db_session.commit()
    refused(lms.launch(client), 424, f"public keys at {lms.key_set_url}-gone", "404")
    assert refusal_codes(events) == ["jwks_unreachable"]


# -- cases found by mutation testing (scripts/mutation): each test fails with its rule gone --


def test_target_link_uri_that_does_not_parse(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """target_link_uri that is not a URL (a port that is no number): not Peerloop's."""
    refused(
        lms.launch(client, lti_target_link_uri="http://127.0.0.1:notaport/lti/launch"),
        401,
        "which is not Peerloop",
    )
    assert refusal_codes(events) == ["target_link_uri_foreign"]


def test_deep_linking_request_without_return_url(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """Deep-linking settings present, but without deep_link_return_url."""
    refused(
        lms.launch(
            client,
            lti_message_type="LtiDeepLinkingRequest",
            lti_resource_link=DROP,
            **{DL_CLAIM + "deep_linking_settings": {"accept_types": ["ltiResourceLink"]}},
        ),
        401,
        "has no deep_link_return_url",
    )
    assert refusal_codes(events) == ["missing_deep_linking_settings"]


def test_login_with_an_unprintable_client_id(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, object]]
) -> None:
    """A client_id with a control character matches no registration (it is not dropped, which
    would let the issuer's only registration answer for it)."""
    response, _, _ = lms.login(client, client_id=lms.client_id + "\x01")
    refused(response, 403, "but not with client id")
    assert refusal_codes(events) == ["unknown_client_id"]


def test_nonce_is_remembered_as_long_as_the_id_token_lives(
    client: FlaskClient, lms: PlatformSigner, landing: Landing, db_session: Session
) -> None:
    """An id_token valid for an hour: its nonce is kept an hour (plus the clock leeway), not
    the ten minutes of a login, so it cannot be replayed once the record has gone."""
    _, state, nonce = lms.login(client)
    exp = int(time.time()) + 3600
    token = lms.sign(lms.claims(nonce, exp=exp))
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303
    expires_at = db_session.scalars(
        select(LaunchState.expires_at).where(LaunchState.key == f"nonce:{nonce}")
    ).one()
    remaining = expires_at.timestamp() - time.time()
    assert 3600 + 5 - 3 <= remaining <= 3600 + 5 + 1, remaining


@pytest.fixture
def slow_jwks() -> Iterator[str]:
    """A key set URL that answers only after 3 s."""

    def wsgi(environ: dict[str, object], start_response: Any) -> list[bytes]:
        time.sleep(3)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"keys": []}']

    with serve(wsgi) as server:
        yield f"{server.url}/jwks"


def test_platform_jwks_too_slow(
    database_url: str,
    lms: PlatformSigner,
    db_session: Session,
    slow_jwks: str,
    events: list[dict[str, object]],
) -> None:
    """The keyset URL does not answer within PEERLOOP_HTTP_TIMEOUT_SECONDS: given up, 424."""
    platform = db_session.scalars(select(Platform)).one()
    platform.key_set_url = slow_jwks
    db_session.commit()
    app = create_app(make_settings(database_url, http_timeout_seconds=0.5))
    try:
        started = time.monotonic()
        refused(lms.launch(app.test_client()), 424, f"public keys at {slow_jwks}")
        assert time.monotonic() - started < 2.5, "the launch waited for the slow LMS"
    finally:
        app.extensions["peerloop.engine"].dispose()
    assert refusal_codes(events) == ["jwks_unreachable"]
