"""A real LRS for tests and benchmarks: Learning Locker's xAPI statements service, in memory,
bound to 127.0.0.1 (see tools/lrs/). Needs Redis on 127.0.0.1:6379 and `npm ci` in tools/lrs."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import requests

from tests.support.ports import free_port, wait_for_port
from tests.support.processes import stop_process

ROOT = Path(__file__).resolve().parents[2]
LRS_DIR = ROOT / "tools" / "lrs"
USERNAME = "peerloop"
PASSWORD = "lrs-test-password"


class LearningLockerProcess:
    """Start, stop and restart one LRS process; the port stays the same across restarts."""

    def __init__(self, storage_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.storage_dir = storage_dir
        self.redis_prefix = f"peerloop-test-{uuid.uuid4().hex[:8]}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = storage_dir / "lrs.log"

    @property
    def endpoint(self) -> str:
        """The xAPI base URL (statements live at ``endpoint + 'statements'``)."""
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        if not (LRS_DIR / "node_modules" / "xapi-statements").is_dir():
            raise RuntimeError("the local LRS is not installed: run `npm ci --prefix tools/lrs`")
        env = {
            **os.environ,
            "EXPRESS_PORT": str(self.port),
            "AUTH_REPO": "test",
            "MODELS_REPO": "memory",
            "STORAGE_REPO": "local",
            "FS_LOCAL_STORAGE_DIR": str(self.storage_dir),
            "EXPRESS_MORGAN_DIRECTORY": str(self.storage_dir / "access"),
            "EVENTS_REPO": "redis",
            "REDIS_PREFIX": self.redis_prefix,
            "WINSTON_CONSOLE_LEVEL": "error",
            "SERVICE_AWAIT_UPDATES": "true",
        }
        # The child keeps its own copy of the descriptor; ours is closed at once (an unclosed
        # file is a ResourceWarning, which this suite turns into an error).
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                ["node", str(LRS_DIR / "start.js")],
                cwd=LRS_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_process(self.proc, sig)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again. The store is in memory: statements stored before are gone."""
        self.stop()
        self.start()

    # --- reading back what the LRS holds ---------------------------------------------------

    def get(self, path: str = "statements", **params: Any) -> requests.Response:
        return requests.get(
            self.endpoint + path,
            params=params,
            auth=(USERNAME, PASSWORD),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )

    def all_statements(self, **params: Any) -> list[dict[str, Any]]:
        """Every statement the LRS holds (following ``more``)."""
        out: list[dict[str, Any]] = []
        response = self.get(limit=500, **params)
        response.raise_for_status()
        body = response.json()
        out.extend(body["statements"])
        while body.get("more"):
            more = body["more"]
            url = f"http://127.0.0.1:{self.port}{more}" if more.startswith("/") else more
            response = requests.get(
                url,
                auth=(USERNAME, PASSWORD),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=10,
            )
            response.raise_for_status()
            body = response.json()
            out.extend(body["statements"])
        return out
