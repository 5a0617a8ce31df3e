"""A second real LRS for tests: Ralph 5.1.0 (PyPI ``ralph-malph[cli,lrs]``) on its file-system
backend, bound to 127.0.0.1, in a directory of its own.

Ralph's limits, measured (see shared/XAPI.md) — every test against it must live with them:
- the fs backend opens its file in create mode, so only the first POST/PUT that writes
  anything succeeds; every later write answers 500 (an all-duplicate POST writes nothing and
  answers 204): start a fresh process for each test that writes twice;
- no ``/xAPI/about`` resource (404);
- ``verb``, ``activity`` and ``related_activities`` filters always match nothing;
- ``limit`` is capped at 100; the version header is ignored; Agent and SubStatement objects
  are refused.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from tests.support.ports import free_port, wait_for_port
from tests.support.processes import stop_process

USERNAME = "peerloop"
PASSWORD = "ralph-test-password"
# Ralph stamps this agent as the authority of every statement it stores.
AUTHORITY_HOME_PAGE = "https://peerloop.example"
AUTHORITY_NAME = "peerloop-tests"


def write_credentials(app_dir: Path) -> Path:
    """Run ``ralph auth`` to write ``auth.json`` (bcrypt hash of PASSWORD) into ``app_dir``.
    Slow on purpose (bcrypt), so a session writes it once and every process copies it."""
    app_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _ralph(),
            "auth",
            "--username",
            USERNAME,
            "--password",
            PASSWORD,
            "--scope",
            "all",
            "--agent-ifi-account",
            AUTHORITY_NAME,
            AUTHORITY_HOME_PAGE,
            "--write-to-disk",
        ],
        # The command imports Ralph's API, which fails unless a backend it has is named.
        env={**os.environ, "RALPH_APP_DIR": str(app_dir), "RALPH_RUNSERVER_BACKEND": "fs"},
        cwd=app_dir,
        check=True,
        capture_output=True,
        timeout=60,
    )
    auth_file = app_dir / "auth.json"
    if not auth_file.is_file():
        raise RuntimeError(f"`ralph auth` wrote no {auth_file.name}")
    return auth_file


class RalphProcess:
    """One Ralph LRS: a fresh file store under ``work_dir``, a free loopback port."""

    def __init__(self, work_dir: Path, auth_file: Path | None = None) -> None:
        self.port = free_port()
        self.work_dir = work_dir
        self.app_dir = work_dir / "ralph-app"
        self.data_dir = work_dir / "ralph-data"
        self.auth_file = auth_file
        self.log_path = work_dir / "ralph.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """The xAPI base URL (statements live at ``endpoint + 'statements'``)."""
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def auth(self) -> tuple[str, str]:
        return (USERNAME, PASSWORD)

    def start(self) -> RalphProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.auth_file is not None:
            self.app_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.auth_file, self.app_dir / "auth.json")
        else:
            write_credentials(self.app_dir)
        env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.app_dir),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data_dir),
        }
        env.pop("RALPH_SENTRY_DSN", None)
        # The same ASGI app `ralph runserver -b fs` serves, started with uvicorn directly:
        # runserver forces reload=True, which forks a watcher child that watches its working
        # directory — one more process to reap and a restart whenever a file there changes.
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "ralph.api:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=self.work_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, timeout=30)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"Ralph did not start: {self.log_text()[-2000:]}") from None
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_process(self.proc, sig)
        self.proc = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- reading back what Ralph holds -------------------------------------------------------

    def get(self, path: str = "statements", **params: Any) -> requests.Response:
        return requests.get(self.endpoint + path, params=params, auth=self.auth, timeout=10)

    def stored_ids(self) -> list[str]:
        """The id of every statement in Ralph's store, one per stored copy (duplicates show).
        Read from the file the fs backend writes: Ralph's own paging is what tests check."""
        store = self.data_dir / "fs_lrs.jsonl"
        if not store.exists():
            return []
        return [json.loads(line)["id"] for line in store.read_text().splitlines() if line.strip()]


def _ralph() -> str:
    """The ``ralph`` console script of the running interpreter's environment."""
    candidate = Path(sys.executable).with_name("ralph")
    return str(candidate) if candidate.exists() else "ralph"
