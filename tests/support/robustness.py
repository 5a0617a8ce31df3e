"""What the robustness tests share: a registered platform with placements, launch tokens
(good, for another platform, a learner's, expired, forged, wrongly shaped), and the check every
response must pass whatever was sent."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace

from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from activities.placements import Placement
from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.models import Platform

#: Unreachable on purpose (port 1 on loopback refuses at once): any call out fails fast.
NOWHERE = "http://127.0.0.1:1"
SALT = "peerloop.launch"  # the launch-token salt, to forge tokens the way an attacker would
#: Routes whose successful answers are JSON documents.
JSON_ENDPOINTS = frozenset({"/healthz", "/lti/jwks", "/lti/canvas.json", "/xapi/profile"})


@dataclass(frozen=True)
class Seeded:
    """Rows and tokens made by ``seed``."""

    placement_key: str
    other_placement_key: str
    staff: str
    staff_deep_linking: str
    learner: str
    other_platform_staff: str
    expired: str
    forged: str
    misshapen: str


def _platform(session: Session, issuer: str) -> Platform:
    platform = Platform(
        issuer=issuer,
        client_id="client-1",
        auth_login_url=f"{NOWHERE}/auth",
        auth_token_url=f"{NOWHERE}/token",
        key_set_url=f"{NOWHERE}/jwks",
    )
    session.add(platform)
    session.flush()
    return platform


def _placement(session: Session, platform: Platform, key: str) -> Placement:
    placement = Placement(
        key=key,
        platform_id=platform.id,
        deployment_id="deployment-1",
        context_id="course-1",
        title="Reflect",
        prompt="How would you apply this?",
    )
    session.add(placement)
    return placement


class _LongAgoSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 400 * 24 * 3600


def seed(app: Flask, session: Session) -> Seeded:
    """Two platforms, a placement on each, and tokens of every kind for the first one."""
    platform = _platform(session, "https://lms.robust.test")
    other = _platform(session, "https://other-lms.robust.test")
    _placement(session, platform, "p" * 32)
    _placement(session, other, "q" * 32)
    session.commit()
    staff = LaunchContext(
        platform_id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_id="deployment-1",
        message_type="LtiResourceLinkRequest",
        sub="teacher-1",
        roles=("Instructor",),
        context_id="course-1",
        resource_link_id="link-1",
        ags_endpoint={
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitems": f"{NOWHERE}/lineitems",
        },
        nrps={"context_memberships_url": f"{NOWHERE}/members"},
        custom={"peerloop_placement": "p" * 32},
        launch_id="launch-1",
    )
    deep_linking = replace(
        staff,
        message_type="LtiDeepLinkingRequest",
        deep_linking_settings={"deep_link_return_url": f"{NOWHERE}/return"},
        custom={},
    )
    learner = replace(staff, sub="learner-1", roles=("Learner",))
    other_staff = replace(
        staff,
        platform_id=other.id,
        issuer=other.issuer,
        custom={"peerloop_placement": "q" * 32},
    )
    secret = app.config["SECRET_KEY"]
    with app.app_context():
        tokens = [issue_token(c) for c in (staff, deep_linking, learner, other_staff)]
    old = URLSafeTimedSerializer(secret, salt=SALT, signer=_LongAgoSigner)
    forger = URLSafeTimedSerializer("a-guess-at-the-secret", salt=SALT)
    right_key = URLSafeTimedSerializer(secret, salt=SALT)
    return Seeded(
        placement_key="p" * 32,
        other_placement_key="q" * 32,
        staff=tokens[0],
        staff_deep_linking=tokens[1],
        learner=tokens[2],
        other_platform_staff=tokens[3],
        expired=old.dumps(staff.to_dict()),
        forged=forger.dumps(staff.to_dict()),
        # Signed with the right key but not a launch context (e.g. from an older release).
        misshapen=right_key.dumps({"platform_id": platform.id, "colour": "blue"}),
    )


def assert_sane(response: TestResponse, rule: str, sent: str) -> None:
    """No 5xx; HTML errors carry role=alert and no traceback; JSON endpoints answer JSON."""
    body = response.get_data(as_text=True)
    where = f"{rule} after {sent}"
    assert response.status_code < 500, f"{response.status_code} on {where}:\n{body[:2000]}"
    assert "Traceback" not in body, where
    head = response.request.method == "HEAD"  # HEAD answers carry no body, by definition
    if response.status_code >= 400 and response.mimetype == "text/html" and not head:
        assert 'role="alert"' in body, f"{response.status_code} without an alert on {where}"
    if rule in JSON_ENDPOINTS and response.status_code == 200 and response.request.method == "GET":
        json.loads(body)  # raises on a body that is not JSON
