"""The grade worker: sends the participation scores ``activities.grading`` queued to the LMS
gradebooks (LTI AGS), so a learner's request never waits on an LMS.

It follows the xAPI dispatcher's pattern (lrs_client): claims are leases (``claimed_until`` +
a random token) taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers on several
machines share the queue and one that dies mid-send leaves rows that come back when the lease
ends; nothing is held locked while the LMS answers, and settling touches a row only while the
claim still owns it (a score that changed meanwhile goes again, newest wins).

Per row: the line item is the launch's own (its ``lineitem`` claim) or, with grading on, the
placement's line item in that course, created on first need (label = the placement's title,
``scoreMaximum``, ``resourceId`` = our key, ``resourceLinkId``, ``tag``) and remembered for
the placement's other learners. The score goes ``FullyGraded``/``Completed`` with a timestamp
strictly later, in whole seconds, than the last one sent for that learner. A 409 (Moodle:
two scores in one second, or an equal timestamp) is retried a second later; any other 4xx
marks the row failed with the platform's message until the score changes or staff re-send;
5xx, 429, timeouts and unreachable platforms back off exponentially with jitter, honouring
``Retry-After``. An accepted score records xAPI ``scored`` in the transaction that marks it
sent.
"""

from __future__ import annotations

import logging
import secrets
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from flask import Flask
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from activities.db import utcnow
from activities.grading import FAILED, PENDING, SENDING, SENT, STATUSES, QueuedScore
from activities.people import Participant
from activities.placements import Placement
from activities.recording import Visit, record_score_sent
from lrs_client.dispatcher import backoff_delay
from lti_tool.config import Settings
from lti_tool.logs import log_event
from lti_tool.lti.ags import AgsClient, next_timestamp
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient
from lti_tool.models import Platform

log = logging.getLogger("peerloop.grades")

#: The line items Peerloop creates carry this tag, so an LMS admin can tell them apart.
LINE_ITEM_TAG = "peerloop-participation"
_start_lock = threading.Lock()


@dataclass(frozen=True)
class GradeConfig:
    """Tuning of one grade worker; the defaults suit production."""

    batch_size: int = 20
    lease_seconds: float = 60.0
    timeout: float = 10.0
    backoff_base: float = 5.0  # first retry after ~5 s, doubling per failure…
    backoff_max: float = 3600.0  # …up to an hour
    conflict_delay: float = 1.0  # a 409 is retried this much later, with a later timestamp…
    conflict_retries: int = 5  # …this many times, then it backs off like any failure
    idle_seconds: float = 2.0  # how often an idle worker looks for due rows


def grade_config(settings: Settings, **overrides: Any) -> GradeConfig:
    values: dict[str, Any] = {"timeout": settings.http_timeout_seconds}
    values.update({key: value for key, value in overrides.items() if value is not None})
    return GradeConfig(**values)


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str


@dataclass(frozen=True)
class _Sent:
    """The score as it went (the row may change while the LMS answers)."""

    id: int
    score_given: float
    score_maximum: float


def _due(now: datetime) -> Any:
    return or_(
        and_(QueuedScore.status.in_((PENDING, FAILED)), QueuedScore.next_attempt_at <= now),
        # A lease that ran out: its worker died mid-send.
        and_(QueuedScore.status == SENDING, QueuedScore.claimed_until < now),
    )


def claim(sessions: sessionmaker[Session], limit: int, lease_seconds: float) -> list[Claimed]:
    """Lease up to ``limit`` due rows, longest waiting first; counts the attempt."""
    now = utcnow()
    token = secrets.token_hex(16)
    due = (
        select(QueuedScore.id)
        .where(_due(now))
        .order_by(QueuedScore.next_attempt_at, QueuedScore.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL; SQLite ignores it
    )
    query = (
        update(QueuedScore)
        .where(QueuedScore.id.in_(due.scalar_subquery()))
        .values(
            status=SENDING,
            claimed_until=now + timedelta(seconds=lease_seconds),
            claim_token=token,
            attempts=QueuedScore.attempts + 1,
        )
        .returning(QueuedScore.id)
        .execution_options(synchronize_session=False)
    )
    with sessions.begin() as session:
        ids = sorted(session.scalars(query).all())
    return [Claimed(row_id, token) for row_id in ids]


def _owned(row: Claimed) -> Any:
    return and_(QueuedScore.id == row.id, QueuedScore.claim_token == row.token)


def _visit(settings: Settings, placement: Placement, queued: QueuedScore) -> Visit:
    """What the statement of a score sent says beyond who and what: no launch is at hand, so
    the course and link are the placement's and the row's."""
    return Visit(
        tool_url=settings.base_url,
        options=settings.xapi_options(),
        version=settings.lrs_version,
        course_id=placement.context_id,
        resource_link_id=queued.resource_link_id or placement.resource_link_id,
    )


def _permanent(error: PlatformServiceError) -> bool:
    """A refusal that trying again will not change (a 4xx other than 408/409/429), or a
    precondition of ours (no scope granted, no line-items URL: no status, no URL called)."""
    if error.status is None:
        return error.url is None
    return 400 <= error.status < 500 and error.status not in (408, 409, 429)


class GradeWorker:
    """Sends the queue of the database behind ``sessions``; one per thread."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, config: GradeConfig | None = None
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.config = config or grade_config(settings)

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set; a database hiccup is logged and retried."""
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:  # the worker must outlive any one failure; rows stay queued
                log.exception("grade worker round failed")
                handled = 0
            if handled == 0:
                stop.wait(self.config.idle_seconds)

    def run_once(self) -> int:
        """Claim and send one batch; the number of rows claimed (0: nothing was due)."""
        rows = claim(self.sessions, self.config.batch_size, self.config.lease_seconds)
        for row in rows:
            self.send(row)
        return len(rows)

    def drain(self, *, rounds: int = 100) -> int:
        """Send everything due now (``--once``); rows retried later are left for later."""
        total = 0
        for _ in range(rounds):
            handled = self.run_once()
            total += handled
            if handled == 0:
                break
        return total

    # --- one row -----------------------------------------------------------------------------

    def send(self, claimed: Claimed) -> None:
        with self.sessions() as session:
            row = session.get(QueuedScore, claimed.id)
            if row is None or row.claim_token != claimed.token:
                return  # the score changed (or the row went) since the claim
            placement = session.get(Placement, row.placement_id)
            platform = session.get(Platform, row.platform_id)
            sent = _Sent(row.id, row.score_given, row.score_maximum)
            attempts = row.attempts
            timestamp = next_timestamp(row.score_timestamp)
            try:
                if placement is None or platform is None or not platform.active:
                    raise PlatformServiceError("This LMS is no longer registered with Peerloop.")
                if not row.endpoint:
                    raise PlatformServiceError(
                        "The LMS offers no grade service (AGS) for this activity's link."
                    )
                client = AgsClient(
                    ServiceClient(session, platform, timeout=self.config.timeout), row.endpoint
                )
                line_item = row.line_item_url or client.lineitem_url
                if not line_item:
                    line_item = self._line_item(session, client, placement, row)
                client.submit_score(
                    line_item,
                    user_id=row.user_sub,
                    score_given=sent.score_given,
                    score_maximum=sent.score_maximum,
                    timestamp=timestamp,
                )
            except PlatformServiceError as exc:
                # Keep the access token cached during the call, if one was fetched.
                session.commit()
                self._failed(claimed, exc, attempts, timestamp, placement, platform)
                return
            note = None
            if client.link_refused:
                # The teacher sees where the grade went: not the link's own column (Canvas).
                note = (
                    f"The LMS would not tie a gradebook column to this link (it answered "
                    f"{client.link_refused}), so Peerloop added the column “{placement.title}” "
                    "to the course gradebook instead."
                )
            session.commit()
        self._sent(claimed, sent, timestamp, line_item, note)

    def _line_item(
        self, session: Session, client: AgsClient, placement: Placement, row: QueuedScore
    ) -> str:
        """The placement's line item in the launch's course, created on first need — only
        when the instructor asked for grading (else the LMS's own line item is the only
        place a score may go). Remembered on every queued row of the placement, whose
        launches all come from that one course and link."""
        if not placement.grading:
            raise PlatformServiceError(
                "Grading is off for this activity and the LMS gave its link no line item."
            )
        # Workers of several machines must not create two columns: they wait for each other
        # here (PostgreSQL; SQLite writes one at a time anyway) and the second finds the first's.
        session.execute(select(Placement.id).where(Placement.id == placement.id).with_for_update())
        known = session.scalar(
            select(QueuedScore.line_item_url).where(
                QueuedScore.placement_id == placement.id, QueuedScore.line_item_url.is_not(None)
            )
        )
        if not known:
            known = client.find_or_create_line_item(
                label=placement.title,
                score_maximum=row.score_maximum,
                resource_id=placement.key,
                resource_link_id=row.resource_link_id or placement.resource_link_id,
                tag=LINE_ITEM_TAG,
            ).id
            log_event("grade_line_item_ready", placement=placement.key, line_item=known)
        session.execute(
            update(QueuedScore)
            .where(QueuedScore.placement_id == placement.id, QueuedScore.line_item_url.is_(None))
            .values(line_item_url=known)
            .execution_options(synchronize_session=False)
        )
        return known

    def _sent(
        self,
        claimed: Claimed,
        sent: _Sent,
        timestamp: datetime,
        line_item: str,
        note: str | None = None,
    ) -> None:
        now = utcnow()
        with self.sessions.begin() as session:
            # The timestamp was used whatever happened to the row since: the next must follow.
            session.execute(
                update(QueuedScore)
                .where(QueuedScore.id == claimed.id)
                .values(score_timestamp=timestamp)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(QueuedScore)
                .where(_owned(claimed))
                .values(
                    status=SENT,
                    sent_at=now,
                    last_message=note,
                    next_attempt_at=None,
                    claimed_until=None,
                    claim_token=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            row = session.get(QueuedScore, claimed.id)
            placement = session.get(Placement, row.placement_id) if row else None
            platform = session.get(Platform, row.platform_id) if row else None
            if row is not None and placement is not None and platform is not None:
                learner = Participant(
                    platform.id, platform.issuer, row.user_sub, name=row.user_name
                )
                visit = _visit(self.settings, placement, row)
                record_score_sent(session, learner, placement, visit, sent, timestamp)
                log_event("grade_sent", placement=placement.key, platform=platform.issuer)

    def _failed(
        self,
        claimed: Claimed,
        error: PlatformServiceError,
        attempts: int,
        timestamp: datetime,
        placement: Placement | None,
        platform: Platform | None,
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "last_message": error.message,
            "claimed_until": None,
            "claim_token": None,
            "updated_at": now,
        }
        if error.status == 409 and attempts <= self.config.conflict_retries:
            # Two scores in one second (Moodle): again a second later, with a later timestamp.
            values |= {
                "status": PENDING,
                "score_timestamp": timestamp,
                "next_attempt_at": now + timedelta(seconds=self.config.conflict_delay),
            }
        elif _permanent(error):
            values |= {"status": FAILED, "next_attempt_at": None}
        else:
            delay = backoff_delay(attempts, self.config.backoff_base, self.config.backoff_max)
            if error.retry_after is not None:
                delay = max(delay, error.retry_after)
            values |= {"status": FAILED, "next_attempt_at": now + timedelta(seconds=delay)}
        with self.sessions.begin() as session:
            session.execute(
                update(QueuedScore)
                .where(_owned(claimed))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        log_event(
            "grade_send_failed",
            logging.WARNING,
            placement=placement.key if placement else None,
            platform=platform.issuer if platform else None,
            status=error.status,
            reason=error.message,
            retry=values["next_attempt_at"] is not None,
        )


# --- status, and running it ------------------------------------------------------------------


def status_counts(session: Session) -> dict[str, int]:
    """How many queued scores are in each state."""
    counts = dict.fromkeys(STATUSES, 0)
    for state, count in session.execute(
        select(QueuedScore.status, func.count()).group_by(QueuedScore.status)
    ):
        counts[state] = int(count)
    return counts


def failures(session: Session, limit: int = 10) -> Iterator[QueuedScore]:
    """The most recent failures, newest first."""
    yield from session.scalars(
        select(QueuedScore)
        .where(QueuedScore.status == FAILED)
        .order_by(QueuedScore.updated_at.desc())
        .limit(limit)
    )


class GradeWorkerThread:
    """A daemon thread running a grade worker (the development server)."""

    def __init__(self, worker: GradeWorker) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=worker.run, args=(self.stop_event,), name="grade-worker", daemon=True
        )

    def start(self) -> GradeWorkerThread:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = 30.0) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)


def run_process(worker: GradeWorker) -> None:
    """Send in the calling (main) thread until SIGTERM or SIGINT; the row in hand is
    finished first."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def init_app(app: Flask) -> None:
    """In development, start the grade worker as a thread on the first request (CLI
    commands build an app too, and must not start one)."""
    settings: Settings = app.config["PEERLOOP"]
    if not settings.grades_worker_thread or settings.env == "test":
        return
    sessions: sessionmaker[Session] = app.extensions["peerloop.sessions"]

    @app.before_request
    def _first_request() -> None:
        if "peerloop.grades_worker" in app.extensions:
            return
        with _start_lock:
            if "peerloop.grades_worker" in app.extensions:
                return
            worker = GradeWorker(sessions, settings)
            app.extensions["peerloop.grades_worker"] = GradeWorkerThread(worker).start()
