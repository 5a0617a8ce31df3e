"""The dispatcher: claims due outbox rows, posts them in batches, settles each row.

Claims are leases (``claimed_until`` + a random ``claim_token``): a worker that dies mid-batch
leaves rows that become due again when the lease ends, and statement ids make the re-send
harmless. On PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED`` so any number of workers on
any number of machines share the outbox; SQLite serialises writers, so the same single
UPDATE … WHERE id IN (SELECT … LIMIT n) is atomic there.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from lrs_client.compare import same_statement
from lrs_client.errors import LrsError, LrsRejectedError, LrsUnavailableError, LrsUnreachableError
from lrs_client.tables import DEAD, PENDING, SENT, Destination, OutboxRow, utcnow
from lrs_client.transport import Transport

log = logging.getLogger("peerloop.lrs")


@dataclass(frozen=True)
class DispatchConfig:
    """Tuning of one dispatcher; the defaults suit production."""

    batch_size: int = 100
    lease_seconds: float = 300.0  # longer than the slowest batch (isolation PUTs included)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    backoff_base: float = 1.0  # first retry after ~1 s, doubling per consecutive failure…
    backoff_max: float = 300.0  # …up to 5 minutes
    idle_seconds: float = 1.0  # how often an idle worker looks for new rows
    # Settle and claim on a helper thread while the next batch is on the wire. Off: the same
    # work in line (simpler to reason about; the benchmark's --no-pipeline measures the cost).
    pipeline: bool = True


@dataclass(frozen=True)
class Claimed:
    id: int
    statement_id: str
    payload: str
    attempts: int
    token: str  # the claim's token: settling touches only rows this claim still owns


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: between half and all of min(cap, base·2^(n−1)).
    The jitter keeps workers of many machines from retrying an LRS in lockstep."""
    ceiling: float = min(cap, base * 2.0 ** max(0, failures - 1))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311  (jitter, not cryptography)


class Dispatcher:
    """Delivers the outbox of the database behind ``sessions``. Thread-safe to run one per
    thread; share nothing but the database between workers."""

    def __init__(self, sessions: sessionmaker[Session], config: DispatchConfig | None = None):
        self.sessions = sessions
        self.config = config or DispatchConfig()
        self._transports: dict[int, tuple[tuple[str, ...], Transport]] = {}
        self._checked: set[int] = set()  # destinations whose version we have verified
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
        self._deliver(destination, rows)

    def _release(self, rows: Sequence[Claimed]) -> None:
        """Give claimed rows back unsent (their claim was not a delivery attempt)."""
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxRow)
                .where(_owned(rows))
                .values(claimed_until=None, claim_token=None, attempts=OutboxRow.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    def flush(self, progress: Callable[[int], None] | None = None) -> str | None:
        """Deliver everything pending now, ignoring backoff once. Stops at the first delivery
        failure and returns its message (None when the outbox is empty of due rows)."""
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

    # --- claiming ---------------------------------------------------------------------------

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
        now = utcnow()
        token = secrets.token_hex(16)
        due = (
            select(OutboxRow.id)
            .where(
                OutboxRow.destination_id == destination_id,
                OutboxRow.status == PENDING,
                OutboxRow.next_attempt_at <= now,
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .order_by(OutboxRow.id)
            .limit(self.config.batch_size)
            .with_for_update(skip_locked=True)  # rendered on PostgreSQL; SQLite ignores it
        )
        claim = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(due.scalar_subquery()))
            .values(
                claimed_until=now + timedelta(seconds=self.config.lease_seconds),
                claim_token=token,
                attempts=OutboxRow.attempts + 1,
            )
            .returning(OutboxRow.id, OutboxRow.statement_id, OutboxRow.payload, OutboxRow.attempts)
            .execution_options(synchronize_session=False)
        )
        with self.sessions.begin() as session:
            rows = [Claimed(*row, token=token) for row in session.execute(claim).all()]
        rows.sort(key=lambda row: row.id)
        return rows

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
            # One look at /about per worker and destination: an LRS that does not speak our
            # version would otherwise reject every statement and fill the dead letters.
            try:
                transport.check()
            except LrsError as error:
                self._fail(destination.id, rows, error, maybe_sent=False)
                return
            self._checked.add(destination.id)
        try:
            transport.post_statements(row.payload for row in rows)
        except LrsRejectedError:
            self._isolate(destination, transport, rows)
            return
        except LrsError as error:
            self._checked.discard(destination.id)
            # Only a lost answer (timeout, reset) may hide a batch the LRS stored.
            self._fail(
                destination.id, rows, error, maybe_sent=isinstance(error, LrsUnreachableError)
            )
            return
        if self.config.pipeline:
            self._settles.append(self._background.submit(self._settle, destination.id, rows))
        else:
            self._settle(destination.id, rows)

    def _isolate(self, destination: Destination, transport: Transport, rows: list[Claimed]) -> None:
        """The batch was refused: PUT each statement alone so only the bad ones are parked."""
        sent: list[Claimed] = []
        dead: list[tuple[Claimed, str]] = []
        renewed = -float("inf")  # monotonic time of the last lease renewal
        for index, row in enumerate(rows):
            # One request at a time may outlast the lease (a slow LRS, many statements):
            # renew it so another worker does not claim and re-send the batch meanwhile.
            if time.monotonic() - renewed > self.config.lease_seconds / 3:
                self._renew(rows)  # sent ones too: they are settled at the end
                renewed = time.monotonic()
            try:
                refusal = self._put_one(transport, row)
            except LrsError as error:
                self._settle(destination.id, sent=sent, dead=dead)
                self._fail(destination.id, rows[index:], error, maybe_sent=False)
                return
            if refusal is None:
                sent.append(row)
            else:
                dead.append((row, refusal))
        self._settle(destination.id, sent=sent, dead=dead)
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

    def _renew(self, rows: Sequence[Claimed]) -> None:
        until = utcnow() + timedelta(seconds=self.config.lease_seconds)
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxRow)
                .where(_owned(rows))
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )

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

    def _settle(
        self,
        destination_id: int,
        sent: Sequence[Claimed],
        dead: Sequence[tuple[Claimed, str]] = (),
    ) -> None:
        now = utcnow()
        with self.sessions.begin() as session:
            if sent:
                session.execute(
                    update(OutboxRow)
                    .where(_owned(sent))
                    .values(
                        status=SENT,
                        sent_at=now,
                        claimed_until=None,
                        claim_token=None,
                        last_error=None,
                    )
                    .execution_options(synchronize_session=False)
                )
            for row, message in dead:
                session.execute(
                    update(OutboxRow)
                    .where(_owned([row]))
                    .values(status=DEAD, claimed_until=None, claim_token=None, last_error=message)
                    .execution_options(synchronize_session=False)
                )
            if sent:
                session.execute(
                    update(Destination)
                    .where(Destination.id == destination_id)
                    .values(failures=0, retry_at=None, last_success_at=now)
                )

    def _fail(
        self, destination_id: int, rows: Sequence[Claimed], error: LrsError, maybe_sent: bool
    ) -> None:
        """Back the destination off and hand its rows back, due again after the backoff."""
        self.sync()  # a prefetched batch of a failing LRS goes back to the queue too
        now = utcnow()
        with self.sessions.begin() as session:
            failures = session.scalar(
                select(Destination.failures).where(Destination.id == destination_id)
            )
            failures = (failures or 0) + 1
            delay = backoff_delay(failures, self.config.backoff_base, self.config.backoff_max)
            if isinstance(error, LrsUnavailableError) and error.retry_after is not None:
                # Honour the LRS's wish, within reason (an hour) should it ask for days.
                delay = max(delay, min(error.retry_after, 3600.0))
            retry_at = now + timedelta(seconds=delay)
            values: dict[str, Any] = {
                "claimed_until": None,
                "claim_token": None,
                "next_attempt_at": retry_at,
                "last_error": str(error),
            }
            if not maybe_sent:
                # Nothing reached the LRS, so the claim was not a delivery attempt (the count
                # tells a later 409 whether an earlier attempt may have landed).
                values["attempts"] = OutboxRow.attempts - 1
            session.execute(
                update(OutboxRow)
                .where(_owned(rows))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Destination)
                .where(Destination.id == destination_id)
                .values(
                    failures=failures, retry_at=retry_at, last_error=str(error), last_error_at=now
                )
            )
        self.last_failure = str(error)
        log.warning(
            "lrs delivery failed",
            extra={
                "fields": {
                    "event": "lrs_delivery_failed",
                    "destination_id": destination_id,
                    "error": str(error),
                    "retry_in_s": round(delay, 2),
                }
            },
        )


def _owned(rows: Sequence[Claimed]) -> ColumnElement[bool]:
    """The given rows, as long as the claim that produced them still owns them: a worker whose
    lease ran out (and whose rows another worker claimed) settles nothing."""
    tokens = {row.token for row in rows}
    return and_(OutboxRow.id.in_([row.id for row in rows]), OutboxRow.claim_token.in_(tokens))


def pending_count(session: Session) -> int:
    """Rows still to deliver to enabled destinations (the figure `lrs flush` counts down)."""
    query = (
        select(func.count())
        .select_from(OutboxRow)
        .join(Destination, Destination.id == OutboxRow.destination_id)
        .where(OutboxRow.status == PENDING, Destination.enabled.is_(True))
    )
    return int(session.scalar(query) or 0)
