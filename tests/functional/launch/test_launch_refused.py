"""Every refused launch: one named test per case (the docstring names it), each asserting the
4xx status and the words the LMS administrator reads. Signed by a hand-rolled platform."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti_tool import create_app
from lti_tool.models import Deployment
from tests.functional.launch.conftest import Landing
from tests.support.platform_signer import DROP, PlatformSigner, SigningKey
from tests.support.settings import make_settings


def refused(response: TestResponse, status: int, *phrases: str) -> None:
    """The error page: the status, every phrase, role=alert, and no stack trace."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in the error page"
    assert 'role="alert"' in text
    assert "Traceback" not in text


def test_unknown_issuer_at_launch(client: FlaskClient, lms: PlatformSigner) -> None:
    """Unknown iss: the id_token comes from an LMS nobody registered."""
    refused(
        lms.launch(client, iss="https://rogue.example.test"),
        403,
        "This LMS (issuer https://rogue.example.test) is not registered with Peerloop",
        "Ask your LMS administrator to register it",
    )


def test_unknown_issuer_at_login(client: FlaskClient, lms: PlatformSigner) -> None:
    """Unknown iss at the OIDC login step."""
    response, _, _ = lms.login(client, iss="https://rogue.example.test")
    refused(response, 403, "issuer https://rogue.example.test) is not registered")


def test_unknown_client_id(client: FlaskClient, lms: PlatformSigner) -> None:
    """Unknown client_id: the issuer is registered, but not with this client id."""
    response, _, _ = lms.login(client, client_id="not-our-client")
    refused(
        response,
        403,
        f"The LMS {lms.issuer} is registered with Peerloop, but not with client id not-our-client",
    )


def test_unknown_deployment_refused_by_policy(
    database_url: str, lms: PlatformSigner, db_session: Session
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


def test_bad_signature(
    client: FlaskClient, lms: PlatformSigner, platform_keys: list[SigningKey]
) -> None:
    """Bad signature: signed by another key under the platform's kid."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce), key=platform_keys[1], kid=lms.signing.kid)
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signature does not match the LMS&#39;s published key",
    )


def test_unknown_kid(client: FlaskClient, lms: PlatformSigner) -> None:
    """Unknown kid: not in the JWKS even after the one refetch it triggers."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce), kid="no-such-kid")
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signed with a key (kid &#39;no-such-kid&#39;) that the LMS does not publish",
    )
    assert lms.jwks_requests == 2, "fetched, then refetched once for the unknown kid"


def test_alg_none(client: FlaskClient, lms: PlatformSigner) -> None:
    """alg none: an unsigned id_token."""
    _, state, nonce = lms.login(client)
    token = lms.sign_unsigned(lms.claims(nonce))
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signed with algorithm &#39;none&#39;",
        "Unsigned (&#39;none&#39;) or shared-secret (HS256) launches are refused",
    )


def test_hs256_with_public_key_as_secret(client: FlaskClient, lms: PlatformSigner) -> None:
    """HS256 with the public key as secret: the algorithm-confusion forgery."""
    _, state, nonce = lms.login(client)
    token = lms.sign_hs256_with_public_key(lms.claims(nonce))
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "signed with algorithm &#39;HS256&#39;",
    )
    assert lms.jwks_requests == 0, "refused before any key is fetched"


def test_expired(client: FlaskClient, lms: PlatformSigner) -> None:
    """Expired: exp a minute ago, beyond the 5 s leeway."""
    now = int(time.time())
    refused(
        lms.launch(client, exp=now - 60, iat=now - 120),
        401,
        "The launch message expired at",
        "seconds before Peerloop received it (clock leeway 5 s)",
    )


def test_missing_exp(client: FlaskClient, lms: PlatformSigner) -> None:
    """Missing exp: LTI 1.3 requires it (pylti1p3 does not)."""
    refused(
        lms.launch(client, exp=DROP),
        401,
        "The launch message has no &#39;exp&#39; claim, which LTI 1.3 requires.",
    )


def test_iat_in_future_beyond_leeway(client: FlaskClient, lms: PlatformSigner) -> None:
    """iat in the future beyond leeway: the clocks differ by a minute."""
    now = int(time.time())
    refused(
        lms.launch(client, iat=now + 60, exp=now + 360),
        401,
        "in Peerloop&#39;s future (clock leeway 5 s)",
        "synchronise the LMS server&#39;s clock",
    )


def test_nonce_replayed(client: FlaskClient, lms: PlatformSigner, landing: Landing) -> None:
    """Nonce replayed: the same id_token posted a second time."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce))
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 200
    client.set_cookie(f"lti_state_{state}", state, path="/lti/")  # even with the cookie back
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": state}),
        401,
        "This launch message was already used (its nonce was seen before)",
    )


def test_nonce_replayed_with_a_fresh_login(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """Nonce replayed under another login's state: the nonce is not that login's."""
    _, state, nonce = lms.login(client)
    token = lms.sign(lms.claims(nonce))
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 200
    _, other_state, _ = lms.login(client)
    refused(
        client.post("/lti/launch", data={"id_token": token, "state": other_state}),
        401,
        "nonce does not belong to the login started in this browser",
    )


def test_state_missing(client: FlaskClient, lms: PlatformSigner) -> None:
    """State missing: the launch POST has no state parameter."""
    _, _, nonce = lms.login(client)
    refused(
        client.post("/lti/launch", data={"id_token": lms.sign(lms.claims(nonce))}),
        401,
        "has no &#39;state&#39; parameter",
    )


def test_state_mismatch(client: FlaskClient, lms: PlatformSigner) -> None:
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


def test_cookies_blocked_without_platform_storage(client: FlaskClient, lms: PlatformSigner) -> None:
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


def test_wrong_aud(client: FlaskClient, lms: PlatformSigner) -> None:
    """Wrong aud: addressed to another tool's client id."""
    refused(
        lms.launch(client, aud="another-tool"),
        401,
        "addressed to client id(s) another-tool, but this LMS&#39;s registration with "
        f"Peerloop has client id {lms.client_id}",
    )


def test_several_aud_with_wrong_azp(client: FlaskClient, lms: PlatformSigner) -> None:
    """Several aud with wrong azp."""
    refused(
        lms.launch(client, aud=[lms.client_id, "another-tool"], azp="another-tool"),
        401,
        "its authorized party (azp) is &#39;another-tool&#39;",
    )


def test_several_aud_with_missing_azp(client: FlaskClient, lms: PlatformSigner) -> None:
    """Several aud with missing azp."""
    refused(
        lms.launch(client, aud=[lms.client_id, "another-tool"]),
        401,
        "its authorized party (azp) is None",
    )


def test_wrong_message_type(client: FlaskClient, lms: PlatformSigner) -> None:
    """Wrong message_type."""
    refused(
        lms.launch(client, lti_message_type="LtiSubmissionReviewRequest"),
        401,
        "a launch of type &#39;LtiSubmissionReviewRequest&#39;; Peerloop handles",
    )


def test_wrong_lti_version(client: FlaskClient, lms: PlatformSigner) -> None:
    """Wrong LTI version."""
    refused(
        lms.launch(client, lti_version="1.1.0"),
        401,
        "LTI version &#39;1.1.0&#39;; Peerloop speaks LTI 1.3.0",
    )


def test_missing_sub_on_resource_link_launch(client: FlaskClient, lms: PlatformSigner) -> None:
    """Missing sub on a resource-link launch."""
    refused(
        lms.launch(client, sub=DROP),
        401,
        "does not say who the user is (no &#39;sub&#39; claim)",
    )


def test_missing_resource_link_id(client: FlaskClient, lms: PlatformSigner) -> None:
    """Missing resource_link id."""
    refused(
        lms.launch(client, lti_resource_link={"title": "no id"}),
        401,
        "has no resource link id",
    )


def test_missing_roles_claim(client: FlaskClient, lms: PlatformSigner) -> None:
    """Missing roles claim."""
    refused(lms.launch(client, lti_roles=DROP), 401, "has no roles claim")


def test_target_link_uri_to_another_host(client: FlaskClient, lms: PlatformSigner) -> None:
    """target_link_uri to another host, in the id_token."""
    refused(
        lms.launch(client, lti_target_link_uri="https://evil.example.test/lti/launch"),
        401,
        "The launch is for &#39;https://evil.example.test/lti/launch&#39;, which is not Peerloop",
    )


def test_target_link_uri_to_another_host_at_login(client: FlaskClient, lms: PlatformSigner) -> None:
    """target_link_uri to another host, at the login step (no redirect is made)."""
    response, _, _ = lms.login(client, target_link_uri="https://evil.example.test/")
    refused(response, 401, "which is not Peerloop at http://127.0.0.1:5000")
    assert "Location" not in response.headers


def test_id_token_not_a_jwt(client: FlaskClient, lms: PlatformSigner) -> None:
    """id_token not a JWT."""
    refused(
        lms.launch(client, token="this-is-not-a-jwt"),
        401,
        "not a valid signed JSON Web Token",
    )


def test_id_token_over_64_kb(client: FlaskClient, lms: PlatformSigner) -> None:
    """id_token over 64 KB (refused unread, before any key is fetched)."""
    refused(
        lms.launch(client, lti_custom={"padding": "x" * 70_000}),
        413,
        "larger than 64 KB",
    )
    assert lms.jwks_requests == 0


def test_platform_returns_oidc_error(client: FlaskClient, lms: PlatformSigner) -> None:
    """The platform answers the auth request with an OIDC error instead of an id_token."""
    refused(
        client.post(
            "/lti/launch", data={"error": "login_required", "error_description": "signed out"}
        ),
        400,
        "The LMS refused to launch Peerloop: login_required (signed out)",
    )


@pytest.fixture
def unreachable_lms(lms: PlatformSigner, db_session: Session) -> Iterator[PlatformSigner]:
    from lti_tool.models import Platform
    from tests.support.ports import free_port

    platform = db_session.scalars(select(Platform)).one()
    platform.key_set_url = f"http://127.0.0.1:{free_port()}/jwks"  # nothing listens there
    db_session.commit()
    return lms


def test_platform_jwks_unreachable(client: FlaskClient, unreachable_lms: PlatformSigner) -> None:
    """The platform's keyset URL does not answer: a 4xx naming the URL, not a 500."""
    refused(
        unreachable_lms.launch(client),
        424,
        "Peerloop could not read the LMS&#39;s public keys at http://127.0.0.1:",
    )


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"state": "\x00" * 20, "id_token": "a.b.c"},
        {"state": "s" * 5000, "id_token": "x"},
        {"id_token": "a.b.c"},
    ],
)
def test_garbage_launch_posts_get_4xx(client: FlaskClient, form: dict[str, str]) -> None:
    """No input makes a 500 or a stack trace."""
    response = client.post("/lti/launch", data=form)
    assert 400 <= response.status_code < 500
    assert b"Traceback" not in response.data


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "a\x00b"},
        {"iss": ["https://lms.example.test"]},
        {"aud": [1, 2]},
        {"exp": "soon"},
        {"iat": DROP},
        {"exp": -(10**20)},
        {"lti_deployment_id": "bad\x00id"},
        {"lti_deployment_id": 7},
        {"lti_resource_link": "link"},
        {"lti_context": "course"},
        {"lti_roles": "Learner"},
    ],
)
def test_garbage_claims_get_4xx(
    client: FlaskClient, lms: PlatformSigner, overrides: dict[str, object]
) -> None:
    """Signed id_tokens with claims of the wrong type or value: 4xx, never a 500."""
    response = lms.launch(client, **overrides)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert b"Traceback" not in response.data


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
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    """The keyset URL answers, but with an error: the admin is told which URL failed."""
    from lti_tool.models import Platform

    platform = db_session.scalars(select(Platform)).one()
    platform.key_set_url = lms.key_set_url + "-gone"
    db_session.commit()
    refused(lms.launch(client), 424, f"public keys at {lms.key_set_url}-gone", "404")
