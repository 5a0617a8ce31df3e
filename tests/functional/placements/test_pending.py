"""Placements are pending until their first launch: the instructor's picker lists the
course's pending ones, and ``peerloop placements cleanup`` removes old ones (a dry run first)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities import placements
from activities.db import utcnow
from activities.placements import Placement
from activities.recording import Visit
from lti_tool.cli import main
from lti_tool.lti.registrations import add_platform
from lti_tool.views.deep_linking import age_in_words
from tests.functional.placements.test_token_scope import token
from tests.support.settings import make_settings

COURSE = "course-1"


@pytest.fixture
def platform_id(db_session: Session) -> int:
    platform = add_platform(
        db_session,
        issuer="https://lms-one.example.edu",
        client_id="c-1",
        auth_login_url="https://lms-one.example.edu/auth",
        auth_token_url="http://127.0.0.1:9/token",
        key_set_url="https://lms-one.example.edu/jwks",
        deployment_ids=("d-1",),
    )
    db_session.commit()
    return platform.id


def add(
    session: Session, platform_id: int, key: str, *, age: timedelta, launched: bool = False
) -> Placement:
    created = utcnow() - age
    row = Placement(
        key=key,
        platform_id=platform_id,
        deployment_id="d-1",
        context_id=COURSE,
        resource_link_id=f"link-{key}" if launched else None,
        title=f"Activity {key}",
        prompt="Why?",
        created_at=created,
        first_launched_at=created if launched else None,
    )
    session.add(row)
    session.commit()
    return row


def test_a_placement_is_pending_until_its_first_launch(
    db_session: Session, platform_id: int
) -> None:
    row = add(db_session, platform_id, "p", age=timedelta(0))
    assert row.is_pending
    options = make_settings("sqlite://").xapi_options()
    visit = Visit(tool_url="http://t", options=options, resource_link_id="link-9", course_id=COURSE)
    placements.launched(db_session, None, row, visit)
    assert not row.is_pending
    assert row.resource_link_id == "link-9"
    assert placements.pending(db_session, platform_id, COURSE) == []


def test_the_picker_lists_the_courses_pending_placements(
    app: Flask, client: FlaskClient, db_session: Session, platform_id: int
) -> None:
    add(db_session, platform_id, "old", age=timedelta(hours=3))
    add(db_session, platform_id, "used", age=timedelta(hours=5), launched=True)
    lt = token(
        app,
        platform_id,
        "x",
        message_type="LtiDeepLinkingRequest",
        deep_linking_settings={"deep_link_return_url": "https://lms-one.example.edu/dl"},
    )
    # A failed submit re-renders the picker: it lists what is pending in this course.
    page = client.post("/deep-linking/placements", data={"lt": lt, "title": ""})
    assert "Added here but never opened" in page.text
    assert "Activity old" in page.text
    assert "added 3 hours ago" in page.text
    assert "Activity used" not in page.text
    other_course = token(
        app,
        platform_id,
        "x",
        context_id="course-2",
        message_type="LtiDeepLinkingRequest",
        deep_linking_settings={"deep_link_return_url": "https://lms-one.example.edu/dl"},
    )
    elsewhere = client.post("/deep-linking/placements", data={"lt": other_course, "title": ""})
    assert "Added here but never opened" not in elsewhere.text


def test_cleanup_is_a_dry_run_until_yes(
    runner: FlaskCliRunner, db_session: Session, platform_id: int
) -> None:
    add(db_session, platform_id, "orphan", age=timedelta(days=2))
    add(db_session, platform_id, "fresh", age=timedelta(hours=2))
    add(db_session, platform_id, "used", age=timedelta(days=9), launched=True)
    origin = add(db_session, platform_id, "copied", age=timedelta(days=3))
    copy = add(db_session, platform_id, "the-copy", age=timedelta(days=1), launched=True)
    copy.origin_id = origin.id
    db_session.commit()

    dry = runner.invoke(main, args=["placements", "cleanup", "--older-than", "1d"])
    assert dry.exit_code == 0, dry.output
    assert "'Activity orphan'" in dry.output
    assert "1 pending placement(s) would be removed" in dry.output
    for kept in ("fresh", "used", "copied"):
        assert f"Activity {kept}'" not in dry.output
    db_session.expire_all()
    assert len(db_session.scalars(select(Placement)).all()) == 5

    done = runner.invoke(main, args=["placements", "cleanup", "--older-than", "1d", "--yes"])
    assert done.exit_code == 0, done.output
    assert "Removed 1 pending placement(s)" in done.output
    db_session.expire_all()
    keys = {row.key for row in db_session.scalars(select(Placement))}
    assert keys == {"fresh", "used", "copied", "the-copy"}


def test_cleanup_refuses_an_age_it_cannot_read(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, args=["placements", "cleanup", "--older-than", "soon"])
    assert result.exit_code == 2
    assert "is not an age" in result.output


def test_ages_read_as_words() -> None:
    now = utcnow()
    assert age_in_words(now, now) == "just now"
    assert age_in_words(now - timedelta(minutes=1), now) == "1 minute ago"
    assert age_in_words(now - timedelta(hours=26), now) == "1 day ago"
