"""What Peerloop tells an LMS about itself: the client registration posted by Dynamic
Registration (LTI-DR 1.0 §3.5) and the JSON a Canvas admin gives a developer key."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lti_tool.lti.claims import (
    DEEP_LINKING_REQUEST,
    RESOURCE_LINK_REQUEST,
    SERVICE_SCOPES,
    TOOL_CONFIGURATION,
)

LOGIN_PATH = "/lti/login"
LAUNCH_PATH = "/lti/launch"
JWKS_PATH = "/lti/jwks"

TOOL_NAME = "Peerloop"
TOOL_DESCRIPTION = (
    "Social learning activities (reflections, peer discussion, cohorts) with every "
    "interaction recorded as xAPI in your own Learning Record Store."
)

CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email", "locale")

CANVAS_PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"
CANVAS_TOOL_ID_CLAIM = "https://canvas.instructure.com/lti/tool_id"
#: Canvas's id for the tool, the same in the developer-key JSON and in dynamic registration.
CANVAS_TOOL_ID = "peerloop"
#: Where Canvas offers "add a Peerloop activity": Modules/links and assignments.
CANVAS_PLACEMENTS = ("link_selection", "assignment_selection")


def tool_urls(base_url: str) -> dict[str, str]:
    base_url = base_url.rstrip("/")
    return {
        "login": base_url + LOGIN_PATH,
        "launch": base_url + LAUNCH_PATH,
        "jwks": base_url + JWKS_PATH,
        "domain": urlsplit(base_url).netloc,
    }


def tool_configuration(base_url: str, product_family_code: str | None = None) -> dict[str, Any]:
    """The client registration we POST (LTI-DR §3.5), with both message types and our scopes."""
    urls = tool_urls(base_url)
    canvas = (product_family_code or "").lower() == "canvas"
    deep_linking: dict[str, Any] = {
        "type": DEEP_LINKING_REQUEST,
        "target_link_uri": urls["launch"],
        "label": "Add a Peerloop activity",
        # Canvas places deep linking by its own placement names; others use ContentArea.
        "placements": list(CANVAS_PLACEMENTS) if canvas else ["ContentArea"],
        "supported_types": ["ltiResourceLink"],
    }
    resource_link = {
        "type": RESOURCE_LINK_REQUEST,
        "target_link_uri": urls["launch"],
        "label": TOOL_NAME,
    }
    # Canvas gives a message without placements the link_selection placement and keeps only
    # the first message per placement, so a bare resource-link message would take the Modules
    # picker from deep linking. Links made by deep linking launch without a message entry.
    messages = [deep_linking] if canvas else [resource_link, deep_linking]
    extensions: dict[str, Any] = {CANVAS_PRIVACY_LEVEL: "public"}
    if canvas:
        extensions[CANVAS_TOOL_ID_CLAIM] = CANVAS_TOOL_ID
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": TOOL_NAME,
        "jwks_uri": urls["jwks"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SERVICE_SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urls["domain"],
            "description": TOOL_DESCRIPTION,
            "target_link_uri": urls["launch"],
            "claims": list(CLAIMS),
            "messages": messages,
            **extensions,
        },
    }


def canvas_configuration(base_url: str) -> dict[str, Any]:
    """The JSON a Canvas admin pastes (or points to) when creating an LTI developer key."""
    urls = tool_urls(base_url)
    placement = {
        "message_type": DEEP_LINKING_REQUEST,
        "target_link_uri": urls["launch"],
        "text": "Add a Peerloop activity",
    }
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["launch"],
        "public_jwk_url": urls["jwks"],
        "scopes": list(SERVICE_SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urls["domain"],
                "tool_id": CANVAS_TOOL_ID,
                "privacy_level": "public",
                "settings": {
                    "text": TOOL_NAME,
                    "placements": [{"placement": name, **placement} for name in CANVAS_PLACEMENTS],
                },
            }
        ],
    }
