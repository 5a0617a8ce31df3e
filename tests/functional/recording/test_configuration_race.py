"""Issue 6 §1: a `peerloop` command run from a second terminal, without the server's LRS
settings, used to disable the ``default`` destination for the running server, and every
statement recorded meanwhile was never queued. Starting a process now changes no
destination, and every statement is journalled whatever the destinations."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.placements import Placement
from lrs_client.tables import Destination
from tests.functional.recording.conftest import deliver, launch_placement, outbox, stored
from tests.support.lrs import LearningLockerProcess
from tests.support.platform_signer import PlatformSigner

ROOT = Path(__file__).resolve().parents[3]
PEERLOOP = str(Path(sys.executable).parent / "peerloop")


def _second_terminal(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A `peerloop` command on the same database, without the server's PEERLOOP_LRS_*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PEERLOOP_")}
    env.update(
        PEERLOOP_ENV="test", PEERLOOP_DATABASE_URL=database_url, PEERLOOP_LOG_LEVEL="WARNING"
    )
    return subprocess.run(
        [PEERLOOP, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_second_process_with_other_settings_loses_no_launch(
    app: Flask,
    client: FlaskClient,
    lms: PlatformSigner,
    placement: Placement,
    lrs: LearningLockerProcess,
    database_url: str,
) -> None:
    results: list[subprocess.CompletedProcess[str]] = []

    def other_terminal() -> None:
        for command in (["routes"], ["lrs", "status"]):
            results.append(_second_terminal(database_url, *command))

    launches = 0
    # Launch while the other commands start and run, and after they built their app.
    thread = threading.Thread(target=other_terminal)
    thread.start()
    while thread.is_alive():
        response = launch_placement(client, lms, placement)
        assert response.status_code == 200, response.get_data(as_text=True)
        launches += 1
    thread.join()
    for _ in range(2):
        assert launch_placement(client, lms, placement).status_code == 200
        launches += 1

    assert all(result.returncode == 0 for result in results), [r.stderr for r in results]
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions() as session:
        default = session.scalars(select(Destination).where(Destination.name == "default")).one()
        assert default.enabled
        assert default.endpoint == lrs.endpoint
    recorded = outbox(app)
    assert len(recorded) == launches  # one `launched` per launch, none lost
    deliver(app)  # every delivery row sent
    for statement in recorded:
        assert stored(lrs, statement["id"])["id"] == statement["id"]
