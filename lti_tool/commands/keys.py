"""``peerloop keys``: the tool's signing keys (list, rotate). Private keys are never printed."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from lti_tool.db import current_settings, get_session
from lti_tool.lti import keys

cli = AppGroup("keys", help="The tool's signing keys, published at /lti/jwks.")


@cli.command("list")
@click.option(
    "--pem",
    is_flag=True,
    help="Also print each key's public half as PEM, for an LMS that takes a pasted key "
    "instead of the /lti/jwks URL (Chamilo).",
)
def list_(pem: bool) -> None:
    """Show each key's kid, status and dates (current, retiring, retired), newest first."""
    rows = keys.all_keys(get_session())
    if not rows:
        click.echo("No key yet: the first one is made on first use (or `peerloop keys rotate`).")
        return
    click.echo(f"{'kid':<45} {'status':<9} {'created':<20} published until")
    for row in rows:
        status = keys.status_at(row)
        until = "-"
        if row.status == keys.RETIRING and row.retire_after is not None:
            until = f"{row.retire_after:%Y-%m-%d %H:%M}"
        click.echo(f"{row.kid:<45} {status:<9} {row.created_at:%Y-%m-%d %H:%M:%S}  {until}")
        if pem:
            click.echo(keys.public_pem(row))


@cli.command("rotate")
@click.option(
    "--grace-days",
    type=click.IntRange(min=0),
    default=None,
    help="Days the previous key stays published (default: PEERLOOP_KEY_GRACE_DAYS).",
)
def rotate(grace_days: int | None) -> None:
    """Make a new signing key; the previous one stays in the JWKS for the grace period."""
    days = current_settings().key_grace_days if grace_days is None else grace_days
    session = get_session()
    pruned = keys.prune(session)
    row = keys.rotate(session, timedelta(days=days))
    session.commit()
    click.echo(f"New signing key {row.kid}; previous keys stay published for {days} day(s).")
    if pruned:
        click.echo(f"Deleted {pruned} key(s) whose grace period had ended.")
