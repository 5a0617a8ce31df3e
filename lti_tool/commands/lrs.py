"""``peerloop lrs``: run the delivery worker and look after the statement journal and the
outbox. None of these changes a destination unless that is what the command is for."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lrs_client.counts import pending_count
from lrs_client.dispatcher import Dispatcher
from lrs_client.errors import LrsConfigError, LrsError, LrsUnreachableError
from lrs_client.outbox import disable_destination, save_destination
from lrs_client.routing import backfill as backfill_destination
from lrs_client.routing import backfill_scope, route_waiting
from lrs_client.status import dead_letters, journal_status
from lrs_client.status import retry_dead as revive_dead
from lrs_client.status import status as outbox_status
from lrs_client.tables import Destination
from lrs_client.transport import Transport
from lrs_client.versions import DEFAULT_VERSION, VERSIONS
from lrs_client.worker import run_process
from lti_tool.db import current_settings, session_factory, session_scope
from lti_tool.delivery import (
    DEFAULT,
    dispatch_config,
    sync_default_destination,
    warn_if_settings_differ,
)

cli = AppGroup("lrs", help="Deliver xAPI statements to the LRSs and look after the outbox.")

_batch = click.option("--batch-size", type=click.IntRange(1, 1000), help="Statements per POST.")


def _require_database() -> None:
    """A clear message, rather than a traceback, when the tables are not there yet."""
    try:
        with session_factory()() as session:
            session.scalar(select(Destination.id).limit(1))
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"Cannot use the database ({type(exc).__name__}). Run `peerloop db upgrade` first "
            "and check PEERLOOP_DATABASE_URL."
        ) from exc


def _hint(name: str, error: LrsError) -> str:
    """Point at the setting to fix: env vars for ``default``, the command for the others."""
    if name != DEFAULT:
        return f"Fix it with `peerloop lrs add-destination {name} …`."
    if isinstance(error, LrsUnreachableError):
        return "Check PEERLOOP_LRS_URL."
    if isinstance(error, LrsConfigError):
        return {
            "url": "Check PEERLOOP_LRS_URL.",
            "credentials": "Check PEERLOOP_LRS_USERNAME and PEERLOOP_LRS_PASSWORD.",
            "version": "Check PEERLOOP_LRS_VERSION.",
        }.get(error.kind, "")
    return ""


@cli.command("worker")
@_batch
@click.option("--lease-seconds", type=click.FloatRange(1), help="How long a claim lasts.")
@click.option("--idle-seconds", type=click.FloatRange(0.01), help="Poll interval when idle.")
def worker(batch_size: int | None, lease_seconds: float | None, idle_seconds: float | None) -> None:
    """Deliver queued statements until SIGTERM (the batch in hand is finished first)."""
    _require_database()
    warn_if_settings_differ(session_factory(), current_settings())
    click.echo("LRS worker started; SIGTERM or Ctrl-C stops it after the current batch.")
    config = dispatch_config(
        current_settings(),
        batch_size=batch_size,
        lease_seconds=lease_seconds,
        idle_seconds=idle_seconds,
    )
    run_process(session_factory(), config)
    click.echo("LRS worker stopped.")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@cli.command("status")
def status() -> None:
    """Statements recorded (and kept with no destination); pending, sent and dead
    statements per LRS, the oldest pending one, the last error."""
    _require_database()
    with session_factory()() as session:
        journal = journal_status(session)
        lines = outbox_status(session)
    click.echo(
        f"journal  recorded {journal.recorded}   not yet routed {journal.unrouted}   "
        f"recorded with no enabled destination {journal.undelivered}"
    )
    if journal.undelivered:
        click.echo("  `peerloop lrs backfill --destination NAME` delivers those to an LRS.")
    if not lines:
        click.echo(
            "No LRS is configured: set PEERLOOP_LRS_URL and run `peerloop lrs sync-settings`, "
            "or `peerloop lrs add-destination`."
        )
        return
    for line in lines:
        state = "enabled" if line.enabled else "disabled"
        click.echo(f"{line.name}  {line.endpoint}  xAPI {line.xapi_version}  ({state})")
        click.echo(
            f"  pending {line.pending}   sent {line.sent}   dead {line.dead}   "
            f"oldest pending {_age(line.oldest_pending_age_seconds)}"
        )
        if line.last_error:
            when = line.last_error_at.isoformat(timespec="seconds") if line.last_error_at else ""
            error_is_current = line.last_success_at is None or (
                line.last_error_at is not None and line.last_error_at > line.last_success_at
            )
            if error_is_current:
                click.echo(f"  last error ({when}): {line.last_error}")
        if line.leased and line.lease_expires:
            click.echo(
                f"  leased {line.leased} (in flight; a stopped worker's come back by "
                f"{line.lease_expires.isoformat(timespec='seconds')})"
            )
        if line.retry_at:
            click.echo(f"  next attempt at {line.retry_at.isoformat(timespec='seconds')}")


@cli.command("flush")
@_batch
def flush(batch_size: int | None) -> None:
    """Deliver everything pending now, ignoring backoff, with a progress bar."""
    _require_database()
    route_waiting(session_factory())  # so the count includes what was just recorded
    with session_factory()() as session:
        total = pending_count(session)
    if total == 0:
        click.echo("Nothing to deliver.")
        return
    dispatcher = Dispatcher(
        session_factory(), dispatch_config(current_settings(), batch_size=batch_size)
    )
    with click.progressbar(length=total, label="Delivering statements") as bar:
        error = dispatcher.flush(progress=bar.update)
    dispatcher.close()
    with session_factory()() as session:
        left = pending_count(session)
    if error:
        raise click.ClickException(f"Delivery stopped: {error} ({left} still pending)")
    click.echo(f"Done: {total - left} statements handled, {left} pending.")


@cli.command("dead")
@click.option("--destination", help="Only this LRS (default: all).")
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True, help="Newest first."
)
def dead(destination: str | None, limit: int) -> None:
    """List the statements an LRS refused, with the LRS's own message."""
    try:
        with session_factory()() as session:
            letters = dead_letters(session, destination, limit)
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"Cannot use the database ({type(exc).__name__}). Run `peerloop db upgrade` first."
        ) from exc
    if not letters:
        click.echo("No dead statements" + (f" for {destination!r}." if destination else "."))
        return
    for letter in letters:
        when = letter.created_at.isoformat(timespec="seconds")
        click.echo(
            f"{letter.statement_id}  {letter.destination}  queued {when}  "
            f"attempts {letter.attempts}\n  {letter.message}"
        )
    click.echo("`peerloop lrs retry-dead` queues them again once the cause is fixed.")


@cli.command("retry-dead")
@click.option("--destination", help="Only this LRS (default: all).")
def retry_dead(destination: str | None) -> None:
    """Queue the dead statements again (after fixing the statement builder or the LRS)."""
    with session_scope(session_factory()) as session:
        count = revive_dead(session, destination)
    click.echo(f"{count} dead statements queued again.")


def _checks_credentials(item: Destination) -> bool:
    """Whether the LRS refuses a made-up password: one that accepts anything (a test LRS) must
    not be reported as accepting *our* credentials."""
    wrong = Transport(
        item.endpoint,
        item.username or "peerloop-ping",
        f"wrong-{secrets.token_hex(8)}",
        item.xapi_version,
        timeouts=(5.0, current_settings().http_timeout_seconds),
    )
    try:
        wrong.check()
    except LrsConfigError as error:
        return error.kind == "credentials"
    except LrsError:
        return True  # some other failure than accepting it: not proof it checks nothing
    finally:
        wrong.close()
    return False


@cli.command("ping")
@click.option("--destination", help="Only this LRS (default: every enabled one).")
def ping(destination: str | None) -> None:
    """Check each LRS answers, speaks our xAPI version and accepts our credentials."""
    _require_database()
    with session_factory()() as session:
        query = select(Destination).order_by(Destination.name)
        if destination:
            query = query.where(Destination.name == destination)
        else:
            query = query.where(Destination.enabled.is_(True))
        destinations = list(session.scalars(query))
    if not destinations:
        raise click.ClickException(
            f"No LRS called {destination!r}."
            if destination
            else "No LRS is configured: set PEERLOOP_LRS_URL (and its credentials)."
        )
    failed = False
    for item in destinations:
        transport = Transport(
            item.endpoint,
            item.username,
            item.password,
            item.xapi_version,
            timeouts=(5.0, current_settings().http_timeout_seconds),
        )
        try:
            transport.check()
        except LrsError as error:
            failed = True
            click.echo(f"{item.name}: {error} {_hint(item.name, error)}".rstrip(), err=True)
        else:
            credentials = (
                "and accepts our credentials."
                if _checks_credentials(item)
                else "but this LRS does not check credentials: it accepted a wrong password too."
            )
            click.echo(
                f"{item.name}: OK, the LRS at {item.endpoint} speaks xAPI {item.xapi_version} "
                + credentials
            )
        finally:
            transport.close()
    if failed:
        raise SystemExit(1)


@cli.command("add-destination")
@click.argument("name")
@click.option("--endpoint", required=True, help="The LRS's xAPI base URL (…/xAPI/).")
@click.option("--username", default="", help="Basic-auth key.")
@click.option("--password", default="", help="Basic-auth secret.", envvar="PEERLOOP_LRS_SECRET")
@click.option("--version", "xapi_version", type=click.Choice(VERSIONS), default=DEFAULT_VERSION)
def add_destination(
    name: str, endpoint: str, username: str, password: str, xapi_version: str
) -> None:
    """Add (or update) another LRS, e.g. a research LRS next to the institution's."""
    if name == DEFAULT:
        raise click.ClickException(
            "`default` is set from the PEERLOOP_LRS_* settings by `peerloop lrs sync-settings`;"
            " pick another name."
        )
    try:
        with session_scope(session_factory()) as session:
            save_destination(session, name, endpoint, username, password, xapi_version)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"LRS {name!r} saved; new statements are queued for it too.")


@cli.command("disable-destination")
@click.argument("name")
def disable(name: str) -> None:
    """Stop delivering new statements to an LRS (its pending ones wait; `backfill` catches
    it up after it is enabled again)."""
    with session_scope(session_factory()) as session:
        found = disable_destination(session, name)
    if not found:
        raise click.ClickException(f"No LRS called {name!r}.")
    click.echo(f"LRS {name!r} disabled.")


@cli.command("sync-settings")
def sync_settings() -> None:
    """Make the `default` LRS match the PEERLOOP_LRS_* settings of this shell (disable it
    when PEERLOOP_LRS_URL is unset). The only command that applies those settings."""
    _require_database()
    try:
        with session_scope(session_factory()) as session:
            done = sync_default_destination(session, current_settings())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(done)


@cli.command("backfill")
@click.option("--destination", required=True, help="The LRS to give the journal's statements.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    help="Only statements recorded from then on (UTC unless an offset is given).",
)
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def backfill(destination: str, since: datetime | None, batch_size: int) -> None:
    """Queue the journal's statements (since a time) for a destination added or re-enabled
    later. Exactly once: statements it already has are skipped, so a re-run adds nothing."""
    _require_database()
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    sessions = session_factory()
    with sessions() as session:
        total = backfill_scope(session, since)
    looked = created = 0
    # One committed transaction per batch: memory stays flat and an interrupted run keeps
    # what it did (a re-run skips it).
    with (
        sessions() as session,
        click.progressbar(length=total, label=f"Backfilling {destination}") as bar,
    ):
        try:
            for batch_looked, batch_created in backfill_destination(
                session, destination, since, batch_size
            ):
                session.commit()
                looked += batch_looked
                created += batch_created
                bar.update(batch_looked)
        except LookupError:
            raise click.ClickException(f"No LRS called {destination!r}.") from None
    scope = f" recorded since {since.isoformat()}" if since else ""
    with sessions() as session:
        enabled = session.scalar(select(Destination.enabled).where(Destination.name == destination))
    waiting = "" if enabled else " It is disabled: they wait until it is enabled again."
    click.echo(
        f"Looked at {looked} statements{scope}: {created} queued for {destination!r}, "
        f"{looked - created} it already had.{waiting}"
    )
