"""Placeholder command group; filled by its feature."""

from flask.cli import AppGroup

cli = AppGroup("keys", help="(not yet available)")
