"""``peerloop placements``: the activities placed in courses; ``cleanup`` removes pending
ones (never launched) that are older than a given age."""

from __future__ import annotations

import re
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from activities import placements
from lti_tool.db import get_session
from lti_tool.models import Platform

cli = AppGroup("placements", help="Activities placed in LMS courses.")

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_AGE = re.compile(r"(\d+)\s*([mhdw])")


def parse_age(value: str) -> timedelta:
    """``30m``, ``12h``, ``1d``, ``2w``."""
    match = _AGE.fullmatch(value.strip().lower())
    if not match or int(match[1]) <= 0:
        raise click.BadParameter(
            f"{value!r} is not an age: write a number and m, h, d or w (e.g. 1d, 12h)."
        )
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@cli.command("cleanup")
@click.option(
    "--older-than",
    "older_than",
    default="1d",
    show_default=True,
    help="Remove pending placements created longer ago than this (30m, 12h, 1d, 2w).",
)
@click.option("--yes", is_flag=True, help="Remove them; without it, only list what would go.")
def cleanup(older_than: str, yes: bool) -> None:
    """Remove placements that were never launched: an instructor submitted the picker and
    then cancelled the LMS's form. Lists them first (a dry run) unless --yes is given."""
    age = parse_age(older_than)
    session = get_session()
    rows = placements.stale_pending(session, age)
    if not rows:
        click.echo(f"No pending placement is older than {older_than}.")
        return
    issuers = {row.id: row.issuer for row in session.execute(select(Platform.id, Platform.issuer))}
    for row in rows:
        course = row.context_id or "no course"
        click.echo(
            f"  {row.title!r} in {course} on {issuers.get(row.platform_id, '?')}, "
            f"placed {row.created_at:%Y-%m-%d %H:%M} UTC"
        )
    if not yes:
        click.echo(
            f"{len(rows)} pending placement(s) would be removed. "
            "Run again with --yes to remove them."
        )
        return
    removed = placements.remove_pending(session, rows)
    session.commit()
    click.echo(f"Removed {removed} pending placement(s) that were never launched.")
