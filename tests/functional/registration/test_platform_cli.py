"""``peerloop platform add | list | remove``: good values stored, bad ones a clear error."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.cli import main
from lti_tool.models import Platform

ISSUER = "https://canvas.example.edu"
ADD = [
    "platform",
    "add",
    "--issuer",
    ISSUER,
    "--client-id",
    "10000000000042",
    "--auth-url",
    f"{ISSUER}/api/lti/authorize_redirect",
    "--token-url",
    f"{ISSUER}/login/oauth2/token",
    "--jwks-url",
    f"{ISSUER}/api/lti/security/jwks",
]


def _replace(args: list[str], option: str, value: str) -> list[str]:
    args = list(args)
    args[args.index(option) + 1] = value
    return args


def test_add_with_two_deployments_then_list_then_remove(
    runner: FlaskCliRunner, db_session: Session
) -> None:
    added = runner.invoke(
        main,
        args=[*ADD, "--deployment-id", "1:abc", "--deployment-id", "2:def", "--name", "Canvas"],
    )
    assert added.exit_code == 0, added.output
    assert "deployments: 1:abc, 2:def" in added.output
    stored = db_session.scalars(select(Platform)).one()
    assert [d.deployment_id for d in stored.deployments] == ["1:abc", "2:def"]
    assert stored.source == "cli"

    listed = runner.invoke(main, args=["platform", "list"])
    assert listed.exit_code == 0
    assert f"{ISSUER}  client_id=10000000000042" in listed.output
    assert "deployments: 1:abc, 2:def" in listed.output
    assert "name:        Canvas" in listed.output

    removed = runner.invoke(
        main, args=["platform", "remove", "--issuer", ISSUER, "--client-id", "10000000000042"]
    )
    assert removed.exit_code == 0, removed.output
    db_session.expire_all()
    assert db_session.scalars(select(Platform)).all() == []
    assert "No platform is registered" in runner.invoke(main, args=["platform", "list"]).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (_replace(ADD, "--issuer", "http://canvas.example.edu"), "must use https://"),
        (_replace(ADD, "--auth-url", "not a url"), "must be a full URL"),
        (_replace(ADD, "--token-url", ""), "token URL is missing"),
        (_replace(ADD, "--client-id", " "), "client id is empty"),
        ([*ADD, "--deployment-id", ""], "deployment id is empty"),
        (ADD[:-2], "Missing option '--jwks-url'"),
    ],
    ids=[
        "http-issuer",
        "bad-auth-url",
        "empty-token-url",
        "blank-client",
        "empty-deployment",
        "missing-option",
    ],
)
def test_bad_values_are_clear_errors_without_traceback(
    runner: FlaskCliRunner, db_session: Session, args: list[str], message: str
) -> None:
    result = runner.invoke(main, args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db_session.scalars(select(Platform)).all() == []


def test_adding_the_same_registration_twice_is_refused(runner: FlaskCliRunner) -> None:
    assert runner.invoke(main, args=ADD).exit_code == 0
    again = runner.invoke(main, args=ADD)
    assert again.exit_code == 1
    assert "already registered" in again.output


def test_removing_an_unknown_registration_is_a_clear_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        main, args=["platform", "remove", "--issuer", ISSUER, "--client-id", "x"]
    )
    assert result.exit_code == 1
    assert f"No platform {ISSUER} with client id x is registered." in result.output


def test_frame_origins_are_stored_listed_and_framed_from(
    runner: FlaskCliRunner, db_session: Session, client: FlaskClient
) -> None:
    """Canvas frames tools from the school's domain, not its issuer's: --frame-origin."""
    school = "https://school.instructure.com"
    added = runner.invoke(
        main,
        args=[*ADD, "--frame-origin", school + "/", "--frame-origin", "https://learn.school.edu"],
    )
    assert added.exit_code == 0, added.output
    stored = db_session.scalars(select(Platform)).one()
    assert stored.frame_origin_list == [school, "https://learn.school.edu"]
    assert (
        f"framed from: {school} https://learn.school.edu"
        in runner.invoke(main, args=["platform", "list"]).output
    )
    policy = client.get("/").headers["Content-Security-Policy"].split()
    assert school in policy
    assert "https://learn.school.edu" in policy


@pytest.mark.parametrize(
    "origin",
    ["*", "https://school.instructure.com/courses/1", "http://school.example.edu", "school.edu"],
    ids=["wildcard", "path", "plain-http", "no-scheme"],
)
def test_a_frame_origin_that_is_not_an_https_origin_is_refused(
    runner: FlaskCliRunner, db_session: Session, origin: str
) -> None:
    added = runner.invoke(main, args=[*ADD, "--frame-origin", origin])
    assert added.exit_code != 0
    assert "frame origin" in added.output
    assert db_session.scalars(select(Platform)).all() == []
