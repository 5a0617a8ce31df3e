"""LTI Dynamic Registration against a stub platform over loopback HTTP, and every failure path
an LMS administrator can meet: each one a clear page, a 4xx/502, and nothing stored."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti_tool import create_app
from lti_tool.models import Deployment, Platform
from tests.functional.registration.stub_platform import TOOL_CONFIGURATION, StubPlatform
from tests.support.ports import free_port
from tests.support.settings import make_settings

CLOSE_MESSAGE = "postMessage({subject: 'org.imsglobal.lti.close'}, '*')"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def _register(client: FlaskClient, config_url: str, token: str | None) -> TestResponse:
    query = {"openid_configuration": config_url}
    if token is not None:
        query["registration_token"] = token
    return client.get("/lti/register", query_string=query)


def _stored(session: Session) -> tuple[int, int]:
    platforms = session.scalar(select(func.count()).select_from(Platform)) or 0
    deployments = session.scalar(select(func.count()).select_from(Deployment)) or 0
    return platforms, deployments


def _assert_failed(response: TestResponse, status: int, *phrases: str) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert 'role="alert"' in text
    assert "Traceback" not in text
    assert CLOSE_MESSAGE not in text
    for phrase in phrases:
        assert phrase in text, text
    return text


def test_registration_stores_platform_and_deployment_and_closes_the_dialog(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    response = _register(client, platform.openid_configuration_url, platform.token)

    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert CLOSE_MESSAGE in text
    assert 'role="status"' in text
    assert "Peerloop is registered with your LMS" in text
    assert "deployment-7" in text
    stored = db_session.scalars(select(Platform)).one()
    assert (stored.issuer, stored.client_id, stored.source) == (
        platform.url,
        "client-from-dr",
        "dynamic",
    )
    assert stored.auth_login_url == f"{platform.url}/lti/auth"
    assert stored.auth_token_url == f"{platform.url}/lti/token"
    assert stored.key_set_url == f"{platform.url}/lti/certs"
    assert stored.name == "Moodle"
    assert [(d.deployment_id, d.source) for d in stored.deployments] == [
        ("deployment-7", "registration")
    ]
    assert platform.config_authorizations == [f"Bearer {platform.token}"]


def test_posted_tool_configuration_has_both_messages_scopes_and_our_urls(
    client: FlaskClient, platform: StubPlatform
) -> None:
    _register(client, platform.openid_configuration_url, platform.token)

    (posted,) = platform.registrations
    base = "http://127.0.0.1:5000"  # the client fixture's base_url
    assert posted["application_type"] == "web"
    assert posted["response_types"] == ["id_token"]
    assert set(posted["grant_types"]) == {"implicit", "client_credentials"}
    assert posted["initiate_login_uri"] == f"{base}/lti/login"
    assert posted["redirect_uris"] == [f"{base}/lti/launch"]
    assert posted["jwks_uri"] == f"{base}/lti/jwks"
    assert posted["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(posted["scope"].split()) == {
        AGS + "lineitem",
        AGS + "lineitem.readonly",
        AGS + "result.readonly",
        AGS + "score",
        NRPS,
    }
    tool = posted[TOOL_CONFIGURATION]
    assert tool["domain"] == "127.0.0.1:5000"
    assert tool["target_link_uri"] == f"{base}/lti/launch"
    assert {"iss", "sub", "name", "email"} <= set(tool["claims"])
    messages = {m["type"]: m for m in tool["messages"]}
    assert set(messages) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert messages["LtiDeepLinkingRequest"]["target_link_uri"] == f"{base}/lti/launch"
    assert messages["LtiDeepLinkingRequest"]["placements"] == ["ContentArea"]


def test_canvas_gets_its_placements_and_list_scopes_and_numeric_ids_are_read(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    """Canvas names its placements; some platforms answer scope as a list, ids as numbers."""
    platform.product = "canvas"
    platform.client_id = 10000000000042
    platform.deployment_id = 17
    platform.granted_scope = [AGS + "score", NRPS]

    response = _register(client, platform.openid_configuration_url, platform.token)

    assert response.status_code == 200, response.get_data(as_text=True)
    (posted,) = platform.registrations
    # Deep linking only: Canvas would give a bare resource-link message the Modules picker.
    (deep_linking,) = posted[TOOL_CONFIGURATION]["messages"]
    assert deep_linking["type"] == "LtiDeepLinkingRequest"
    assert deep_linking["placements"] == ["link_selection", "assignment_selection"]
    assert posted[TOOL_CONFIGURATION]["https://canvas.instructure.com/lti/tool_id"] == "peerloop"
    stored = db_session.scalars(select(Platform)).one()
    assert stored.client_id == "10000000000042"
    assert [d.deployment_id for d in stored.deployments] == ["17"]
    assert "Not allowed by the LMS" not in response.get_data(as_text=True)


def test_space_separated_scope_with_missing_services_is_shown_to_the_admin(
    client: FlaskClient, platform: StubPlatform
) -> None:
    platform.granted_scope = f"{AGS}lineitem {AGS}score"
    text = _register(client, platform.openid_configuration_url, platform.token).get_data(
        as_text=True
    )
    assert "Grades sent to the gradebook</dt><dd>Allowed" in text
    assert "Course roster (who has taken part)</dt><dd>Not allowed by the LMS" in text


def test_registering_again_with_the_same_client_id_adds_the_new_deployment(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    assert _register(client, platform.openid_configuration_url, platform.token).status_code == 200
    platform.deployment_id = "deployment-8"
    assert _register(client, platform.openid_configuration_url, platform.token).status_code == 200
    stored = db_session.scalars(select(Platform)).one()
    assert [d.deployment_id for d in stored.deployments] == ["deployment-7", "deployment-8"]


def test_platform_without_a_deployment_id_is_stored_for_later_launches(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    platform.deployment_id = None
    text = _register(client, platform.openid_configuration_url, platform.token).get_data(
        as_text=True
    )
    assert "recorded on the first launch" in text
    assert _stored(db_session) == (1, 0)


def test_no_deployment_id_with_the_reject_policy_says_launches_wait_for_the_admin(
    database_url: str, platform: StubPlatform
) -> None:
    app = create_app(make_settings(database_url, deployment_policy="reject"))
    platform.deployment_id = None
    text = _register(app.test_client(), platform.openid_configuration_url, platform.token)
    app.extensions["peerloop.engine"].dispose()
    assert "launches are refused until an administrator adds it" in text.get_data(as_text=True)


def test_a_bare_host_authorization_server_is_not_the_token_audience(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    """Canvas sends ``sso.canvaslms.com``; as ``aud`` it is refused. A URL is kept."""
    platform.config_changes = {"authorization_server": "sso.canvaslms.com"}
    assert _register(client, platform.openid_configuration_url, platform.token).status_code == 200
    assert db_session.scalars(select(Platform)).one().auth_token_audience is None
    platform.config_changes = {"authorization_server": "https://sso.example.edu/token"}
    assert _register(client, platform.openid_configuration_url, platform.token).status_code == 200
    db_session.expire_all()
    assert db_session.scalars(select(Platform)).one().auth_token_audience == (
        "https://sso.example.edu/token"
    )


@pytest.mark.parametrize(
    "query",
    [{}, {"registration_token": "t"}, {"openid_configuration": " "}],
    ids=["nothing", "token-only", "blank-url"],
)
def test_missing_openid_configuration_is_a_400(
    client: FlaskClient, db_session: Session, query: dict[str, str]
) -> None:
    response = client.get("/lti/register", query_string=query)
    _assert_failed(response, 400, "openid_configuration parameter is missing", "/lti/register")
    assert _stored(db_session) == (0, 0)


def test_openid_configuration_that_is_not_an_https_url_is_a_400(client: FlaskClient) -> None:
    response = _register(client, "http://lms.example.edu/openid", "t")
    _assert_failed(response, 400, "must use https://")


def test_unreachable_platform_is_a_502_naming_the_host(
    client: FlaskClient, db_session: Session
) -> None:
    port = free_port()  # nothing listens there
    response = _register(client, f"http://127.0.0.1:{port}/lti/openid-configuration", "t")
    _assert_failed(response, 502, f"could not reach your LMS at 127.0.0.1:{port}")
    assert _stored(db_session) == (0, 0)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture
def quick_app(database_url: str) -> Iterator[Flask]:
    app = create_app(make_settings(database_url, http_timeout_seconds=0.3))
    yield app
    app.extensions["peerloop.engine"].dispose()


def test_platform_that_never_answers_times_out_with_a_502(
    quick_app: Flask, silent_port: int
) -> None:
    response = _register(
        quick_app.test_client(), f"http://127.0.0.1:{silent_port}/openid-configuration", "t"
    )
    _assert_failed(response, 502, "did not answer", "within 0.3 seconds")


def test_refused_registration_token_tells_the_admin_to_start_again(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    response = _register(client, platform.openid_configuration_url, "expired-token")
    _assert_failed(
        response,
        400,
        "the registration token was refused",
        "start the registration again from your LMS",
    )
    assert _stored(db_session) == (0, 0)


def test_platform_error_text_is_shown_trimmed(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    platform.registration_answer = (
        400,
        '{"error": "invalid_client_metadata", "error_description": "redirect_uris must use '
        "the tool domain" + " and more" * 100 + '"}',
        "application/json",
    )
    response = _register(client, platform.openid_configuration_url, platform.token)
    text = _assert_failed(
        response, 502, "error 400", "invalid_client_metadata: redirect_uris must use"
    )
    assert "and more" * 40 not in text  # trimmed, not the platform's whole body
    assert _stored(db_session) == (0, 0)


@pytest.mark.parametrize(
    "answer",
    [
        (200, "<html>Welcome to our LMS</html>", "text/html"),
        (200, "[1, 2]", "application/json"),
        (200, '{"client_id": ', "application/json"),
    ],
    ids=["html", "json-array", "truncated-json"],
)
def test_malformed_registration_answer_is_a_502(
    client: FlaskClient,
    db_session: Session,
    platform: StubPlatform,
    answer: tuple[int, str, str],
) -> None:
    platform.registration_answer = answer
    response = _register(client, platform.openid_configuration_url, platform.token)
    _assert_failed(response, 502, "cannot read")
    assert _stored(db_session) == (0, 0)


def test_registration_answer_without_client_id_is_a_502(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    platform.registration_answer = (200, '{"client_name": "Peerloop"}', "application/json")
    response = _register(client, platform.openid_configuration_url, platform.token)
    _assert_failed(response, 502, "did not return a client_id")
    assert _stored(db_session) == (0, 0)


def test_malformed_openid_configuration_is_a_502(
    client: FlaskClient, platform: StubPlatform
) -> None:
    platform.config_answer = (200, "not json at all", "text/plain")
    response = _register(client, platform.openid_configuration_url, platform.token)
    _assert_failed(response, 502, "OpenID configuration Peerloop cannot read")
    assert platform.registrations == []


def test_incomplete_openid_configuration_names_what_is_missing(
    client: FlaskClient, platform: StubPlatform
) -> None:
    platform.config_changes = {"registration_endpoint": None, "jwks_uri": ""}
    response = _register(client, platform.openid_configuration_url, platform.token)
    _assert_failed(response, 502, "incomplete", "jwks_uri, registration_endpoint")
    assert platform.registrations == []


@pytest.mark.parametrize(
    "issuer",
    [
        "https://evil.example.com",
        "http://127.0.0.2",
        "https://127.0.0.1",
        "http://127.0.0.1:port",
        "http://[::1",
    ],
    ids=["other-host", "other-loopback-host", "other-scheme", "bad-port", "bad-ipv6"],
)
def test_issuer_not_on_the_configuration_origin_is_a_400(
    client: FlaskClient, db_session: Session, platform: StubPlatform, issuer: str
) -> None:
    platform.config_changes = {"issuer": issuer}
    response = _register(client, platform.openid_configuration_url, platform.token)
    _assert_failed(response, 400, f"its issuer is {issuer}")
    assert platform.registrations == []
    assert _stored(db_session) == (0, 0)


def test_platform_endpoint_that_is_not_https_is_refused_as_unusable(
    client: FlaskClient, db_session: Session, platform: StubPlatform
) -> None:
    changes: dict[str, Any] = {"authorization_endpoint": "http://lms.example.edu/auth"}
    platform.config_changes = changes
    response = _register(client, platform.openid_configuration_url, platform.token)
    _assert_failed(response, 502, "configuration is not usable", "must use https://")
    assert _stored(db_session) == (0, 0)


@pytest.fixture
def production_app(database_url: str) -> Iterator[Flask]:
    app = create_app(make_settings(database_url, env="production"))
    yield app
    app.extensions["peerloop.engine"].dispose()


def test_production_refuses_plain_http_platforms_even_on_loopback(
    production_app: Flask, platform: StubPlatform
) -> None:
    """A registration link must not point a production server at services on its own host."""
    response = _register(
        production_app.test_client(), platform.openid_configuration_url, platform.token
    )
    text = _assert_failed(response, 400, "must use https://")
    assert "only accepted for a platform on this machine" not in text
    assert platform.config_authorizations == []


def test_unregistered_lms_may_frame_the_registration_and_then_the_tool(
    client: FlaskClient, platform: StubPlatform
) -> None:
    """LMSs open /lti/register in their own iframe before they are registered."""
    assert platform.url not in client.get("/").headers["Content-Security-Policy"]
    failed = _register(client, platform.openid_configuration_url, "wrong-token")
    assert failed.headers["Content-Security-Policy"] == "frame-ancestors *"

    done = _register(client, platform.openid_configuration_url, platform.token)
    assert done.headers["Content-Security-Policy"] == "frame-ancestors *"
    # The new platform may frame the tool's pages at once, not after the CSP cache expires.
    assert platform.url in client.get("/").headers["Content-Security-Policy"]
