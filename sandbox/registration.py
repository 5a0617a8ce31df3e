"""The sandbox's side of LTI Dynamic Registration: its OpenID configuration, and how it
reads the placements of a tool's registration (as Canvas does, in the Canvas flavour)."""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from sandbox.platform import SandboxConfig

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CANVAS_PLACEMENTS = ("link_selection", "assignment_selection", "course_navigation")


def openid_configuration(config: SandboxConfig) -> dict[str, t.Any]:
    flavour = config.flavour
    placements = list(CANVAS_PLACEMENTS) if flavour.canvas_placement_rules else []
    body: dict[str, t.Any] = {
        "issuer": config.issuer,
        "authorization_endpoint": config.auth_url,
        "token_endpoint": config.token_url,
        "jwks_uri": config.jwks_url,
        # On the school's own site (Canvas: <school>.instructure.com), unlike the others.
        "registration_endpoint": f"{config.base_url}/api/lti/registrations",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "scopes_supported": ["openid"],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        PLATFORM_CONFIGURATION: {
            "product_family_code": flavour.product_family_code,
            "version": "sandbox",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest", "placements": placements},
                {"type": "LtiDeepLinkingRequest", "placements": placements},
            ],
        },
    }
    if flavour.bare_authorization_server:
        # Canvas: "sso.canvaslms.com", a host without scheme; not an acceptable ``aud``.
        body["authorization_server"] = urlsplit(config.signing_url).netloc
    return body


def placements(registration: dict[str, t.Any], canvas_rules: bool) -> dict[str, str]:
    """Placement name → message type the platform will send there.

    Canvas's rules: a message without ``placements`` gets ``link_selection``; only the first
    message per placement is kept. Otherwise a message without placements is ``ContentArea``.
    """
    tool = registration.get(TOOL_CONFIGURATION)
    messages = tool.get("messages") if isinstance(tool, dict) else None
    found: dict[str, str] = {}
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        names = message.get("placements") or (
            ["link_selection"] if canvas_rules else ["ContentArea"]
        )
        for name in names:
            found.setdefault(str(name), str(message.get("type")))
    return found
