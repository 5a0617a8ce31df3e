"""The ``peerloop`` console command: Flask's CLI plus our operator commands."""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

from lti_tool.app import create_app

# Each module exposes ``cli``: a click command or group (usually a flask.cli.AppGroup).
COMMAND_MODULES = (
    "lti_tool.commands.db",
    "lti_tool.commands.platform",
    "lti_tool.commands.placements",
    "lti_tool.commands.keys",
    "lti_tool.commands.lrs",
    "lti_tool.commands.sandbox",
)


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False)
def main() -> None:
    """Peerloop: operate the LTI tool (database, platforms, keys, LRS delivery, sandbox)."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(_name).cli)
