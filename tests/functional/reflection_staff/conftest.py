"""Two LMSs that reuse one course id, user subs and link ids, a reflection placed in each,
and launch tokens of every role, for the instructor's pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from activities.placements import Placement
from lrs_client.outbox import save_destination
from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.models import Platform
from tests import factories
from tests.factories import PlacementFactory, PlatformFactory

COURSE, LINK, TEACHER = "course-1", "link-1", "teacher-1"


@dataclass
class Course:
    app: Flask
    session: Session
    platform: Platform
    placement: Placement
    other_platform: Platform
    other_placement: Placement

    def token(
        self, *, platform: Platform | None = None, key: str | None = None, **fields: Any
    ) -> str:
        platform = platform or self.platform
        values: dict[str, Any] = {
            "platform_id": platform.id,
            "issuer": platform.issuer,
            "client_id": platform.client_id,
            "deployment_id": "deployment-1",
            "message_type": "LtiResourceLinkRequest",
            "sub": TEACHER,
            "name": "Grace Teacher",
            "roles": ("Instructor",),
            "context_id": COURSE,
            "resource_link_id": LINK,
            "custom": {"peerloop_placement": key or self.placement.key},
            "launch_id": "launch-staff",
        } | fields
        with self.app.test_request_context():
            return issue_token(LaunchContext(**values))

    def learner_token(self) -> str:
        return self.token(sub="learner-1", name="Learner One", roles=("Learner",))

    def other_token(self) -> str:
        """Staff of the second LMS, same course id, sub and link id, its own placement."""
        return self.token(platform=self.other_platform, key=self.other_placement.key)

    def url(self, path: str = "", key: str | None = None) -> str:
        return f"/a/{key or self.placement.key}/staff{path}"


@pytest.fixture
def course(app: Flask, db_session: Session) -> Course:
    save_destination(db_session, "test-lrs", "http://127.0.0.1:9/xapi/")
    with factories.bind(db_session):
        platform = PlatformFactory()
        other = PlatformFactory()
        placement = PlacementFactory(
            platform=platform, context_id=COURSE, resource_link_id=LINK, title="Week 1"
        )
        other_placement = PlacementFactory(
            platform=other, context_id=COURSE, resource_link_id=LINK, title="Other LMS week"
        )
    db_session.commit()
    return Course(app, db_session, platform, placement, other, other_placement)
