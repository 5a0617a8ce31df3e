"""The dispatcher: claims due outbox rows (lrs_client.claims), posts them in batches, settles
each row.

Failures back off per batch: the failed batch's rows wait (``next_attempt_at``) while the
worker goes on with the other due rows, so an LRS that refuses one request in five still
gets the rest at full pace. Only a destination down as a whole — no connection, a
misconfiguration, or ``down_after`` failed requests in a row with no success between — backs
off the destination. A batch that keeps failing with a server error is split (halves, down to
single statements) so one statement the LRS cannot store never holds back the others; it is
parked dead with the LRS's message when it fails alone while the rest of its batch went.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client import claims
from lrs_client.claims import Claimed
from lrs_client.compare import same_statement
from lrs_client.counts import pending_count
from lrs_client.errors import (
    LrsConfigError,
    LrsError,
    LrsRejectedError,
    LrsUnavailableError,
    LrsUnreachableError,
)
from lrs_client.routing import route, route_waiting
from lrs_client.tables import PENDING, Destination, OutboxRow, utcnow
from lrs_client.transport import Transport

__all__ = ["Claimed", "DispatchConfig", "Dispatcher", "backoff_delay", "pending_count"]

log = logging.getLogger("peerloop.lrs")


@dataclass(frozen=True)
class DispatchConfig:
    """Tuning of one dispatcher; the defaults suit production."""

    batch_size: int = 100
    # Short, because a killed worker's rows wait it out; renewed while a batch is in flight.
    lease_seconds: float = 60.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    backoff_base: float = 1.0  # first retry after ~1 s, doubling per consecutive failure…
    backoff_max: float = 60.0  # …up to a minute
    idle_seconds: float = 1.0  # how often an idle worker looks for new rows
    split_after: int = 3  # failed tries of a batch before it is split
    down_after: int = 5  # failed requests in a row (any batch) that mean the LRS is down
    # Settle and claim on a helper thread while the next batch is on the wire. Off: the same
    # work in line (simpler to reason about; the benchmark's --no-pipeline measures the cost).
    pipeline: bool = True


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: between half and all of min(cap, base·2^(n−1)).
    The jitter keeps workers of many machines from retrying an LRS in lockstep."""
    ceiling: float = min(cap, base * 2.0 ** max(0, failures - 1))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311  (jitter, not cryptography)


def _splittable(error: LrsError) -> bool:
    """A server error that one statement may cause (500, 502…), not overload (429, 503)."""
    return isinstance(error, LrsUnavailableError) and error.status not in (429, 503)


def _reached(error: LrsError) -> bool:
    """Did the failed request reach the LRS (so the claim counts as an attempt)?"""
    if isinstance(error, LrsUnreachableError):
        return error.maybe_sent
    return not isinstance(error, LrsConfigError)


class Dispatcher:
    """Delivers the outbox of the database behind ``sessions``. Thread-safe to run one per
    thread; share nothing but the database between workers."""

    def __init__(self, sessions: sessionmaker[Session], config: DispatchConfig | None = None):
        self.sessions = sessions
        self.config = config or DispatchConfig()
        self._transports: dict[int, tuple[tuple[str, ...], Transport]] = {}
        self._checked: set[int] = set()  # destinations whose version we have verified
        # Per destination, in memory (a restart starts afresh): failed requests in a row.
        self._failures: dict[int, int] = {}
        self._turn = 0
        self.last_failure: str | None = None  # message of the latest failed delivery
        # Pipelining: one helper thread settles batch k and claims batch k+1 while batch k+1
        # (resp. k) is on the wire, so the database adds no latency to a busy LRS's pace.
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lrs-settle")
        self._settles: list[Future[None]] = []
        self._next: tuple[Destination, Future[list[Claimed]]] | None = None

    def close(self) -> None:
        self.sync()
        self._background.shutdown(wait=True)
        for _, transport in self._transports.values():
            transport.close()
        self._transports.clear()

    # --- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set. A batch already claimed is always finished first, so
        a clean shutdown loses nothing; a database hiccup is logged and retried."""
        while not stop.is_set():
            try:
                settled = self.run_once()
            except Exception:  # the worker must outlive any one failure; the row stays queued
                log.exception("lrs dispatcher round failed")
                settled = 0
            if settled == 0:
                stop.wait(self.config.idle_seconds)
        self.close()

    def run_once(self) -> int:
        """Claim and deliver one batch for the next destination that has due rows.
        Returns the number of rows claimed (0 when there was nothing to do)."""
        self._reap_settles()
        # New journal entries get their delivery rows first (one bounded batch a round).
        with self.sessions.begin() as session:
            route(session)
        if self._next is not None:
            destination, claim = self._next
            self._next = None
            rows = claim.result()
            if rows:
                self._deliver_and_prefetch(destination, rows)
                return len(rows)
        destinations = self._due_destinations()
        for offset in range(len(destinations)):
            destination = destinations[(self._turn + offset) % len(destinations)]
            rows = self._claim(destination.id)
            if rows:
                self._turn += offset + 1  # round-robin, so one busy LRS never starves another
                self._deliver_and_prefetch(destination, rows)
                return len(rows)
        return 0

    def sync(self) -> None:
        """Wait for background settling, and hand back a prefetched batch not yet sent."""
        if self._next is not None:
            _, claim = self._next
            self._next = None
            rows = claim.result()
            if rows:
                self._release(rows)
        for settle in self._settles:
            settle.result()
        self._settles.clear()

    def flush(self, progress: Callable[[int], None] | None = None) -> str | None:
        """Deliver everything pending now, ignoring backoff once. Stops at the first delivery
        failure and returns its message (None when the outbox is empty of due rows)."""
        route_waiting(self.sessions)
        now = utcnow()
        with self.sessions.begin() as session:
            session.execute(update(Destination).values(retry_at=None))
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == PENDING, OutboxRow.next_attempt_at > now)
                .values(next_attempt_at=now)
            )
        while True:
            self.last_failure = None
            claimed = self.run_once()
            if claimed == 0:
                self.sync()
                return None
            if progress:
                progress(claimed)
            if self.last_failure is not None:
                self.sync()
                return self.last_failure

    def _reap_settles(self) -> None:
        done = [settle for settle in self._settles if settle.done()]
        self._settles = [settle for settle in self._settles if not settle.done()]
        for settle in done:
            settle.result()  # re-raise a database error in the caller's thread

    def _deliver_and_prefetch(self, destination: Destination, rows: list[Claimed]) -> None:
        # Prefetch only while the destination is healthy and the batch was full.
        full = len(rows) == self.config.batch_size
        if self.config.pipeline and full and destination.id in self._checked:
            self._next = (destination, self._background.submit(self._claim, destination.id))
        with claims.kept(self.sessions, rows, self.config.lease_seconds):
            self._deliver(destination, rows)

    # --- the database (the SQL itself is in lrs_client.claims) ------------------------------

    def _due_destinations(self) -> list[Destination]:
        now = utcnow()
        with self.sessions() as session:
            query = (
                select(Destination)
                .where(
                    Destination.enabled.is_(True),
                    or_(Destination.retry_at.is_(None), Destination.retry_at <= now),
                )
                .order_by(Destination.id)
            )
            return list(session.scalars(query).all())

    def _claim(self, destination_id: int) -> list[Claimed]:
        return claims.claim(
            self.sessions, destination_id, self.config.batch_size, self.config.lease_seconds
        )

    def _release(self, rows: Sequence[Claimed]) -> None:
        """Give claimed rows back unsent (their claim was not a delivery attempt)."""
        claims.release(self.sessions, rows)

    def _settle(
        self,
        destination_id: int,
        sent: Sequence[Claimed],
        dead: Sequence[tuple[Claimed, str]] = (),
    ) -> None:
        with self.sessions.begin() as session:
            claims.settle(session, sent, dead)
            if sent:
                session.execute(
                    update(Destination)
                    .where(Destination.id == destination_id)
                    .values(failures=0, retry_at=None, last_success_at=utcnow())
                )

    # --- delivering -------------------------------------------------------------------------

    def _transport(self, destination: Destination) -> Transport:
        key = (
            destination.endpoint,
            destination.username,
            destination.password,
            destination.xapi_version,
        )
        cached = self._transports.get(destination.id)
        if cached and cached[0] == key:
            return cached[1]
        if cached:
            cached[1].close()
        self._checked.discard(destination.id)
        transport = Transport(
            destination.endpoint,
            destination.username,
            destination.password,
            destination.xapi_version,
            timeouts=(self.config.connect_timeout, self.config.read_timeout),
        )
        self._transports[destination.id] = (key, transport)
        return transport

    def _deliver(self, destination: Destination, rows: list[Claimed]) -> None:
        transport = self._transport(destination)
        if destination.id not in self._checked:
            # One look at /about per worker and destination (again only after a configuration
            # error, never before each retry): an LRS that does not speak our version would
            # otherwise reject every statement and fill the dead letters.
            try:
                transport.check()
            except LrsError as error:
                self._failures[destination.id] = self._failures.get(destination.id, 0) + 1
                self._failed(destination, rows, error)
                return
            self._checked.add(destination.id)
        try:
            self._post(destination, transport, rows)
        except LrsRejectedError:
            self._isolate(destination, transport, rows)
            return
        except LrsError as error:
            if _splittable(error) and max(row.attempts for row in rows) >= self.config.split_after:
                self._split(destination, transport, rows, error)
            else:
                self._failed(destination, rows, error)
            return
        if self.config.pipeline:
            self._settles.append(self._background.submit(self._settle, destination.id, rows))
        else:
            self._settle(destination.id, rows)

    def _post(
        self, destination: Destination, transport: Transport, rows: Sequence[Claimed]
    ) -> None:
        """One POST, keeping the destination's health: failures in a row, last success."""
        try:
            transport.post_statements(row.payload for row in rows)
        except LrsRejectedError:
            self._succeeded(destination.id)  # the LRS works; it refused a statement
            raise
        except LrsError:
            self._failures[destination.id] = self._failures.get(destination.id, 0) + 1
            raise
        self._succeeded(destination.id)

    def _succeeded(self, destination_id: int) -> None:
        self._failures[destination_id] = 0

    def _split(
        self, destination: Destination, transport: Transport, rows: list[Claimed], first: LrsError
    ) -> None:
        """The batch failed with a server error again: POST halves, and halves of the halves
        that fail, down to single statements. The parts that go are settled; a statement that
        fails alone is parked dead."""
        sent: list[Claimed] = []
        refused: list[Claimed] = []
        alone: list[tuple[Claimed, LrsError]] = []
        parts = [rows[: len(rows) // 2], rows[len(rows) // 2 :]] if len(rows) > 1 else []
        if not parts:
            alone.append((rows[0], first))
        while parts:
            part = parts.pop(0)
            try:
                self._post(destination, transport, part)
            except LrsRejectedError:
                refused.extend(part)
            except LrsError as error:
                if not _splittable(error):  # overload or outage: the rest waits as a batch
                    untried = [row for p in [part, *parts] for row in p]
                    self._settle(destination.id, sent)
                    if refused:
                        self._isolate(destination, transport, refused)
                    self._failed(destination, untried + [row for row, _ in alone], error)
                    return
                if len(part) == 1:
                    alone.append((part[0], error))
                else:
                    half = len(part) // 2
                    parts[:0] = [part[:half], part[half:]]
            else:
                sent.extend(part)
        # Dead only on evidence: the batch failed split_after times, and now its neighbours
        # went while it failed alone. If every part failed, the LRS is down, not a statement.
        healthy = bool(sent or refused)
        dead = [
            (row, f"{error} (refused alone after {row.attempts} failed tries of its batch)")
            for row, error in alone
            if healthy and row.attempts >= self.config.split_after
        ]
        parked = {row.id for row, _ in dead}
        waiting = [(row, error) for row, error in alone if row.id not in parked]
        self._settle(destination.id, sent, dead)
        self._log_dead(destination, dead)
        if refused:
            self._isolate(destination, transport, refused)
        if waiting:
            self._failed(destination, [row for row, _ in waiting], waiting[-1][1])

    def _isolate(self, destination: Destination, transport: Transport, rows: list[Claimed]) -> None:
        """The batch was refused: PUT each statement alone so only the bad ones are parked."""
        sent: list[Claimed] = []
        dead: list[tuple[Claimed, str]] = []
        for index, row in enumerate(rows):
            try:
                refusal = self._put_one(transport, row)
            except LrsError as error:
                self._settle(destination.id, sent=sent, dead=dead)
                self._failed(destination, rows[index:], error)
                return
            if refusal is None:
                sent.append(row)
            else:
                dead.append((row, refusal))
        self._settle(destination.id, sent=sent, dead=dead)
        self._log_dead(destination, dead)

    @staticmethod
    def _put_one(transport: Transport, row: Claimed) -> str | None:
        """PUT one statement: None when the LRS now holds it, else the LRS's reason to refuse.
        A 409 means the id is taken: by this very statement (an earlier attempt whose answer
        we lost, or an LRS that answers 409 to duplicates), which is delivered; or by another
        statement, which is dead. Only reading it back tells which."""
        try:
            transport.put_statement(row.statement_id, row.payload)
        except LrsRejectedError as rejection:
            if rejection.status != 409:
                return str(rejection)
            stored = transport.get_statement(row.statement_id)
            if stored is not None and same_statement(json.loads(row.payload), stored):
                return None
            return f"{rejection} (the LRS holds a different statement with this id)"
        return None

    def _failed(self, destination: Destination, rows: Sequence[Claimed], error: LrsError) -> None:
        """Hand the rows back for a later try: the batch backs off on its own, unless the
        destination is down as a whole, which then backs off (and its prefetched batch goes
        back too)."""
        now = utcnow()
        failures = self._failures.get(destination.id, 0)
        down = (
            isinstance(error, LrsConfigError)
            or (isinstance(error, LrsUnreachableError) and not error.maybe_sent)
            or failures >= self.config.down_after
        )
        if isinstance(error, LrsConfigError):
            self._checked.discard(destination.id)  # look at /about again once it is fixed
        steps = max(failures, 1) if down else max(row.attempts for row in rows)
        delay = backoff_delay(steps, self.config.backoff_base, self.config.backoff_max)
        if isinstance(error, LrsUnavailableError) and error.retry_after is not None:
            # Honour the LRS's wish, within reason (an hour) should it ask for days.
            delay = max(delay, min(error.retry_after, 3600.0))
        retry_at = now + timedelta(seconds=delay)
        if down:
            self.sync()
            claims.release(self.sessions, rows, counted=_reached(error))
        else:
            claims.retry_later(self.sessions, rows, retry_at, str(error), counted=_reached(error))
        with self.sessions.begin() as session:
            session.execute(
                update(Destination)
                .where(Destination.id == destination.id)
                .values(
                    failures=failures,
                    retry_at=retry_at if down else None,
                    last_error=str(error),
                    last_error_at=now,
                )
            )
        self.last_failure = str(error)
        log.warning(
            "lrs delivery failed",
            extra={
                "fields": {
                    "event": "lrs_delivery_failed",
                    "destination_id": destination.id,
                    "error": str(error),
                    "retry_in_s": round(delay, 2),
                    "backs_off": "destination" if down else "batch",
                }
            },
        )

    @staticmethod
    def _log_dead(destination: Destination, dead: Sequence[tuple[Claimed, str]]) -> None:
        for row, message in dead:
            log.warning(
                "lrs statement rejected",
                extra={
                    "fields": {
                        "event": "lrs_statement_dead",
                        "outbox_id": row.id,
                        "statement_id": row.statement_id,
                        "destination": destination.name,
                        "lrs_message": message,
                    }
                },
            )
