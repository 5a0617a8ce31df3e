"""Launch benchmark: prints figures, asserts nothing (run: python -m tests.bench.bench_launch).

For each database (a SQLite file; the local PostgreSQL) × launch store (the database's
``lti_launch_state`` table; the machine's Redis at redis://127.0.0.1:6379/15, under a key
prefix of this run's own):

1. Round trip: the median and 95th percentile of one learner's login → launch through the
   Flask test client, as an LMS drives it: GET ``/lti/login`` (state and nonce stored, state
   cookie set), then POST ``/lti/launch`` with an RS256 id_token of a resource-link launch of an
   existing placement. The launch is validated (key from the cached JWKS, nonce claimed, launch
   saved), the real placement page renders, and ``launched`` is committed to the outbox (an
   enabled LRS destination that is never contacted: no worker runs). Timed: the two requests.
   Not timed: the platform's RSA signing of the id_token between them (the LMS's cost). The
   first launches are a warm-up (JWKS fetch, template compilation) and are not counted.

2. Recording: ``lti_tool.recording.record_launch`` for that placement, alone (in an open
   transaction, as the launch view calls it) and with its commit. Independent of the launch
   store, so measured once per database.

No targets are set for launches: the figures are printed plainly. Each combination starts on
an empty database and a Redis prefix holding no keys; the PostgreSQL database is dropped and
the run's Redis keys (and only those: the Redis is shared) deleted at the end. The defaults
are the full run (about 15 s on a quiet 2-core machine); --quick is a small run (seconds) that
proves the benchmark works, not a figure to quote.

Examples:
  python -m tests.bench.bench_launch --quick
  python -m tests.bench.bench_launch --launches 500 --records 2000
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.tables import OutboxRow
from lti_tool import create_app
from lti_tool.config import Settings
from lti_tool.launch_context import LaunchContext
from lti_tool.models import Placement, Platform
from lti_tool.models._time import utcnow
from lti_tool.recording import record_launch
from tests.conftest import make_settings
from tests.support.databases import PostgresDatabase, SqliteTemplate
from tests.support.platform_signer import JwksHost, PlatformSigner, SigningKey

REDIS_URL = "redis://127.0.0.1:6379/15"
#: An enabled LRS destination, so launches queue their statement; nothing delivers it.
UNUSED_LRS = "http://127.0.0.1:9/xAPI/"
PROMPT = "How would you apply this in your next client meeting?"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ms = [s * 1000 for s in samples]
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p95


def arrange(app: Flask, signer: PlatformSigner) -> Placement:
    """The platform registered with its deployment, and a placement (as deep linking left it)."""
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions() as session:
        signer.register(session)
        platform_id = session.scalars(
            select(Platform.id).where(Platform.issuer == signer.issuer)
        ).one()
        placement = Placement(
            key=uuid.uuid4().hex,
            platform_id=platform_id,
            deployment_id=signer.deployment_id,
            context_id="course-7",
            title="Week 1 reflection",
            prompt=PROMPT,
            created_by_sub="teacher-1",
            created_at=utcnow(),
        )
        session.add(placement)
        session.commit()
        return placement


def queued(app: Flask) -> int:
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def round_trips(
    app: Flask, signer: PlatformSigner, placement: Placement, count: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Login and launch durations (seconds) of ``count`` launches after ``warmup`` ones."""
    client = app.test_client()
    custom = {"peerloop_placement": placement.key}
    logins: list[float] = []
    launches: list[float] = []
    for i in range(warmup + count):
        t0 = time.perf_counter()
        response, state, nonce = signer.login(client)
        t1 = time.perf_counter()
        if response.status_code != 302 or not state:
            raise RuntimeError(f"login failed ({response.status_code}): {response.text[:500]}")
        token = signer.sign(signer.claims(nonce, lti_custom=custom))  # the LMS's work
        t2 = time.perf_counter()
        response = client.post("/lti/launch", data={"id_token": token, "state": state})
        t3 = time.perf_counter()
        if response.status_code != 200 or PROMPT not in response.text:
            raise RuntimeError(f"launch failed ({response.status_code}): {response.text[:500]}")
        if i >= warmup:
            logins.append(t1 - t0)
            launches.append(t3 - t2)
    expected = warmup + count
    if queued(app) != expected:
        print(f"  warning: {queued(app)} statements in the outbox, expected {expected}")
    return logins, launches


def record_costs(
    app: Flask, settings: Settings, placement: Placement, count: int
) -> tuple[list[float], list[float]]:
    """``record_launch`` alone and with its commit (seconds), each in a fresh session whose
    transaction is already open and holds the placement, as in the launch view."""
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    inside: list[float] = []
    with_commit: list[float] = []
    for _ in range(count):
        with sessions() as session:
            row = session.get(Placement, placement.id)
            assert row is not None
            launch = LaunchContext(
                platform_id=row.platform_id,
                issuer="https://lms.example.test",
                client_id="peerloop-client-1",
                deployment_id=row.deployment_id,
                message_type="LtiResourceLinkRequest",
                sub="user-42",
                roles=("Learner",),
                name="Ada Learner",
                context_id="course-7",
                context_title="Biology 101",
                resource_link_id="link-1",
                resource_link_title="Week 1 reflection",
                custom={"peerloop_placement": row.key},
                launch_id=uuid.uuid4().hex,
            )
            t0 = time.perf_counter()
            recorded = record_launch(session, launch, row, settings=settings)
            t1 = time.perf_counter()
            session.commit()
            t2 = time.perf_counter()
            if not recorded:
                raise RuntimeError("record_launch recorded nothing")
            inside.append(t1 - t0)
            with_commit.append(t2 - t0)
    return inside, with_commit


def _redis_keys(prefix: str, delete: bool) -> int:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 1000) if delete else ():
            client.delete(*keys[start : start + 1000])
        return len(keys)
    finally:
        client.close()


def count_redis_keys(prefix: str) -> int:
    return _redis_keys(prefix, delete=False)


def delete_redis_keys(prefix: str) -> int:
    """Delete this run's keys (``prefix*``), never anyone else's; how many there were."""
    return _redis_keys(prefix, delete=True)


def report(label: str, samples: list[float]) -> str:
    median, p95 = percentiles(samples)
    return f"{label} median {median:7.2f} ms, p95 {p95:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_launch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_argument
    size("--launches", type=int, default=200, help="timed launches per combination (%(default)s)")
    size("--warmup", type=int, default=10, help="untimed launches first (%(default)s)")
    size("--records", type=int, default=1000, help="record_launch calls per database (%(default)s)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small run: --launches 20 --warmup 3 --records 100",
    )
    args = parser.parse_args()
    if args.quick:
        args.launches, args.warmup, args.records = 20, 3, 100
    if args.launches < 2 or args.records < 2:
        parser.error("--launches and --records must be at least 2")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the JWKS host's access log
    key = SigningKey.generate("bench-platform-key")
    workdir = Path(tempfile.mkdtemp(prefix="bench-launch-"))
    print(
        f"login → launch round trip ({args.launches} launches after {args.warmup} warm-up, "
        "Flask test client, platform signing not timed); record_launch "
        f"({args.records} calls per database)"
    )
    template = SqliteTemplate(workdir)
    run_prefix = f"peerloop-bench:{uuid.uuid4().hex}:"  # a glob-safe prefix of its own
    postgres = PostgresDatabase()

    def empty_postgres() -> str:
        postgres.empty()
        return postgres.url

    databases: list[tuple[str, Callable[[], str]]] = [
        ("SQLite file", lambda: template.fresh(workdir)),
        ("PostgreSQL", empty_postgres),
    ]
    try:
        with JwksHost().serving() as host:
            for db_name, fresh in databases:
                for store_name, redis_url in (("database", None), ("Redis", REDIS_URL)):
                    delete_redis_keys(run_prefix)
                    settings = make_settings(
                        fresh(),
                        redis_url=redis_url,
                        redis_key_prefix=run_prefix,
                        lrs_url=UNUSED_LRS,
                        lrs_username="bench",
                    )
                    app = create_app(settings)
                    signer = PlatformSigner(keys=[key])
                    try:
                        with signer.serving(host):
                            placement = arrange(app, signer)
                            logins, launches = round_trips(
                                app, signer, placement, args.launches, args.warmup
                            )
                            if redis_url and not count_redis_keys(run_prefix):
                                # Else the "Redis" figures would be the database store's.
                                raise RuntimeError(f"no Redis keys under {run_prefix}")
                            trips = [a + b for a, b in zip(logins, launches, strict=True)]
                            print(f"{db_name}, launch store {store_name}:")
                            print("  " + report("round trip   ", trips))
                            print("    " + report("login      ", logins))
                            print("    " + report("launch     ", launches))
                            if store_name == "database":  # the store plays no part in it
                                inside, total = record_costs(app, settings, placement, args.records)
                                print(f"{db_name}, record_launch (either store):")
                                print("  " + report("alone        ", inside))
                                print("  " + report("+ commit     ", total))
                    finally:
                        app.extensions["peerloop.engine"].dispose()
    finally:
        delete_redis_keys(run_prefix)
        postgres.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
