"""Launches that succeed: the happy path, deployments, roles, key rotation, Redis, headers."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import create_app
from lti_tool.auth import read_token
from lti_tool.models import Deployment
from tests.functional.launch.conftest import Landing
from tests.support.platform_signer import DROP, INSTRUCTOR, PlatformSigner, SigningKey
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
    deleted = response.headers.getlist("Set-Cookie")
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
        assert first.status_code == 200, first.get_data(as_text=True)
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
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


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
        "/lti/launch", data={"id_token": lms.sign(lms.claims(nonce)), "state": state}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(landing.contexts) == 1
