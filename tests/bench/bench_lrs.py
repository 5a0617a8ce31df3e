"""LRS delivery benchmark (run: python -m tests.bench.bench_lrs). Each figure is printed with
its target and whether it was met; what is timed is checked (every direct POST answered 2xx,
every statement stored in the LRS, none twice), and a failed check is printed as such.

1. Throughput: the dispatcher draining the outbox into the local strict LRS, versus that LRS's
   own ingestion rate for the same statements and batch size posted directly (target ≥ 0.9).
2. Cost of ``enqueue`` inside a request's transaction on PostgreSQL (target < 1 ms).
3. A backlog drained by a ``peerloop lrs worker`` process: its peak RSS (target < 150 MB).
4. Faults (--faults): the dispatcher through a fault-injecting proxy (tests/bench/faulty_proxy)
   forwarding 80 % of requests, versus the same proxy forwarding all (target ≥ 0.5); then
   nothing marked sent may be missing from the LRS, and no statement stored twice.

Needs the local PostgreSQL and the strict LRS in tools/lrs/ (as the tests do). Sizes are flags:
the defaults are the full run for a quiet machine (several minutes); --quick is a small one
(under a minute) that proves the benchmark works, not a figure to quote. --no-pipeline runs
the dispatcher without its settle-and-claim helper thread, to see what the thread buys.

Examples:
  python -m tests.bench.bench_lrs --quick
  python -m tests.bench.bench_lrs --statements 5000 --rounds 3 --backlog 0
  python -m tests.bench.bench_lrs --no-pipeline --backlog 0
  python -m tests.bench.bench_lrs --faults --rounds 0 --enqueues 0 --backlog 0
"""

from __future__ import annotations

import argparse
import collections
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
from lrs_client.tables import DEAD, SENT, Destination, JournalEntry, OutboxRow, utcnow
from lti_tool.db import make_engine, make_session_factory
from tests.bench.faulty_proxy import FaultyProxy
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


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def direct_rate(lrs: LearningLockerProcess, count: int, batch: int) -> float:
    """Statements per second the LRS ingests when posted to directly. Every answer is
    checked: a refused batch is not ingestion (the figure is then printed as invalid)."""
    session = requests.Session()
    session.auth = ("peerloop", "bench")
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    payloads = [json.dumps(statement()) for _ in range(count)]
    refused: list[str] = []
    start = time.perf_counter()
    for i in range(0, count, batch):
        body = "[" + ",".join(payloads[i : i + batch]) + "]"
        answer = session.post(lrs.endpoint + "statements", data=body, headers=headers, timeout=60)
        if answer.status_code not in (200, 204):
            refused.append(f"{answer.status_code} {answer.text[:200]}")
    elapsed = time.perf_counter() - start
    session.close()
    if refused:
        raise BenchCheckError(f"{len(refused)} direct POSTs refused, first: {refused[0]}")
    return count / elapsed


class BenchCheckError(Exception):
    """What was timed did not do what it should: the figure means nothing."""


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
    sessions: sessionmaker[Session],
    destination_id: int,
    count: int,
    batch: int,
    pipeline: bool,
    deadline: float = 600.0,
) -> float:
    """Statements per second the dispatcher delivers, until every row is settled (sent or
    dead; retries after backoff included) — the timer stops after the last settle."""
    bulk_enqueue(sessions, destination_id, count)
    dispatcher = Dispatcher(sessions, DispatchConfig(batch_size=batch, pipeline=pipeline))
    start = time.perf_counter()
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if dispatcher.run_once() == 0:
            dispatcher.sync()  # settle what is in flight before counting what is left
            if pending(sessions) == 0:
                break
            time.sleep(0.02)  # rows backing off: wait for them
    dispatcher.close()
    elapsed = time.perf_counter() - start
    left = pending(sessions)
    if left:
        print(f"  {left} rows still pending after {deadline:.0f} s: {dispatcher.last_failure}")
    return (count - left) / elapsed


def check_delivered(sessions: sessionmaker[Session], lrs: LearningLockerProcess) -> list[str]:
    """Every row marked sent is in the LRS, and the LRS holds no statement twice."""
    with sessions() as session:
        sent = set(session.scalars(select(OutboxRow.statement_id).where(OutboxRow.status == SENT)))
        dead = session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == DEAD)
        )
    stored = [s["id"] for s in lrs.all_statements()]
    problems = []
    if missing := sent - set(stored):
        problems.append(f"{len(missing)} statements marked sent are missing in the LRS")
    if len(stored) != len(set(stored)):
        problems.append(f"{len(stored) - len(set(stored))} statements stored twice")
    if dead:
        problems.append(f"{dead} statements parked dead")
    return problems


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
        f"  worker peak RSS {peak / 1024:.1f} MB (target < 150 MB: {met(peak / 1024 < 150)}); "
        f"mean RSS first quarter {early:.1f} MB, last quarter {late:.1f} MB (flat = equal)"
    )


def fault_run(
    sessions: sessionmaker[Session],
    lrs: LearningLockerProcess,
    count: int,
    batch: int,
    pipeline: bool,
    fault_rate: float,
    deadline: float,
) -> tuple[float, FaultyProxy]:
    """The dispatcher's rate through the proxy, on a fresh LRS and an empty outbox."""
    lrs.restart()
    with sessions.begin() as session:
        session.execute(delete(OutboxRow))
        session.execute(delete(Destination))
    proxy = FaultyProxy(lrs.endpoint, fault_rate, lifetime=deadline + 60)
    try:
        with sessions.begin() as session:
            destination_id = save_destination(
                session, "faulty", proxy.endpoint, "peerloop", "bench"
            ).id
        rate = dispatcher_rate(sessions, destination_id, count, batch, pipeline, deadline)
    finally:
        proxy.close()
    return rate, proxy


def faults(
    sessions: sessionmaker[Session],
    lrs: LearningLockerProcess,
    count: int,
    batch: int,
    pipeline: bool,
    deadline: float,
    rounds: int,
) -> bool:
    # Alternate fault-free and faulty runs: the machine's load drifts, so pairs compare fairly.
    rates: dict[float, list[float]] = {0.0: [], 0.2: []}
    problems: dict[float, list[str]] = {0.0: [], 0.2: []}
    seen: collections.Counter[str] = collections.Counter()
    for _ in range(rounds):
        for fault_rate in rates:
            delivered, proxy = fault_run(
                sessions, lrs, count, batch, pipeline, fault_rate, deadline
            )
            rates[fault_rate].append(delivered)
            problems[fault_rate].extend(check_delivered(sessions, lrs))
            if fault_rate:
                seen.update(proxy.seen)
    clean, faulty = (sum(rates[r]) / len(rates[r]) for r in (0.0, 0.2))
    clean_problems, faulty_problems = problems[0.0], problems[0.2]
    ratio = faulty / clean
    print(
        f"faults ({count} statements, batch {batch}, {rounds} rounds, through a proxy on "
        "127.0.0.1):"
    )
    print(f"  fault-free (proxy forwards all):  {clean:.0f} st/s  {[round(x) for x in rates[0.0]]}")
    print(
        f"  80 % forwarded:                   {faulty:.0f} st/s  {[round(x) for x in rates[0.2]]}"
    )
    print(f"  requests the proxy saw: {', '.join(f'{k} {v}' for k, v in sorted(seen.items()))}")
    print(f"  ratio {ratio:.2f} (target ≥ 0.5): {met(ratio >= 0.5)}")
    ok = ratio >= 0.5
    for name, found in (("fault-free", clean_problems), ("80 % forwarded", faulty_problems)):
        check = "; ".join(found) if found else "every sent statement stored, none twice"
        print(f"  check ({name}): {check}")
        ok = ok and not found
    return ok


QUICK = {
    "statements": 500,
    "rounds": 1,
    "enqueues": 200,
    "backlog": 2000,
    "fault_statements": 1000,
    "fault_rounds": 1,
}


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
    size(
        "--fault-statements", type=int, default=5000, help="statements per fault run (%(default)s)"
    )
    size("--fault-seconds", type=float, default=300, help="time bound of a fault run (%(default)s)")
    size("--fault-rounds", type=int, default=3, help="fault-free/faulty run pairs (%(default)s)")
    parser.add_argument("--faults", action="store_true", help="also run the fault benchmark")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller defaults: "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items())
        + " (explicit flags win)",
    )
    parser.add_argument(
        "--no-pipeline", action="store_true", help="dispatcher without its helper thread"
    )
    args = parser.parse_args()
    if args.quick:  # smaller defaults only: a flag given on the command line still wins
        parser.set_defaults(**QUICK)
        args = parser.parse_args()

    database = PostgresDatabase()
    engine = make_engine(database.url)
    sessions = make_session_factory(engine)
    lrs = LearningLockerProcess(Path(tempfile.mkdtemp(prefix="bench-lrs-")))
    lrs.start()
    checks_ok = True
    try:
        with sessions.begin() as session:
            destination_id = save_destination(
                session, "default", lrs.endpoint, "peerloop", "bench"
            ).id
        n, b = args.statements, args.batch_size
        pipeline = not args.no_pipeline
        if args.rounds:
            direct_rate(lrs, min(n, 500), b)  # warm up (node's JIT)
            directs: list[float] = []
            delivered: list[float] = []
            for _ in range(args.rounds):  # alternate, each on a freshly emptied in-memory LRS
                lrs.restart()
                directs.append(direct_rate(lrs, n, b))
                lrs.restart()
                with sessions.begin() as session:
                    session.execute(delete(OutboxRow))
                delivered.append(dispatcher_rate(sessions, destination_id, n, b, pipeline))
                problems = check_delivered(sessions, lrs)
                if len(lrs.all_statements()) != n:
                    problems.append(f"the LRS holds {len(lrs.all_statements())}, expected {n}")
                if problems:
                    checks_ok = False
                    print(f"  check failed: {'; '.join(problems)}")
            direct, dispatched = sum(directs) / len(directs), sum(delivered) / len(delivered)
            pipelined = "without" if args.no_pipeline else "with"
            print(
                f"throughput ({n} statements, batch {b}, PostgreSQL outbox, {args.rounds} "
                f"rounds, {pipelined} pipelining; every direct POST answered 2xx):"
            )
            print(
                f"  LRS ingestion posted directly: {direct:.0f} st/s  {[round(x) for x in directs]}"
            )
            print(
                f"  dispatcher delivery:           {dispatched:.0f} st/s  "
                f"{[round(x) for x in delivered]}"
            )
            ratio = dispatched / direct
            print(f"  ratio {ratio:.2f} (target ≥ 0.9 at batch 100): {met(ratio >= 0.9)}")

        if args.enqueues:
            inside, with_commit = enqueue_cost(sessions, args.enqueues)
            print(
                f"enqueue on PostgreSQL ({args.enqueues} calls, one destination): "
                f"{inside:.3f} ms per statement inside the transaction (target < 1 ms): "
                f"{met(inside < 1.0)}; {with_commit:.3f} ms including its own commit"
            )

        if args.faults:
            ok = faults(
                sessions,
                lrs,
                args.fault_statements,
                b,
                pipeline,
                args.fault_seconds,
                args.fault_rounds,
            )
            checks_ok = checks_ok and ok
            with sessions.begin() as session:  # the backlog run delivers to ``default`` again
                destination_id = save_destination(
                    session, "default", lrs.endpoint, "peerloop", "bench"
                ).id

        if args.backlog:
            lrs.restart()
            with sessions.begin() as session:
                session.execute(delete(OutboxRow))
                session.execute(delete(JournalEntry))
            backlog_rss(database.url, lrs, sessions, destination_id, args.backlog, b)
    except BenchCheckError as failed:
        print(f"INVALID: {failed}")
        checks_ok = False
    finally:
        lrs.stop()
        engine.dispose()
        database.drop()
    sys.exit(0 if checks_ok else 1)


if __name__ == "__main__":
    main()
