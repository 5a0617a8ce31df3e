"""Placeholder command group; filled by its feature."""

from flask.cli import AppGroup

cli = AppGroup("platform", help="(not yet available)")
