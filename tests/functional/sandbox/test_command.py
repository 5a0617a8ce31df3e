"""``peerloop sandbox run``: registers the sandbox with the tool's database and serves it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import requests
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.cli import main
from lti_tool.commands import sandbox as sandbox_command
from lti_tool.db import make_engine, make_session_factory
from lti_tool.models import Platform
from sandbox.flavour import FLAVOURS
from tests.support.ports import free_port, wait_for_port
from tests.support.settings import make_settings

PEERLOOP = str(Path(sys.executable).parent / "peerloop")


def test_it_refuses_to_run_in_production(database_url: str) -> None:
    app = create_app(make_settings(database_url, env="production"))
    result = app.test_cli_runner().invoke(main, args=["sandbox", "run", "--port", str(free_port())])
    assert result.exit_code == 1
    assert "does not run with PEERLOOP_ENV=production" in result.output
    assert "Traceback" not in result.output
    app.extensions["peerloop.engine"].dispose()


def test_run_registers_the_sandbox_once_and_serves_it(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {
        "PEERLOOP_ENV": "development",
        "PEERLOOP_DATABASE_URL": database_url,
        "PEERLOOP_BASE_URL": "http://127.0.0.1:5999",
        "PEERLOOP_SECRET_KEY": "test-secret",
        "PEERLOOP_LRS_WORKER_THREAD": "false",
    }
    args = [
        PEERLOOP,
        "sandbox",
        "run",
        "--port",
        str(port),
        "--database",
        f"sqlite:///{tmp_path}/sandbox.sqlite",
    ]
    outputs = []
    for _ in range(2):  # the second start finds the registration and keeps it
        process = subprocess.Popen(
            args,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for_port(port)
            home = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            assert home.status_code == 200
            assert "Sandbox 101" in home.text
            assert "http://127.0.0.1:5999" in home.text
        finally:
            process.terminate()
            outputs.append(process.communicate(timeout=10)[0])
    assert "Registered: sandbox http://127.0.0.1:" in outputs[0]
    assert "Already registered: sandbox" in outputs[1]
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        [platform] = session.scalars(select(Platform)).all()
        assert (platform.issuer, platform.client_id, platform.source) == (
            f"http://127.0.0.1:{port}",
            "peerloop-sandbox",
            "sandbox",
        )
        assert [d.deployment_id for d in platform.deployments] == ["sandbox-deployment-1"]
        assert platform.auth_token_url == f"http://127.0.0.1:{port}/token"
    engine.dispose()


def test_an_unknown_flavour_is_refused_in_one_line(database_url: str) -> None:
    app = create_app(make_settings(database_url))
    result = app.test_cli_runner().invoke(
        main, args=["sandbox", "run", "--port", str(free_port()), "--flavour", "blackboard"]
    )
    assert result.exit_code == 2
    assert "'blackboard' is not one of 'moodle', 'canvas', 'chamilo'" in result.output
    assert "Traceback" not in result.output
    app.extensions["peerloop.engine"].dispose()


def test_the_flavour_choices_are_the_sandbox_flavours() -> None:
    # The command lists the names itself (its --help must work without the sandbox extra).
    [option] = [p for p in sandbox_command.run.params if p.name == "flavour"]
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == list(FLAVOURS)
