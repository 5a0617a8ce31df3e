"""What recording a statement costs, next to the cheapest write there is (run:
python -m tests.bench.bench_record).

Side by side in one run on PostgreSQL, in alternating rounds (so load from other processes
falls on both alike), each operation a transaction of its own as a request's would be:

  (a) recording: BEGIN, ``lrs_client.outbox.enqueue`` (serialises the statement, one
      INSERT … ON CONFLICT DO NOTHING into the journal), COMMIT;
  (b) baseline: BEGIN, a bare single-row INSERT of the same payload (serialised beforehand)
      into a plain table of one text column and a bigserial key, COMMIT.

Prints p50 and p95 of both, their ratio, and whether recording meets the target (p50 at most
1.5× the baseline's); then checks every row of both exists. Exit status 1 when the target is
missed or a row is missing. Needs the local PostgreSQL (as the tests do); --database-url
points it at another (the journal must be migrated there; the baseline table is created and
dropped).

Examples:
  python -m tests.bench.bench_record
  python -m tests.bench.bench_record --rounds 20 --per-round 500
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.outbox import enqueue
from lrs_client.tables import JournalEntry
from lti_tool.db import make_engine, make_session_factory
from tests.support.databases import PostgresDatabase

TARGET = 1.5
# The baseline's table, spelt out in each statement (no SQL built from strings).
CREATE_PLAIN = text(
    "CREATE TABLE bench_plain_insert (id bigserial PRIMARY KEY, payload text NOT NULL)"
)
DROP_PLAIN = text("DROP TABLE IF EXISTS bench_plain_insert")
INSERT_PLAIN = text("INSERT INTO bench_plain_insert (payload) VALUES (:payload)")
COUNT_PLAIN = text("SELECT count(*) FROM bench_plain_insert")


def statement() -> dict[str, Any]:
    """A statement of a launch's size (about 1.2 kB of JSON), with its own id."""
    registration = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://lms.example.edu", "name": uuid.uuid4().hex},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/launched", "display": {"en": "launched"}},
        "object": {
            "objectType": "Activity",
            "id": "https://peerloop.example.edu/xapi/activities/placement/" + uuid.uuid4().hex,
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "name": {"en": "Week 1 reflection"},
            },
        },
        "context": {
            "registration": registration,
            "platform": "Moodle 4.5",
            "language": "en",
            "contextActivities": {
                "grouping": [
                    {"id": "https://lms.example.edu/course/" + uuid.uuid4().hex},
                    {"id": "https://peerloop.example.edu/xapi/activities/link/" + registration},
                ],
                "category": [{"id": "https://peerloop.example.edu/xapi/profile"}],
            },
            "extensions": {
                "https://peerloop.example.edu/xapi/extensions/placement-key": uuid.uuid4().hex,
                "https://peerloop.example.edu/xapi/extensions/lti-resource-link-id": "rl-1",
            },
        },
        "timestamp": "2026-11-23T10:00:00.000+00:00",
    }


def record_once(sessions: sessionmaker[Session], item: dict[str, Any]) -> tuple[float, float]:
    """(a): one recording in its own transaction; seconds, whole and the statement alone."""
    started = time.perf_counter()
    with sessions.begin() as session:
        before = time.perf_counter()
        enqueue(session, item)
        alone = time.perf_counter() - before
    return time.perf_counter() - started, alone


def insert_once(sessions: sessionmaker[Session], payload: str) -> tuple[float, float]:
    """(b): the bare single-row INSERT of the same payload in its own transaction; seconds,
    whole and the statement alone."""
    started = time.perf_counter()
    with sessions.begin() as session:
        before = time.perf_counter()
        session.execute(INSERT_PLAIN, {"payload": payload})
        alone = time.perf_counter() - before
    return time.perf_counter() - started, alone


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(sessions: sessionmaker[Session], rounds: int, per_round: int, warmup: int) -> bool:
    with sessions.begin() as session:
        session.execute(DROP_PLAIN)
        session.execute(CREATE_PLAIN)
    for _ in range(warmup):  # connections, prepared plans, caches: warm for both
        item = statement()
        record_once(sessions, item)
        insert_once(sessions, json.dumps(item, separators=(",", ":"), ensure_ascii=False))
    with sessions() as session:
        journal_before = int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)
        plain_before = int(session.scalar(COUNT_PLAIN) or 0)

    recorded: list[tuple[float, float]] = []
    inserted: list[tuple[float, float]] = []
    ids: list[str] = []
    for round_number in range(rounds):
        items = [statement() for _ in range(per_round)]
        payloads = [json.dumps(i, separators=(",", ":"), ensure_ascii=False) for i in items]
        # Alternate which comes first, and interleave one by one within a round.
        first_records = round_number % 2 == 0
        for item, payload in zip(items, payloads, strict=True):
            if first_records:
                recorded.append(record_once(sessions, item))
                inserted.append(insert_once(sessions, payload))
            else:
                inserted.append(insert_once(sessions, payload))
                recorded.append(record_once(sessions, item))
            ids.append(item["id"])

    whole_a = [whole for whole, _ in recorded]
    whole_b = [whole for whole, _ in inserted]
    a50, a95 = percentile(whole_a, 0.5) * 1000, percentile(whole_a, 0.95) * 1000
    b50, b95 = percentile(whole_b, 0.5) * 1000, percentile(whole_b, 0.95) * 1000
    ratio = a50 / b50
    count = rounds * per_round
    print(f"PostgreSQL, {rounds} alternating rounds of {per_round} (+{warmup} warm-up each):")
    print(f"  (a) record (BEGIN, enqueue, COMMIT):      p50 {a50:.3f} ms   p95 {a95:.3f} ms")
    print(f"  (b) bare INSERT of the same payload:      p50 {b50:.3f} ms   p95 {b95:.3f} ms")
    print(
        f"  ratio a/b: p50 {ratio:.2f}×, p95 {a95 / b95:.2f}×, mean "
        f"{statistics.mean(whole_a) / statistics.mean(whole_b):.2f}×"
    )
    met = ratio <= TARGET
    print(f"  target p50 ≤ {TARGET}× the bare INSERT: {'met' if met else 'NOT met'}")
    # The COMMIT (a WAL flush) is most of both: the statements alone are the stricter view.
    alone_a = percentile([alone for _, alone in recorded], 0.5) * 1000
    alone_b = percentile([alone for _, alone in inserted], 0.5) * 1000
    print(
        f"  the statement alone, before COMMIT: p50 {alone_a:.3f} ms vs {alone_b:.3f} ms "
        f"({alone_a / alone_b:.2f}×; enqueue's includes serialising the statement)"
    )

    with sessions() as session:
        journal_rows = int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)
        plain_rows = int(session.scalar(COUNT_PLAIN) or 0)
        found = 0
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            found += int(
                session.scalar(
                    select(func.count())
                    .select_from(JournalEntry)
                    .where(JournalEntry.statement_id.in_(chunk))
                )
                or 0
            )
    rows_ok = (
        found == count
        and journal_rows - journal_before == count
        and plain_rows - plain_before == count
    )
    print(
        f"  rows: {found} of {count} recorded statements in the journal by id, "
        f"{plain_rows - plain_before} of {count} baseline rows: {'ok' if rows_ok else 'MISSING'}"
    )
    with sessions.begin() as session:
        session.execute(DROP_PLAIN)
    return met and rows_ok


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_record",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds (%(default)s)")
    parser.add_argument(
        "--per-round", type=int, default=300, help="operations of each kind a round (%(default)s)"
    )
    parser.add_argument("--warmup", type=int, default=50, help="untimed ones first (%(default)s)")
    parser.add_argument("--database-url", help="a migrated PostgreSQL database to use instead")
    args = parser.parse_args()

    database = None if args.database_url else PostgresDatabase()
    url = args.database_url or (database.url if database else "")
    if not url.startswith("postgresql"):
        parser.error("the benchmark is for PostgreSQL")
    engine = make_engine(url)
    try:
        ok = run(make_session_factory(engine), args.rounds, args.per_round, args.warmup)
    finally:
        engine.dispose()
        if database is not None:
            database.drop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
