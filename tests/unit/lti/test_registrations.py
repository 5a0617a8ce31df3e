"""Platform registrations and deployments: validation, lookup, recording, removal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.lti import registrations
from lti_tool.lti.registrations import RegistrationError
from lti_tool.models import Deployment, Platform

ISSUER = "https://lms.example.edu"


def _values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": "client-1",
        "auth_login_url": f"{ISSUER}/mod/lti/auth.php",
        "auth_token_url": f"{ISSUER}/mod/lti/token.php",
        "key_set_url": f"{ISSUER}/mod/lti/certs.php",
        "deployment_ids": ("1", "2"),
    }
    values.update(overrides)
    return values


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_add_platform_stores_platform_and_deployments(db_session: Session) -> None:
    platform = registrations.add_platform(
        db_session, **_values(auth_token_audience="https://lms.example.edu/aud", name="Moodle")
    )
    db_session.commit()
    db_session.expire_all()
    found = registrations.find_platform(db_session, ISSUER, "client-1")
    assert found is not None
    assert found.id == platform.id
    assert found.auth_token_audience == "https://lms.example.edu/aud"
    assert (found.name, found.source) == ("Moodle", "cli")
    assert [(d.deployment_id, d.source) for d in found.deployments] == [("1", "cli"), ("2", "cli")]


def test_loopback_http_is_accepted_for_local_platforms(db_session: Session) -> None:
    platform = registrations.add_platform(
        db_session,
        **_values(
            issuer="http://127.0.0.1:8010",
            auth_login_url="http://localhost:8010/auth",
            auth_token_url="http://[::1]:8010/token",
            key_set_url="http://127.0.0.1:8010/jwks",
        ),
    )
    assert platform.issuer == "http://127.0.0.1:8010"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issuer": "http://lms.example.edu"}, "must use https://"),
        ({"issuer": "lms.example.edu"}, "must be a full URL"),
        ({"issuer": "https://lms.example.edu?x=1"}, "query string"),
        ({"auth_login_url": "ftp://lms.example.edu/auth"}, "must be a full URL"),
        ({"auth_token_url": "https://"}, "must be a full URL"),
        ({"key_set_url": "https://lms.example.edu:port/jwks"}, "must be a full URL"),
        ({"key_set_url": "https://lms.example.edu/jwks#keys"}, "#fragment"),
        ({"key_set_url": "  "}, "keyset (JWKS) URL is missing"),
        ({"client_id": ""}, "client id is empty"),
        ({"client_id": "a b"}, "must not contain spaces"),
        ({"client_id": "x" * 256}, "longer than 255"),
        ({"deployment_ids": ("1", " ")}, "deployment id is empty"),
        ({"auth_token_audience": "https://a/" + "x" * 1024}, "audience is longer"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    db_session: Session, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(RegistrationError, match=re.escape(message)) as caught:
        registrations.add_platform(db_session, **_values(**overrides))
    assert caught.value.status == 400
    assert _count(db_session, Platform) == 0


def test_duplicate_issuer_and_client_id_is_refused(db_session: Session) -> None:
    registrations.add_platform(db_session, **_values())
    with pytest.raises(RegistrationError, match="already registered") as caught:
        registrations.add_platform(db_session, **_values(deployment_ids=("3",)))
    assert caught.value.status == 409
    # Same issuer, another client id: a second registration is fine.
    registrations.add_platform(db_session, **_values(client_id="client-2"))
    assert _count(db_session, Platform) == 2


def test_find_platform_by_issuer_alone_needs_a_single_registration(db_session: Session) -> None:
    assert registrations.find_platform(db_session, ISSUER) is None
    first = registrations.add_platform(db_session, **_values())
    assert registrations.find_platform(db_session, ISSUER) is first
    assert registrations.find_platform(db_session, ISSUER, "other") is None
    registrations.add_platform(db_session, **_values(client_id="client-2"))
    with pytest.raises(RegistrationError, match="more than once"):
        registrations.find_platform(db_session, ISSUER)


def test_record_deployment_adds_once_and_returns_the_existing_row(db_session: Session) -> None:
    platform = registrations.add_platform(db_session, **_values(deployment_ids=()))
    added = registrations.record_deployment(db_session, platform, "course-copy-9", "launch")
    again = registrations.record_deployment(db_session, platform, "course-copy-9", "launch")
    db_session.commit()
    assert added.id == again.id
    assert added.source == "launch"
    assert [d.deployment_id for d in platform.deployments] == ["course-copy-9"]
    with pytest.raises(RegistrationError, match="deployment id is empty"):
        registrations.record_deployment(db_session, platform, "", "launch")


def test_remove_platform_removes_its_deployments(db_session: Session) -> None:
    registrations.add_platform(db_session, **_values())
    kept = registrations.add_platform(db_session, **_values(client_id="client-2"))
    db_session.commit()
    registrations.remove_platform(db_session, ISSUER, "client-1")
    db_session.commit()
    assert registrations.list_platforms(db_session) == [kept]
    assert _count(db_session, Deployment) == 2  # client-2's two deployments only
    with pytest.raises(RegistrationError, match="No platform") as caught:
        registrations.remove_platform(db_session, ISSUER, "client-1")
    assert caught.value.status == 404


def test_record_deployment_that_loses_a_race_returns_the_winners_row(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first launches of one new deployment: the second insert hits the unique
    constraint, and its transaction must stay usable (savepoint) and return the first row."""
    platform = registrations.add_platform(db_session, **_values(deployment_ids=()))
    db_session.commit()
    other: Session = app.extensions["peerloop.sessions"]()
    winner = registrations.record_deployment(
        other, other.get(Platform, platform.id), "new-1", "launch"
    )
    other.commit()
    other.close()

    # The loser looked before the winner committed: replay that by missing the first lookup.
    real_find = registrations.find_deployment
    calls: list[str] = []

    def find_after_a_miss(session: Session, on: Platform, deployment_id: str) -> Any:
        calls.append(deployment_id)
        return None if len(calls) == 1 else real_find(session, on, deployment_id)

    monkeypatch.setattr(registrations, "find_deployment", find_after_a_miss)
    found = registrations.record_deployment(db_session, platform, "new-1", "launch")
    assert found.id == winner.id
    assert calls == ["new-1", "new-1"]  # missed, then found after the constraint error
    registrations.record_deployment(db_session, platform, "new-2", "launch")
    db_session.commit()  # the transaction survived the constraint error
    assert _count(db_session, Deployment) == 2
