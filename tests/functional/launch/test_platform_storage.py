"""LTI Platform Storage: launches that work when the browser blocks our cookie in the iframe.

The pages' JavaScript (static/lti-storage.js) talks postMessage to the LMS; here we check
what the server renders and accepts at each step."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.functional.launch.conftest import Landing
from tests.support.platform_signer import PlatformSigner

ORIGIN = "http://127.0.0.1:5000"


def _data(html: str, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', html)
    assert match, f"data-{name} missing"
    return match.group(1).replace("&amp;", "&")


def _storage_login(client: FlaskClient, lms: PlatformSigner) -> tuple[str, str, str]:
    """Login with lti_storage_target; returns (state, nonce, auth_url) from the page."""
    response, _, _ = lms.login(client, lti_storage_target="post_message_forwarding")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    return _data(html, "state"), _data(html, "nonce"), _data(html, "auth-url")


def test_login_with_storage_target_renders_put_data_page(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """lti_storage_target at login: a page that puts state and nonce into platform storage,
    addressed to the LMS's origin, then goes on to the LMS's auth URL."""
    response, _, _ = lms.login(client, lti_storage_target="post_message_forwarding")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _data(html, "action") == "put"
    assert _data(html, "target") == "post_message_forwarding"
    assert _data(html, "origin") == "https://lms.example.test"
    state = _data(html, "state")
    auth_url = _data(html, "auth-url")
    assert auth_url.startswith(lms.auth_login_url + "?")
    assert f"state={state}" in auth_url
    assert "lti-storage.js" in html
    assert 'role="status"' in html
    # The cookie is still offered: where it works, nothing else is needed.
    assert f"lti_state_{state}=" in response.headers["Set-Cookie"]


def test_launch_without_cookie_reads_state_back_from_storage(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """Cookie blocked, storage used at login: the launch renders the get_data page."""
    state, nonce, _ = _storage_login(client, lms)
    lms.drop_state_cookies(client, state)
    token = lms.sign(lms.claims(nonce))
    response = client.post("/lti/launch", data={"id_token": token, "state": state})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _data(html, "action") == "get"
    assert _data(html, "state") == state
    assert _data(html, "nonce") == nonce
    assert 'action="/lti/launch/verify"' in html
    assert "Open in a new window" in html  # the fallback, shown if storage fails


def test_verify_with_state_from_storage_completes_the_launch(
    client: FlaskClient, lms: PlatformSigner, landing: Landing
) -> None:
    """Platform storage held the state and nonce: the launch succeeds without any cookie."""
    state, nonce, _ = _storage_login(client, lms)
    lms.drop_state_cookies(client, state)
    token = lms.sign(lms.claims(nonce))
    response = client.post(
        "/lti/launch/verify",
        data={"id_token": token, "state": state, "storage_state": state, "storage_nonce": nonce},
        headers={"Origin": ORIGIN},
        follow_redirects=True,
    )
    # The redirect's target identifies the launch by its URL alone: no cookie came along.
    assert response.history[0].status_code == 303
    assert response.status_code == 200, response.get_data(as_text=True)
    assert landing.contexts[0].sub == "user-42"


def test_verify_with_wrong_storage_value_is_refused(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """Storage mismatch: what storage returned is not this launch's state."""
    state, nonce, _ = _storage_login(client, lms)
    response = client.post(
        "/lti/launch/verify",
        data={
            "id_token": lms.sign(lms.claims(nonce)),
            "state": state,
            "storage_state": "something-else",
            "storage_nonce": nonce,
        },
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 401
    assert b"platform storage did not hold this launch" in response.data


def test_verify_from_another_origin_is_refused(client: FlaskClient, lms: PlatformSigner) -> None:
    """Only our own storage page may confirm a launch (a cross-site form cannot fake Origin)."""
    state, nonce, _ = _storage_login(client, lms)
    response = client.post(
        "/lti/launch/verify",
        data={
            "id_token": lms.sign(lms.claims(nonce)),
            "state": state,
            "storage_state": state,
            "storage_nonce": nonce,
        },
        headers={"Origin": "https://attacker.example.test"},
    )
    assert response.status_code == 401
    assert b"did not come from Peerloop" in response.data
