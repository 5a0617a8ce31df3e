"""The OIDC third-party login's authentication request (LTI 1.3 core, section 5.1.1)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from lti_tool.lti.launch_state import LoginState
from lti_tool.models import Platform


def authentication_request_url(
    platform: Platform,
    login: LoginState,
    *,
    redirect_uri: str,
    login_hint: str,
    lti_message_hint: str | None = None,
) -> str:
    """Where the browser goes next: the platform's authorisation endpoint with an implicit
    flow request (``id_token`` posted back to ``redirect_uri``) bound to ``login``'s state and
    nonce. ``prompt=none``: the person is already signed in to the LMS that sent them."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": login.state,
        "nonce": login.nonce,
    }
    if lti_message_hint:
        params["lti_message_hint"] = lti_message_hint
    # Some platforms' endpoints carry a query string of their own already.
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return platform.auth_login_url + separator + urlencode(params)
