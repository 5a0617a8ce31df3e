"""Placeholder command group; filled by its feature."""

from flask.cli import AppGroup

cli = AppGroup("sandbox", help="(not yet available)")
