"""Delivery under failure, end to end: LRS outage, a silent LRS during web requests, and a
worker process killed mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.outbox import enqueue, save_destination
from lrs_client.routing import route_waiting
from lrs_client.status import journal_status
from lrs_client.tables import Destination, OutboxRow
from lrs_client.worker import WorkerThread
from lti_tool.db import get_session, make_engine, make_session_factory
from tests.support.lrs import LearningLockerProcess
from tests.unit.lrs_client.support import (
    FAST,
    counts,
    enqueue_many,
    make_statement,
    silent_lrs,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[3]


def _record(app: Flask, statements: list[dict[str, Any]]) -> None:
    """Record as a request does, then route as the worker's next round would."""
    with app.app_context():
        for statement in statements:
            enqueue(get_session(), statement)
        get_session().commit()
    route_waiting(_sessions(app))


def _sessions(app: Flask) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    return factory


def test_outage_then_restart_delivers_every_statement_once(
    make_lrs_app: Callable[..., Flask], private_lrs: LearningLockerProcess
) -> None:
    app = make_lrs_app(lrs_url=private_lrs.endpoint)
    worker = WorkerThread(_sessions(app), FAST).start()
    try:
        private_lrs.stop()
        statements = [make_statement() for _ in range(60)]
        for start in range(0, 60, 10):  # interactions keep being recorded during the outage
            _record(app, statements[start : start + 10])
        wait_until(lambda: worker.dispatcher.last_failure is not None, what="a failed attempt")
        assert counts(_sessions(app)).get("pending") == 60
        private_lrs.start()
        wait_until(lambda: counts(_sessions(app)) == {"sent": 60}, deadline=60, what="drain")
    finally:
        worker.stop()
    stored = [s["id"] for s in private_lrs.all_statements()]
    assert sorted(stored) == sorted(s["id"] for s in statements)  # all, and none twice


def test_silent_lrs_does_not_slow_the_request_that_records(
    make_lrs_app: Callable[..., Flask],
) -> None:
    with silent_lrs() as silent:
        app = make_lrs_app(lrs_url=silent.endpoint, http_timeout_seconds=30)

        @app.post("/test-only/record")
        def _record_view() -> str:
            enqueue(get_session(), make_statement())
            get_session().commit()
            return "recorded"

        config = type(FAST)(read_timeout=30, idle_seconds=0.02)
        worker = WorkerThread(_sessions(app), config).start()
        try:
            client = app.test_client()
            assert client.post("/test-only/record").status_code == 200
            wait_until(lambda: bool(silent.accepted), what="the worker to hang on the LRS")
            # The dispatcher is now stuck waiting on the silent LRS; requests still complete.
            for _ in range(5):
                response = client.post("/test-only/record")
                assert response.status_code == 200
                assert response.text == "recorded"
            # All six recorded; routing waits for the stuck worker, which changes nothing.
            with _sessions(app)() as session:
                assert journal_status(session).recorded == 6
        finally:
            worker.stop_event.set()
            silent.close()  # the hung read fails now, so the thread ends
            worker.stop(timeout=10)
    assert not worker.thread.is_alive()


class HoldingProxy:
    """Forwards to the LRS; while ``hold`` is set, a POST reaches the LRS but its answer never
    comes back — the worker is mid-batch with the statements already stored."""

    def __init__(self, target: str) -> None:
        self.hold = threading.Event()
        self.hold.set()
        self.forwarded = threading.Event()
        self.release = threading.Event()
        self.answer_when_released = False  # else a held POST is never answered at all
        self.posts_before_hold = 0  # POSTs answered normally before the one held
        self.posts = 0
        self.posted_ids: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                path = self.path.split("/xAPI/", 1)[1]
                answer = requests.request(
                    self.command, target + path, data=body, headers=headers, timeout=10
                )
                if self.command in ("POST", "PUT") and answer.ok:
                    sent = json.loads(body)
                    proxy.posted_ids.extend(
                        s["id"] for s in (sent if isinstance(sent, list) else [sent])
                    )
                if self.command == "POST":
                    proxy.posts += 1
                held = proxy.posts > proxy.posts_before_hold
                if self.command == "POST" and proxy.hold.is_set() and held:
                    proxy.forwarded.set()
                    proxy.release.wait(60)
                    if not proxy.answer_when_released:
                        return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = _forward  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}/xAPI/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def worker_process(database_url: str, endpoint: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PEERLOOP_ENV": "test",
        "PEERLOOP_DATABASE_URL": database_url,
        "PEERLOOP_LRS_URL": endpoint,
        "PEERLOOP_LRS_USERNAME": "peerloop",
        "PEERLOOP_LRS_PASSWORD": "lrs-test-password",
        "PEERLOOP_LOG_LEVEL": "ERROR",
    }
    # The operator's step before a worker runs (starting one changes no destination).
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        save_destination(session, "default", endpoint, "peerloop", "lrs-test-password")
    engine.dispose()
    command = [str(Path(sys.executable).parent / "peerloop"), "lrs", "worker"]
    args = ["--batch-size", "20", "--lease-seconds", "2", "--idle-seconds", "0.05"]
    proc = subprocess.Popen(
        command + args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    database_url: str, private_lrs: LearningLockerProcess
) -> None:
    proxy = HoldingProxy(private_lrs.endpoint)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        statements = [make_statement() for _ in range(60)]
        with worker_process(database_url, proxy.endpoint) as first:

            def destination_ready() -> bool:
                with sessions() as session:
                    return session.query(Destination).count() == 1

            wait_until(destination_ready, what="the worker to start")
            enqueue_many(sessions, statements)
            assert proxy.forwarded.wait(30), "the worker never posted"
            first.send_signal(signal.SIGKILL)  # mid-batch: the LRS stored it, no answer came
            first.wait(10)
        proxy.hold.clear()
        assert counts(sessions).get("sent", 0) == 0
        with worker_process(database_url, proxy.endpoint) as second:
            wait_until(lambda: counts(sessions) == {"sent": 60}, deadline=60, what="drain")
            second.send_signal(signal.SIGTERM)
            assert second.wait(20) == 0  # a clean shutdown
    finally:
        proxy.close()
        engine.dispose()
    stored = [s["id"] for s in private_lrs.all_statements()]
    assert sorted(stored) == sorted(s["id"] for s in statements)
    assert len(proxy.posted_ids) > 60  # the killed batch really was sent twice…
    assert len(set(stored)) == len(stored) == 60  # …and the ids kept the LRS free of doubles


def test_sigterm_mid_batch_finishes_the_batch_then_stops(
    database_url: str, private_lrs: LearningLockerProcess
) -> None:
    proxy = HoldingProxy(private_lrs.endpoint)
    proxy.answer_when_released = True
    # Hold the second batch: by then the worker has checked the LRS and prefetched the third.
    proxy.posts_before_hold = 1
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with worker_process(database_url, proxy.endpoint) as worker:
            wait_until(lambda: _destination_count(sessions) == 1, what="the worker to start")
            enqueue_many(sessions, [make_statement() for _ in range(60)])
            assert proxy.forwarded.wait(30), "the worker never posted"
            worker.send_signal(signal.SIGTERM)  # while the second batch awaits its answer
            proxy.release.set()
            assert worker.wait(20) == 0
            output = worker.stdout.read().decode() if worker.stdout else ""
        with sessions() as session:
            rows = session.scalars(select(OutboxRow)).all()
    finally:
        proxy.close()
        engine.dispose()
    sent = {row.statement_id for row in rows if row.status == "sent"}
    assert len(sent) == 40
    assert len(rows) == 60
    assert {row.status for row in rows} == {"sent", "pending"}
    assert sent == {s["id"] for s in private_lrs.all_statements()}
    # The prefetched third batch went back unclaimed, its claim not counted as an attempt.
    assert all(row.claim_token is None and row.claimed_until is None for row in rows)
    assert all(row.attempts == 0 for row in rows if row.status == "pending")
    assert "LRS worker stopped." in output
    assert "Traceback" not in output


def _destination_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.query(Destination).count()


def test_development_server_runs_the_dispatcher_thread(
    make_lrs_app: Callable[..., Flask], lrs: LearningLockerProcess
) -> None:
    """With lrs_worker_thread on (outside tests), the first request starts the dispatcher."""
    app = make_lrs_app(env="development", lrs_worker_thread=True, lrs_url=lrs.endpoint)
    assert "peerloop.lrs_worker" not in app.extensions  # building an app (a CLI run) does not
    statement = make_statement()
    _record(app, [statement])
    app.test_client().get("/")
    worker: WorkerThread = app.extensions["peerloop.lrs_worker"]
    try:
        wait_until(lambda: counts(_sessions(app)) == {"sent": 1}, what="the thread to deliver")
    finally:
        worker.stop()
    assert [
        s["id"] for s in lrs.all_statements(registration=statement["context"]["registration"])
    ] == [statement["id"]]
