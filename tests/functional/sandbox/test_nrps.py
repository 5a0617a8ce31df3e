"""NRPS client against the sandbox platform (lti1p3platform) over loopback."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from lti_tool.lti.nrps import NrpsClient
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient
from sandbox import people
from tests.functional.sandbox.harness import Sandbox, platform_row


def roster(session: Session, sandbox: Sandbox, url: str) -> NrpsClient:
    return NrpsClient(ServiceClient(session, platform_row(session, sandbox), timeout=5), url)


def test_roster_pages_are_followed_with_urls_kept_as_given(
    session: Session, sandbox: Sandbox
) -> None:
    """The course id is mixed case, so a client that lowercases the Link header's URL (as
    pylti1p3 does) gets a 404 on the second page; the whole roster proves it did not."""
    client = roster(session, sandbox, f"{sandbox.url}/api/courses/{people.COURSE_ID}/memberships")
    members = client.members(limit=2)
    assert [m.user_id for m in members] == [p.user_id for p in people.PEOPLE]
    assert len(people.PEOPLE) > 4  # three pages of two at least


def test_short_role_names_are_normalised(session: Session, sandbox: Sandbox) -> None:
    client = roster(session, sandbox, f"{sandbox.url}/api/courses/{people.COURSE_ID}/memberships")
    by_id = {m.user_id: m for m in client.members()}
    assert by_id[people.INSTRUCTOR.user_id].roles == ("Instructor",)
    learner = by_id[people.LEARNERS[1].user_id]
    assert (learner.roles, learner.is_learner, learner.name) == (("Learner",), True, "Chloé Martin")


def test_a_wrong_roster_url_raises_the_platform_message(session: Session, sandbox: Sandbox) -> None:
    lowercased = f"{sandbox.url}/api/courses/{people.COURSE_ID.lower()}/memberships"
    with pytest.raises(PlatformServiceError) as refused:
        roster(session, sandbox, lowercased).members()
    assert refused.value.status == 400
    assert "There is no course 'sandbox-101'" in refused.value.message
