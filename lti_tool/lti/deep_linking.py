"""The Deep Linking 2.0 response: the content items an instructor picked, signed with our key.

Built by hand with PyJWT rather than pylti1p3's DeepLinkResource because that one always sends
a ``custom`` object (empty ones are refused by some platforms) and passes URLs through as given;
here items never carry an empty ``custom`` and never a URL with a query string (several LMSs
drop or mangle the query of a launch URL).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import jwt
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.placements import Placement
from lti_tool.lti.claims import CLAIM, DEEP_LINKING_RESPONSE, DL_CLAIM
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.keys import signing_key

#: Long enough for a slow browser to post it, short enough not to be replayed later.
RESPONSE_TTL_SECONDS = 300


def resource_link_item(
    url: str,
    title: str,
    *,
    text: str | None = None,
    custom: dict[str, str] | None = None,
    line_item: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``ltiResourceLink`` content item; ``custom`` only when non-empty, string values."""
    if urlsplit(url).query or urlsplit(url).fragment:
        raise ValueError(f"deep-link URLs carry no query string or fragment: {url!r}")
    item: dict[str, Any] = {"type": "ltiResourceLink", "url": url, "title": title}
    if text:
        item["text"] = text
    custom = {str(key): str(value) for key, value in (custom or {}).items()}
    if custom:
        item["custom"] = custom
    if line_item:
        item["lineItem"] = line_item
    return item


def line_item(placement: Placement) -> dict[str, Any]:
    """The item's ``lineItem`` (LTI-DL 2.0 §3.4.2.1): the column the LMS creates for it."""
    return {
        "label": placement.title,
        "scoreMaximum": placement.score_maximum,
        "resourceId": placement.key,
    }


def response_jwt(session: Session, launch: LaunchContext, items: list[dict[str, Any]]) -> str:
    """The signed ``LtiDeepLinkingResponse`` for ``launch`` (a deep-linking request)."""
    settings = launch.deep_linking_settings or {}
    kid, pem = signing_key(session)
    now = int(utcnow().timestamp())
    claims: dict[str, Any] = {
        # The tool is the issuer here; the platform is the audience (LTI-DL 2.0 §4.2).
        "iss": launch.client_id,
        "aud": launch.issuer,
        "iat": now,
        "exp": now + RESPONSE_TTL_SECONDS,
        "nonce": uuid.uuid4().hex,
        CLAIM + "message_type": DEEP_LINKING_RESPONSE,
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": launch.deployment_id,
        DL_CLAIM + "content_items": items,
    }
    if settings.get("data") is not None:
        claims[DL_CLAIM + "data"] = settings["data"]
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


def return_url(launch: LaunchContext) -> str:
    """Where the response is posted; a launch without one cannot be answered."""
    value = (launch.deep_linking_settings or {}).get("deep_link_return_url")
    if not isinstance(value, str) or not value:
        raise ValueError("the deep-linking request named no deep_link_return_url")
    return value
