"""The ``peerloop`` console command: Flask's CLI plus our operator commands.

Every failure reads as one line on stderr with a non-zero exit code (click's ``Error: …``):
bad settings, a missing database or schema, an unexpected error. Never a traceback, never a
secret setting's value.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.app import create_app
from lti_tool.commands import preflight
from lti_tool.config import Settings, describe_settings_error

# Each module exposes ``cli``: a click command or group (usually a flask.cli.AppGroup).
COMMAND_MODULES = (
    "lti_tool.commands.db",
    "lti_tool.commands.platform",
    "lti_tool.commands.placements",
    "lti_tool.commands.keys",
    "lti_tool.commands.lrs",
    "lti_tool.commands.grades",
    "lti_tool.commands.sandbox",
)


def _create_app() -> Flask:
    """The app for the command being run, once its settings and database are usable."""
    try:
        settings = Settings()
    except ValidationError as error:
        raise click.ClickException(describe_settings_error(error)) from None
    command = preflight.command_path(click.get_current_context(silent=True))
    preflight.check_database(settings.database_url, command)
    app = create_app(settings)
    preflight.quiet_logs_for(command, "log_level" in settings.model_fields_set)
    return app


class PeerloopGroup(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        # Every command is the group's own (none comes from app.cli), so `peerloop --help`
        # needs no app: it works with bad settings and without a database.
        return sorted(click.Group.list_commands(self, ctx))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except SQLAlchemyError as error:
            # A database error means the app was loaded (ScriptInfo keeps it): its URL.
            url = ctx.ensure_object(ScriptInfo).load_app().config["PEERLOOP"].database_url
            raise click.ClickException(preflight.describe_database_error(error, url)) from None
        except Exception as error:
            logging.getLogger("peerloop").debug("cli_failed", exc_info=True)
            raise click.ClickException(preflight.describe_unexpected(error)) from None


@click.group(cls=PeerloopGroup, create_app=_create_app, load_dotenv=False)
def main() -> None:
    """Peerloop: operate the LTI tool (database, platforms, keys, LRS delivery, sandbox)."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(_name).cli)
