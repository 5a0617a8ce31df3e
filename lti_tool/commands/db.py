"""``peerloop db``: apply and inspect migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool import migrate
from lti_tool.db import current_settings

cli = AppGroup("db", help="Database migrations.")


@cli.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration."""
    url = current_settings().database_url
    before = migrate.current_revision(url)
    migrate.upgrade(url)
    click.echo(migrate.describe_upgrade(before, migrate.current_revision(url)))


@cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def revision(message: str) -> None:
    """Write a new migration from the difference between models and database (developers)."""
    migrate.revision(current_settings().database_url, message)
