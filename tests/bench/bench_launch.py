"""Launch benchmark: Peerloop beside a bare pylti1p3 tool (run: python -m tests.bench.bench_launch).

For each database (a SQLite file; the local PostgreSQL) × launch store (the database's
``lti_launch_state`` table; the machine's Redis at redis://127.0.0.1:6379/15, under a key
prefix of this run's own):

1. Side by side: the same platform keys drive login → signed id_token → launch through Flask's
   test client, into Peerloop and into a bare pylti1p3 Flask tool that only validates the
   launch (``tests/bench/bare_tool.py``), in alternating rounds, so both see the same machine.
   Only the tools' own time is counted: the platform's RSA signing between login and launch is
   the LMS's work and is not timed.

   Counted for Peerloop (post/redirect/get): GET ``/lti/login`` (state stored, cookie set),
   POST ``/lti/launch`` (validated, nonce claimed, ``launched`` queued in the outbox, page id
   stored; answered 303), and the GET of the page it redirects to (a learner's real placement
   page, rendered). Counted for the bare tool: its GET login and POST launch (it renders
   nothing). The ratio is Peerloop's launches/s over the bare tool's; the goal is ≥ 0.7.
   The breakdown: each request's mean time beside the bare tool's, its SQL statements and
   commits (SQLAlchemy engine events) with the time spent in them, and the rest (Python:
   Flask, the ORM, templates; and Redis, when it is the store).

2. What Peerloop does that the bare tool does not, each step alone (once per database, as
   the launch store plays no part): ``activities.recording.record_launch`` for that placement
   (in an open transaction, as the launch view calls it, and with its commit); the launch
   token issued and read back; the placement page rendered (its placement read and
   template); and, for scale, the RSA signature check both tools do.

Each combination starts on an empty database and a Redis key prefix holding no keys; the
PostgreSQL database is dropped and the run's Redis keys (and only those: the Redis is shared)
deleted at the end. The first launches of each tool are a warm-up (JWKS fetch, template
compilation) and are not counted. The defaults are the full run (about a minute on a quiet
2-core machine); --quick is a small run (seconds) that proves the benchmark works, not a
figure to quote.

Examples:
  python -m tests.bench.bench_launch --quick
  python -m tests.bench.bench_launch --launches 600 --rounds 6 --records 2000
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
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import redis
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from activities.db import utcnow
from activities.placements import Placement
from activities.recording import record_launch
from lrs_client.tables import JournalEntry
from lti_tool import create_app
from lti_tool.auth import issue_token, read_token
from lti_tool.config import Settings
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch import ValidatedLaunch, build_context
from lti_tool.models import Platform
from lti_tool.views.launch import landing_page
from tests.bench.bare_tool import create_bare_tool
from tests.support.databases import PostgresDatabase, SqliteTemplate
from tests.support.platform_signer import JwksHost, PlatformSigner, SigningKey
from tests.support.settings import make_settings

REDIS_URL = "redis://127.0.0.1:6379/15"
#: An enabled LRS destination, so launches queue their statement; nothing delivers it.
UNUSED_LRS = "http://127.0.0.1:9/xAPI/"
PROMPT = "How would you apply this in your next client meeting?"
#: The goal set for Peerloop's launch rate, as a share of the bare tool's.
TARGET_RATIO = 0.7
REQUESTS = ("login", "launch", "page")


class SqlCounter:
    """SQL statements and commits on an engine, per request name: how many, and the time
    spent in them (a statement from the driver's call to its return, a commit from the
    engine's commit to the session's ``after_commit``)."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self.current = ""
        self.reset()
        self._started = 0.0
        self._committing = 0.0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "after_cursor_execute", self._statement_done)
        event.listen(engine, "commit", self._commit)
        event.listen(sessions, "after_commit", self._commit_done)

    def _statement(self, *_args: object) -> None:
        if self.current:
            self.statements[self.current] += 1
            self._started = time.perf_counter()

    def _statement_done(self, *_args: object) -> None:
        if self.current:
            self.statement_seconds[self.current] += time.perf_counter() - self._started

    def _commit(self, *_args: object) -> None:
        if self.current:
            self.commits[self.current] += 1
            self._committing = time.perf_counter()

    def _commit_done(self, *_args: object) -> None:
        if self.current and self._committing:
            self.commit_seconds[self.current] += time.perf_counter() - self._committing
            self._committing = 0.0

    def reset(self) -> None:
        self.statements = dict.fromkeys(REQUESTS, 0)
        self.commits = dict.fromkeys(REQUESTS, 0)
        self.statement_seconds = dict.fromkeys(REQUESTS, 0.0)
        self.commit_seconds = dict.fromkeys(REQUESTS, 0.0)


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
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def peerloop_launches(
    app: Flask,
    signer: PlatformSigner,
    placement: Placement,
    count: int,
    counter: SqlCounter | None = None,
    steps: dict[str, list[float]] | None = None,
) -> list[float]:
    """Durations (seconds) of ``count`` login → launch → page round trips into Peerloop;
    ``steps`` gets each request's own duration, by request name."""
    custom = {"peerloop_placement": placement.key}
    times: list[float] = []
    for _ in range(count):
        client = app.test_client()  # each launch a browser of its own, for both tools
        if counter:
            counter.current = "login"
        t0 = time.perf_counter()
        response, state, nonce = signer.login(client)
        t1 = time.perf_counter()
        if response.status_code != 302 or not state:
            raise RuntimeError(f"login failed ({response.status_code}): {response.text[:500]}")
        token = signer.sign(signer.claims(nonce, lti_custom=custom))  # the LMS's work
        if counter:
            counter.current = "launch"
        t2 = time.perf_counter()
        response = client.post("/lti/launch", data={"id_token": token, "state": state})
        if counter:
            counter.current = "page"
        t3 = time.perf_counter()
        page = client.get(response.headers.get("Location", "/no-redirect"))
        t4 = time.perf_counter()
        if counter:
            counter.current = ""
        if response.status_code != 303 or page.status_code != 200 or PROMPT not in page.text:
            raise RuntimeError(f"launch failed ({response.status_code}): {page.text[:500]}")
        times.append((t1 - t0) + (t4 - t2))
        if steps is not None:
            for name, seconds in zip(REQUESTS, (t1 - t0, t3 - t2, t4 - t3), strict=True):
                steps.setdefault(name, []).append(seconds)
    return times


def bare_launches(
    bare: Flask, signer: PlatformSigner, count: int, steps: dict[str, list[float]] | None = None
) -> list[float]:
    """Durations (seconds) of ``count`` login → launch round trips into the bare tool."""
    times: list[float] = []
    for _ in range(count):
        # A browser of its own: pylti1p3 keeps each launch's data in the session cookie, which
        # would otherwise grow with every launch of one client (past what browsers keep).
        client = bare.test_client()
        t0 = time.perf_counter()
        response, state, nonce = signer.login(client)
        t1 = time.perf_counter()
        if response.status_code != 302 or not state:
            raise RuntimeError(f"bare login failed ({response.status_code}): {response.text}")
        token = signer.sign(signer.claims(nonce))
        t2 = time.perf_counter()
        response = client.post("/lti/launch", data={"id_token": token, "state": state})
        t3 = time.perf_counter()
        if response.status_code != 200 or not response.text.startswith("ok "):
            raise RuntimeError(f"bare launch failed ({response.status_code}): {response.text}")
        times.append((t1 - t0) + (t3 - t2))
        if steps is not None:
            steps.setdefault("login", []).append(t1 - t0)
            steps.setdefault("launch", []).append(t3 - t2)
    return times


@dataclass
class SideBySide:
    """What one side-by-side run measured."""

    ours: list[float]
    theirs: list[float]
    counter: SqlCounter
    #: Each request's durations (seconds), by request name.
    our_steps: dict[str, list[float]] = field(default_factory=dict)
    their_steps: dict[str, list[float]] = field(default_factory=dict)


def side_by_side(
    app: Flask,
    bare: Flask,
    signer: PlatformSigner,
    placement: Placement,
    args: argparse.Namespace,
) -> SideBySide:
    """Warm both up, then alternate rounds; the SQL of the timed Peerloop launches counted."""
    peerloop_launches(app, signer, placement, args.warmup)
    bare_launches(bare, signer, args.warmup)
    run = SideBySide(
        [], [], SqlCounter(app.extensions["peerloop.engine"], app.extensions["peerloop.sessions"])
    )
    per_round = max(args.launches // args.rounds, 1)
    for _ in range(args.rounds):
        run.theirs += bare_launches(bare, signer, per_round, run.their_steps)
        run.ours += peerloop_launches(app, signer, placement, per_round, run.counter, run.our_steps)
    expected = args.warmup + len(run.ours)
    if queued(app) != expected:
        raise RuntimeError(f"{queued(app)} statements in the journal, expected {expected}")
    return run


def rates(run: SideBySide) -> list[str]:
    ours, theirs, counter = run.ours, run.theirs, run.counter
    ours_rate, theirs_rate = len(ours) / sum(ours), len(theirs) / sum(theirs)
    ratio = ours_rate / theirs_rate
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    n = len(ours)
    total_sql = sum(counter.statements.values()) / n
    total_commits = sum(counter.commits.values()) / n
    lines = [
        f"bare pylti1p3 {theirs_rate:7.1f} launches/s ({report('', theirs).strip()})",
        f"Peerloop      {ours_rate:7.1f} launches/s ({report('', ours).strip()})",
        f"ratio {ratio:.2f} (goal ≥ {TARGET_RATIO}: {verdict})",
        f"Peerloop SQL per launch: {total_sql:.1f} statements, {total_commits:.1f} commits",
        "per request (mean ms; SQL: statements and the time in them, commits and theirs):",
    ]
    for name in REQUESTS:
        mean = statistics.fmean(run.our_steps[name]) * 1000
        sql_ms = counter.statement_seconds[name] / n * 1000
        commit_ms = counter.commit_seconds[name] / n * 1000
        rest = mean - sql_ms - commit_ms
        bare = run.their_steps.get(name)
        versus = f"; bare {statistics.fmean(bare) * 1000:5.2f}" if bare else "; bare   —  "
        lines.append(
            f"  {name:<7}{mean:6.2f}{versus} | SQL {counter.statements[name] / n:4.1f} in "
            f"{sql_ms:5.2f}, commits {counter.commits[name] / n:3.1f} in {commit_ms:5.2f}, "
            f"the rest (Python, Redis) {rest:5.2f}"
        )
    return lines


def step_costs(app: Flask, signer: PlatformSigner, placement: Placement, count: int) -> list[str]:
    """What Peerloop's launch does beyond validating it, each step alone (median ms): the
    launch token's round trip, the placement page's render (its placement read and template),
    and the launch's RSA signature check (which both tools do)."""
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]
    with sessions() as session:
        platform = session.get(Platform, placement.platform_id)
        assert platform is not None
    claims = signer.claims("bench-nonce", lti_custom={"peerloop_placement": placement.key})
    context = build_context(ValidatedLaunch(platform, signer.deployment_id, claims))
    id_token = signer.sign(claims)
    public_key = signer.signing.private_key.public_key()
    tokens: list[float] = []
    renders: list[float] = []
    signatures: list[float] = []
    for _ in range(count):
        with app.test_request_context("/lti/launched"):
            t0 = time.perf_counter()
            token = read_token(issue_token(context)).launch_id
            t1 = time.perf_counter()
            html = landing_page(context, issue_token(context))
            t2 = time.perf_counter()
        jwt.decode(id_token, public_key, algorithms=["RS256"], audience=signer.client_id)
        t3 = time.perf_counter()
        if not token or PROMPT not in html:
            raise RuntimeError("the page did not render")
        tokens.append(t1 - t0)
        renders.append(t2 - t1)
        signatures.append(t3 - t2)
    return [
        report("launch token issued + read", tokens),
        report("placement page rendered   ", renders),
        report("RSA signature checked     ", signatures),
    ]


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
            person = launch.participant
            assert person is not None
            recorded = record_launch(session, person, row, launch.visit(settings))
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
    size("--launches", type=int, default=300, help="timed launches per tool (%(default)s)")
    size("--rounds", type=int, default=6, help="alternating rounds (%(default)s)")
    size("--warmup", type=int, default=10, help="untimed launches first (%(default)s)")
    size("--records", type=int, default=1000, help="record_launch calls per database (%(default)s)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small run: --launches 20 --rounds 2 --warmup 3 --records 100",
    )
    args = parser.parse_args()
    if args.quick:
        args.launches, args.rounds, args.warmup, args.records = 20, 2, 3, 100
    if args.launches < 2 or args.records < 2:
        parser.error("--launches and --records must be at least 2")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the JWKS host's access log
    key = SigningKey.generate("bench-platform-key")
    workdir = Path(tempfile.mkdtemp(prefix="bench-launch-"))
    print(
        f"login → launch (→ page) round trips, {args.launches} per tool in {args.rounds} "
        f"alternating rounds after {args.warmup} warm-up, Flask test client, platform signing "
        f"not timed; record_launch ({args.records} calls per database)"
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
                            bare = create_bare_tool(signer, settings.base_url)
                            run = side_by_side(app, bare, signer, placement, args)
                            if redis_url and not count_redis_keys(run_prefix):
                                # Else the "Redis" figures would be the database store's.
                                raise RuntimeError(f"no Redis keys under {run_prefix}")
                            print(f"{db_name}, launch store {store_name}:")
                            for line in rates(run):
                                print("  " + line)
                            if store_name == "database":  # the store plays no part in it
                                inside, total = record_costs(app, settings, placement, args.records)
                                print(f"{db_name}, record_launch (either store):")
                                print("  " + report("alone        ", inside))
                                print("  " + report("+ commit     ", total))
                                print(f"{db_name}, steps alone (what the bare tool does not do):")
                                for line in step_costs(app, signer, placement, args.records):
                                    print("  " + line)
                    finally:
                        app.extensions["peerloop.engine"].dispose()
    finally:
        delete_redis_keys(run_prefix)
        postgres.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
