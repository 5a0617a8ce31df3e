"""Helpers for lrs_client tests: valid statements, destinations, stand-in LRSs for the
answers the real one cannot give on demand (401, 503, silence), and a drain loop."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig, Dispatcher
from lrs_client.outbox import save_destination
from lrs_client.tables import OutboxRow

FAST = DispatchConfig(
    batch_size=50,
    lease_seconds=30,
    connect_timeout=2,
    read_timeout=5,
    backoff_base=0.05,
    backoff_max=0.2,
    idle_seconds=0.02,
)


def make_statement(registration: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A small valid xAPI 1.0.3 statement with its own id (tests need no xapi builder)."""
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://lms.example.edu", "name": "learner-1"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/posted", "display": {"en": "posted"}},
        "object": {"objectType": "Activity", "id": "https://peerloop.example/a/1"},
        "context": {"registration": registration or str(uuid.uuid4())},
        "timestamp": "2026-11-23T10:00:00+00:00",
    }
    statement.update(overrides)
    return statement


def add_destination(
    sessions: sessionmaker[Session], endpoint: str, name: str = "default", **kwargs: Any
) -> None:
    with sessions.begin() as session:
        save_destination(session, name, endpoint, "peerloop", "lrs-test-password", **kwargs)


def enqueue_many(sessions: sessionmaker[Session], statements: list[dict[str, Any]]) -> None:
    """Record the statements and route them, so each has its pending delivery rows (what a
    dispatcher's first round would do) before the test looks at the outbox."""
    from lrs_client.outbox import enqueue
    from lrs_client.routing import route_waiting

    with sessions.begin() as session:
        for statement in statements:
            enqueue(session, statement)
    route_waiting(sessions)


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        ).all()
    return {status: int(count) for status, count in rows}


def drain(dispatcher: Dispatcher, sessions: sessionmaker[Session], deadline: float = 60) -> None:
    """Run the dispatcher until nothing is pending (retries included), or fail."""
    end = time.monotonic() + deadline
    while counts(sessions).get("pending", 0):
        if time.monotonic() > end:
            raise AssertionError(f"outbox not drained: {counts(sessions)}")
        if dispatcher.run_once() == 0:
            time.sleep(0.02)


def wait_until(condition: Callable[[], bool], deadline: float = 30, what: str = "") -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


class SilentLrs:
    """Accepts TCP connections and never answers: the LRS that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@contextmanager
def silent_lrs() -> Iterator[SilentLrs]:
    server = SilentLrs()
    try:
        yield server
    finally:
        server.close()


class _JsonHandler(BaseHTTPRequestHandler):
    """A stand-in LRS's request handler: JSON answers, no access log."""

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self) -> Any:
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return json.loads(data) if data else None

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a loopback port; yields the xAPI endpoint."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/xAPI/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def answering_lrs(
    status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Iterator[str]:
    """A stand-in LRS answering every request with one status: for 401/503/429, which the
    local strict LRS (it accepts any credentials and never overloads) cannot produce."""

    class Handler(_JsonHandler):
        def _answer(self) -> None:
            self.read_json()
            self.send_json(status, body or {"message": "stand-in answer"}, headers)

        do_GET = do_POST = do_PUT = _answer  # noqa: N815

    with _serve(Handler) as endpoint:
        yield endpoint


@contextmanager
def conflicting_lrs(held: dict[str, Any]) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """A stand-in LRS that already holds ``held`` under its id and answers 409 to every POST
    and PUT, as ADL's LRS does even for a duplicate of the same content (the local strict LRS
    answers 204 there). GET statementId returns ``held`` with what an LRS adds. Yields its
    endpoint and the (method, path or body) of each request."""
    seen: list[tuple[str, Any]] = []

    class Handler(_JsonHandler):
        def do_GET(self) -> None:
            seen.append(("GET", self.path))
            if "statementId=" + held["id"] in self.path:
                stored = dict(held, stored="2026-11-23T10:00:01.000Z", version="1.0.3")
                stored["timestamp"] = "2026-11-23T10:00:00.000Z"  # reformatted, same instant
                self.send_json(200, stored)
            elif self.path.endswith("/about"):
                self.send_json(200, {"version": ["1.0.3"]})
            elif "statementId=" in self.path:
                self.send_json(404, {"message": "no such statement"})
            else:
                self.send_json(200, {"statements": [], "more": ""})

        def _conflict(self) -> None:
            seen.append((self.command, self.read_json()))
            self.send_json(409, {"message": "Conflict: statement id already used"})

        do_POST = do_PUT = _conflict  # noqa: N815

    with _serve(Handler) as endpoint:
        yield endpoint, seen


@contextmanager
def recording_lrs() -> Iterator[tuple[str, list[tuple[str, dict[str, str], Any]]]]:
    """A stand-in LRS of any xAPI version that stores nothing and answers 200 to every POST:
    it records (method, headers, JSON body) so a test can see what was sent."""
    seen: list[tuple[str, dict[str, str], Any]] = []

    class Handler(_JsonHandler):
        def do_GET(self) -> None:
            seen.append(("GET", dict(self.headers), None))
            if self.path.endswith("/about"):
                self.send_json(200, {"version": ["1.0.3", "2.0.0"]})
            else:
                self.send_json(200, {"statements": [], "more": ""})

        def do_POST(self) -> None:
            body = self.read_json()
            seen.append(("POST", dict(self.headers), body))
            self.send_json(200, [statement["id"] for statement in body])

    with _serve(Handler) as endpoint:
        yield endpoint, seen


@contextmanager
def slow_isolating_lrs(put_seconds: float) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """A stand-in LRS that refuses every batch (400) and takes ``put_seconds`` to accept each
    statement PUT alone: a long isolation. Records (method, body) of each POST and PUT."""
    seen: list[tuple[str, Any]] = []

    class Handler(_JsonHandler):
        def do_GET(self) -> None:
            if self.path.endswith("/about"):
                self.send_json(200, {"version": ["1.0.3"]})
            else:
                self.send_json(200, {"statements": [], "more": ""})

        def do_POST(self) -> None:
            seen.append(("POST", self.read_json()))
            self.send_json(400, {"message": "one of these is bad"})

        def do_PUT(self) -> None:
            seen.append(("PUT", self.read_json()))
            time.sleep(put_seconds)
            self.send_response(204)
            self.end_headers()

    with _serve(Handler) as endpoint:
        yield endpoint, seen


@contextmanager
def checking_lrs(username: str, password: str) -> Iterator[str]:
    """A stand-in LRS that answers 401 unless Basic auth carries ``username``/``password``
    (the local LRS accepts any credentials, so it cannot show a refusal)."""
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    class Handler(_JsonHandler):
        def do_GET(self) -> None:
            if self.path.endswith("/about"):  # public, as xAPI says
                self.send_json(200, {"version": ["1.0.3"]})
            elif self.headers.get("Authorization") != expected:
                self.send_json(401, {"message": "Unauthorised"})
            else:
                self.send_json(200, {"statements": [], "more": ""})

    with _serve(Handler) as endpoint:
        yield endpoint


class FaultyLrs:
    """What a stand-in LRS saw and stored: every request (method, path), and the ids it took."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.stored: list[str] = []
        self.lock = threading.Lock()


@contextmanager
def faulty_lrs(
    fails: Callable[[list[dict[str, Any]], int], bool], message: str = "server error"
) -> Iterator[tuple[str, FaultyLrs]]:
    """A stand-in LRS that answers 500 (with ``message``) to a POST when
    ``fails(statements, number of the POST)`` says so, and stores the batch otherwise: a
    poison statement (an LRS column too short for it), or an LRS failing now and then."""
    lrs = FaultyLrs()
    posts = iter(range(1, 1_000_000))

    class Handler(_JsonHandler):
        def do_GET(self) -> None:
            lrs.requests.append(("GET", self.path))
            if self.path.endswith("/about"):
                self.send_json(200, {"version": ["1.0.3"]})
            else:
                self.send_json(200, {"statements": [], "more": ""})

        def do_POST(self) -> None:
            body = self.read_json()
            with lrs.lock:
                lrs.requests.append(("POST", self.path))
                if fails(body, next(posts)):
                    self.send_json(500, {"message": message})
                    return
                lrs.stored.extend(statement["id"] for statement in body)
            self.send_json(200, [statement["id"] for statement in body])

    with _serve(Handler) as endpoint:
        yield endpoint, lrs
