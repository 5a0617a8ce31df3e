"""Removing a platform never silently deletes course data, adding it again finds its
placements, near-duplicate issuers are refused, ``--update`` changes a registration, and
every bad value is reported in one run."""

from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.placements import Placement
from lti_tool.cli import main
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.launch import known_platform
from lti_tool.models import GradeSync, Platform
from tests.functional.registration.test_platform_cli import ADD, ISSUER, _replace

REMOVE = ["platform", "remove", "--issuer", ISSUER, "--client-id", "10000000000042"]


@pytest.fixture
def with_course_data(runner: FlaskCliRunner, db_session: Session) -> int:
    """The registration, with two placements and one grade record of them."""
    assert runner.invoke(main, args=ADD).exit_code == 0
    platform = db_session.scalars(select(Platform)).one()
    for key in ("k-1", "k-2"):
        db_session.add(
            Placement(key=key, platform_id=platform.id, deployment_id="d", title="T", prompt="P")
        )
    db_session.flush()
    first = db_session.scalars(select(Placement).where(Placement.key == "k-1")).one()
    db_session.add(
        GradeSync(
            placement_id=first.id, user_sub="u", score_given=1, score_maximum=2, status="sent"
        )
    )
    db_session.commit()
    return platform.id


def test_remove_deactivates_a_platform_with_course_data(
    runner: FlaskCliRunner, db_session: Session, with_course_data: int
) -> None:
    removed = runner.invoke(main, args=REMOVE)
    assert removed.exit_code == 0, removed.output
    assert "its 2 activities and 1 grade record are kept" in removed.output
    assert "--delete-data" in removed.output
    db_session.expire_all()
    platform = db_session.get(Platform, with_course_data)
    assert platform is not None
    assert not platform.active
    assert len(db_session.scalars(select(Placement)).all()) == 2
    assert len(db_session.scalars(select(GradeSync)).all()) == 1
    with pytest.raises(LaunchError, match="not registered with Peerloop"):
        known_platform(db_session, ISSUER, "10000000000042")
    listed = runner.invoke(main, args=["platform", "list"]).output
    assert "removed: launches refused, activities kept" in listed


@pytest.mark.parametrize("client_id", ["10000000000042", "20000000000099"])
def test_adding_the_issuer_again_brings_its_placements_back(
    runner: FlaskCliRunner, db_session: Session, with_course_data: int, client_id: str
) -> None:
    """Re-added with the same client id, or with the new one a re-registration hands out."""
    assert runner.invoke(main, args=REMOVE).exit_code == 0
    again = runner.invoke(main, args=_replace(ADD, "--client-id", client_id))
    assert again.exit_code == 0, again.output
    assert "Registered again" in again.output
    assert "2 activities" in again.output
    db_session.expire_all()
    platform = db_session.scalars(select(Platform)).one()
    assert (platform.id, platform.client_id, platform.active) == (with_course_data, client_id, True)
    assert known_platform(db_session, ISSUER, client_id).id == with_course_data
    assert {p.platform_id for p in db_session.scalars(select(Placement))} == {with_course_data}


def test_delete_data_says_what_goes(
    runner: FlaskCliRunner, db_session: Session, with_course_data: int
) -> None:
    removed = runner.invoke(main, args=[*REMOVE, "--delete-data"])
    assert removed.exit_code == 0, removed.output
    assert "deleted 2 activities and 1 grade record" in removed.output
    db_session.expire_all()
    assert db_session.scalars(select(Platform)).all() == []
    assert db_session.scalars(select(Placement)).all() == []
    assert db_session.scalars(select(GradeSync)).all() == []


@pytest.mark.parametrize(
    "spelling",
    [ISSUER + "/", ISSUER.upper().replace("HTTPS", "https"), "HTTPS://canvas.example.edu:443"],
)
def test_a_near_duplicate_issuer_is_refused(
    runner: FlaskCliRunner, db_session: Session, spelling: str
) -> None:
    assert runner.invoke(main, args=ADD).exit_code == 0
    twin = runner.invoke(main, args=_replace(ADD, "--issuer", spelling))
    assert twin.exit_code == 1
    assert f"differs from the registered {ISSUER}" in twin.output
    assert len(db_session.scalars(select(Platform)).all()) == 1


def test_update_changes_an_existing_registration(
    runner: FlaskCliRunner, db_session: Session
) -> None:
    assert runner.invoke(main, args=[*ADD, "--deployment-id", "1"]).exit_code == 0
    new_jwks = f"{ISSUER}/api/lti/security/jwks-v2"
    plain = runner.invoke(main, args=_replace(ADD, "--jwks-url", new_jwks))
    assert plain.exit_code == 1
    assert "--update" in plain.output
    updated = runner.invoke(
        main, args=[*_replace(ADD, "--jwks-url", new_jwks), "--update", "--deployment-id", "2"]
    )
    assert updated.exit_code == 0, updated.output
    assert updated.output.startswith("Updated ")
    assert "deployments: 1, 2" in updated.output
    db_session.expire_all()
    platform = db_session.scalars(select(Platform)).one()
    assert platform.key_set_url == new_jwks


def test_every_bad_value_is_reported_at_once(runner: FlaskCliRunner, db_session: Session) -> None:
    args = _replace(
        _replace(_replace(ADD, "--auth-url", "nope"), "--token-url", ""), "--client-id", " "
    )
    result = runner.invoke(main, args=[*args, "--deployment-id", ""])
    assert result.exit_code == 1
    for message in (
        "The client id is empty.",
        "The login (authorization) URL must be a full URL",
        "The token URL is missing.",
        "The deployment id is empty.",
    ):
        assert message in result.output
    assert db_session.scalars(select(Platform)).all() == []
