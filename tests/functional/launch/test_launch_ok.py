"""Launches that succeed: the happy path, deployments, roles, key rotation, Redis, headers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool import create_app
from lti_tool.auth import read_token
from lti_tool.models import Deployment, Platform
from tests.functional.launch.conftest import Landing
from tests.support.platform_signer import DROP, INSTRUCTOR, JwksHost, PlatformSigner, SigningKey
from tests.support.settings import make_settings

DL_SETTINGS = {
    "deep_link_return_url": "https://lms.example.test/deep-link-return",
    "accept_types": ["ltiResourceLink"],
    "accept_presentation_document_targets": ["iframe", "window"],
}


def test_resource_link_launch_succeeds(
    client: FlaskClient, lms: PlatformSigner, landing: Landing, app: Flask
) -> None:
    """Valid resource link launch: the launch target gets the context and a launch token that
    reads back to the same context; the state cookie is cleared."""
    response = lms.launch(client, lti_roles=[INSTRUCTOR])
    assert response.status_code == 200, response.get_data(as_text=True)
    (context,) = landing.contexts
    assert context.issuer == lms.issuer
    assert context.client_id == lms.client_id
    assert context.deployment_id == lms.deployment_id
    assert context.message_type == "LtiResourceLinkRequest"
    assert context.sub == "user-42"
    assert context.name == "Ada Learner"
    assert context.context_id == "course-7"
    assert context.context_title == "Biology 101"
    assert context.resource_link_id == "link-1"
    assert context.roles == ("Instructor",)
    assert context.is_staff
    with app.test_request_context():
        assert read_token(landing.tokens[0]) == context
    deleted = response.history[0].headers.getlist("Set-Cookie")
    assert len(deleted) == 2, "both state cookies are cleared"
    assert all("Expires=Thu, 01 Jan 1970" in cookie for cookie in deleted)


def test_deep_linking_launch_opens_the_real_picker(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """Deep-linking request by an instructor: validation passes and the real target renders."""
    response = lms.launch(
        client,
        lti_message_type="LtiDeepLinkingRequest",
        lti_roles=[INSTRUCTOR],
        lti_resource_link=DROP,
        **{"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": DL_SETTINGS},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_login_redirects_to_platform_with_state_nonce_and_cookie(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """OIDC login initiation: 302 to the platform's auth URL with every OIDC parameter."""
    response, state, nonce = lms.login(client)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(lms.auth_login_url + "?")
    for part in (
        "scope=openid",
        "response_type=id_token",
        "response_mode=form_post",
        "prompt=none",
        f"client_id={lms.client_id}",
        "login_hint=user-42",
        "lti_message_hint=hint-1",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Flti%2Flaunch",
    ):
        assert part in location
    assert len(state) >= 32
    assert len(nonce) >= 32
    assert state != nonce
    cookie = response.headers["Set-Cookie"]
    assert f"lti_state_{state}={state}" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/lti/" in cookie


def test_login_by_post_works_like_get(client: FlaskClient, lms: PlatformSigner) -> None:
    """Platforms may POST the login initiation."""
    response = client.post(
        "/lti/login",
        data={
            "iss": lms.issuer,
            "login_hint": "u",
            "target_link_uri": f"{lms.base_url}/lti/launch",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(lms.auth_login_url)


def test_launch_context_has_normalised_roles(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """The launch context gets short role names (URI, institution and sub-role forms)."""
    response = lms.launch(
        client,
        lti_roles=[
            INSTRUCTOR,
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
            "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
        ],
    )
    assert response.status_code == 200
    assert landing.contexts[0].roles == ("Instructor", "Administrator", "TeachingAssistant")


def test_new_deployment_of_known_platform_is_recorded(
    client: FlaskClient, lms: PlatformSigner, db_session: Session, landing: Landing
) -> None:
    """deployment_policy=record: a course copy's new deployment id is stored on first launch."""
    response = lms.launch(client, lti_deployment_id="deployment-copy-2")
    assert response.status_code == 200
    rows = db_session.scalars(
        select(Deployment).where(Deployment.deployment_id == "deployment-copy-2")
    ).all()
    assert [r.source for r in rows] == ["launch"]
    assert landing.contexts[0].deployment_id == "deployment-copy-2"


def test_platform_clock_one_second_ahead_is_accepted(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """Clock leeway: iat and nbf one second in the future are within the default 5 s."""
    now = int(time.time())
    response = lms.launch(client, iat=now + 1, nbf=now + 1)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(landing.contexts) == 1


def test_key_rotation_refetches_jwks_on_unknown_kid(
    client: FlaskClient, lms: PlatformSigner, platform_keys: list[SigningKey], landing: Landing
) -> None:
    """Key rotation: the platform signs with a new key after rotating; the cached JWKS lacks
    its kid, so the tool refetches it once and the launch succeeds."""
    assert lms.launch(client).status_code == 200
    assert lms.jwks_requests == 1
    assert lms.launch(client).status_code == 200
    assert lms.jwks_requests == 1, "the cached key set is reused"
    lms.rotate(platform_keys[1])
    response = lms.launch(client)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert lms.jwks_requests == 2
    assert len(landing.contexts) == 3


@pytest.mark.parametrize("aud", ["ours", "ours and another"])
def test_azp_naming_our_client_id_is_accepted(
    client: FlaskClient, lms: PlatformSigner, landing: Landing, aud: str
) -> None:
    """azp present and ours: accepted with one audience as with several."""
    audience = lms.client_id if aud == "ours" else [lms.client_id, "another-tool"]
    response = lms.launch(client, aud=audience, azp=lms.client_id)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(landing.contexts) == 1


def test_launch_logs_one_structured_success_line(
    client: FlaskClient, lms: PlatformSigner, events: list[dict[str, Any]], landing: Landing
) -> None:
    """One structured log line per successful launch."""
    assert lms.launch(client).status_code == 200
    lines = [e for e in events if e["event"] == "launch_succeeded"]
    assert len(lines) == 1
    assert lines[0]["issuer"] == lms.issuer
    assert lines[0]["roles"] == ["Learner"]
    assert lines[0]["launch_id"] == landing.contexts[0].launch_id
    json.dumps(lines[0])  # one JSON line


def test_launch_with_redis_launch_store(
    database_url: str, lms: PlatformSigner, landing: Landing
) -> None:
    """With redis_url set, state, nonce and JWKS live in Redis; a replay is still refused."""
    app = create_app(make_settings(database_url, redis_url="redis://127.0.0.1:6379/0"))
    try:
        client = app.test_client()
        _, state, nonce = lms.login(client)
        token = lms.sign(lms.claims(nonce))
        first = client.post("/lti/launch", data={"id_token": token, "state": state})
        assert first.status_code == 303, first.get_data(as_text=True)
        client.set_cookie(f"lti_state_{state}", state, path="/lti/")
        again = client.post("/lti/launch", data={"id_token": token, "state": state})
        assert again.status_code == 401
        assert b"already used" in again.data
    finally:
        app.extensions["peerloop.engine"].dispose()


def test_csp_frame_ancestors_lists_registered_platforms(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """CSP frame-ancestors: only 'self' and registered platforms may frame the tool."""
    response = client.get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert csp == "frame-ancestors 'self' https://lms.example.test"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin"


def test_csp_without_platforms_allows_only_self(client: FlaskClient) -> None:
    """No registered platform: nobody else may frame the tool."""
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert csp == "frame-ancestors 'self'"


def test_state_cookie_is_secure_samesite_none_behind_tls_proxy(
    database_url: str, lms: PlatformSigner
) -> None:
    """ProxyFix: behind a TLS-terminating proxy the state cookie is Secure; SameSite=None."""
    app = create_app(
        make_settings(database_url, proxy_fix_hops=1, base_url="https://peerloop.example.test")
    )
    try:
        response = app.test_client().get(
            "/lti/login",
            query_string={
                "iss": lms.issuer,
                "login_hint": "u",
                "target_link_uri": "https://peerloop.example.test/lti/launch",
            },
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "peerloop.example.test"},
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie
        assert "SameSite=None" in cookie
        assert (
            "redirect_uri=https%3A%2F%2Fpeerloop.example.test%2Flti%2Flaunch"
            in (response.headers["Location"])
        )
    finally:
        app.extensions["peerloop.engine"].dispose()


def test_state_cookie_is_samesite_none_on_loopback(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """On a loopback base URL (tests, development) browsers accept Secure cookies over http,
    so the state cookie is SameSite=None and survives the LMS's cross-site launch POST."""
    response, state, _ = lms.login(client)
    cookie, legacy = response.headers.getlist("Set-Cookie")
    assert cookie.startswith(f"lti_state_{state}=")
    assert "Secure" in cookie
    assert "SameSite=None" in cookie
    # The twin for clients that mishandle SameSite=None: no SameSite, not Secure over http.
    assert legacy.startswith(f"lti_state_legacy_{state}=")
    assert "SameSite" not in legacy
    assert "Secure" not in legacy


def test_state_cookie_is_lax_on_plain_http_elsewhere(
    database_url: str, lms: PlatformSigner
) -> None:
    """Plain http on a real host: a Secure cookie would be dropped, so it is Lax."""
    app = create_app(make_settings(database_url, base_url="http://peerloop.example.test"))
    try:
        response = app.test_client().get(
            "/lti/login",
            query_string={
                "iss": lms.issuer,
                "login_hint": "u",
                "target_link_uri": "http://peerloop.example.test/lti/launch",
            },
        )
        assert response.status_code == 302
        (cookie,) = response.headers.getlist("Set-Cookie")
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie
    finally:
        app.extensions["peerloop.engine"].dispose()


def test_launch_with_only_the_legacy_state_cookie_succeeds(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """A client that dropped the SameSite=None cookie still launches with its twin."""
    _, state, nonce = lms.login(client)
    client.delete_cookie(f"lti_state_{state}", path="/lti/")
    response = client.post(
        "/lti/launch",
        data={"id_token": lms.sign(lms.claims(nonce)), "state": state},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(landing.contexts) == 1


# -- cases found by mutation testing (scripts/mutation): each test fails with its rule gone --

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def test_launch_context_carries_every_claim_it_names(
    client: FlaskClient, lms: PlatformSigner, landing: Landing, db_session: Session
) -> None:
    """Every claim the context keeps arrives in it, as sent."""
    ags = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitem": "x"}
    nrps = {"context_memberships_url": "https://lms.example.test/nrps", "service_versions": ["2.0"]}
    platform = {"guid": "lms-1", "product_family_code": "moodle"}
    response = lms.launch(
        client,
        email="ada@example.test",
        locale="en-GB",
        lti_tool_platform=platform,
        lti_custom={"peerloop_mode": "x"},
        **{AGS: ags, NRPS: nrps},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (context,) = landing.contexts
    registered = db_session.scalars(select(Platform)).one()
    assert context.platform_id == registered.id
    assert (context.email, context.locale) == ("ada@example.test", "en-GB")
    assert context.resource_link_title == "Week 1 reflection"
    assert context.tool_platform == platform
    assert context.custom == {"peerloop_mode": "x"}
    assert context.ags_endpoint == ags
    assert context.nrps == nrps
    assert context.deep_linking_settings is None
    assert len(context.launch_id) == 22, "16 random bytes, URL-safe"


def test_launch_context_leaves_out_claims_of_the_wrong_type(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """Optional claims of the wrong type (or empty) count as absent."""
    response = lms.launch(
        client,
        name="",
        email=7,
        lti_tool_platform="moodle",
        lti_custom=["x"],
        lti_resource_link={"id": "link-1", "title": 5},
        **{AGS: "lineitems", NRPS: ["x"]},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (context,) = landing.contexts
    assert context.name is None
    assert context.email is None
    assert context.resource_link_title is None
    assert context.tool_platform == {}
    assert context.custom == {}
    assert context.ags_endpoint is None
    assert context.nrps is None


def test_two_registrations_of_one_issuer(
    client: FlaskClient,
    lms: PlatformSigner,
    platform_keys: list[SigningKey],
    jwks_host: JwksHost,
    db_session: Session,
    landing: Landing,
) -> None:
    """Canvas-like: one issuer, two client ids. The launch is checked against the
    registration its login named, not whichever the issuer has."""
    second = PlatformSigner(keys=[platform_keys[1]], client_id="peerloop-client-2")
    with second.serving(jwks_host):
        second.register(db_session)
        response = second.launch(client)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert landing.contexts[0].client_id == "peerloop-client-2"


def test_reject_policy_accepts_a_registered_deployment(
    database_url: str, lms: PlatformSigner, db_session: Session, landing: Landing
) -> None:
    """deployment_policy=reject refuses unknown deployments only, and records nothing."""
    app = create_app(make_settings(database_url, deployment_policy="reject"))
    try:
        for _ in range(2):
            response = lms.launch(app.test_client())
            assert response.status_code == 200, response.get_data(as_text=True)
    finally:
        app.extensions["peerloop.engine"].dispose()
    assert len(landing.contexts) == 2
    assert db_session.scalars(select(func.count()).select_from(Deployment)).one() == 1
