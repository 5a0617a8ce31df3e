"""``peerloop db``: apply and inspect migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool import migrate
from lti_tool.db import current_settings, session_factory, session_scope
from lti_tool.delivery import seed_default_destination, settings_differences

cli = AppGroup("db", help="Database migrations.")


@cli.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration; create the `default` LRS from PEERLOOP_LRS_* if there
    is none yet (an existing one is left alone: `peerloop lrs sync-settings` updates it)."""
    settings = current_settings()
    before = migrate.current_revision(settings.database_url)
    migrate.upgrade(settings.database_url)
    click.echo(migrate.describe_upgrade(before, migrate.current_revision(settings.database_url)))
    with session_scope(session_factory()) as session:
        if seed_default_destination(session, settings):
            click.echo("LRS `default` created from PEERLOOP_LRS_URL.")
        elif settings_differences(session, settings):
            click.echo(
                "LRS `default` differs from the PEERLOOP_LRS_* settings and was left alone; "
                "`peerloop lrs sync-settings` applies them."
            )


@cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def revision(message: str) -> None:
    """Write a new migration from the difference between models and database (developers)."""
    migrate.revision(current_settings().database_url, message)
