"""``peerloop grades``: send the participation scores queued for the LMS gradebooks, and say
where the queue stands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from activities.grading import FAILED, PENDING, SENDING, SENT
from lti_tool.db import current_settings, session_factory
from lti_tool.grades import GradeWorker, failures, run_process, status_counts

cli = AppGroup("grades", help="Send participation scores to the LMS gradebooks (LTI AGS).")


@cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
def worker(once: bool) -> None:
    """Send queued scores until SIGTERM (the score in hand is finished first)."""
    grade_worker = GradeWorker(session_factory(), current_settings())
    if once:
        sent = grade_worker.drain()
        click.echo(f"Grade worker: {sent} queued score(s) handled; see `peerloop grades status`.")
        return
    click.echo("Grade worker started; SIGTERM or Ctrl-C stops it after the current score.")
    run_process(grade_worker)
    click.echo("Grade worker stopped.")


@cli.command("status")
def status() -> None:
    """Queued scores per state, and the latest failures with the platform's message."""
    with session_factory()() as session:
        counts = status_counts(session)
        failed = [
            (row.user_name or "a learner", row.last_message or "", row.next_attempt_at)
            for row in failures(session)
        ]
    click.echo(
        f"scores  pending {counts[PENDING]}   sending {counts[SENDING]}   "
        f"sent {counts[SENT]}   failed {counts[FAILED]}"
    )
    for name, message, retry in failed:
        when = f" (retry at {retry:%Y-%m-%d %H:%M} UTC)" if retry else " (not retried)"
        click.echo(f"  failed for {name}{when}: {message}")
