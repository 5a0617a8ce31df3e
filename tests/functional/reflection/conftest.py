"""A reflection placed in one course of one LMS, a second LMS reusing its course id, link id
and user subs, and launch tokens for the people of each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from activities.placements import Placement
from lti_tool.auth import issue_token
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.registrations import add_platform

COURSE, LINK = "course-1", "link-1"


def _register(session: Session, host: str) -> int:
    platform = add_platform(
        session,
        issuer=f"https://{host}",
        client_id="c-1",
        auth_login_url=f"https://{host}/auth",
        auth_token_url="http://127.0.0.1:9/token",
        key_set_url=f"https://{host}/jwks",
        deployment_ids=("d-1",),
    )
    session.flush()
    return platform.id


@dataclass
class Course:
    """One placement and how its people reach it."""

    app: Flask
    client: FlaskClient
    session: Session
    platform_id: int
    issuer: str
    key: str
    link: str = LINK

    def token(
        self, sub: str, name: str | None = None, *, staff: bool = False, **fields: Any
    ) -> str:
        values: dict[str, Any] = {
            "platform_id": self.platform_id,
            "issuer": self.issuer,
            "client_id": "c-1",
            "deployment_id": "d-1",
            "message_type": "LtiResourceLinkRequest",
            "sub": sub,
            "name": name,
            "roles": ("Instructor",) if staff else ("Learner",),
            "context_id": COURSE,
            "resource_link_id": self.link,
            "custom": {"peerloop_placement": self.key},
            "launch_id": f"launch-{sub}",
        } | fields
        with self.app.test_request_context():
            return issue_token(LaunchContext(**values))

    def placement(self) -> Placement:
        self.session.expire_all()
        return self.session.query(Placement).filter_by(key=self.key).one()

    def set(self, **settings: Any) -> None:
        placement = self.placement()
        placement.settings = {**(placement.settings or {}), **settings}
        self.session.commit()

    def page(self, token: str, **query: str) -> TestResponse:
        response = self.client.get(f"/a/{self.key}", query_string={"lt": token, **query})
        assert response.status_code == 200, response.text
        return response

    def post(self, token: str, body: str, **fields: str) -> TestResponse:
        return self.client.post(
            f"/a/{self.key}/reflections", data={"lt": token, "body": body, **fields}
        )


def _place(session: Session, platform_id: int, key: str, link: str, **settings: Any) -> None:
    session.add(
        Placement(
            key=key,
            platform_id=platform_id,
            deployment_id="d-1",
            context_id=COURSE,
            resource_link_id=link,
            title=f"Reflection {key}",
            prompt="How would you *apply* this at work?",
            settings=settings,
        )
    )


@pytest.fixture
def courses(app: Flask, client: FlaskClient, db_session: Session) -> tuple[Course, Course, Course]:
    """``here``: the placement under test (min 3 words, after_post); ``beside``: another link
    of the same course; ``elsewhere``: a second LMS with the same course id, link id and
    subs."""
    first = _register(db_session, "lms-one.example.edu")
    second = _register(db_session, "lms-two.example.edu")
    _place(db_session, first, "here", LINK, min_words=3)
    _place(db_session, first, "beside", "link-2", min_words=3)
    _place(db_session, second, "elsewhere", LINK, min_words=3)
    db_session.commit()
    return (
        Course(app, client, db_session, first, "https://lms-one.example.edu", "here"),
        Course(app, client, db_session, first, "https://lms-one.example.edu", "beside", "link-2"),
        Course(app, client, db_session, second, "https://lms-two.example.edu", "elsewhere"),
    )


@pytest.fixture
def course(courses: tuple[Course, Course, Course]) -> Course:
    return courses[0]


_ID = re.compile(r'id="r-(\d+)"')


def card_ids(html: str) -> list[int]:
    """The peer cards' reflection ids, in page order."""
    return [int(i) for i in _ID.findall(html)]
