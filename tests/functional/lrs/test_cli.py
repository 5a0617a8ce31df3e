"""`peerloop lrs …`: clear messages for every misconfiguration, never a stack trace."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from lrs_client.claims import claim
from lrs_client.outbox import enqueue
from lrs_client.routing import route_waiting
from lrs_client.tables import Destination
from lti_tool.commands.lrs import cli as lrs_cli
from lti_tool.db import get_session
from tests.support.lrs import LearningLockerProcess
from tests.support.ports import free_port
from tests.unit.lrs_client.support import answering_lrs, checking_lrs, make_statement


def _record(app: Flask, statements: list[dict[str, object]]) -> None:
    """Record as a request does, then route as the worker's next round would."""
    with app.app_context():
        for statement in statements:
            enqueue(get_session(), statement)
        get_session().commit()
    route_waiting(app.extensions["peerloop.sessions"])


def test_ping_says_the_local_lrs_does_not_check_credentials(
    make_lrs_app: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    # The local LRS (AUTH_REPO=test) accepts any password, ours and a wrong one alike.
    app = make_lrs_app(lrs_url=lrs.endpoint, lrs_password="not-the-lrs-password")
    result = app.test_cli_runner().invoke(lrs_cli, args=["ping"])
    assert result.exit_code == 0, result.output
    assert "OK, the LRS at" in result.output
    assert "speaks xAPI 1.0.3" in result.output
    assert "this LRS does not check credentials" in result.output
    assert "accepts our credentials" not in result.output


def test_ping_accepts_credentials_an_lrs_checks(make_lrs_app: Callable[..., Flask]) -> None:
    with checking_lrs("peerloop", "lrs-test-password") as url:
        result = make_lrs_app(lrs_url=url).test_cli_runner().invoke(lrs_cli, args=["ping"])
    assert result.exit_code == 0, result.output
    assert "speaks xAPI 1.0.3 and accepts our credentials." in result.output


def test_ping_names_an_unreachable_url(make_lrs_app: Callable[..., Flask]) -> None:
    url = f"http://127.0.0.1:{free_port()}/xAPI/"
    result = make_lrs_app(lrs_url=url).test_cli_runner().invoke(lrs_cli, args=["ping"])
    assert result.exit_code == 1
    assert f"Cannot reach the LRS at {url} (connection refused)" in result.output
    assert "Check PEERLOOP_LRS_URL." in result.output
    assert "Traceback" not in result.output


def test_ping_names_refused_credentials(make_lrs_app: Callable[..., Flask]) -> None:
    with answering_lrs(401, {"message": "Unauthorised"}) as url:
        result = make_lrs_app(lrs_url=url).test_cli_runner().invoke(lrs_cli, args=["ping"])
    assert result.exit_code == 1
    assert f"The LRS at {url} refused our credentials (401)" in result.output
    assert "PEERLOOP_LRS_USERNAME and PEERLOOP_LRS_PASSWORD" in result.output


def test_ping_names_a_version_mismatch(
    make_lrs_app: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    app = make_lrs_app(lrs_url=lrs.endpoint, lrs_version="2.0.0")
    result = app.test_cli_runner().invoke(lrs_cli, args=["ping"])
    assert result.exit_code == 1
    assert "does not speak xAPI 2.0.0 (it answered 1.0.3)" in result.output
    assert "PEERLOOP_LRS_VERSION" in result.output


def test_ping_and_status_without_an_lrs(make_lrs_app: Callable[..., Flask]) -> None:
    runner = make_lrs_app().test_cli_runner()
    ping = runner.invoke(lrs_cli, args=["ping"])
    assert ping.exit_code == 1
    assert "No LRS is configured" in ping.output
    status = runner.invoke(lrs_cli, args=["status"])
    assert status.exit_code == 0
    assert "No LRS is configured" in status.output


def test_status_shows_counts_and_the_last_error(make_lrs_app: Callable[..., Flask]) -> None:
    url = f"http://127.0.0.1:{free_port()}/xAPI/"
    app = make_lrs_app(lrs_url=url)
    _record(app, [make_statement() for _ in range(3)])
    runner = app.test_cli_runner()
    flushed = runner.invoke(lrs_cli, args=["flush"])
    assert flushed.exit_code == 1
    assert "Delivery stopped: Cannot reach the LRS" in flushed.output
    assert "(3 still pending)" in flushed.output
    result = runner.invoke(lrs_cli, args=["status"])
    assert result.exit_code == 0
    assert "pending 3   sent 0   dead 0" in result.output
    assert "last error" in result.output
    assert "connection refused" in result.output


def test_flush_delivers_then_retry_dead_requeues(
    make_lrs_app: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    registration = str(uuid.uuid4())
    statements = [make_statement(registration) for _ in range(30)]
    statements[4]["verb"] = {"id": "not an IRI"}
    app = make_lrs_app(lrs_url=lrs.endpoint)
    _record(app, statements)
    runner = app.test_cli_runner()
    result = runner.invoke(lrs_cli, args=["flush", "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    assert "Done: 30 statements handled, 0 pending." in result.output
    assert len(lrs.all_statements(registration=registration)) == 29
    status = runner.invoke(lrs_cli, args=["status"])
    assert "pending 0   sent 29   dead 1" in status.output
    revived = runner.invoke(lrs_cli, args=["retry-dead"])
    assert "1 dead statements queued again." in revived.output
    assert "pending 1   sent 29   dead 0" in runner.invoke(lrs_cli, args=["status"]).output


def test_a_second_destination_gets_its_own_copy(
    make_lrs_app: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    app = make_lrs_app(lrs_url=lrs.endpoint)
    runner = app.test_cli_runner()
    bad = runner.invoke(lrs_cli, args=["add-destination", "research", "--endpoint", "ftp://x"])
    assert bad.exit_code == 1
    assert "http(s) URL" in bad.output
    added = runner.invoke(
        lrs_cli,
        args=[
            "add-destination",
            "research",
            "--endpoint",
            lrs.endpoint,
            "--username",
            "research-key",
            "--password",
            "research-secret",
        ],
    )
    assert added.exit_code == 0, added.output
    _record(app, [make_statement()])
    assert "pending 1" in runner.invoke(lrs_cli, args=["status"]).output.split("research")[1]
    assert runner.invoke(lrs_cli, args=["flush"]).exit_code == 0
    output = runner.invoke(lrs_cli, args=["status"]).output
    assert output.count("pending 0   sent 1   dead 0") == 2


def test_dead_lists_refused_statements_with_the_lrs_message(
    make_lrs_app: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    statements = [make_statement() for _ in range(4)]
    statements[1]["verb"] = {"id": "not an IRI"}
    statements[3]["verb"] = {"id": "still not an IRI"}
    app = make_lrs_app(lrs_url=lrs.endpoint)
    runner = app.test_cli_runner()
    assert "No dead statements." in runner.invoke(lrs_cli, args=["dead"]).output
    _record(app, statements)
    assert runner.invoke(lrs_cli, args=["flush"]).exit_code == 0
    listed = runner.invoke(lrs_cli, args=["dead"])
    assert listed.exit_code == 0, listed.output
    assert statements[1]["id"] in listed.output
    assert statements[3]["id"] in listed.output
    assert statements[0]["id"] not in listed.output
    assert "default  queued 20" in listed.output
    assert "verb.id" in listed.output
    newest = runner.invoke(lrs_cli, args=["dead", "--destination", "default", "--limit", "1"])
    assert statements[3]["id"] in newest.output
    assert statements[1]["id"] not in newest.output
    other = runner.invoke(lrs_cli, args=["dead", "--destination", "research"])
    assert "No dead statements for 'research'." in other.output
    assert runner.invoke(lrs_cli, args=["dead", "--limit", "0"]).exit_code == 2


def test_status_and_ping_never_print_a_password(make_lrs_app: Callable[..., Flask]) -> None:
    url = f"http://key:url-s3cret@127.0.0.1:{free_port()}/xAPI/"
    app = make_lrs_app(lrs_url=url, lrs_password="setting-s3cret")
    runner = app.test_cli_runner()
    _record(app, [make_statement()])
    outputs = [runner.invoke(lrs_cli, args=[command]).output for command in ("ping", "flush")]
    outputs.append(runner.invoke(lrs_cli, args=["status"]).output)
    assert "last error" in outputs[-1]
    assert "key:***@127.0.0.1" in outputs[-1]
    for output in outputs:
        assert "s3cret" not in output


def test_status_shows_leased_rows_and_when_their_lease_ends(
    make_lrs_app: Callable[..., Flask],
) -> None:
    app = make_lrs_app(lrs_url=f"http://127.0.0.1:{free_port()}/xAPI/")
    _record(app, [make_statement() for _ in range(2)])
    sessions = app.extensions["peerloop.sessions"]
    with sessions() as session:
        destination_id = session.scalars(select(Destination.id)).one()
    claim(sessions, destination_id, 10, 60)  # a worker holds them: its batch is in flight
    result = app.test_cli_runner().invoke(lrs_cli, args=["status"])
    assert result.exit_code == 0
    assert "leased 2 (in flight; a stopped worker's come back by 20" in result.output
