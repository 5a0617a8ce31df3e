"""Placeholder command group; filled by its feature."""

from flask.cli import AppGroup

cli = AppGroup("lrs", help="(not yet available)")
