"""The deep-linking response JWT: signed with our current key and kid, items as LMSs want."""

from __future__ import annotations

import json

import jwt
import pytest
from sqlalchemy.orm import Session

from lti_tool.lti import deep_linking, keys
from lti_tool.lti.context import LaunchContext

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def dl_launch(**settings: object) -> LaunchContext:
    return LaunchContext(
        platform_id=1,
        issuer="https://lms.example.edu",
        client_id="client-7",
        deployment_id="dep-1",
        message_type="LtiDeepLinkingRequest",
        sub="teacher-1",
        roles=("Instructor",),
        deep_linking_settings={"deep_link_return_url": "https://lms.example.edu/dl"} | settings,
    )


def test_response_is_signed_with_our_kid_and_verifies_with_our_jwks(db_session: Session) -> None:
    item = deep_linking.resource_link_item(
        "https://tool.example/lti/launch", "Reflect", custom={"peerloop_placement": "abc"}
    )
    token = deep_linking.response_jwt(db_session, dl_launch(data="opaque-1"), [item])
    kid, _pem = keys.signing_key(db_session)
    assert jwt.get_unverified_header(token)["kid"] == kid
    [public] = [k for k in keys.published_jwks(db_session)["keys"] if k["kid"] == kid]
    key = jwt.PyJWK.from_json(json.dumps(public))
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="https://lms.example.edu")
    assert claims["iss"] == "client-7"
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == "dep-1"
    assert claims[DL + "data"] == "opaque-1"
    assert claims[DL + "content_items"] == [item]
    assert claims["exp"] > claims["iat"]
    assert claims["nonce"]


def test_no_data_claim_when_the_platform_sent_none(db_session: Session) -> None:
    token = deep_linking.response_jwt(db_session, dl_launch(), [])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert DL + "data" not in claims
    assert claims[DL + "content_items"] == []


def test_items_never_carry_an_empty_custom_and_values_are_strings() -> None:
    bare = deep_linking.resource_link_item("https://tool.example/lti/launch", "Reflect")
    assert bare == {
        "type": "ltiResourceLink",
        "url": "https://tool.example/lti/launch",
        "title": "Reflect",
    }
    assert "custom" not in deep_linking.resource_link_item(
        "https://tool.example/lti/launch", "Reflect", custom={}
    )
    item = deep_linking.resource_link_item(
        "https://tool.example/lti/launch",
        "Reflect",
        custom={"n": 3},  # type: ignore[dict-item]
    )
    assert item["custom"] == {"n": "3"}


@pytest.mark.parametrize(
    "url", ["https://tool.example/lti/launch?p=1", "https://tool.example/lti/launch#top"]
)
def test_urls_with_a_query_or_fragment_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="no query string"):
        deep_linking.resource_link_item(url, "Reflect")


def test_return_url_is_required() -> None:
    assert deep_linking.return_url(dl_launch()) == "https://lms.example.edu/dl"
    with pytest.raises(ValueError, match="deep_link_return_url"):
        deep_linking.return_url(dl_launch(deep_link_return_url=""))
