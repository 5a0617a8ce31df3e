"""The course roster behind the participation tab: fetched from the LMS (every NRPS page) on
a staff visit when the stored one is older than ``roster_max_age_minutes``, or when staff
press "Refresh roster"; a failed fetch is shown with the platform's words and the members
stored before stay. The LMS here is a loopback NRPS server serving 3,000 learners."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.roster import CourseMember, RosterFetch
from lti_tool.lti.keys import signing_key
from tests.functional.reflection_staff.conftest import Course
from tests.support.live import LiveServer, serve

LEARNERS = 3_000


@dataclass
class Lms:
    """What the loopback LMS serves and what it was asked."""

    server: LiveServer
    members: list[dict[str, object]]
    pages_served: int = 0
    failing: str | None = None
    seen_limits: set[str] = field(default_factory=set)

    @property
    def memberships_url(self) -> str:
        return f"{self.server.url}/api/Course-1/memberships"


def _nrps_app(lms: Lms) -> Flask:
    app = Flask("loopback-lms")

    @app.post("/token")
    def token() -> Response:
        return jsonify(access_token="loopback-token", token_type="Bearer", expires_in=3600)

    @app.get("/api/Course-1/memberships")
    def memberships() -> tuple[Response, int] | Response:
        if request.headers.get("Authorization") != "Bearer loopback-token":
            return jsonify(error="no token"), 401
        if lms.failing:
            return jsonify(error_description=lms.failing), 503
        lms.pages_served += 1
        limit = int(request.args.get("limit", "50"))
        page = int(request.args.get("page", "1"))
        lms.seen_limits.add(str(limit))
        start = (page - 1) * limit
        body = jsonify(
            id=request.url, context={"id": "course-1"}, members=lms.members[start : start + limit]
        )
        if start + limit < len(lms.members):
            # Mixed-case path and its own paging parameters, to be used exactly as given.
            body.headers["Link"] = (
                f'<{lms.memberships_url}?page={page + 1}&limit={limit}>; rel="next"'
            )
        return body

    return app


def _member(n: int, role: str = "Learner", status: str = "Active") -> dict[str, object]:
    return {
        "user_id": f"learner-{n:04d}",
        "roles": [f"http://purl.imsglobal.org/vocab/lis/v2/membership#{role}"],
        "status": status,
        "given_name": "Learner",
        "family_name": f"{n:04d}",
    }


@pytest.fixture
def lms(course: Course, db_session: Session) -> Iterator[Lms]:
    members = [_member(n) for n in range(LEARNERS)]
    members.append({"user_id": "teacher-1", "roles": ["Instructor"], "name": "Grace Teacher"})
    members.append(_member(9999, status="Inactive"))  # dropped the course: not listed
    state = Lms(server=None, members=members)  # type: ignore[arg-type]
    with serve(_nrps_app(state)) as server:
        state.server = server
        course.platform.auth_token_url = f"{server.url}/token"
        signing_key(db_session)  # the client assertion is signed with the tool's key
        db_session.commit()
        yield state


def _members(session: Session, course: Course) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count())
            .select_from(CourseMember)
            .where(CourseMember.platform_id == course.platform.id, CourseMember.is_learner)
        )
        or 0
    )


def _page(client: FlaskClient, course: Course, lms: Lms, **args: str) -> str:
    lt = course.token(nrps={"context_memberships_url": lms.memberships_url})
    response = client.get(course.url(), query_string={"lt": lt, "tab": "participation"} | args)
    assert response.status_code == 200, response.text[:2000]
    return response.text


def test_a_staff_visit_fetches_all_3000_learners_once_then_reads_the_table(
    client: FlaskClient, course: Course, lms: Lms, db_session: Session
) -> None:
    html = _page(client, course, lms)
    assert lms.pages_served == 31  # 3,002 members, 100 a page: every page followed
    assert lms.seen_limits == {"100"}
    assert _members(db_session, course) == LEARNERS
    assert "3000 not started" in " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert len(re.findall(r"<tr data-learner=", html)) == 50
    assert "learner-9999" not in html
    found = _page(client, course, lms, q="learner 2999")
    assert re.findall(r'<tr data-learner="([^"]+)"', found) == ["learner-2999"]
    assert lms.pages_served == 31  # fresh: the stored roster, no call to the LMS


def test_a_stale_roster_is_fetched_again_on_the_next_staff_visit(
    client: FlaskClient, course: Course, lms: Lms, db_session: Session
) -> None:
    _page(client, course, lms)
    del lms.members[:1000]
    fetch = db_session.scalars(select(RosterFetch)).one()
    fetch.attempted_at = utcnow() - timedelta(minutes=4)
    db_session.commit()
    _page(client, course, lms)
    assert _members(db_session, course) == LEARNERS  # four minutes: still fresh
    fetch.attempted_at = utcnow() - timedelta(minutes=6)
    db_session.commit()
    html = _page(client, course, lms)
    assert _members(db_session, course) == LEARNERS - 1000
    assert "learner-0000" not in html


def test_refresh_roster_fetches_at_once(
    client: FlaskClient, course: Course, lms: Lms, db_session: Session
) -> None:
    lt = course.token(nrps={"context_memberships_url": lms.memberships_url})
    _page(client, course, lms)
    lms.members.append(_member(5000))
    served = lms.pages_served
    done = client.post(course.url("/roster"), data={"lt": lt})
    assert done.status_code == 303
    assert "done=roster_refreshed" in done.headers["Location"]
    assert lms.pages_served > served
    assert _members(db_session, course) == LEARNERS + 1
    assert "The course roster was refreshed." in client.get(done.headers["Location"]).text


def test_a_failed_fetch_is_shown_with_the_platforms_words_and_the_old_roster_stays(
    client: FlaskClient, course: Course, lms: Lms, db_session: Session
) -> None:
    lt = course.token(nrps={"context_memberships_url": lms.memberships_url})
    _page(client, course, lms)
    lms.failing = "Roster service is down for maintenance"
    done = client.post(course.url("/roster"), data={"lt": lt})
    assert "done=roster_failed" in done.headers["Location"]
    page = client.get(done.headers["Location"]).text
    assert "The course roster could not be refreshed: The platform answered 503: " in page
    assert "Roster service is down for maintenance" in page
    assert "Showing the roster fetched" in page
    assert len(re.findall(r"<tr data-learner=", page)) == 50
    assert _members(db_session, course) == LEARNERS
    fetch = db_session.scalars(select(RosterFetch)).one()
    assert fetch.error is not None
    assert fetch.fetched_at is not None
    # The failure counts as an attempt: the next visits do not hammer the LMS.
    lms.failing = None
    served = lms.pages_served
    _page(client, course, lms)
    assert lms.pages_served == served


def test_a_launch_without_nrps_says_the_roster_is_not_shared(
    client: FlaskClient, course: Course
) -> None:
    response = client.get(course.url(), query_string={"lt": course.token(), "tab": "participation"})
    assert "does not share the course roster" in response.text
    assert "Refresh roster" not in response.text
