"""LRS delivery benchmark: prints figures, asserts nothing (run: python -m tests.bench.bench_lrs).

1. Throughput: the dispatcher draining the outbox into the local strict LRS, versus that LRS's
   own ingestion rate for the same statements and batch size posted directly (target ≥ 0.9).
2. Cost of ``enqueue`` inside a request's transaction on PostgreSQL (target < 1 ms).
3. A backlog drained by a ``peerloop lrs worker`` process: its peak RSS (target < 150 MB).

Needs the local PostgreSQL and the strict LRS in tools/lrs/ (as the tests do). Sizes are flags:
the defaults are the full run for a quiet machine (several minutes); --quick is a small one
(under a minute) that proves the benchmark works, not a figure to quote. --no-pipeline runs
the dispatcher without its settle-and-claim helper thread, to see what the thread buys.

Examples:
  python -m tests.bench.bench_lrs --quick
  python -m tests.bench.bench_lrs --statements 5000 --rounds 3 --backlog 0
  python -m tests.bench.bench_lrs --no-pipeline --backlog 0
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.dispatcher import DispatchConfig, Dispatcher
from lrs_client.outbox import enqueue, save_destination
from lrs_client.tables import JournalEntry, OutboxRow, utcnow
from lti_tool.db import make_engine, make_session_factory
from tests.support.databases import PostgresDatabase
from tests.support.lrs import LearningLockerProcess


def statement() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {
                "homePage": "https://lms.example.edu",
                "name": f"learner-{uuid.uuid4().hex[:6]}",
            },
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/posted", "display": {"en": "posted"}},
        "object": {"objectType": "Activity", "id": "https://peerloop.example/a/1"},
        "context": {"registration": str(uuid.uuid4())},
        "timestamp": "2026-11-23T10:00:00+00:00",
    }


def direct_rate(lrs: LearningLockerProcess, count: int, batch: int) -> float:
    session = requests.Session()
    session.auth = ("peerloop", "bench")
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    payloads = [json.dumps(statement()) for _ in range(count)]
    start = time.perf_counter()
    for i in range(0, count, batch):
        body = "[" + ",".join(payloads[i : i + batch]) + "]"
        session.post(lrs.endpoint + "statements", data=body, headers=headers, timeout=60)
    elapsed = time.perf_counter() - start
    session.close()
    return count / elapsed


def pending(sessions: sessionmaker[Session]) -> int:
    """Statements still to deliver: pending delivery rows, and journal entries not routed."""
    with sessions() as session:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")
        unrouted = select(func.count()).select_from(JournalEntry)
        unrouted = unrouted.where(JournalEntry.routed_at.is_(None))
        return int(session.scalar(query) or 0) + int(session.scalar(unrouted) or 0)


def bulk_enqueue(
    sessions: sessionmaker[Session], destination_id: int, count: int, routed: bool = True
) -> None:
    """Fill the journal fast (bulk INSERTs, not the per-request path being measured): routed,
    with a pending delivery row each, or unrouted, for the worker to route."""
    now = utcnow()
    chunk = 10_000
    for start in range(0, count, chunk):
        items = [statement() for _ in range(min(chunk, count - start))]
        entries = [
            {
                "statement_id": item["id"],
                "payload": json.dumps(item),
                "created_at": now,
                "routed_at": now if routed else None,
            }
            for item in items
        ]
        with sessions.begin() as session:
            ids = session.execute(
                insert(JournalEntry).returning(JournalEntry.id, JournalEntry.statement_id),
                entries,
            ).all()
            if not routed:
                continue
            rows = [
                {
                    "destination_id": destination_id,
                    "journal_id": journal_id,
                    "statement_id": statement_id,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for journal_id, statement_id in ids
            ]
            session.execute(insert(OutboxRow), rows)


def dispatcher_rate(
    sessions: sessionmaker[Session], destination_id: int, count: int, batch: int, pipeline: bool
) -> float:
    bulk_enqueue(sessions, destination_id, count)
    dispatcher = Dispatcher(sessions, DispatchConfig(batch_size=batch, pipeline=pipeline))
    start = time.perf_counter()
    while dispatcher.run_once():
        pass
    elapsed = time.perf_counter() - start
    dispatcher.close()
    left = pending(sessions)
    if left:
        print(f"  warning: {left} rows still pending (last error: {dispatcher.last_failure})")
    return (count - left) / elapsed


def enqueue_cost(sessions: sessionmaker[Session], count: int) -> tuple[float, float]:
    """Per statement: enqueue() inside an open transaction, and enqueue()+commit."""
    inside = 0.0
    total = 0.0
    for _ in range(count):
        item = statement()
        session = sessions()
        # A request's transaction is already open (it wrote the interaction row): measure
        # enqueue itself, not the connection checkout and BEGIN that precede it.
        session.execute(text("SELECT 1"))
        t0 = time.perf_counter()
        enqueue(session, item)
        t1 = time.perf_counter()
        session.commit()
        t2 = time.perf_counter()
        session.close()
        inside += t1 - t0
        total += t2 - t0
    return inside / count * 1000, total / count * 1000


def backlog_rss(
    url: str,
    lrs: LearningLockerProcess,
    sessions: sessionmaker[Session],
    destination_id: int,
    count: int,
    batch: int,
) -> None:
    bulk_enqueue(sessions, destination_id, count, routed=False)  # the worker routes them too
    env = {
        **os.environ,
        "PEERLOOP_ENV": "production",
        "PEERLOOP_DATABASE_URL": url,
        "PEERLOOP_LRS_URL": lrs.endpoint,
        "PEERLOOP_LRS_USERNAME": "peerloop",
        "PEERLOOP_LRS_PASSWORD": "bench",
        "PEERLOOP_LOG_LEVEL": "ERROR",
        "PEERLOOP_SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
    }
    peerloop = str(Path(sys.executable).parent / "peerloop")
    proc = subprocess.Popen(
        [peerloop, "lrs", "worker", "--batch-size", str(batch), "--idle-seconds", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    start = time.perf_counter()
    samples: list[int] = []
    try:
        while True:
            time.sleep(1.0)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            rss = int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
            samples.append(rss)
            left = pending(sessions)
            if len(samples) % 15 == 0:
                print(f"  … {count - left} delivered, worker RSS {rss / 1024:.0f} MB")
            if left == 0 or proc.poll() is not None:
                break
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak = int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    elapsed = time.perf_counter() - start
    quarter = max(1, len(samples) // 4)
    early = sum(samples[:quarter]) / quarter / 1024
    late = sum(samples[-quarter:]) / quarter / 1024
    print(
        f"backlog: {count} statements drained in {elapsed:.0f} s "
        f"({count / elapsed:.0f} st/s), {pending(sessions)} left"
    )
    print(
        f"  worker peak RSS {peak / 1024:.1f} MB (target < 150 MB); "
        f"mean RSS first quarter {early:.1f} MB, last quarter {late:.1f} MB (flat = equal)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_lrs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_argument
    size("--statements", type=int, default=5000, help="statements per throughput run (%(default)s)")
    size("--batch-size", type=int, default=100, help="statements per POST (%(default)s)")
    size("--rounds", type=int, default=2, help="direct/dispatcher run pairs (%(default)s)")
    size("--enqueues", type=int, default=2000, help="enqueue() calls timed (%(default)s)")
    size("--backlog", type=int, default=200_000, help="worker backlog; 0 skips it (%(default)s)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small run: --statements 500 --rounds 1 --enqueues 200 --backlog 2000",
    )
    parser.add_argument(
        "--no-pipeline", action="store_true", help="dispatcher without its helper thread"
    )
    args = parser.parse_args()
    if args.quick:
        args.statements, args.rounds, args.enqueues, args.backlog = 500, 1, 200, 2000

    database = PostgresDatabase()
    engine = make_engine(database.url)
    sessions = make_session_factory(engine)
    lrs = LearningLockerProcess(Path(tempfile.mkdtemp(prefix="bench-lrs-")))
    lrs.start()
    try:
        with sessions.begin() as session:
            destination_id = save_destination(
                session, "default", lrs.endpoint, "peerloop", "bench"
            ).id
        n, b = args.statements, args.batch_size
        direct_rate(lrs, min(n, 500), b)  # warm up (node's JIT)
        directs: list[float] = []
        delivered: list[float] = []
        for _ in range(args.rounds):  # alternate, each on a freshly emptied in-memory LRS
            lrs.restart()
            directs.append(direct_rate(lrs, n, b))
            lrs.restart()
            delivered.append(dispatcher_rate(sessions, destination_id, n, b, not args.no_pipeline))
            stored = len(lrs.all_statements())
            if stored != n:
                print(f"  warning: the LRS holds {stored} statements, expected {n}")
        direct, dispatched = sum(directs) / len(directs), sum(delivered) / len(delivered)
        pipelined = "without" if args.no_pipeline else "with"
        print(
            f"throughput ({n} statements, batch {b}, PostgreSQL outbox, {args.rounds} rounds, "
            f"{pipelined} pipelining):"
        )
        print(f"  LRS ingestion posted directly: {direct:.0f} st/s  {[round(x) for x in directs]}")
        print(
            f"  dispatcher delivery:           {dispatched:.0f} st/s  "
            f"{[round(x) for x in delivered]}"
        )
        print(f"  ratio {dispatched / direct:.2f} (target ≥ 0.9)")

        inside, with_commit = enqueue_cost(sessions, args.enqueues)
        print(
            f"enqueue on PostgreSQL ({args.enqueues} calls, one destination): "
            f"{inside:.3f} ms per statement inside the transaction (target < 1 ms); "
            f"{with_commit:.3f} ms including its own commit"
        )

        if args.backlog:
            lrs.restart()
            with sessions.begin() as session:
                session.execute(delete(OutboxRow))
                session.execute(delete(JournalEntry))
            backlog_rss(database.url, lrs, sessions, destination_id, args.backlog, b)
    finally:
        lrs.stop()
        engine.dispose()
        database.drop()


if __name__ == "__main__":
    main()
